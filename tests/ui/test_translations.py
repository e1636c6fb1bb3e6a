"""Every string on screen has its Russian translation (Russian is the default language)."""

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from app.core.errors import LoyaltyError
from app.ui import i18n
from app.ui.pin_dialog import Refused, staff_reason
from app.ui.refund_dialog import refund_reason
from tests.conftest import ROOT

TS = ROOT / "app" / "ui" / "resources" / "translations" / "loyalty_ru.ts"


def test_every_ui_string_is_translated_into_russian(tmp_path: Path) -> None:
    copy = tmp_path / "check_ru.ts"
    shutil.copy(TS, copy)
    files = sorted(str(p) for p in (ROOT / "app" / "ui").rglob("*.py"))
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    subprocess.run([str(lupdate), *files, "-no-obsolete", "-ts", str(copy)], check=True, capture_output=True)
    missing = [
        f"{ctx.findtext('name')}: {msg.findtext('source')}"
        for ctx in ET.parse(copy).getroot().iter("context")
        for msg in ctx.iter("message")
        if (tr := msg.find("translation")) is not None and (tr.get("type") == "unfinished" or not (tr.text or ""))
    ]
    assert not missing, "run scripts/translations.py and translate:\n" + "\n".join(missing)


def test_the_compiled_translation_is_newer_than_its_source() -> None:
    qm = TS.with_suffix(".qm")
    assert qm.exists() and qm.stat().st_size > 1000


def _noop_markers() -> list[tuple[Path, int, ast.Call]]:
    """Every QT_TRANSLATE_NOOP call in app/ui, with its file and line."""
    found = []
    for path in sorted((ROOT / "app" / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "QT_TRANSLATE_NOOP":
                found.append((path, node.lineno, node))
    return found


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def test_translation_markers_name_their_context_and_text_literally() -> None:
    # lupdate reads source text, not values: QT_TRANSLATE_NOOP(_C, ...) was never extracted,
    # so the PIN and refund refusals stayed English on a Russian till while the check above passed.
    markers = _noop_markers()
    assert len(markers) > 50
    bad = [
        f"{path.relative_to(ROOT)}:{line}"
        for path, line, call in markers
        if len(call.args) < 2 or not all(_literal(arg) for arg in call.args[:2])
    ]
    assert not bad, "QT_TRANSLATE_NOOP needs a literal context and text:\n" + "\n".join(bad)


def test_every_marked_text_reads_in_russian_at_run_time(qapp: QApplication) -> None:
    # The compiled .qm answers each (context, text) pair the code marks; a context typed
    # differently where the text is looked up would show here as English.
    i18n.install(qapp, "ru")
    english = []
    for path, line, call in _noop_markers():
        if not all(_literal(arg) for arg in call.args[:2]):
            continue  # the test above names it
        context, text = (str(arg.value) for arg in call.args[:2] if isinstance(arg, ast.Constant))
        if not re.search(r"[a-z]{3}", re.sub(r"\{[^}]*\}", "", text)):
            continue  # nothing to translate in it ("{n} %", a symbol)
        if QCoreApplication.translate(context, text) == text:
            english.append(f"{path.relative_to(ROOT)}:{line} {context}: {text}")
    assert not english, "\n".join(english)


def test_refund_and_pin_refusals_reach_the_cashier_in_russian(qapp: QApplication) -> None:
    i18n.install(qapp, "ru")
    assert refund_reason(LoyaltyError("refund_units_gone", line=0, sale=7, left=0)) == (
        "Часть этих товаров уже вернули: проверьте количество ещё раз"
    )
    assert refund_reason(LoyaltyError("refund_done", sale=7)) == "Продажа № 7 уже полностью возвращена"
    assert staff_reason(Refused("wrong_pin", "wrong name or PIN")) == "Неверное имя или PIN"
    assert staff_reason(Refused("wrong_pin", "wrong name or PIN"), manager=True) == "Неверный PIN менеджера"
