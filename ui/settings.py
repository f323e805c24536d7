"""Where the console keeps its window state and preferences: an INI file in the user data directory (tests point
`CONSOLE_DATA_DIR` at a temporary one). Preferences and window state are kept apart, and versioned."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from console.paths import data_dir

#: Bumped when a saved window state would no longer fit the docks (restoreState then falls back to the default).
#: 2: the wall became the map with a band on top (its own dock); states squeezed by old resizes are dropped.
STATE_VERSION = 2


def settings() -> QSettings:
    return QSettings(str(data_dir() / "console-ui.ini"), QSettings.Format.IniFormat)
