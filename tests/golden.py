"""Golden files: figures recorded once from seeded stores, compared exactly on every run.

A test that proves "the figures did not change" compares today's results with a JSON file under
tests/golden/ instead of with a frozen copy of old code. A deliberate change of a figure then shows as
a diff of that file, made by regenerating it:

    .venv/bin/python -m tests.golden            # rewrites every golden file
    .venv/bin/python -m tests.golden reports    # only tests/golden/reports.json

Each file is built by a `record()` function of the test module that reads it (the same seeded stores, the
same cases), so the cases and the figures cannot drift apart. Values are encoded without loss: a
`Fraction` as {"fraction": [numerator, denominator]}, a `Decimal` (roubles in a register's task) as a
JSON number with exactly its digits (12.30, read back as Decimal('12.30'); no float on the way), a date
as its ISO text (every field's type is fixed by its dataclass), a mapping with keys that are not strings
as {"pairs": [[key, value], ...]} sorted by key, and a sequence of dataclasses of one type (a report's
rows and daily series) as a table, {"columns": [field names], "rows": [[values], ...]}, a few rows to a
line of the file (a daily series, whose first field is every day from the first on, as {"days_from":
first day, "columns": the other fields, "rows": ...}).
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import json
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

FOLDER = Path(__file__).parent / "golden"

# Golden file name -> the test module whose record() builds it.
SOURCES = {
    "reports": "tests.integration.test_reports_same",
    "chain_reports": "tests.integration.test_store_on_rows",
    "page_apply": "tests.integration.sync.test_page_apply",
    "fiscal_documents": "tests.unit.test_fiscal_map",
    "atol_worked_examples": "tests.unit.fiscal.test_atol_worked",
}


def encode(value: Any) -> Any:
    """A result as JSON data, exactly: dataclasses by field, tuples as lists, fractions and dates tagged."""
    if _is_record(value):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list) and value and all(_is_record(v) and type(v) is type(value[0]) for v in value):
        names = [f.name for f in dataclasses.fields(value[0])]
        rows = [[getattr(v, n) for n in names] for v in value]
        if _daily(rows):
            # A daily series: its first column is every day from the first on, written once.
            return {"days_from": encode(rows[0][0]), "columns": names[1:], "rows": [encode(r[1:]) for r in rows]}
        return {"columns": names, "rows": [encode(r) for r in rows]}
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return [encode(v) for v in value.tolist()]
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, Fraction):
        return {"fraction": [value.numerator, value.denominator]}
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value):
            return {k: encode(v) for k, v in value.items()}
        pairs = sorted(((encode(k), encode(v)) for k, v in value.items()), key=lambda kv: json.dumps(kv[0]))
        return {"pairs": [list(kv) for kv in pairs]}
    raise TypeError(f"no golden encoding for {type(value).__name__}: {value!r}")


def _is_record(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _daily(rows: list[list[Any]]) -> bool:
    days = [r[0] for r in rows]
    return all(type(d) is date for d in days) and all((b - a).days == 1 for a, b in itertools.pairwise(days))


def dumps(value: Any, indent: str = "") -> str:
    """JSON text with short values (a table's row, a fraction) on one line, all else indented."""
    inner = indent + " "
    flat = _json(value)
    if len(flat) <= 100 and not (isinstance(value, dict) and "columns" in value):
        return flat
    if isinstance(value, dict) and value:
        items = [f"{inner}{_json(k)}: {dumps(v, inner)}" for k, v in sorted(value.items())]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    short = all(isinstance(v, list) and len(_json(v, ascii=True)) <= 100 for v in value)
    if isinstance(value, list) and value and short:
        # A table's rows, as many to a line as fit in 120 characters.
        lines, line = [], ""
        for text in (_json(v) for v in value):
            if line and len(inner) + len(line) + len(text) + 2 > 120:
                lines.append(line)
                line = ""
            line = f"{line}, {text}" if line else text
        lines.append(line)
        return "[\n" + ",\n".join(inner + ln for ln in lines) + "\n" + indent + "]"
    if isinstance(value, list) and any(isinstance(v, dict | list) and v for v in value):
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return _json(value)


def _json(value: Any, ascii: bool = False) -> str:
    """json.dumps on one line, with a Decimal written as a number from its own digits."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_json(str(k), ascii)}: {_json(v, ascii)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_json(v, ascii) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii)


def path_of(name: str) -> Path:
    return FOLDER / f"{name}.json"


def load(name: str) -> dict[str, Any]:
    """The recorded cases of one golden file, by case name."""
    # A number with a fraction is a Decimal (never a float): only Decimals are written with one.
    data: dict[str, Any] = json.loads(path_of(name).read_text(encoding="utf-8"), parse_float=Decimal)
    return data


def write(name: str, cases: Mapping[str, Any]) -> Path:
    """Write one golden file: one case per line group, keys sorted, so a changed figure is a small diff."""
    FOLDER.mkdir(exist_ok=True)
    path = path_of(name)
    path.write_text(dumps({k: encode(v) for k, v in cases.items()}) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    names = argv or list(SOURCES)
    for name in names:
        module = importlib.import_module(SOURCES[name])
        record: Callable[[Path], Mapping[str, Any]] = module.record
        with tempfile.TemporaryDirectory() as tmp:
            path = write(name, record(Path(tmp)))
        print(f"{path}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
