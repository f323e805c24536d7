"""Intake operations (受理): take an appeal in (optionally merged at once into the master it duplicates), take a list
in all or nothing, preview what saving would do, and the caller's history. `validate` and `suggest` are pure (no
database): the intake form runs them as the operator types, and the service checks again when saving."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..attachments import AttachmentSettings, Prepared
from ..db import Tx
from ..errors import ValidationError
from ..records import case_dict
from ..services import cases, intake
from ..services import triage as _triage
from ..services.actor import Action
from ..services.attachments import add_attachment
from ..services.intake import CallerHistory, IntakePreview, IntakeRequest
from ..services.suggest import Suggestion, suggest_category
from ..services.triage import Card, TriageSuggestion
from .attachments import prepare_all
from .changes import OpChanges, OpResult
from .registry import Kind, OpContext, operation
from .values import CaseState


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    case: CaseState
    duplicates: list[str]  # numbers of the candidate duplicates found at intake
    record: dict[str, Any]  # the created case as the command line prints it (the `export cases` shape)
    merged_into: int | None = None  # the master case it was merged into at once, if asked
    suggested: tuple[str, ...] = ()  # the fields taken from the triage suggestion ("category", "priority")


def validate(data: Mapping[str, Any], *, prefix: str = "") -> IntakeRequest:
    """Check an appeal without saving it; ValidationError names the first bad field. Its `attachments` are read
    and checked when it is saved (`console.ops.attachments.prepare_all`)."""
    if isinstance(data, Mapping) and "attachments" in data:
        data = {k: v for k, v in data.items() if k != "attachments"}
    return intake.parse_intake(data, prefix=prefix)


def _with_files(
    data: Mapping[str, Any],
    request: IntakeRequest,
    settings: AttachmentSettings | None,
    base_dir: str | None,
    prefix: str = "",
) -> tuple[IntakeRequest, list[Prepared]]:
    """The appeal's files read and checked; a photo's WGS-84 EXIF position becomes the place of an appeal that has
    none (the intake form offers it the same way)."""
    files = prepare_all(data.get("attachments"), settings, field=f"{prefix}attachments", base_dir=base_dir)
    if request.lat is None:
        fix = next((p.gps for p in files if p.gps is not None and p.gps.usable), None)
        if fix is not None and fix.lat is not None and fix.lon is not None:
            request = replace(request, lat=fix.lat, lon=fix.lon)
    return request, files


def suggest(text: str) -> Suggestion | None:
    """The category the description's words suggest, if any."""
    return suggest_category(text)


def triage(text: str) -> TriageSuggestion:
    """The category and priority the description's words suggest (pure: the form runs it as the operator types)."""
    return _triage.suggest(text)


def triage_card(category: Any) -> Card | None:
    """The category's question card (at most three yes/no questions), if it has one."""
    return _triage.default_rules().card(category)


def _create(
    tx: Tx,
    ctx: OpContext,
    request: IntakeRequest,
    merge_into: int | None,
    suggested: Sequence[str] = (),
    answers: Mapping[str, bool] | None = None,
    files: Sequence[Prepared] = (),
    per_case: int = 20,
) -> IntakeOutcome:
    result = intake.create_case(tx, request, actor=ctx.actor)
    case = result.case
    if answers or suggested:  # (the triage event; an ORM session only when there is one to write)
        _triage.record_answers(
            tx.session,
            case_id=case.id,
            category=request.category,
            priority=request.priority,
            answers=answers or {},
            suggested=list(suggested),
            actor=ctx.actor.name,
        )
    for f in files:
        add_attachment(
            tx.session,
            case_id=case.id,
            prepared=f,
            source="intake",
            actor=ctx.actor,
            per_case=per_case,
            action=Action.INTAKE,
        )
    record = case_dict(case, viewer=ctx.actor, grid=result.grid_code, township=result.township_name)
    if merge_into:
        case = cases.merge_case(tx.session, case_id=case.id, into_case_id=merge_into, actor=ctx.actor)
    return IntakeOutcome(CaseState.of(case), list(result.duplicates), record, merge_into, tuple(suggested))


def _triaged(data: Mapping[str, Any], *, prefix: str = "") -> tuple[IntakeRequest, list[str]]:
    """The request with a missing category or priority taken from the triage suggestion, and which were taken."""
    if not isinstance(data, Mapping):
        return validate(data, prefix=prefix), []
    filled, suggested = _triage.fill_suggestions(data)
    return validate(filled, prefix=prefix), suggested


def _changes(outcomes: Sequence[IntakeOutcome]) -> OpChanges:
    return OpChanges.of(cases=[o.case.id for o in outcomes] + [o.merged_into for o in outcomes])


@operation("intake.create", action=Action.INTAKE)
def create(
    ctx: OpContext,
    *,
    data: Mapping[str, Any],
    merge_into: int | None = None,
    triage: Mapping[str, bool] | None = None,
    attachment_settings: AttachmentSettings | None = None,
    base_dir: str | None = None,
) -> OpResult[IntakeOutcome]:
    """Take one appeal in (with its `attachments`: paths or base64); with `merge_into`, merged into that open case in
    the same transaction. A missing category or priority is taken from the triage suggestion
    (`IntakeOutcome.suggested` says which); `triage` holds the answers to the category's question card
    ({question id: yes?}), kept with the case as its `case_triaged` event."""
    request, suggested = _triaged(data)
    request, files = _with_files(data, request, attachment_settings, base_dir)
    answers = _answers(request.category, triage)
    per_case = (attachment_settings or AttachmentSettings()).per_case
    return ctx.write_tx(
        lambda tx: _create(tx, ctx, request, merge_into, suggested, answers, files, per_case),
        changes=lambda o: _changes([o]),
    )


def _answers(category: Any, answers: Mapping[str, bool] | None) -> dict[str, bool]:
    return {} if answers is None else _triage.check_answers(category, answers)


@operation("intake.batch", action=Action.INTAKE)
def batch(
    ctx: OpContext,
    *,
    items: Sequence[Mapping[str, Any]],
    attachment_settings: AttachmentSettings | None = None,
    base_dir: str | None = None,
) -> OpResult[list[IntakeOutcome]]:
    """Take a list of appeals in, all or nothing (errors name the item: `[3].lat`)."""
    if not isinstance(items, Sequence) or isinstance(items, str | bytes) or not items:
        raise ValidationError("json", "the list is empty")
    prepared = []
    for i, item in enumerate(items):
        request, suggested = _triaged(item, prefix=f"[{i}].")
        request, files = _with_files(item, request, attachment_settings, base_dir, f"[{i}].")
        prepared.append((request, suggested, files))
    per_case = (attachment_settings or AttachmentSettings()).per_case
    return ctx.write_tx(
        lambda tx: [_create(tx, ctx, r, None, suggested, None, f, per_case) for r, suggested, f in prepared],
        changes=_changes,
    )


@operation("intake.preview", action=None, kind=Kind.READ)
def preview(ctx: OpContext, *, data: Mapping[str, Any]) -> OpResult[IntakePreview]:
    """What saving would do: grid, township, deadline and duplicate candidates."""
    request = validate(data)
    return ctx.read(lambda s: intake.preview_intake(s, request, actor=ctx.actor))


@operation("intake.caller_history", action=None, kind=Kind.READ)
def caller_history(ctx: OpContext, *, phone: str) -> OpResult[CallerHistory]:
    """The caller's earlier appeals and how many they made in the last year."""
    return ctx.read(lambda s: intake.caller_history(s, phone, actor=ctx.actor))
