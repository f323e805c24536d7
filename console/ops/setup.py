"""Setting a database up and who may use it — shared by the first-run dialog, the console's start and the command
line: the schema (Alembic to head), the demo county, a connection test, an empty database with the county's grids
and units and a first administrator, the imports, user creation and logging in.

The schema, demo and new-county operations are the exceptions to "one transaction": each of their steps is its
own transaction (the demo plays a month of history a day at a time), and a step that fails leaves the steps before
it done. `setup.check` and `setup.new_county` take the database's address as an argument: they run before the
console has a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..db import Database, current_revision, head_revision, upgrade_to_head
from ..enums import Level, Role
from ..errors import ServiceError, ValidationError
from ..services import county_import, queries, scope, users
from ..services.actor import SYSTEM, Action, Actor
from ..services.login import authenticate
from ..services.login_policy import LoginSettings
from .changes import OpChanges, OpResult
from .registry import Kind, Needs, OpContext, operation

#: Progress of a long step: (stage, done, total).
Progress = Callable[[str, int, int], None]


class DatabaseNotEmpty(ServiceError):
    """The demo county (or a new county) needs an empty database."""

    code = "not_empty"


def read_text_file(path: str | Path, field: str) -> str:
    """A UTF-8 text file (a byte-order mark is allowed); a missing or undecodable file is a ValidationError naming
    `field`."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError(field, f"file not found: {path}") from None
    except IsADirectoryError:
        raise ValidationError(field, f"is a directory: {path}") from None
    except UnicodeDecodeError as exc:
        raise ValidationError(field, f"not UTF-8 text: {exc.reason}") from None


# -- schema and the demo ---------------------------------------------------------------------------------------------


@operation("schema.upgrade", action=None, kind=Kind.WRITE, needs=Needs.DATABASE)
def schema_upgrade(ctx: OpContext) -> OpResult[dict[str, Any]]:
    """Create or upgrade the schema (Alembic migrations to head)."""
    db = ctx.database
    before = current_revision(db.engine)
    upgrade_to_head(db.engine)
    return OpResult(
        {
            "database": db.engine.url.render_as_string(hide_password=True),
            "from_revision": before,
            "revision": head_revision(db.engine),
        },
        OpChanges(reference=before is None),
    )


@operation("setup.is_empty", action=None, kind=Kind.READ)
def is_empty(ctx: OpContext) -> OpResult[bool]:
    """Whether the database holds no county, units, users or cases yet."""
    return ctx.read(queries.database_is_empty)


#: The demo generator's logins with their roles: a database that has all of them holds the demo county.
DEMO_LOGINS: dict[str, Role] = {
    "demo": Role.DISPATCHER,
    "leader": Role.SHIFT_LEADER,
    "admin": Role.ADMIN,
    "wall": Role.WALL,
}


def _demo_logins_present(session: Session) -> bool:
    from sqlalchemy import select

    from ..models import User

    found = dict(session.execute(select(User.name, User.role).where(User.name.in_(list(DEMO_LOGINS)))).tuples().all())
    return found == DEMO_LOGINS


@operation("setup.is_demo", action=None, kind=Kind.READ)
def is_demo(ctx: OpContext) -> OpResult[bool]:
    """Whether the database holds the demo county (the demo generator's logins, each with its role): the console
    then keeps it alive with the simulator's light mode."""
    return ctx.read(_demo_logins_present)


@operation("setup.demo", action=None, kind=Kind.WRITE, needs=Needs.DATABASE)
def demo(
    ctx: OpContext,
    *,
    seed: int | None = None,
    days: int = 30,
    progress: Progress | None = None,
    prepared: bool = True,
) -> OpResult[dict[str, object]]:
    """Fill an empty database with the demo county and `days` days of history; on SQLite from the prepared copy in
    the user's data directory when there is one (`prepared`), else built and then kept there for the next time."""
    from ..demo import DEFAULT_SEED, build_demo
    from ..paths import data_dir

    if not ctx.read(queries.database_is_empty).value:
        raise DatabaseNotEmpty("the database already holds data; the demo county needs an empty one")
    summary = build_demo(
        ctx.database,
        seed=DEFAULT_SEED if seed is None else seed,
        days=days,
        progress=progress,
        template_dir=data_dir() if prepared else None,
    )
    return OpResult(summary.as_dict(), OpChanges(reference=True))


# -- a database for a new workstation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DatabaseCheck:
    """What a connection test found. `problem` is a code the dialog turns into a sentence (None: it answered)."""

    problem: str | None
    detail: str = ""
    revision: str | None = None
    head: str | None = None
    empty: bool = False
    postgres: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None


# Driver messages → what went wrong, in the order they are looked for (the drivers' texts are stable English).
_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("could not parse", "bad_url"),
    ("can't load plugin", "bad_scheme"),
    ("could not translate host name", "unknown_host"),
    ("name or service not known", "unknown_host"),
    ("nodename nor servname", "unknown_host"),
    ("connection refused", "refused"),
    ("timeout expired", "timeout"),
    ("timed out", "timeout"),
    ("password authentication failed", "auth"),
    ("no password supplied", "auth"),
    ("authentication failed", "auth"),
    ("does not exist", "no_database"),
    ("unable to open database file", "no_file"),
    ("file is not a database", "not_database"),
    ("no route to host", "unreachable"),
    ("network is unreachable", "unreachable"),
)


def classify_error(exc: BaseException) -> str:
    text = str(exc).lower()
    for needle, code in _PROBLEMS:
        if needle in text:
            return code
    return "other"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@operation("setup.check", action=None, kind=Kind.READ, needs=Needs.NOTHING)
def check(ctx: OpContext, *, url: str) -> OpResult[DatabaseCheck]:
    """Connect to a database address, read its schema revision and whether it holds anything. Never raises."""
    url = url.strip()
    if not url:
        return OpResult(DatabaseCheck("bad_url", ""))
    try:
        db = Database(url)
    except Exception as exc:  # nothing was connected yet: the address itself is wrong
        problem = classify_error(exc)
        return OpResult(DatabaseCheck("bad_url" if problem == "other" else problem, first_line(exc)))
    try:
        revision = current_revision(db.engine)
        head = head_revision(db.engine)
        empty = True
        if revision is not None:
            with db.session() as session:
                empty = queries.database_is_empty(session)
        return OpResult(DatabaseCheck(None, revision=revision, head=head, empty=empty, postgres=db.is_postgres))
    except Exception as exc:  # the driver's error, whatever it is, becomes a problem code
        return OpResult(DatabaseCheck(classify_error(exc), first_line(exc)))
    finally:
        db.dispose()


@operation("setup.new_county", action=None, kind=Kind.WRITE, needs=Needs.NOTHING)
def new_county(
    ctx: OpContext,
    *,
    url: str,
    grids_file: str,
    admin_name: str,
    admin_password: str,
    units_file: str | None = None,
    progress: Progress | None = None,
) -> OpResult[dict[str, Any]]:
    """An empty database set up for a county: schema, grids, units and the first administrator, each step all or
    nothing. Refused (`not_empty`) on a database that already holds data."""

    def step(stage: str, done: int) -> None:
        if progress:
            progress(stage, done, 5)

    grids = county_import.parse_grids_geojson(read_text_file(grids_file, "grids_file"))
    units = county_import.parse_units_csv(read_text_file(units_file, "units_file")) if units_file else None
    db = Database(url)
    try:
        sub = OpContext(db, SYSTEM)
        step("schema", 0)
        upgrade_to_head(db.engine)
        if not sub.read(queries.database_is_empty).value:
            raise DatabaseNotEmpty("the database already holds data")
        step("grids", 1)
        grid_report = sub.write(lambda s: county_import.import_grids(s, grids, actor=SYSTEM)).value
        step("units", 2)
        unit_report = sub.write(lambda s: county_import.import_units(s, units, actor=SYSTEM)).value if units else None
        step("admin", 3)
        sub.write(
            lambda s: users.create_user(s, name=admin_name, role=Role.ADMIN, password=admin_password, actor=SYSTEM)
        )
        step("done", 5)
    finally:
        db.dispose()
    return OpResult(
        {
            "grids": grid_report.as_dict(),
            "units": unit_report.as_dict() if unit_report else None,
            "admin": admin_name,
        },
        OpChanges(reference=True),
    )


# -- the county's reference data and users -------------------------------------------------------------------------


@operation("import.grids", action=Action.MANAGE_COUNTY)
def import_grids(ctx: OpContext, *, text: str) -> OpResult[dict[str, int]]:
    """Grids from a GeoJSON FeatureCollection (townships made from their names; existing codes updated)."""
    records = county_import.parse_grids_geojson(text)
    return ctx.write(lambda s: county_import.import_grids(s, records, actor=ctx.actor).as_dict())


@operation("import.units", action=Action.MANAGE_COUNTY)
def import_units(ctx: OpContext, *, text: str) -> OpResult[dict[str, int]]:
    """Units from CSV (`callsign,kind,tracker_id,lat,lon,home_grid,capabilities`); existing callsigns updated."""
    records = county_import.parse_units_csv(text)
    return ctx.write(lambda s: county_import.import_units(s, records, actor=ctx.actor).as_dict())


@operation("import.places", action=Action.MANAGE_COUNTY)
def import_places(ctx: OpContext, *, text: str) -> OpResult[dict[str, int]]:
    """The county's gazetteer (标准地址库) from CSV (`name,kind,lat,lon`) or GeoJSON Points (`name`, `kind`); places of
    a stored name updated. The whole file is checked first (errors name the line or feature and the field)."""
    from ..services import places_import

    records = places_import.parse_places(text)
    return ctx.write(
        lambda s: places_import.import_places(s, records, actor=ctx.actor).as_dict(),
        changes=lambda _r: OpChanges(reference=True),
    )


@dataclass(frozen=True, slots=True)
class UserState:
    id: int
    name: str
    role: Role
    level: Level = Level.COUNTY
    township_id: int | None = None
    grid_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "level": self.level.value,
            "township_id": self.township_id,
            "grid_id": self.grid_id,
        }


@operation("user.add", action=Action.MANAGE_USERS)
def add_user(
    ctx: OpContext,
    *,
    name: str,
    role: str,
    password: str,
    display_name: str | None = None,
    department_id: int | None = None,
    township_id: int | None = None,
    township: str | None = None,
    village: str | None = None,
    settings: LoginSettings | None = None,
) -> OpResult[UserState]:
    """A new user with a role (a handler answers for a department or township); the password meets the policy of
    `settings` (the `[login]` table). `township` (a name) makes a township center's user, `village` (a grid code)
    a village's; neither: the county center's."""

    def work(session: Session) -> UserState:
        level, town_id, grid_id = Level.COUNTY, township_id, None
        if township is not None and village is not None:
            raise ValidationError("village", "give a township or a village, not both")
        if township is not None:
            level, town_id = Level.TOWNSHIP, scope.township_named(session, township).id
        elif village is not None:
            level, grid_id = Level.VILLAGE, scope.grid_of(session, village).id
        user = users.create_user(
            session,
            name=name,
            role=role,
            password=password,
            display_name=display_name,
            department_id=department_id,
            township_id=town_id,
            level=level,
            grid_id=grid_id,
            actor=ctx.actor,
            settings=settings,
        )
        return UserState(user.id, user.name, user.role, user.level, user.township_id, user.grid_id)

    return ctx.write(work)


@operation("auth.login", action=None, kind=Kind.WRITE, needs=Needs.DATABASE)
def login(ctx: OpContext, *, name: str, password: str, settings: LoginSettings | None = None) -> OpResult[Actor]:
    """The actor for a name and password (refused without saying which of the two was wrong). Failed logins are
    counted in the database, shared by every console: a growing delay, then a temporary lock (`settings`, the
    `[login]` table); each checked attempt is an event, committed before a refusal is raised."""
    return OpResult(authenticate(ctx.database, name, password, settings=settings))
