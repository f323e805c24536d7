"""The demo's three levels: a township center (东河镇) and one of its villages get their own users, and a few cases
are handled at each level through the services — taken in and resolved at the village (就地化解), sent up from the
village to the township and from the township to the county (上交), sent down by the county, and handed to the
police line and the hotline (110 ↔ 12345)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
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


def play_levels(db: Database, ids: CountyIds, actors: DemoActors, *, now: datetime) -> int:
    """Create the township's and the village's users and handle a few cases at each level; returns how many."""
    town_ids = {name: ids.townships[code] for code, name in ids.township_names.items()}
    township_id = town_ids.get(TOWNSHIP) or next(iter(town_ids.values()))

    def work(s: Session) -> int:
        points = _points(s, township_id)
        village_code, vlat, vlon = points[0]
        _, tlat, tlon = points[1 % len(points)]

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
                    now=now - timedelta(days=1),
                )
            )

        town = user(TOWNSHIP_DISPATCHER, Role.DISPATCHER, Level.TOWNSHIP, township=township_id)
        lead = user(TOWNSHIP_LEADER, Role.SHIFT_LEADER, Level.TOWNSHIP, township=township_id)
        village = user(VILLAGE_DISPATCHER, Role.DISPATCHER, Level.VILLAGE, grid=ids.grids[village_code])

        def take_in(who: Actor, lat: float, lon: float, text: str, hours_ago: float, **extra: str) -> int:
            when = now - timedelta(hours=hours_ago)
            data = {
                "channel": extra.get("channel", "grid_report"),
                "category": extra.get("category", "dispute"),
                "priority": extra.get("priority", "yellow"),
                "description": text,
                "lat": lat,
                "lon": lon,
            }
            return intake.create_case(s, intake.parse_intake(data), actor=who, now=when).case.id

        def at(hours_ago: float) -> datetime:
            return now - timedelta(hours=hours_ago)

        # 就地化解 at the village: a quarrel over a drainage ditch, settled by the village mediator.
        a = take_in(village, vlat, vlon, "两户村民因排水沟堵塞发生口角", 6)
        resolve_case(s, case_id=a, resolution="村调委会现场调解，双方达成疏通协议", actor=village, now=at(5))
        # The village cannot settle a land boundary: sent up to the township, settled there.
        b = take_in(village, vlat, vlon, "宅基地边界争议，涉及测量", 8)
        levels.send_up(s, case_id=b, reason="需镇司法所和国土所现场测量", actor=village, now=at(7))
        resolve_case(s, case_id=b, resolution="镇司法所会同国土所测量确界，调解成功", actor=lead, now=at(3))
        # 就地化解 at the township.
        c = take_in(town, tlat, tlon, "集贸市场摊位占道经营", 4, category="environment")
        resolve_case(s, case_id=c, resolution="镇综合执法队劝导整改", actor=town, now=at(3.5))
        # Beyond the township: wages owed by a county firm, sent up to the county and resolved there.
        d = take_in(town, tlat, tlon, "工地拖欠农民工工资", 10, category="petition", priority="orange")
        levels.send_up(s, case_id=d, reason="涉及县住建、人社多部门", actor=town, now=at(9))
        resolve_case(s, case_id=d, resolution="县人社局约谈企业，工资已发放", actor=actors.leader, now=at(2))
        # Sent down by the county to the township, which takes it; still open in the township's queue.
        e = take_in(actors.dispatcher, tlat, tlon, "村道路灯不亮", 2, channel="hotline_12345", category="livelihood")
        levels.send_down(s, case_id=e, to=Level.TOWNSHIP, reason="属镇管辖", actor=actors.leader, now=at(1.8))
        levels.take_case(s, case_id=e, actor=town, now=at(1.5))
        # 110 ↔ 12345: a threat of violence on the hotline handed to 110 (accepted, reference read over the phone),
        # and a noise complaint from 110 handed to the hotline, waiting for its acceptance.
        f = take_in(actors.dispatcher, tlat, tlon, "来电称邻居持刀威胁", 0.5, channel="hotline_12345", priority="red")
        handoffs.hand_off(s, case_id=f, to="police_110", ref="110-DH-0001", actor=actors.dispatcher, now=at(0.45))
        g = take_in(actors.dispatcher, vlat, vlon, "夜间广场舞噪音扰民", 0.2, channel="police_110", priority="blue")
        handoffs.hand_off(s, case_id=g, to="hotline_12345", actor=actors.dispatcher, now=at(0.15))
        return 7

    return write_transaction(db.sessions, work)
