"""The interface's languages: Simplified Chinese and English (the source texts).

`install_translators(app, lang)` loads our `console_zh_CN.qm` and Qt's own `qtbase_zh_CN.qm` and sets the default
QLocale, so that dates and numbers follow Chinese conventions; `python -m ui.i18n.update` regenerates the `.ts`
sources from `ui/` and compiles them.
"""

from .loader import LANGUAGES, choose_language, install_translators

__all__ = ["LANGUAGES", "choose_language", "install_translators"]
