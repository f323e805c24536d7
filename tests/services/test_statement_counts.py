"""The hot paths' statement counts, on SQLite and PostgreSQL: a guard that does not depend on the clock.

Each hot operation runs once in its own transaction on the mini county and the statements its transaction sends are
counted (`console.db.statements.count_statements`). A change that adds a statement fails here; when the extra
statement is wanted, update `EXPECTED` on purpose (and say why in the commit). `bench/bench_core.py` prints the same
counts next to its timings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from console.db import Database, write_transaction
from console.db.statements import StatementLog, count_statements
from console.enums import AssigneeKind, Role, UnitStatus
from console.services import assignments, dispatch, intake, positions
from console.services.actor import SYSTEM
from tests.county import MiniCounty
from tests.services.test_intake import GOOD

# (SQLite, PostgreSQL). PostgreSQL sends each event's NOTIFY in the event's own INSERT (`WITH written AS (INSERT …)
# SELECT …, pg_notify(…)`), so both send the same statements; the pair stays for a path where they differ.
EXPECTED: dict[str, tuple[int, int]] = {
    # counter upsert, ONE read for the duplicate and repeat candidates, citizen upsert, case insert (already linked to
    # its master), event insert, the master's guarded count (UPDATE … RETURNING), its event
    "intake": (7, 7),
    # guarded unit claim, guarded case update, the road network's freshness check (a fresh database: the first
    # dispatch of the process on it always checks; then at most every RECHECK_S seconds), dispatch insert, event
    "dispatch": (5, 5),
    # guarded unit step, its active dispatch, dispatch update, case touch, event insert
    "unit_status": (5, 5),
    # case read, assignee check, one read for live/earlier assignments, guarded case update, assignment insert,
    # event insert
    "assignment": (6, 6),
    # units by tracker, the history already holding late fixes (one statement for the batch), the guarded position
    # update, the history insert, event insert, and patrol matching's three reads (plans, shifts, plan units)
    "position_batch": (8, 8),
    # the same through the operations the interface runs (`console.ops`), by id: an intake without attachments or
    # triage answers is the service's intake (as above, a repeat of the case before it); a dispatch by unit is the
    # service's dispatch (its first in this process on this database: with the road network's check); F5 reads the
    # case and the available units to rank them, then dispatches the first (the road network checked by then)
    "intake_op": (7, 7),
    "dispatch_op": (5, 5),
    "dispatch_nearest_op": (6, 6),
}


def counted(db: Database, work: Callable[[Session], Any]) -> StatementLog:
    with count_statements(db.engine) as log:
        write_transaction(db.sessions, work)
    return log


def expect(db: Database, name: str, log: StatementLog) -> None:
    want = EXPECTED[name][1 if db.is_postgres else 0]
    assert log.count == want, f"{name}: {log.count} statements, expected {want}: {log.verbs()}\n" + "\n".join(
        s.split("\n")[0][:160] for s in log.statements
    )


def _new_case(db: Database, county: MiniCounty, phone: str) -> int:
    req = intake.parse_intake({**GOOD, "caller_phone": phone})
    actor = county.actors[Role.DISPATCHER]
    return write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=actor)).case.id


def test_intake_statements(db: Database, county: MiniCounty) -> None:
    _new_case(db, county, "13900000001")  # a case already there: the duplicate and repeat queries find something
    req = intake.parse_intake({**GOOD, "caller_phone": "13900000002"})
    actor = county.actors[Role.DISPATCHER]
    expect(db, "intake", counted(db, lambda s: intake.create_case(s, req, actor=actor)))


def test_dispatch_statements(db: Database, county: MiniCounty) -> None:
    case_id = _new_case(db, county, "13900000003")
    actor, unit_id = county.actors[Role.DISPATCHER], county.unit_ids["PC-01"]
    expect(
        db,
        "dispatch",
        counted(db, lambda s: dispatch.dispatch_unit(s, case_id=case_id, unit_id=unit_id, actor=actor)),
    )


def test_unit_status_statements(db: Database, county: MiniCounty) -> None:
    case_id = _new_case(db, county, "13900000004")
    actor, unit_id = county.actors[Role.DISPATCHER], county.unit_ids["PC-01"]
    write_transaction(db.sessions, lambda s: dispatch.dispatch_unit(s, case_id=case_id, unit_id=unit_id, actor=actor))
    expect(
        db,
        "unit_status",
        counted(db, lambda s: dispatch.set_unit_status(s, unit_id=unit_id, status=UnitStatus.EN_ROUTE, actor=actor)),
    )


def test_assignment_statements(db: Database, county: MiniCounty) -> None:
    case_id = _new_case(db, county, "13900000005")
    lead = county.actors[Role.SHIFT_LEADER]
    expect(
        db,
        "assignment",
        counted(
            db,
            lambda s: assignments.assign_case(
                s,
                case_id=case_id,
                assignee_kind=AssigneeKind.DEPARTMENT,
                assignee_id=county.department_id,
                actor=lead,
            ),
        ),
    )


def test_position_batch_statements(db: Database, county: MiniCounty) -> None:
    base = county.now - timedelta(seconds=30)
    fixes = [
        positions.Fix(fix_at=base + timedelta(seconds=i), lat=24.81 + i * 1e-4, lon=113.61, tracker_id=tracker)
        for i in range(5)
        for tracker in ("T-PC-01", "T-PC-02", "T-FP-01")
    ]
    expect(
        db,
        "position_batch",
        counted(db, lambda s: positions.ingest_in_transaction(s, fixes, source="test", actor=SYSTEM, now=county.now)),
    )


def test_the_count_fails_when_a_statement_is_added(db: Database, county: MiniCounty) -> None:
    """The guard can fail: the same dispatch with one extra read is caught."""
    from sqlalchemy import select

    from console.models import Unit

    case_id = _new_case(db, county, "13900000006")
    actor, unit_id = county.actors[Role.DISPATCHER], county.unit_ids["PC-02"]

    def work(s: Session) -> None:
        s.execute(select(Unit.id).where(Unit.id == unit_id)).all()
        dispatch.dispatch_unit(s, case_id=case_id, unit_id=unit_id, actor=actor)

    with pytest.raises(AssertionError, match="dispatch: "):
        expect(db, "dispatch", counted(db, work))


def test_the_operations_the_interface_runs_send_the_service_s_statements(db: Database, county: MiniCounty) -> None:
    """The dispatch console's intake form, its dispatch by unit and F5 (`dispatch.nearest`) go through the named
    operations (`console.ops`): by id they send exactly what the service sends (F5 adds its reads for the ranking);
    the operations' runner adds no statement of its own."""
    from console.ops import execute

    actor = county.actors[Role.DISPATCHER]
    _new_case(db, county, "13900000010")  # the grid index built, as in `test_intake_statements`
    with count_statements(db.engine) as log:
        created = execute(db, actor, "intake.create", data={**GOOD, "caller_phone": "13900000011"}).value
    expect(db, "intake_op", log)
    with count_statements(db.engine) as log:
        execute(db, actor, "dispatch.unit", case_id=created.case.id, unit_id=county.unit_ids["PC-01"])
    expect(db, "dispatch_op", log)
    other = execute(db, actor, "intake.create", data={**GOOD, "caller_phone": "13900000012"}).value
    with count_statements(db.engine) as log:
        execute(db, actor, "dispatch.nearest", case_id=other.case.id)
    expect(db, "dispatch_nearest_op", log)
