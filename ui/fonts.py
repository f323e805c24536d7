"""Chinese text on every target system: a CJK font fallback list set at start-up.

Command centers run Windows, Kylin or UOS, and Debian-based Linux. Each has a good Simplified Chinese font of its own
(nothing is bundled); without a Simplified Chinese family first, fontconfig may draw Han characters with a Japanese
or Traditional font's glyph shapes, or with a bitmap fallback.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

#: Simplified Chinese families by preference: Windows, macOS, Kylin/UOS and Debian (Noto/Source Han, WenQuanYi),
#: then older fallbacks that some installations still have.
CJK_FAMILIES: tuple[str, ...] = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "SimHei",
    "SimSun",
    "AR PL UMing CN",
)


#: Latin families styles and platforms commonly name; each gets the Chinese families as substitutes.
LATIN_FAMILIES: tuple[str, ...] = (
    "Sans Serif",
    "sans-serif",
    "Segoe UI",
    "Arial",
    "Helvetica",
    "DejaVu Sans",
    "Noto Sans",
    "Ubuntu",
    "Cantarell",
)


def installed_cjk_families() -> list[str]:
    """The fallback families this system has, in order of preference."""
    available = {name.casefold() for name in QFontDatabase.families()}
    return [name for name in CJK_FAMILIES if name.casefold() in available]


def ui_families(base: str | None = None) -> list[str]:
    """Families for the interface font: a Simplified Chinese family first (it has good Latin letters too), then the
    platform's own font for anything it lacks."""
    families = installed_cjk_families()
    if base and base not in families:
        families.append(base)
    return families


def apply_fonts(app: QApplication) -> list[str]:
    """Set the application font's families and make the Chinese families the substitutes of the usual Latin ones;
    returns the families used.

    The substitutions hold for every font a widget or style sheet asks for, so text stays Chinese-shaped even where a
    style names a Latin family."""
    installed = installed_cjk_families()
    font = QFont(app.font())
    for latin in {*LATIN_FAMILIES, font.family()}:
        QFont.insertSubstitutions(latin, installed)
    families = ui_families(font.family())
    if installed:
        font.setFamilies(families)
        app.setFont(font)
    return families
