"""The cashier's language: Qt translations of the screens, and money and points in that language.

Source strings are English (self.tr / QCoreApplication.translate); Russian is the default
and comes from resources/translations/loyalty_ru.qm. LOYALTY_LANG=en (or the setting)
switches to English. Money and points always go through app.core.fmt in the same language.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.core import fmt

LANGUAGES = ("ru", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "resources" / "translations"
_active = "ru"
# Translators must outlive their installation; QCoreApplication does not own them.
_installed: list[QTranslator] = []


def choose_language(setting: str | None = None) -> str:
    """LOYALTY_LANG if set, else the saved setting, else Russian."""
    for value in (os.environ.get("LOYALTY_LANG"), setting):
        if value and value.strip().lower()[:2] in LANGUAGES:
            return value.strip().lower()[:2]
    return "ru"


def install(app: QCoreApplication, lang: str) -> None:
    """Make lang the language of the screens (replacing an earlier choice)."""
    global _active
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    _active = lang
    QLocale.setDefault(QLocale(QLocale.Language.Russian if lang == "ru" else QLocale.Language.English))
    if lang == "en":
        return
    ours = QTranslator()
    if ours.load(str(TRANSLATIONS / f"loyalty_{lang}.qm")):
        app.installTranslator(ours)
        _installed.append(ours)
    # Qt's own strings (OK/Cancel, context menus of text fields).
    qt = QTranslator()
    if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)


def language() -> str:
    """The active language code."""
    return _active


@dataclass(frozen=True)
class LanguageState:
    """What install() leaves behind: the language, its translators and the default locale."""

    active: str
    translators: tuple[QTranslator, ...]
    locale: QLocale


def saved_state() -> LanguageState:
    """The language state now, to put back later with restore_state (tests share one application)."""
    return LanguageState(_active, tuple(_installed), QLocale())


def restore_state(app: QCoreApplication, state: LanguageState) -> None:
    """Put back exactly a saved language state ("ru" with no translator loaded is a state of its own)."""
    global _active
    install(app, "en")
    for translator in state.translators:
        app.installTranslator(translator)
    _installed[:] = state.translators
    _active = state.active
    QLocale.setDefault(state.locale)


def money(kopecks: int) -> str:
    """Kopecks formatted for the active language."""
    return fmt.format_money(kopecks, _active)


def points(n: int) -> str:
    """Points with the right plural for the active language."""
    return fmt.format_points(n, _active)


def wall_time(ms: int, zone: tzinfo) -> str:
    """A stored instant on the store's wall clock (the program's time zone), in the active language's format."""
    return fmt.format_wall_time(ms, zone, _active)


def parse_money(text: str) -> int:
    """Roubles typed by the cashier, as kopecks (ValueError with a reason otherwise)."""
    return fmt.parse_money(text)
