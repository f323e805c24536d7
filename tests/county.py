"""A tiny county for core tests: two townships of square grids, a few units, users of every role.

Reference data is set up directly (as the administrator's import would); everything after goes through services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from console.db import Database, write_transaction
from console.enums import Role, UnitKind, UnitStatus
from console.models import Department, Grid, Township, Unit, User
from console.services import users
from console.services.actor import Actor
from console.services.users import actor_of
from console.timeutil import utcnow

# 0.01° of latitude ≈ 1.1 km. Township A: lon 113.60–113.62, township B: lon 113.62–113.64; lat 24.80–24.82.
ORIGIN_LAT, ORIGIN_LON, STEP = 24.80, 113.60, 0.01


def square(lon0: float, lat0: float, size: float) -> dict[str, object]:
    ring = [[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size], [lon0, lat0 + size], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


_hashes: dict[tuple[object, ...], str] = {}


def cached_hash(password: str) -> str:
    """An argon2 hash of the password, made once per test session for each setting of the hasher.

    argon2 is slow on purpose (a fraction of a second a hash at its defaults) and the mini county, built for most of
    the tests, has five users: hashing their passwords anew each time was minutes of the suite. The hash stays a real
    argon2 hash of that password (logging in verifies it); only its salt is shared between tests' databases.
    """
    h = users._hasher
    key = (h.time_cost, h.memory_cost, h.parallelism, h.hash_len, h.salt_len, h.type, password)
    if key not in _hashes:
        _hashes[key] = users.hash_password(password)
    return _hashes[key]


@dataclass
class MiniCounty:
    grid_ids: dict[str, int]
    township_ids: dict[str, int]
    unit_ids: dict[str, int]
    department_id: int
    actors: dict[Role, Actor]
    now: datetime


def build_mini_county(db: Database, *, now: datetime | None = None) -> MiniCounty:
    now = now or utcnow()

    def work(s: Session) -> MiniCounty:
        towns = {name: Township(name=name, code=code) for name, code in (("东河镇", "T01"), ("西岭镇", "T02"))}
        s.add_all(towns.values())
        s.flush()
        grids: dict[str, Grid] = {}
        for t_index, town in enumerate(towns.values()):
            for i in range(2):
                for j in range(2):
                    code = f"G{t_index + 1}{i}{j}"
                    lon0 = ORIGIN_LON + (2 * t_index + i) * STEP
                    lat0 = ORIGIN_LAT + j * STEP
                    grids[code] = Grid(
                        code=code,
                        name=f"{town.name}第{2 * i + j + 1}网格",
                        township_id=town.id,
                        geometry=square(lon0, lat0, STEP),
                        min_lon=lon0,
                        min_lat=lat0,
                        max_lon=lon0 + STEP,
                        max_lat=lat0 + STEP,
                    )
        s.add_all(grids.values())
        s.flush()
        dept = Department(name="城管局", code="D01", categories=["environment", "livelihood"])
        s.add(dept)
        s.flush()
        units = {
            "PC-01": Unit(
                callsign="PC-01",
                kind=UnitKind.PATROL_CAR,
                tracker_id="T-PC-01",
                capabilities=["patrol"],
                lat=24.805,
                lon=113.605,
                fix_at=now,
                home_grid_id=grids["G100"].id,
            ),
            "PC-02": Unit(
                callsign="PC-02",
                kind=UnitKind.PATROL_CAR,
                tracker_id="T-PC-02",
                capabilities=["patrol"],
                lat=24.815,
                lon=113.635,
                fix_at=now,
                home_grid_id=grids["G211"].id,
            ),
            "GW-G100": Unit(
                callsign="GW-G100",
                kind=UnitKind.GRID_WORKER,
                tracker_id="T-GW-G100",
                capabilities=["mediation", "inspection"],
                lat=24.806,
                lon=113.606,
                fix_at=now,
                home_grid_id=grids["G100"].id,
            ),
            "FP-01": Unit(
                callsign="FP-01",
                kind=UnitKind.FOOT_PATROL,
                tracker_id="T-FP-01",
                capabilities=["patrol"],
                lat=24.8051,
                lon=113.6051,
                fix_at=now - timedelta(hours=2),
                home_grid_id=grids["G100"].id,
            ),
            "DR-01": Unit(
                callsign="DR-01",
                kind=UnitKind.DRONE,
                tracker_id=None,
                capabilities=["aerial"],
                lat=None,
                lon=None,
                fix_at=None,
                status=UnitStatus.OFF_DUTY,
            ),
        }
        for u in units.values():
            u.status = u.status or UnitStatus.AVAILABLE
            u.status_since = now
            u.version = 1
            u.updated_at = now
        s.add_all(units.values())
        users = {
            Role.DISPATCHER: User(name="disp", role=Role.DISPATCHER, password_hash=cached_hash("disp")),
            Role.SHIFT_LEADER: User(name="lead", role=Role.SHIFT_LEADER, password_hash=cached_hash("lead")),
            Role.ADMIN: User(name="adm", role=Role.ADMIN, password_hash=cached_hash("adm")),
            Role.WALL: User(name="wall", role=Role.WALL, password_hash=cached_hash("wall")),
            Role.HANDLER: User(name="cg", role=Role.HANDLER, password_hash=cached_hash("cg"), department_id=dept.id),
        }
        s.add_all(users.values())
        s.flush()
        return MiniCounty(
            grid_ids={k: g.id for k, g in grids.items()},
            township_ids={k: t.id for k, t in towns.items()},
            unit_ids={k: u.id for k, u in units.items()},
            department_id=dept.id,
            actors={role: actor_of(u) for role, u in users.items()},
            now=now,
        )

    return write_transaction(db.sessions, work)
