"""supervision: repeat appeals, return and dissatisfaction counters, assignment escalation, KPI indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assignment_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("return_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("dissatisfied_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_foreign_key(op.f("fk_cases_repeat_of_id_cases"), "cases", ["repeat_of_id"], ["id"])
        batch_op.create_index("ix_cases_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_cases_repeat_of", ["repeat_of_id"], unique=False)
        batch_op.create_index("ix_cases_closed_status", ["closed_at", "status"], unique=False)
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalation", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_assignments_assigned", ["assigned_at"], unique=False)
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index("ix_dispatches_dispatched", ["dispatched_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index("ix_dispatches_dispatched")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_assigned")
        batch_op.drop_column("escalation")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_closed_status")
        batch_op.drop_index("ix_cases_repeat_of")
        batch_op.drop_index("ix_cases_status_due")
        batch_op.drop_constraint(op.f("fk_cases_repeat_of_id_cases"), type_="foreignkey")
        batch_op.drop_column("dissatisfied_count")
        batch_op.drop_column("return_count")
        batch_op.drop_column("assignment_count")
        batch_op.drop_column("repeat_of_id")
