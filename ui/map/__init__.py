"""The live map: an offline Leaflet page built with folium, live layers fed over QWebChannel, local tiles.

register_schemes()                      # once, before the QApplication exists (app:// and tiles://)
m = MapWidget(BasemapConfig(...))
m.set_county(townships, grids, boundary)  # builds the base page, loads it by URL; pageReady when up
m.apply_units(diff, state.units); m.apply_cases(diff, state.cases)  # a MapView: the live state's diffs; rows
                                          # for the changed ids only go to the page, at most ~4 batches/s
m.set_units(units); m.set_cases(cases)    # tools and tests: show exactly these
m.select_case(id); m.select_unit(id); m.show_recommendations(case_id, recs); m.fit()
m.set_history(points); m.show_history_layer("heat" | "cluster", on)
signals: unitClicked(int), caseClicked(int), newAppealRequested(lat, lon WGS-84), pageReady(),
         batchApplied(seq)   (the page has drawn that batch)
m.blocked_requests   every request the page tried outside its own schemes (blocked; should stay empty)
"""

from __future__ import annotations

from .schemes import register_schemes

__all__ = ["MapWidget", "register_schemes"]


def __getattr__(name: str) -> object:
    if name == "MapWidget":
        from .widget import MapWidget

        return MapWidget
    raise AttributeError(name)
