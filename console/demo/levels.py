"""The demo's three levels: a township center (东河镇) and one of its villages get their own users, and a few cases
are handled at each level through the services — taken in and resolved at the village (就地化解), sent up from the
village to the township and from the township to the county (上交), sent down by the county, and handed to the
police line and the hotline (110 ↔ 12345)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import Level, Role
from ..models import Grid
from ..services import handoffs, intake, levels
from ..services.actor import SYSTEM, Actor
from ..services.cases import resolve_case
from ..services.users import actor_of, add_user, hash_password
from .reference import CountyIds, DemoActors

#: The township whose center the demo staffs, and its logins (password = name).
TOWNSHIP = "东河镇"
TOWNSHIP_DISPATCHER = "donghe_zz"
TOWNSHIP_LEADER = "donghe_lead"
VILLAGE_DISPATCHER = "donghe_cun"


@dataclass(frozen=True)
class LevelUsers:
    town: Actor
    town_lead: Actor
    village: Actor
    village_grid: str


def _points(s: Session, township_id: int) -> list[tuple[str, float, float]]:
    """(grid code, lat, lon) of a point inside each grid of the township, by code."""
    grids = s.scalars(select(Grid).where(Grid.township_id == township_id).order_by(Grid.code)).all()
    out = []
    for g in grids:
        p = shape(g.geometry).representative_point()
        out.append((g.code, float(p.y), float(p.x)))
    return out


Step = tuple[float, Callable[[Session, datetime], None]]


def level_steps(ids: CountyIds, actors: DemoActors, *, now: datetime) -> list[Step]:
    """The township's and the village's users and a few cases handled at each level, as steps (epoch seconds, work)
    the history plays in time order with everything else, so that the events stay one timeline."""
    town_ids = {name: ids.townships[code] for code, name in ids.township_names.items()}
    township_id = town_ids.get(TOWNSHIP) or next(iter(town_ids.values()))
    made: dict[str, Any] = {}  # what earlier steps made (users, places, case ids), for the later ones

    def users(s: Session, when: datetime) -> None:
        points = _points(s, township_id)
        made["village_point"] = points[0][1:]
        made["town_point"] = points[1 % len(points)][1:]

        def user(name: str, role: Role, level: Level, township: int | None = None, grid: int | None = None) -> Actor:
            return actor_of(
                add_user(
                    s,
                    name=name,
                    role=role,
                    password_hash=hash_password(name),
                    actor=SYSTEM,
                    level=level,
                    township_id=township,
                    grid_id=grid,
                    now=when,
                )
            )

        made["town"] = user(TOWNSHIP_DISPATCHER, Role.DISPATCHER, Level.TOWNSHIP, township=township_id)
        made["lead"] = user(TOWNSHIP_LEADER, Role.SHIFT_LEADER, Level.TOWNSHIP, township=township_id)
        made["village"] = user(VILLAGE_DISPATCHER, Role.DISPATCHER, Level.VILLAGE, grid=ids.grids[points[0][0]])

    def take_in(key: str, who: str | Actor, where: str, text: str, **extra: str) -> Callable[[Session, datetime], None]:
        def step(s: Session, when: datetime) -> None:
            lat, lon = made[where]
            data = {
                "channel": extra.get("channel", "grid_report"),
                "category": extra.get("category", "dispute"),
                "priority": extra.get("priority", "yellow"),
                "description": text,
                "lat": lat,
                "lon": lon,
            }
            actor = made[who] if isinstance(who, str) else who
            made[key] = intake.create_case(s, intake.parse_intake(data), actor=actor, now=when).case.id

        return step

    def resolve(key: str, who: str | Actor, resolution: str) -> Callable[[Session, datetime], None]:
        def step(s: Session, when: datetime) -> None:
            actor = made[who] if isinstance(who, str) else who
            resolve_case(s, case_id=made[key], resolution=resolution, actor=actor, now=when)

        return step

    def up(key: str, who: str, reason: str) -> Callable[[Session, datetime], None]:
        def step(s: Session, when: datetime) -> None:
            levels.send_up(s, case_id=made[key], reason=reason, actor=made[who], now=when)

        return step

    def hand(key: str, to: str, ref: str | None = None) -> Callable[[Session, datetime], None]:
        def step(s: Session, when: datetime) -> None:
            handoffs.hand_off(s, case_id=made[key], to=to, ref=ref, actor=actors.dispatcher, now=when)

        return step

    def down(s: Session, when: datetime) -> None:
        levels.send_down(s, case_id=made["e"], to=Level.TOWNSHIP, reason="属镇管辖", actor=actors.leader, now=when)

    def take(s: Session, when: datetime) -> None:
        levels.take_case(s, case_id=made["e"], actor=made["town"], now=when)

    plan: list[tuple[float, Callable[[Session, datetime], None]]] = [
        (11, users),
        # Beyond the township: wages owed by a county firm, sent up to the county and resolved there.
        (10, take_in("d", "town", "town_point", "工地拖欠农民工工资", category="petition", priority="orange")),
        (9, up("d", "town", "涉及县住建、人社多部门")),
        # The village cannot settle a land boundary: sent up to the township, settled there.
        (8, take_in("b", "village", "village_point", "宅基地边界争议，涉及测量")),
        (7, up("b", "village", "需镇司法所和国土所现场测量")),
        # 就地化解 at the village: a quarrel over a drainage ditch, settled by the village mediator.
        (6, take_in("a", "village", "village_point", "两户村民因排水沟堵塞发生口角")),
        (5, resolve("a", "village", "村调委会现场调解，双方达成疏通协议")),
        # 就地化解 at the township.
        (4, take_in("c", "town", "town_point", "集贸市场摊位占道经营", category="environment")),
        (3.5, resolve("c", "town", "镇综合执法队劝导整改")),
        (3, resolve("b", "lead", "镇司法所会同国土所测量确界，调解成功")),
        (2, resolve("d", actors.leader, "县人社局约谈企业，工资已发放")),
        # Sent down by the county to the township, which takes it; still open in the township's queue.
        (
            1.95,
            take_in(
                "e", actors.dispatcher, "town_point", "村道路灯不亮", channel="hotline_12345", category="livelihood"
            ),
        ),
        (1.8, down),
        (1.5, take),
        # 110 ↔ 12345: a threat of violence on the hotline handed to 110 (accepted, reference read over the phone),
        # and a noise complaint from 110 handed to the hotline, waiting for its acceptance.
        (
            0.5,
            take_in(
                "f", actors.dispatcher, "town_point", "来电称邻居持刀威胁", channel="hotline_12345", priority="red"
            ),
        ),
        (0.45, hand("f", "police_110", "110-DH-0001")),
        (
            0.2,
            take_in(
                "g", actors.dispatcher, "village_point", "夜间广场舞噪音扰民", channel="police_110", priority="blue"
            ),
        ),
        (0.15, hand("g", "hotline_12345")),
    ]
    return [((now - timedelta(hours=hours)).timestamp(), work) for hours, work in plan]
