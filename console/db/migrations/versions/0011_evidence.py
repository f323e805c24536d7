"""evidence: attachments stored once by sha256 in chunks, and the cases that hold them; leader-owned cases, their
follow-up steps and disputes flagged for violence risk; screening campaigns, their grid tasks and visits

Revision ID: 0011_evidence
Revises: 0007_patrol
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_evidence"
down_revision = "0010_levels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column("gps_lat", sa.Float(), nullable=True),
        sa.Column("gps_lon", sa.Float(), nullable=True),
        sa.Column("gps_datum", sa.String(length=32), nullable=True),
        sa.Column("gps_usable", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"], name=op.f("fk_blob_chunks_sha256_blobs")),
        sa.PrimaryKeyConstraint("sha256", "seq", name=op.f("pk_blob_chunks")),
    )
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_attachments_case_id_cases")),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"], name=op.f("fk_case_attachments_sha256_blobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
        sa.UniqueConstraint("case_id", "sha256", name="uq_case_attachments_case_sha256"),
    )
    op.create_index("ix_case_attachments_sha256", "case_attachments", ["sha256"])
    op.create_index(op.f("ix_case_attachments_case_id"), "case_attachments", ["case_id"])
    op.create_table(
        "case_owners",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("leader", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("owned_by", sa.String(length=64), nullable=False),
        sa.Column("owned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_owners_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_owners")),
    )
    op.create_table(
        "follow_up_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_follow_up_steps_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_steps")),
    )
    op.create_index(op.f("ix_follow_up_steps_case_id"), "follow_up_steps", ["case_id"])
    op.create_index("ix_follow_up_steps_open_due", "follow_up_steps", ["done_at", "due_at"])
    op.create_table(
        "violence_risks",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("visit_within_h", sa.Float(), nullable=False),
        sa.Column("flagged_by", sa.String(length=64), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visit_step_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_violence_risks_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["visit_step_id"], ["follow_up_steps.id"], name=op.f("fk_violence_risks_visit_step_id_follow_up_steps")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_violence_risks")),
    )

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=True),
        sa.Column("focus", sa.String(length=32), nullable=False),
        sa.Column("visit", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_table(
        "campaign_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_tasks_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_campaign_tasks_grid_id_grids")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_campaign_tasks_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_tasks")),
        sa.UniqueConstraint("campaign_id", "grid_id", name="uq_campaign_tasks_campaign_grid"),
    )
    op.create_index(op.f("ix_campaign_tasks_campaign_id"), "campaign_tasks", ["campaign_id"])
    op.create_table(
        "campaign_visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=128), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["campaign_tasks.id"], name=op.f("fk_campaign_visits_task_id_campaign_tasks")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_campaign_visits_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_visits")),
        sa.UniqueConstraint("task_id", "place", name="uq_campaign_visits_task_place"),
    )
    op.create_index(op.f("ix_campaign_visits_task_id"), "campaign_visits", ["task_id"])
    op.create_index(op.f("ix_campaign_visits_case_id"), "campaign_visits", ["case_id"])


def downgrade() -> None:
    op.drop_table("campaign_visits")
    op.drop_table("campaign_tasks")
    op.drop_table("campaigns")
    op.drop_table("violence_risks")
    op.drop_table("follow_up_steps")
    op.drop_table("case_owners")
    op.drop_table("case_attachments")
    op.drop_table("blob_chunks")
    op.drop_table("blobs")
