"""The routable road network shared by every console: one current network of nodes and edges.

An import (`import roads`, the demo) adds a `RoadNetwork` row and replaces every node and edge in one transaction;
the network's id is its version, which each process's routing graph is built for (`console.geo.roadnet`).
Nodes and edges are numbered 0… within their network, so a graph is built from them without a lookup table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class RoadNetwork(Base):
    """One import of the road network; the newest row is the network in use (its id is the version)."""

    __tablename__ = "road_networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(255))  # file name, or "demo"
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(64))
    node_count: Mapped[int] = mapped_column(Integer)
    edge_count: Mapped[int] = mapped_column(Integer)


class RoadNode(Base):
    __tablename__ = "road_nodes"

    network_id: Mapped[int] = mapped_column(ForeignKey("road_networks.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class RoadEdge(Base):
    """A straight piece of road between two nodes. A one-way edge is open from `source` to `target` only."""

    __tablename__ = "road_edges"

    network_id: Mapped[int] = mapped_column(ForeignKey("road_networks.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[int] = mapped_column(Integer)
    target: Mapped[int] = mapped_column(Integer)
    length_m: Mapped[float] = mapped_column(Float)
    road_class: Mapped[str] = mapped_column(String(16))  # motorway … path (console.geo.roadclass)
    oneway: Mapped[bool] = mapped_column(Boolean)
    maxspeed_kmh: Mapped[float | None] = mapped_column(Float)
    name: Mapped[str | None] = mapped_column(String(128))
