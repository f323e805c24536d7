"""Several processes dispatch the same units at the same moment: never a double dispatch, every loser told who won."""

from __future__ import annotations

import json
import multiprocessing as mp
from typing import Any

from sqlalchemy import func, select

from console.db import Database, write_transaction
from console.enums import Role
from console.models import Dispatch, Unit
from console.services import dispatch, intake
from console.services.actor import Actor
from console.services.errors import InvalidTransition, UnitUnavailable
from tests.county import MiniCounty
from tests.services.test_intake import GOOD

PROCESSES = 4


def _worker(url: str, actor_name: str, case_ids: list[int], unit_ids: list[int], barrier: Any, out: Any) -> None:
    db = Database(url)
    actor = Actor(name=actor_name, role=Role.DISPATCHER)
    results = []
    barrier.wait()
    for case_id, unit_id in zip(case_ids, unit_ids, strict=True):
        try:
            write_transaction(
                db.sessions,
                lambda s, c=case_id, u=unit_id: dispatch.dispatch_unit(s, case_id=c, unit_id=u, actor=actor),
            )
            results.append({"unit": unit_id, "won": True})
        except UnitUnavailable as exc:
            results.append({"unit": unit_id, "won": False, "held_by": exc.held_by, "case": exc.held_for_case})
    db.dispose()
    out.put(json.dumps(results))


def test_concurrent_processes_never_double_dispatch(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    unit_ids = [county.unit_ids[c] for c in ("PC-01", "PC-02", "GW-G100", "FP-01")]
    # Each process gets its own cases; all processes fight over the same four units.
    case_ids: list[list[int]] = []
    for p in range(PROCESSES):
        mine = []
        for u in range(len(unit_ids)):
            req = intake.parse_intake({**GOOD, "caller_phone": f"1390000{p}{u:03d}"})
            mine.append(write_transaction(db.sessions, lambda s, r=req: intake.create_case(s, r, actor=actor)).case.id)
        case_ids.append(mine)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(db.url, f"ws{p}", case_ids[p], unit_ids, barrier, out))
        for p in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    results = [json.loads(out.get(timeout=120)) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    outcomes: dict[int, list[dict[str, Any]]] = {u: [] for u in unit_ids}
    for worker_results in results:
        for r in worker_results:
            outcomes[r["unit"]].append(r)
    with db.session() as s:
        dispatch_counts = dict(
            s.execute(select(Dispatch.unit_id, func.count(Dispatch.id)).group_by(Dispatch.unit_id)).tuples().all()
        )
        holders = {
            u.id: (u.current_case_id, u.status.value) for u in s.scalars(select(Unit).where(Unit.id.in_(unit_ids)))
        }
        winners_by_unit = {
            d.unit_id: d.dispatched_by for d in s.scalars(select(Dispatch).where(Dispatch.unit_id.in_(unit_ids)))
        }
    for unit_id, attempts in outcomes.items():
        assert len(attempts) == PROCESSES
        won = [a for a in attempts if a["won"]]
        assert len(won) == 1, f"unit {unit_id}: {attempts}"
        assert dispatch_counts[unit_id] == 1
        assert holders[unit_id][1] == "dispatched"
        for lost in (a for a in attempts if not a["won"]):
            assert lost["held_by"] == winners_by_unit[unit_id]
            assert lost["case"] is not None


def _nearest_worker(url: str, actor_name: str, case_ids: list[int], barrier: Any, out: Any) -> None:
    db = Database(url)
    actor = Actor(name=actor_name, role=Role.DISPATCHER)
    results = []
    barrier.wait()
    for case_id in case_ids:
        try:
            d = write_transaction(
                db.sessions, lambda s, c=case_id: dispatch.dispatch_nearest(s, case_id=c, actor=actor)
            )
            results.append({"case": case_id, "won": True, "unit": d.unit_id})
        except (UnitUnavailable, InvalidTransition) as exc:
            results.append({"case": case_id, "won": False, "why": type(exc).__name__})
    db.dispose()
    out.put(json.dumps(results))


def test_concurrent_f5_on_the_same_cases_sends_one_unit_each(db: Database, county: MiniCounty) -> None:
    """Every workstation presses F5 on the same cases at once: each case gets exactly one unit, no unit two cases."""
    actor = county.actors[Role.DISPATCHER]
    case_ids = []
    for i in range(3):
        req = intake.parse_intake({**GOOD, "caller_phone": f"1391111{i:04d}"})
        case_ids.append(write_transaction(db.sessions, lambda s, r=req: intake.create_case(s, r, actor=actor)).case.id)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_nearest_worker, args=(db.url, f"ws{p}", case_ids, barrier, out)) for p in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    results = [r for _ in procs for r in json.loads(out.get(timeout=120))]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    with db.session() as s:
        per_case = dict(
            s.execute(
                select(Dispatch.case_id, func.count(Dispatch.id))
                .where(Dispatch.case_id.in_(case_ids))
                .group_by(Dispatch.case_id)
            )
            .tuples()
            .all()
        )
        per_unit = dict(
            s.execute(select(Dispatch.unit_id, func.count(Dispatch.id)).group_by(Dispatch.unit_id)).tuples().all()
        )
    assert per_case == {c: 1 for c in case_ids}, results
    assert all(n == 1 for n in per_unit.values()), per_unit
    for case_id in case_ids:
        assert [r["won"] for r in results if r["case"] == case_id].count(True) == 1, results
