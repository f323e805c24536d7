"""Loading the translations at start-up: the language follows the system locale; `--lang` (or the configuration)
overrides it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from console.paths import i18n_dir

LANGUAGES = ("zh_CN", "en")
#: Qt's own catalogues loaded beside ours (standard dialog buttons, context menus, the web view's menus).
QT_CATALOGUES = ("qtbase", "qtwebengine")


def choose_language(explicit: str | None = None, configured: str | None = None, system: QLocale | None = None) -> str:
    """`--lang` first, then the configuration file, then the system locale: any Chinese locale → zh_CN."""
    for lang in (explicit, configured):
        if lang in LANGUAGES:
            return lang
    locale = system if system is not None else QLocale.system()
    return "zh_CN" if locale.language() == QLocale.Language.Chinese else "en"


def install_translators(app: QCoreApplication, lang: str | None = None, configured: str | None = None) -> str:
    """Install the translators of the chosen language (once per application) and return it."""
    chosen = choose_language(lang, configured)
    for old in app.findChildren(QTranslator, "console-i18n"):
        app.removeTranslator(old)
        old.deleteLater()
    locale = (
        QLocale(QLocale.Language.Chinese, QLocale.Country.China)
        if chosen == "zh_CN"
        else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    )
    QLocale.setDefault(locale)
    if chosen == "en":
        return chosen
    ours = QTranslator(app)
    ours.setObjectName("console-i18n")
    if ours.load(f"console_{chosen}", str(i18n_dir())):
        app.installTranslator(ours)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for catalogue in QT_CATALOGUES:
        translator = QTranslator(app)
        translator.setObjectName("console-i18n")
        if translator.load(f"{catalogue}_{chosen}", qt_dir):
            app.installTranslator(translator)
    return chosen
