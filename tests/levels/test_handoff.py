"""110 ↔ 12345 hand-off: the receipt's workflow by hand, the acceptance timer run by the sweep, the figures, and the
adapter against a fake peer on loopback with its faults (down, refusing, replying twice, out of order)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from console.config.handoff import HandoffPeer
from console.db import Database, write_transaction
from console.enums import CaseStatus, EventKind, HandoffStatus
from console.feeds.handoff_peer import HandoffFeed
from console.feeds.http import FeedAuthError, FeedUnavailable
from console.models import Case, Event, Handoff
from console.ops import execute
from console.services import handoffs
from console.services.actor import SYSTEM
from console.services.errors import InvalidTransition, ValidationError
from console.stats.kpi import kpis
from tests.county import MiniCounty, build_mini_county

from .conftest import LevelsCounty
from .fake_peer import FakePeer
from .test_scope import IN_G100, new_case

SECRET = "shared-secret"


def kinds(db: Database, case_id: int) -> list[str]:
    with db.session() as s:
        return [e.kind.value for e in s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))]


def handoff_of(db: Database, case_id: int) -> Handoff:
    with db.session() as s:
        h = s.scalars(select(Handoff).where(Handoff.case_id == case_id).order_by(Handoff.id.desc())).first()
        assert h is not None
        return h


def test_hand_off_accept_and_result_close_the_loop(db: Database, levels_county: LevelsCounty) -> None:
    who = levels_county.county
    cid = new_case(db, who, IN_G100)
    sent = execute(db, who, "handoff.send", case_id=cid, to="police_110").value
    assert sent.receipt.status == HandoffStatus.SENT and sent.receipt.ref is None
    with pytest.raises(InvalidTransition):  # one live hand-off per case
        execute(db, who, "handoff.send", case_id=cid, to="police_110")
    accepted = execute(db, who, "handoff.accept", case_id=cid, ref="110-2026-0042").value
    assert accepted.receipt.status == HandoffStatus.ACCEPTED and accepted.receipt.accepted_in_time is True
    done = execute(db, who, "handoff.result", case_id=cid, result="民警到场处置完毕").value
    assert done.receipt.status == HandoffStatus.DONE
    with db.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.status == CaseStatus.RESOLVED
        assert case.resolution is not None and "110-2026-0042" in case.resolution
    assert kinds(db, cid)[-4:] == ["handoff_sent", "handoff_accepted", "handoff_result", "case_resolved"]


def test_ref_read_over_the_phone_and_refusal_returns_the_case(db: Database, levels_county: LevelsCounty) -> None:
    who = levels_county.county
    cid = new_case(db, who, IN_G100)
    r = execute(db, who, "handoff.send", case_id=cid, to="hotline_12345", ref="12345-77").value
    assert r.receipt.status == HandoffStatus.ACCEPTED and r.receipt.ref == "12345-77"
    refused = execute(db, who, "handoff.refuse", case_id=cid, reason="非政务事项").value
    assert refused.receipt.status == HandoffStatus.REFUSED and refused.receipt.refusal_reason == "非政务事项"
    with db.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.status.is_open  # back with us
    # Back here, it can be handed over again; a reference already recorded is refused.
    with pytest.raises(ValidationError):
        execute(db, who, "handoff.send", case_id=cid, to="hotline_12345", ref="12345-77")
    execute(db, who, "handoff.send", case_id=cid, to="police_110")


def test_sweep_warns_once_when_not_accepted_in_time(db: Database, levels_county: LevelsCounty) -> None:
    who = levels_county.county
    cid = new_case(db, who, IN_G100)
    h = execute(db, who, "handoff.send", case_id=cid, to="police_110").value.receipt
    t0 = h.sent_at

    def sweep(minutes: float) -> int:
        return len(
            write_transaction(
                db.sessions,
                lambda s: handoffs.warn_overdue(
                    s, now=t0 + timedelta(minutes=minutes), accept_within_s=600, actor=SYSTEM
                ),
            )
        )

    assert sweep(9) == 0
    assert sweep(11) == 1
    assert sweep(12) == 0  # once
    assert kinds(db, cid).count(EventKind.HANDOFF_OVERDUE.value) == 1
    # The sweep operation runs it too (with the configured limit): nothing more to warn of here.
    execute(db, who, "supervision.sweep", accept_within_s=600)
    assert kinds(db, cid).count(EventKind.HANDOFF_OVERDUE.value) == 1
    execute(db, who, "handoff.accept", case_id=cid, ref="110-9")
    with db.session() as s:
        figures = kpis(s, start=t0 - timedelta(hours=1), end=t0 + timedelta(hours=1), now=t0, accept_within_s=600)
    assert figures.handoffs["to_police_110"] == 1
    assert figures.handoffs["accepted"] == 1


def test_handoff_figures_each_way(db: Database, levels_county: LevelsCounty) -> None:
    who = levels_county.county
    a, b, c = (new_case(db, who, IN_G100, phone=f"1390000000{i}") for i in range(3))
    execute(db, who, "handoff.send", case_id=a, to="police_110", ref="110-1")
    execute(db, who, "handoff.send", case_id=b, to="hotline_12345")
    execute(db, who, "handoff.refuse", case_id=b, reason="不属实")
    execute(db, who, "handoff.send", case_id=c, to="hotline_12345")
    t = handoff_of(db, a).sent_at
    with db.session() as s:
        figures = kpis(s, start=t - timedelta(hours=1), end=t + timedelta(hours=1), now=t).as_dict()["handoffs"]
    assert figures["to_police_110"] == 1 and figures["to_hotline_12345"] == 2
    assert figures["accepted_in_time"] == 1 and figures["returned"] == 1 and figures["waiting"] == 1


# -- the adapter against the fake peer (SQLite: the HTTP side is what is tested here) -------------------------------


@pytest.fixture
def mini(sqlite_db: Database) -> MiniCounty:
    return build_mini_county(sqlite_db)


@pytest.fixture
def peer() -> Iterator[FakePeer]:
    p = FakePeer(SECRET).start()
    yield p
    with contextlib.suppress(OSError):
        p.stop()


def feed(url: str, secret: str = SECRET) -> HandoffFeed:
    config = HandoffPeer.model_validate(
        {"url": url, "secret": secret, "retries": 0, "backoff_s": 0.0, "connect_timeout_s": 2.0}
    )
    return HandoffFeed("police_110", config)


def sent_case(db: Database, mini: MiniCounty) -> int:
    from console.enums import Role

    who = mini.actors[Role.DISPATCHER]
    cid = new_case(db, who, IN_G100)
    execute(db, who, "handoff.send", case_id=cid, to="police_110")
    return cid


def test_adapter_delivers_signed_and_follows_the_status(sqlite_db: Database, mini: MiniCounty, peer: FakePeer) -> None:
    cid = sent_case(sqlite_db, mini)
    f = feed(peer.url)
    first = f.poll(sqlite_db)
    assert first.delivered == 1 and peer.bad_signatures == 0
    h = handoff_of(sqlite_db, cid)
    assert h.ref == "110-0001" and h.delivered_at is not None and h.status == HandoffStatus.SENT
    f.poll(sqlite_db)  # delivered once: the outbox is empty now
    assert peer.posts == 1
    peer.set_status("110-0001", "accepted")
    f.poll(sqlite_db)
    assert handoff_of(sqlite_db, cid).status == HandoffStatus.ACCEPTED
    peer.set_status("110-0001", "done", result="已立案侦查")
    f.poll(sqlite_db)
    h = handoff_of(sqlite_db, cid)
    assert h.status == HandoffStatus.DONE and h.result == "已立案侦查"
    with sqlite_db.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.status == CaseStatus.RESOLVED
    f.close()


def test_adapter_peer_down_keeps_it_waiting_then_delivers(sqlite_db: Database, mini: MiniCounty) -> None:
    cid = sent_case(sqlite_db, mini)
    down = FakePeer(SECRET)
    url = down.url
    down.stop()  # nothing listens there
    with pytest.raises(FeedUnavailable):
        feed(url).poll(sqlite_db)
    h = handoff_of(sqlite_db, cid)
    assert h.status == HandoffStatus.SENT and h.delivered_at is None
    up = FakePeer(SECRET).start()
    try:
        assert feed(up.url).poll(sqlite_db).delivered == 1
    finally:
        up.stop()


def test_adapter_peer_refusing_returns_the_case(sqlite_db: Database, mini: MiniCounty, peer: FakePeer) -> None:
    cid = sent_case(sqlite_db, mini)
    peer.refuse_reason = "非警情，请转12345"
    result = feed(peer.url).poll(sqlite_db)
    assert result.refused_at_delivery == 1
    h = handoff_of(sqlite_db, cid)
    assert h.status == HandoffStatus.REFUSED and h.refusal_reason == "非警情，请转12345"
    assert kinds(sqlite_db, cid).count(EventKind.HANDOFF_REFUSED.value) == 1


def test_adapter_reply_twice_applies_once(sqlite_db: Database, mini: MiniCounty, peer: FakePeer) -> None:
    cid = sent_case(sqlite_db, mini)
    f = feed(peer.url)
    f.poll(sqlite_db)
    peer.set_status("110-0001", "accepted")
    assert f.poll(sqlite_db).applied == 1
    again = f.poll(sqlite_db)  # the same answer again
    assert again.applied == 0 and again.ignored == 1
    assert kinds(sqlite_db, cid).count(EventKind.HANDOFF_ACCEPTED.value) == 1


def test_adapter_out_of_order_older_answer_changes_nothing(
    sqlite_db: Database, mini: MiniCounty, peer: FakePeer
) -> None:
    cid = sent_case(sqlite_db, mini)
    f = feed(peer.url)
    f.poll(sqlite_db)
    # The other side refused, then took it after all; its newer answer arrives first, the older one late.
    peer.script(
        "110-0001",
        [
            {"ref": "110-0001", "status": "accepted", "seq": 3},
            {"ref": "110-0001", "status": "refused", "seq": 2, "reason": "先拒后收"},
        ],
    )
    f.poll(sqlite_db)
    f.poll(sqlite_db)
    h = handoff_of(sqlite_db, cid)
    assert h.status == HandoffStatus.ACCEPTED and h.peer_seq == 3
    assert EventKind.HANDOFF_REFUSED.value not in kinds(sqlite_db, cid)


def test_adapter_wrong_secret_is_refused_by_the_peer(sqlite_db: Database, mini: MiniCounty, peer: FakePeer) -> None:
    cid = sent_case(sqlite_db, mini)
    with pytest.raises(FeedAuthError):
        feed(peer.url, secret="wrong").poll(sqlite_db)
    assert peer.bad_signatures == 1 and handoff_of(sqlite_db, cid).delivered_at is None
