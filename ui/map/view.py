"""What the console asks of a map. The console's live state says what changed (`LiveDiff`: ids inserted, updated,
removed) and hands over its dicts of views; a map takes only those ids, coalesces them and draws at its own pace —
the one throttle between the change feed and the page is the map's. Selection, recommendations, the county and the
history layers are commands.

The live map (`ui.map.widget.MapWidget`) is one; tests use a recording stand-in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from console.live import LiveDiff
from console.views import CaseView, GridView, Recommendation, TownshipView, UnitView


@runtime_checkable
class MapView(Protocol):
    """Signals a map emits (Qt signals, not part of the check): `unitClicked(int)`, `caseClicked(int)`,
    `newAppealRequested(lat, lon)` in WGS-84, `pageReady()`."""

    def apply_units(self, diff: LiveDiff, units: Mapping[int, UnitView]) -> None:
        """`diff.units_*` changed; `units` is the live state's dict (read, never changed; it stays current)."""

    def apply_cases(self, diff: LiveDiff, cases: Mapping[int, CaseView]) -> None:
        """`diff.cases_*` changed; `cases` is the live state's dict of open cases."""

    def flush(self) -> None:
        """Draw what is pending now instead of at the next tick."""

    def set_county(
        self, townships: Sequence[TownshipView], grids: Sequence[GridView], boundary: dict[str, Any] | None
    ) -> None: ...

    def select_case(self, case_id: int) -> None: ...

    def select_unit(self, unit_id: int) -> None: ...

    def show_recommendations(self, case_id: int, recs: Sequence[Recommendation]) -> None: ...

    def set_history(self, points: Sequence[tuple[float, float, str]]) -> None: ...

    def fit(self) -> None: ...

    def show_playback_frame(self, frame: Mapping[str, Any]) -> None: ...

    def pick_place(self, on: bool = True) -> None: ...
