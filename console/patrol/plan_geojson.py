"""`patrol import FILE.geojson`: one Feature per target, grouped into plans by the `plan` property.

Properties: `plan`, `team` (callsigns separated by `;`), `days` (`mon;tue;…` or ISO dates), optional `valid_from`,
`valid_to`, `windows` (`07:10-07:50;16:30-17:20`, China Standard Time), an optional target `name`, and the target's
parameters (`radius_m`, `dwell_s` for a Point; `buffer_m`, `min_share` for a LineString; `min_minutes` for a Polygon).
The plan's properties must agree across its features. A bad file is rejected whole, naming the feature and field.
The same shape is written by `patrol suggest`, so a suggestion can be edited and imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..services.errors import ValidationError
from ..services.geojson_input import feature_list
from .drafts import ALL_PARAMETERS, PlanDraft, TargetDraft, check_date, check_geometry, check_name, check_plan

PLAN_PROPERTIES = ("plan", "team", "days", "windows", "valid_from", "valid_to")
KNOWN_PROPERTIES = frozenset((*PLAN_PROPERTIES, "name", *ALL_PARAMETERS, "cases", "note"))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _feature(where: str, feature: Any) -> tuple[str, dict[str, Any], Any, dict[str, Any]]:
    """One feature's plan name, properties, (kind, geometry) and target parameters, checked."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValidationError(where, "must be a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise ValidationError(f"{where}.properties", "must be an object with plan, team, days, windows")
    unknown = sorted(k for k in props if k not in KNOWN_PROPERTIES)
    if unknown:
        raise ValidationError(
            f"{where}.properties.{unknown[0]}",
            f"unknown property; expected some of {', '.join(sorted(KNOWN_PROPERTIES))}",
        )
    plan_name = check_name(props.get("plan"), f"{where}.properties.plan")
    for key in ("team", "days", "windows"):
        if not _text(props.get(key)):
            raise ValidationError(f"{where}.properties.{key}", "is required")
    for key in ("valid_from", "valid_to"):
        check_date(props.get(key), f"{where}.properties.{key}")
    target = check_geometry(feature.get("geometry"), f"{where}.geometry")
    return plan_name, props, target, {k: props.get(k) for k in ALL_PARAMETERS}


def parse_plans_geojson(text: str) -> list[PlanDraft]:
    plans: dict[str, dict[str, Any]] = {}
    for i, feature in enumerate(feature_list(text)):
        where = f"features[{i}]"
        plan_name, props, (kind, geometry), params = _feature(where, feature)
        plan = plans.get(plan_name)
        if plan is None:
            plan = plans[plan_name] = {"first": i, "props": props, "targets": [], "where": []}
        else:
            first = plan["props"]
            for key in PLAN_PROPERTIES[1:]:
                if _text(props.get(key)) != _text(first.get(key)):
                    raise ValidationError(
                        f"{where}.properties.{key}",
                        f"differs from features[{plan['first']}] of the same plan {plan_name!r}",
                    )
        plan["targets"].append(TargetDraft(kind, geometry, _text(props.get("name")), **params))
        plan["where"].append(where)
    out: list[PlanDraft] = []
    for name, plan in plans.items():
        props = plan["props"]
        where = f"features[{plan['first']}].properties."
        draft = PlanDraft(
            name=name,
            team=tuple(_text(props.get("team")).split(";")),
            days=tuple(_text(props.get("days")).split(";")),
            windows=tuple(_text(props.get("windows")).split(";")),
            targets=tuple(plan["targets"]),
            valid_from=check_date(props.get("valid_from"), f"{where}valid_from"),
            valid_to=check_date(props.get("valid_to"), f"{where}valid_to"),
        )
        out.append(_checked(draft, plan["where"]))
    return out


def _checked(draft: PlanDraft, feature_names: list[str]) -> PlanDraft:
    """Validate, and name the feature (not the draft's target index) when a target is wrong."""
    try:
        return check_plan(draft)
    except ValidationError as exc:
        field = exc.field
        if field.startswith("targets["):
            index = int(field[len("targets[") : field.index("]")])
            rest = field[field.index("]") + 2 :]
            target_field = f"{feature_names[index]}.{'geometry' if rest == 'geometry' else 'properties.' + rest}"
            raise ValidationError(target_field, exc.reason) from None
        first = feature_names[0]
        key = "plan" if field == "name" else field
        raise ValidationError(f"{first}.properties.{key}", exc.reason) from None


def plans_geojson(drafts: Iterable[PlanDraft], *, extra: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Drafts as the import's FeatureCollection (`extra[plan name]` adds properties to each of its features)."""
    features = []
    for draft in drafts:
        for target in draft.targets:
            props: dict[str, Any] = {
                "plan": draft.name,
                "team": ";".join(draft.team),
                "days": ";".join(draft.days),
                "windows": ";".join(draft.windows),
                "name": target.name,
            }
            if draft.valid_from:
                props["valid_from"] = draft.valid_from.isoformat()
            if draft.valid_to:
                props["valid_to"] = draft.valid_to.isoformat()
            for key, value in target.as_dict().items():
                if key in ALL_PARAMETERS and value is not None:
                    props[key] = value
            props.update((extra or {}).get(draft.name, {}))
            features.append({"type": "Feature", "properties": props, "geometry": target.geometry})
    return {"type": "FeatureCollection", "features": features}
