"""levels: users of the county, a township or a village; the level holding each case; 110 ↔ 12345 hand-offs

Revision ID: 0010_levels
Revises: 0007_patrol
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_levels"
down_revision = "0008_hotpaths"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=32), nullable=False, server_default="county"))
        batch_op.add_column(sa.Column("grid_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_users_grid_id_grids"), "grids", ["grid_id"], ["id"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=32), nullable=False, server_default="county"))
        batch_op.add_column(sa.Column("resolved_level", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("sent_up", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("to_line", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("result_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("peer_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_handoffs_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
        sa.UniqueConstraint("to_line", "ref", name="uq_handoffs_line_ref"),
    )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoffs_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_handoffs_status_sent", ["status", "sent_at"], unique=False)
        batch_op.create_index("ix_handoffs_sent", ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_table("handoffs")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("sent_up")
        batch_op.drop_column("resolved_level")
        batch_op.drop_column("level")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_grid_id_grids"), type_="foreignkey")
        batch_op.drop_column("grid_id")
        batch_op.drop_column("level")
