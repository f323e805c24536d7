"""The `[follow_up]` table of the console's configuration file: leader-owned cases and violence-risk disputes."""

from __future__ import annotations

from pydantic import Field

from .base import Float, Section


class FollowUpSection(Section):
    """Follow-up of leader-owned cases (领导包案) and of disputes flagged for violence risk (民转刑)."""

    risk_visit_h: Float = Field(
        72.0, ge=1, le=24 * 90, description="a flagged dispute must be visited within this many hours of its resolution"
    )
