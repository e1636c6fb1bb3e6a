"""Every string on screen has its Russian translation (Russian is the default language)."""

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

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
