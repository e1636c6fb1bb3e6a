"""Reports as JSON and back: what the server's reports API sends and what a terminal reads.

Values keep their exact meaning: money is integer kopecks, points are integers, a `Fraction` is a
string "numerator/denominator" (or a whole number, "5"), a date is ISO 8601 ("2025-03-31"),
instants are integer UTC milliseconds. Each result dataclass is an object with one key per field;
the customers of a segment, which can be a hundred thousand, are rows (lists in the order of
`SegmentCustomer`'s fields) under "columns".

Reading is strict, because the answer comes over a network: every field must be there with its
type (an integer is not a boolean, a share is not a float), or `ReportFormatError` says which one
is wrong. Keys a newer server adds are ignored; a field added later with a default may be missing.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from app.core.services.reports import SegmentCustomer

__all__ = ["ReportFormatError", "from_json", "to_json"]

T = TypeVar("T")
_FRACTION = re.compile(r"-?\d{1,40}(/\d{1,40})?")
# Tuples of these are written as rows, not objects: the key names would be most of the answer.
_ROWS = (SegmentCustomer,)


class ReportFormatError(ValueError):
    """A JSON value that is not the report it claims to be; the message names the place."""


def to_json(value: Any) -> Any:
    """A result dataclass (or tuple, Fraction, date, int, str, None) as plain JSON values."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        if value and isinstance(value[0], _ROWS):
            names = _field_names(type(value[0]))
            return {"columns": list(names), "rows": [[to_json(getattr(v, n)) for n in names] for v in value]}
        return [to_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot write {type(value).__name__} as report JSON")


def from_json(cls: type[T], data: Any, where: str | None = None) -> T:
    """Read a dataclass of type cls from JSON values; ReportFormatError names the first wrong place
    (under `where`, the key the value came from, or the class name)."""
    reader: Callable[[Any, str], T] = _reader(cls)
    return reader(data, where or cls.__name__)


# ----------------------------------------------------------------------------- readers, one per type


_readers: dict[Any, Callable[[Any, str], Any]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _fail(where: str, what: str) -> ReportFormatError:
    return ReportFormatError(f"{where}: {what}")


def _read_int(value: Any, where: str) -> int:
    if type(value) is not int:
        raise _fail(where, f"expected an integer, got {json_kind(value)}")
    return value


def _read_str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"expected text, got {json_kind(value)}")
    return value


def _read_fraction(value: Any, where: str) -> Fraction:
    if not isinstance(value, str) or not _FRACTION.fullmatch(value):
        raise _fail(where, f'expected an exact fraction like "2/3", got {json_kind(value)}')
    try:
        return Fraction(value)
    except ZeroDivisionError:
        raise _fail(where, "a fraction with a zero denominator") from None


def _read_date(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise _fail(where, f"expected an ISO date, got {json_kind(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(where, f"expected an ISO date, got {value[:40]!r}") from None


_SCALARS: dict[Any, Callable[[Any, str], Any]] = {
    int: _read_int,
    str: _read_str,
    Fraction: _read_fraction,
    date: _read_date,
}


def json_kind(value: Any) -> str:
    """What a JSON value is, for a refusal's words ("null", "text 'x'", "a decimal number")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    return {int: "an integer", float: "a decimal number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def _reader(tp: Any) -> Callable[[Any, str], Any]:
    """The function that reads a value of type tp (built once per type)."""
    read = _readers.get(tp)
    if read is None:
        read = _readers[tp] = _make_reader(tp)
    return read


def _make_reader(tp: Any) -> Callable[[Any, str], Any]:
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"unsupported union {tp}")
        read_inner = _reader(inner[0])

        def read_optional(value: Any, where: str) -> Any:
            return None if value is None else read_inner(value, where)

        return read_optional
    if origin is tuple:
        args = get_args(tp)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"unsupported tuple {tp}")
        item = args[0]
        if item in _ROWS:
            return _rows_reader(item)
        read_item = _reader(item)

        def read_tuple(value: Any, where: str) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise _fail(where, f"expected a list, got {json_kind(value)}")
            return tuple(read_item(v, f"{where}[{i}]") for i, v in enumerate(value))

        return read_tuple
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _object_reader(tp)
    raise TypeError(f"unsupported report type {tp}")


def _object_reader(cls: type) -> Callable[[Any, str], Any]:
    hints = get_type_hints(cls)
    fields = [(name, _reader(hints[name])) for name in _field_names(cls)]
    # A field with a default was added later (a report's payback): an older server leaves it out.
    optional = {f.name for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}

    def read_object(value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise _fail(where, f"expected an object, got {json_kind(value)}")
        values = {}
        for name, read in fields:
            if name not in value:
                if name in optional:
                    continue
                raise _fail(f"{where}.{name}", "missing")
            values[name] = read(value[name], f"{where}.{name}")
        try:
            return cls(**values)
        except (ValueError, TypeError) as exc:  # a dataclass's own check (a period that ends before it starts)
            raise _fail(where, str(exc)) from None

    return read_object


def _rows_reader(cls: type) -> Callable[[Any, str], tuple[Any, ...]]:
    names = _field_names(cls)
    hints = get_type_hints(cls)
    reads = [_reader(hints[name]) for name in names]

    def read_rows(value: Any, where: str) -> tuple[Any, ...]:
        if isinstance(value, list) and not value:
            return ()  # an empty tuple is written as an empty list
        if (
            not isinstance(value, dict)
            or value.get("columns") != list(names)
            or not isinstance(value.get("rows"), list)
        ):
            raise _fail(where, f"expected {{'columns': {list(names)}, 'rows': [...]}}")
        out = []
        for i, row in enumerate(value["rows"]):
            if not isinstance(row, list) or len(row) != len(names):
                raise _fail(f"{where}.rows[{i}]", f"expected a list of {len(names)} values")
            out.append(cls(*(read(v, f"{where}.rows[{i}].{n}") for read, v, n in zip(reads, row, names, strict=True))))
        return tuple(out)

    return read_rows
