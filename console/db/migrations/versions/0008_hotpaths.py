"""hotpaths: the intake's place reads (duplicates and repeats) answered from one covering index

The same-place reads of an intake ask for one category within a time window and a small box:
`category = ? AND received_at BETWEEN ? AND ? AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?`. With the index
`(category, received_at, lat, lon)` the box is tested inside the index, so only the cases in the box are fetched
from the table (before: every case of the category in the window was). It replaces `(category, received_at)`, of
which it is an extension, so an intake still writes the same number of index entries.

Revision ID: 0008_hotpaths
Revises: 0007_patrol
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0008_hotpaths"
down_revision = "0007_patrol"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_category_received_place", "cases", ["category", "received_at", "lat", "lon"])
    op.drop_index("ix_cases_category_received", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_category_received", "cases", ["category", "received_at"])
    op.drop_index("ix_cases_category_received_place", table_name="cases")
