"""Refresh the Russian translation of the UI: extract strings, fill known ones, compile.

    .venv/bin/python scripts/translations.py

1. pyside6-lupdate collects every tr()/translate() string of app/ui into loyalty_ru.ts,
   keeping the translations it already has;
2. strings still unfinished are filled from translations/*_ru.tsv (context, source,
   translation; newlines written as \\n);
3. pyside6-lrelease compiles loyalty_ru.qm. It lists what is still untranslated and exits 1
   if anything is, so a new screen cannot ship half in English.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "app" / "ui" / "resources" / "translations"
TS = FOLDER / "loyalty_ru.ts"
BIN = Path(sys.executable).parent


def known() -> dict[tuple[str, str], str]:
    """Translations kept beside the .ts, keyed by (context, source)."""
    table: dict[tuple[str, str], str] = {}
    for path in sorted(FOLDER.glob("*_ru.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            context, source, translation = line.split("\t")
            unescape = lambda s: s.replace("\\n", "\n")  # noqa: E731
            table[(context, unescape(source))] = unescape(translation)
    return table


def main() -> int:
    files = sorted(str(p) for p in (ROOT / "app" / "ui").rglob("*.py"))
    subprocess.run([str(BIN / "pyside6-lupdate"), *files, "-no-obsolete", "-ts", str(TS)], check=True)
    tree = ET.parse(TS)
    table = known()
    missing = []
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            assert translation is not None
            if translation.get("type") == "unfinished":
                if (name, source) in table:
                    translation.text = table[(name, source)]
                    del translation.attrib["type"]
                else:
                    missing.append(f"{name}\t{source}")
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(TS.with_suffix(".qm"))], check=True)
    for item in missing:
        print("untranslated:", item)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
