"""Write the program file's JSON Schema to docs/program.schema.json (from app/core/program_file.py).

    .venv/bin/python scripts/program_schema.py          # write it
    .venv/bin/python scripts/program_schema.py --check  # exit 1 if the committed file is stale

The program editor and other tools check a program file against it; tests/unit/test_program.py fails
when the model changed and this script was not run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.program_file import json_schema  # noqa: E402  (after the path: the script runs from anywhere)

TARGET = ROOT / "docs" / "program.schema.json"


def text() -> str:
    """The schema as it is written: sorted keys, two-space indent, a final newline."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text():
            print(f"{TARGET.relative_to(ROOT)} is stale: run scripts/program_schema.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
