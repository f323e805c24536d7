"""roads: the routable road network (networks, nodes, edges)

Revision ID: 0006_roads
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_roads"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "road_networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("edge_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road_networks")),
    )
    op.create_table(
        "road_nodes",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["road_networks.id"], name=op.f("fk_road_nodes_network_id_road_networks")
        ),
        sa.PrimaryKeyConstraint("network_id", "idx", name=op.f("pk_road_nodes")),
    )
    op.create_table(
        "road_edges",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.Integer(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("road_class", sa.String(length=16), nullable=False),
        sa.Column("oneway", sa.Boolean(), nullable=False),
        sa.Column("maxspeed_kmh", sa.Float(), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"], ["road_networks.id"], name=op.f("fk_road_edges_network_id_road_networks")
        ),
        sa.PrimaryKeyConstraint("network_id", "idx", name=op.f("pk_road_edges")),
    )


def downgrade() -> None:
    op.drop_table("road_edges")
    op.drop_table("road_nodes")
    op.drop_table("road_networks")
