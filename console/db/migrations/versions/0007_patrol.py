"""patrol: plans, targets, shifts and what positions proved; key sites and relocation orders; cases filed on patrol

Revision ID: 0007_patrol
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_patrol"
down_revision = "0004_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patrol_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_patrol_days")),
    )
    op.create_table(
        "key_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("target_min", sa.Float(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_key_sites_grid_id_grids")),
        sa.ForeignKeyConstraint(["township_id"], ["townships.id"], name=op.f("fk_key_sites_township_id_townships")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_sites")),
        sa.UniqueConstraint("code", name=op.f("uq_key_sites_code")),
    )
    op.create_table(
        "patrol_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("active_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_patrol_plans_grid_id_grids")),
        sa.ForeignKeyConstraint(["township_id"], ["townships.id"], name=op.f("fk_patrol_plans_township_id_townships")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plans")),
        sa.UniqueConstraint("name", name=op.f("uq_patrol_plans_name")),
    )
    op.create_table(
        "patrol_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_no", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("targets_due", sa.Integer(), nullable=False),
        sa.Column("targets_met", sa.Integer(), nullable=False),
        sa.Column("targets_late", sa.Integer(), nullable=False),
        sa.Column("points_due", sa.Integer(), nullable=False),
        sa.Column("points_met", sa.Integer(), nullable=False),
        sa.Column("route_m_due", sa.Float(), nullable=False),
        sa.Column("route_m_covered", sa.Float(), nullable=False),
        sa.Column("area_s_due", sa.Float(), nullable=False),
        sa.Column("area_s_spent", sa.Float(), nullable=False),
        sa.Column("review_status", sa.String(length=32), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_remark", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["patrol_plans.id"], name=op.f("fk_patrol_shifts_plan_id_patrol_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_shifts")),
        sa.UniqueConstraint("plan_id", "day", "window_no", name="uq_patrol_shifts_plan_day_window"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("patrol_shifts", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_shifts_day", ["day"], unique=False)
        batch_op.create_index("ix_patrol_shifts_starts", ["starts_at"], unique=False)

    op.create_table(
        "patrol_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.Column("dwell_s", sa.Float(), nullable=True),
        sa.Column("buffer_m", sa.Float(), nullable=True),
        sa.Column("min_share", sa.Float(), nullable=True),
        sa.Column("min_minutes", sa.Float(), nullable=True),
        sa.Column("length_m", sa.Float(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("grid_ids", sa.JSON(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_patrol_targets_grid_id_grids")),
        sa.ForeignKeyConstraint(["plan_id"], ["patrol_plans.id"], name=op.f("fk_patrol_targets_plan_id_patrol_plans")),
        sa.ForeignKeyConstraint(
            ["township_id"], ["townships.id"], name=op.f("fk_patrol_targets_township_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_targets")),
    )
    with op.batch_alter_table("patrol_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_targets_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "patrol_shift_grids",
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_patrol_shift_grids_grid_id_grids")),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["patrol_shifts.id"], name=op.f("fk_patrol_shift_grids_shift_id_patrol_shifts")
        ),
        sa.PrimaryKeyConstraint("shift_id", "grid_id", name=op.f("pk_patrol_shift_grids")),
    )
    with op.batch_alter_table("patrol_shift_grids", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_shift_grids_grid", ["grid_id"], unique=False)

    op.create_table(
        "patrol_shift_targets",
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due", sa.Float(), nullable=False),
        sa.Column("achieved", sa.Float(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("first_t", sa.Float(), nullable=True),
        sa.Column("last_t", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["patrol_shifts.id"], name=op.f("fk_patrol_shift_targets_shift_id_patrol_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["patrol_targets.id"], name=op.f("fk_patrol_shift_targets_target_id_patrol_targets")
        ),
        sa.PrimaryKeyConstraint("shift_id", "target_id", name=op.f("pk_patrol_shift_targets")),
    )
    with op.batch_alter_table("patrol_shift_targets", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_shift_targets_target", ["target_id"], unique=False)

    op.create_table(
        "patrol_checkins",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dwell_s", sa.Float(), nullable=False),
        sa.Column("covered_m", sa.Float(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["patrol_shifts.id"], name=op.f("fk_patrol_checkins_shift_id_patrol_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["patrol_targets.id"], name=op.f("fk_patrol_checkins_target_id_patrol_targets")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_patrol_checkins_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_checkins")),
        sa.UniqueConstraint("shift_id", "target_id", "unit_id", "n", name="uq_patrol_checkins_key"),
    )
    with op.batch_alter_table("patrol_checkins", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_checkins_unit_arrived", ["unit_id", "arrived_at"], unique=False)

    op.create_table(
        "patrol_plan_units",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["patrol_plans.id"], name=op.f("fk_patrol_plan_units_plan_id_patrol_plans")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_patrol_plan_units_unit_id_units")),
        sa.PrimaryKeyConstraint("plan_id", "unit_id", name=op.f("pk_patrol_plan_units")),
    )
    with op.batch_alter_table("patrol_plan_units", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_plan_units_unit", ["unit_id"], unique=False)

    op.create_table(
        "patrol_shift_units",
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("fixes", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("first_t", sa.Float(), nullable=True),
        sa.Column("last_w", sa.Float(), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("last_t", sa.Float(), nullable=True),
        sa.Column("last_lat", sa.Float(), nullable=True),
        sa.Column("last_lon", sa.Float(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["patrol_shifts.id"], name=op.f("fk_patrol_shift_units_shift_id_patrol_shifts")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_patrol_shift_units_unit_id_units")),
        sa.PrimaryKeyConstraint("shift_id", "unit_id", name=op.f("pk_patrol_shift_units")),
    )
    with op.batch_alter_table("patrol_shift_units", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_shift_units_unit", ["unit_id"], unique=False)

    op.create_table(
        "relocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("covers", sa.JSON(), nullable=False),
        sa.Column("ordered_by", sa.String(length=64), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=32), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["key_sites.id"], name=op.f("fk_relocations_site_id_key_sites")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_relocations_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relocations")),
    )
    with op.batch_alter_table("relocations", schema=None) as batch_op:
        batch_op.create_index("ix_relocations_unit", ["unit_id", "closed_at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("patrol_shift_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("patrol_unit_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_cases_patrol_shift", ["patrol_shift_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_cases_patrol_unit_id_units", "units", ["patrol_unit_id"], ["id"], use_alter=True
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_patrol_shift_id_patrol_shifts"), "patrol_shifts", ["patrol_shift_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_patrol_shift_id_patrol_shifts"), type_="foreignkey")
        batch_op.drop_constraint("fk_cases_patrol_unit_id_units", type_="foreignkey")
        batch_op.drop_index("ix_cases_patrol_shift")
        batch_op.drop_column("patrol_unit_id")
        batch_op.drop_column("patrol_shift_id")

    with op.batch_alter_table("relocations", schema=None) as batch_op:
        batch_op.drop_index("ix_relocations_unit")

    op.drop_table("relocations")
    with op.batch_alter_table("patrol_shift_units", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_shift_units_unit")

    op.drop_table("patrol_shift_units")
    with op.batch_alter_table("patrol_plan_units", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_plan_units_unit")

    op.drop_table("patrol_plan_units")
    with op.batch_alter_table("patrol_checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_checkins_unit_arrived")

    op.drop_table("patrol_checkins")
    with op.batch_alter_table("patrol_shift_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_shift_targets_target")

    op.drop_table("patrol_shift_targets")
    with op.batch_alter_table("patrol_shift_grids", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_shift_grids_grid")

    op.drop_table("patrol_shift_grids")
    with op.batch_alter_table("patrol_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_targets_plan_id"))

    op.drop_table("patrol_targets")
    with op.batch_alter_table("patrol_shifts", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_shifts_starts")
        batch_op.drop_index("ix_patrol_shifts_day")

    op.drop_table("patrol_shifts")
    op.drop_table("patrol_plans")
    op.drop_table("key_sites")
    op.drop_table("patrol_days")
