"""Read operations for what the console shows beside the live state: the county (townships, grids, boundary), the
place names for address completion, the departments, the map's history layer and the feeds' health."""

from __future__ import annotations

from ..services import queries
from ..services.feed_health import HealthView, list_health
from .changes import OpResult
from .registry import Kind, OpContext, operation


@operation("reference.county", action=None, kind=Kind.READ)
def county(ctx: OpContext) -> OpResult[queries.CountyView]:
    """Townships, grids and the county's boundary."""
    return ctx.read(queries.county)


@operation("reference.places", action=None, kind=Kind.READ)
def places(ctx: OpContext) -> OpResult[list[queries.PlaceName]]:
    """Place, grid and township names with their positions, for address completion."""
    return ctx.read(queries.place_names)


@operation("reference.departments", action=None, kind=Kind.READ)
def departments(ctx: OpContext) -> OpResult[list[queries.DepartmentView]]:
    """The departments a case can be assigned to."""
    return ctx.read(queries.departments)


@operation("map.history", action=None, kind=Kind.READ)
def history(ctx: OpContext, *, days: int = 30) -> OpResult[list[tuple[float, float, str]]]:
    """Where the cases of the last `days` days were (the map's heat and cluster layers)."""
    return ctx.read(lambda s: queries.history_points(s, days=days, actor=ctx.actor))


@operation("feeds.health", action=None, kind=Kind.READ)
def feeds_health(ctx: OpContext) -> OpResult[list[HealthView]]:
    """Each outside feed source's health."""
    return ctx.read(list_health)
