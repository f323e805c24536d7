"""Storing a road network: one transaction replaces the whole network and records `roads_imported`.

Every console and the feeds process read the same network from the database; its id is the version that each
process's routing graph is built for, so a new import reaches them all at their next look (console.geo.roadnet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..enums import EventKind
from ..events import record_event
from ..geo.roadnet import forget_road_graph
from ..models import RoadEdge, RoadNetwork, RoadNode
from ..timeutil import utcnow
from .actor import Action, Actor
from .road_files import RoadData

#: Rows per INSERT statement batch.
_BATCH = 5000


@dataclass(frozen=True, slots=True)
class RoadImportReport:
    network_id: int
    nodes: int
    edges: int
    oneway_edges: int
    length_km: float
    classes: dict[str, int]
    skipped_ways: int
    replaced_network_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "network_id": self.network_id,
            "nodes": self.nodes,
            "edges": self.edges,
            "oneway_edges": self.oneway_edges,
            "length_km": self.length_km,
            "classes": self.classes,
            "skipped_ways": self.skipped_ways,
            "replaced_network_id": self.replaced_network_id,
        }


def import_roads(
    session: Session, data: RoadData, *, actor: Actor, source: str, now: datetime | None = None
) -> RoadImportReport:
    """Replace the road network by `data` (already validated whole by the parser) in the caller's transaction."""
    actor.require(Action.MANAGE_COUNTY)
    now = now or utcnow()
    previous = session.scalar(select(func.max(RoadNetwork.id)))
    network = RoadNetwork(
        source=source[:255],
        imported_at=now,
        imported_by=actor.name,
        node_count=data.node_count,
        edge_count=data.edge_count,
    )
    session.add(network)
    session.flush()
    session.execute(delete(RoadEdge))
    session.execute(delete(RoadNode))
    nid = network.id
    lats, lons = data.lats.tolist(), data.lons.tolist()
    for start in range(0, data.node_count, _BATCH):
        stop = min(start + _BATCH, data.node_count)
        session.execute(
            insert(RoadNode),
            [{"network_id": nid, "idx": i, "lat": lats[i], "lon": lons[i]} for i in range(start, stop)],
        )
    source_ids, target_ids = data.source.tolist(), data.target.tolist()
    lengths, oneway, maxspeed = data.length_m.tolist(), data.oneway.tolist(), data.maxspeed_kmh.tolist()
    for start in range(0, data.edge_count, _BATCH):
        stop = min(start + _BATCH, data.edge_count)
        session.execute(
            insert(RoadEdge),
            [
                {
                    "network_id": nid,
                    "idx": j,
                    "source": source_ids[j],
                    "target": target_ids[j],
                    "length_m": round(lengths[j], 2),
                    "road_class": data.road_class[j].value,
                    "oneway": oneway[j],
                    "maxspeed_kmh": None if math.isnan(maxspeed[j]) else maxspeed[j],
                    "name": data.names[j],
                }
                for j in range(start, stop)
            ],
        )
    report = RoadImportReport(
        network_id=nid,
        nodes=data.node_count,
        edges=data.edge_count,
        oneway_edges=int(data.oneway.sum()),
        length_km=round(float(data.length_m.sum()) / 1000, 3),
        classes=data.class_counts(),
        skipped_ways=data.skipped,
        replaced_network_id=previous,
    )
    record_event(
        session, EventKind.ROADS_IMPORTED, actor=actor.name, ts=now, payload={"source": source, **report.as_dict()}
    )
    forget_road_graph(session)
    return report
