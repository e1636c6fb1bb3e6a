"""The program file's shape (loyalty-rules.md §2) as a pydantic model: typed fields, refusal codes, a JSON Schema.

`ProgramFile` checks every field on its own: its type, its range, unknown keys. Each problem is a
refusal code of app/core/refusals.py (`program_not_integer`, `program_min`, `program_unknown_key`, ...)
with the field's path (`tiers[1].min_spend`), so the editor words it on the field and the CLI prints
the same sentence as before. Rules between fields (the first tier starts at 0, unique names, a happy
hour's start before its end, a coupon's value by its kind) are checked by app.core.program, which
builds the frozen `Program` from the validated file.

`json_schema()` is the schema the program editor and other tools can check a file against; it is
written to docs/program.schema.json by scripts/program_schema.py (a test keeps that file current).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from app.core.errors import ProgramError
from app.core.money import parse_decimal

DEFAULT_TIMEZONE = "Europe/Moscow"  # a program file that names no zone
# Upper bounds far above any real program, so that a typo cannot make a date beyond the year
# 9999 (days) or a figure no database column holds (points, kopecks, counts).
MAX_DAYS = 36_600
MAX_INTEGER = 10**15
MAX_DECIMAL = 1_000_000  # percentages and multipliers
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_DECIMAL_TEXT = r"^\s*\d+(\.\d+)?\s*$"


def _refuse(code: str, **params: Any) -> PydanticCustomError:
    # The refusal code travels as pydantic's error type; its parameters as the error's context.
    return PydanticCustomError(code, code, params)


def _decimal(value: Any) -> Fraction:
    if isinstance(value, float):
        raise _refuse("program_float", value=value)
    try:
        number = parse_decimal(value)
    except ValueError:
        # parse_decimal's three refusals, as codes (its ValueError text is for other callers).
        if isinstance(value, int) and not isinstance(value, bool):
            raise _refuse("program_negative", value=value) from None
        raise _refuse(
            "program_not_decimal" if isinstance(value, bool) else "program_decimal_string", value=value
        ) from None
    if number > MAX_DECIMAL:
        raise _refuse("program_max_decimal", max=MAX_DECIMAL, value=value)
    return number


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _refuse("program_text")
    return value


def _strings(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _refuse("program_strings")
    return frozenset(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _refuse("program_flag")
    return value


def _minutes(value: Any) -> int:
    if not isinstance(value, str) or not _HHMM.match(value):
        raise _refuse("program_time", value=value)
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _weekdays(value: Any) -> frozenset[int]:
    if not isinstance(value, list):
        raise _refuse("program_list")
    if not value or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value):
        raise _refuse("program_weekdays")
    return frozenset(value)


def _timezone(value: Any) -> str:
    name = _text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _refuse("program_timezone", value=name) from None
    return name


def _timestamp(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _refuse("program_timestamp")
    return value


def _decimal_text(value: Fraction | str) -> str:
    # Only the schema's defaults ("0", "30") are ever written out; they are kept as the file writes them.
    return value if isinstance(value, str) else str(value)


def _sorted(value: frozenset[Any] | list[Any]) -> list[Any]:
    return sorted(value)


Decimal = Annotated[
    Fraction,
    PlainValidator(_decimal),
    PlainSerializer(_decimal_text, return_type=str),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": _DECIMAL_TEXT}, {"type": "integer", "minimum": 0}],
         "description": 'a non-negative decimal, exact: "2.5" or 3 (never a float)'}
    ),
]  # fmt: skip
Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string", "minLength": 1, "pattern": r"\S"})]
Strings = Annotated[
    frozenset[str],
    PlainValidator(_strings),
    PlainSerializer(_sorted, return_type=list[str]),
    WithJsonSchema({"type": "array", "items": {"type": "string"}}),
]
Flag = Annotated[bool, PlainValidator(_flag), WithJsonSchema({"type": "boolean"})]
Minutes = Annotated[
    int, PlainValidator(_minutes), WithJsonSchema({"type": "string", "pattern": _HHMM.pattern, "description": "HH:MM"})
]
Weekdays = Annotated[
    frozenset[int],
    PlainValidator(_weekdays),
    PlainSerializer(_sorted, return_type=list[int]),
    WithJsonSchema({"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}, "minItems": 1}),
]
TimeZone = Annotated[str, PlainValidator(_timezone), WithJsonSchema({"type": "string", "description": "IANA zone"})]
Timestamp = Annotated[
    str | None,
    PlainValidator(_timestamp),
    WithJsonSchema({"type": ["string", "null"], "description": "ISO 8601 with a UTC offset"}),
]
Count = Annotated[int, Field(ge=0, le=MAX_INTEGER, strict=True)]  # points, kopecks, counts
Positive = Annotated[int, Field(ge=1, le=MAX_INTEGER, strict=True)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS, strict=True)]
PositiveDays = Annotated[int, Field(ge=1, le=MAX_DAYS, strict=True)]
# A text that may be left out, but not given as null or blank (the program's name).
OptionalText = Annotated[str | None, PlainValidator(_text), WithJsonSchema({"type": "string", "minLength": 1})]


class _Part(BaseModel):
    """A part of the file: unknown keys are refused, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)


class TierIn(_Part):
    """A tier: reached by money paid over the tier window."""

    name: Text
    min_spend: Count
    discount_pct: Decimal = Field(default="0", validate_default=True)
    earn_rate_pct: Decimal = Field(default="0", validate_default=True)


class RedeemIn(_Part):
    """How much of a sale points may pay."""

    max_share_pct: Decimal = Field(default="30", validate_default=True)
    min_balance: Count = 0


class ExcludedIn(_Part):
    """Categories left out of discounts, earning and paying with points."""

    discount: Strings = frozenset()
    earn: Strings = frozenset()
    redeem: Strings = frozenset()


class HappyHourIn(_Part):
    """An earn multiplier on some ISO weekdays between two local times."""

    weekdays: Weekdays
    start: Minutes = Field(alias="from")
    end: Minutes = Field(alias="to")
    earn_multiplier: Decimal


class WelcomeBonusIn(_Part):
    """Points at enrollment."""

    points: Count
    expiry_days: PositiveDays | None = None


class BirthdayBonusIn(_Part):
    """Points once a year, in a window of days around the birthday."""

    points: Count
    days_before: Days = 0
    days_after: Days = 0
    expiry_days: PositiveDays | None = None


class ReferralIn(_Part):
    """Points for the newcomer at enrollment and for the referrer after a first purchase."""

    referrer_points: Count = 0
    referee_points: Count = 0
    min_first_purchase: Count = 0


class StampIn(_Part):
    """A stamp card: `needed` stamps of a category make one unit free."""

    id: Text
    category: Text
    needed: Positive


class CouponIn(_Part):
    """A coupon; its `value` is a percent (decimal) or an amount (kopecks) by its `kind`."""

    code: Text
    kind: Any = Field(default=None, json_schema_extra={"enum": ["percent", "amount"]})
    value: Any = Field(default=None, json_schema_extra={"anyOf": [{"type": "string"}, {"type": "integer"}]})
    min_total: Count = 0
    categories: Strings = frozenset()
    valid_from: Timestamp = None
    valid_to: Timestamp = None
    max_uses: Positive | None = None
    per_customer_max: Positive | None = None
    requires_card: Flag = False
    exclusive: Flag = False
    customer: Any = Field(default=None, json_schema_extra={"type": ["string", "null"]})


class RewardIn(_Part):
    """A gift from the catalog, paid with points."""

    id: Text
    name: Text
    points: Positive


class OfflineIn(_Part):
    """Bounds on redemption while a chain terminal cannot reach its server."""

    terminal_redeem_cap: Count | None = None
    max_offline_hours: Count | None = None
    skew_warn_seconds: Count = 60
    skew_stop_seconds: Count = 600


class WatchIn(_Part):
    """Thresholds of the manager's fraud flags (a flag is a question for the manager, never a refusal)."""

    card_uses_per_day: Positive = 8
    terminals_within_minutes: Positive = 10
    spend_after_earn_minutes: Positive = 30
    staff_card_sales_per_day: Positive = 3
    adjust_count_per_day: Positive = 5
    adjust_points_per_day: Positive = 2000


class CapIn(_Part):
    """A daily limit: above `warn` the cashier is told, above `stop` the operation is refused."""

    warn: Positive | None = None
    stop: Positive | None = None


class LimitsIn(_Part):
    """Per-card and per-person daily limits, in the store's local day."""

    card_sales: CapIn | None = None
    card_earned: CapIn | None = None
    card_spent: CapIn | None = None
    adjust_points: CapIn | None = None


class ConfirmIn(_Part):
    """When paying with points needs the customer's confirmation (an SMS code, the phone's code, a manager)."""

    always: bool = False
    found_by_phone: bool = False
    above_points: Positive | None = None
    code_minutes: Annotated[int, Field(ge=1, le=60, strict=True)] = 5
    code_attempts: Annotated[int, Field(ge=1, le=10, strict=True)] = 3


class ProgramFile(_Part):
    """A loyalty program file, field by field (the rules between fields: app.core.program.parse_program)."""

    model_config = ConfigDict(title="Loyalty program", extra="forbid", strict=True, frozen=True)

    name: OptionalText = None
    timezone: TimeZone = DEFAULT_TIMEZONE
    tiers: list[TierIn]
    point_value: Positive = 100
    tier_window_days: PositiveDays | None = 365
    redeem: RedeemIn = RedeemIn()
    activation_days: Days = 0
    expiry_days: PositiveDays | None = None
    excluded: ExcludedIn = ExcludedIn()
    category_multipliers: dict[str, Decimal] = Field(default_factory=dict)
    happy_hours: list[HappyHourIn] = Field(default_factory=list)
    welcome_bonus: WelcomeBonusIn | None = None
    birthday_bonus: BirthdayBonusIn | None = None
    referral: ReferralIn | None = None
    stamps: list[StampIn] = Field(default_factory=list)
    coupons: list[CouponIn] = Field(default_factory=list)
    rewards: list[RewardIn] = Field(default_factory=list)
    restore_expiry_days: PositiveDays = 90
    offline_redeem_cap: Count | None = None
    offline: OfflineIn | None = None
    watch: WatchIn | None = None
    limits: LimitsIn | None = None
    confirm: ConfirmIn | None = None


# pydantic's own error types, as the program's refusal codes.
_CODES = {
    "missing": "program_missing_key",
    "extra_forbidden": "program_unknown_key",
    "int_type": "program_not_integer",
    "int_parsing": "program_not_integer",
    "int_from_float": "program_not_integer",
    "greater_than_equal": "program_min",
    "less_than_equal": "program_max",
    "model_type": "program_not_object",
    "model_attributes_type": "program_not_object",
    "dict_type": "program_not_object",
    "list_type": "program_list",
}


def path_of(loc: tuple[int | str, ...]) -> str:
    """A field's path as the refusals name it: `tiers[1].min_spend`."""
    path = ""
    for key in loc:
        path = f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))
    return path


def refusal(exc: ValidationError, where: tuple[int | str, ...] = ()) -> ProgramError:
    """The first problem pydantic found, as a ProgramError with its code, path and parameters."""
    first = exc.errors()[0]
    path = path_of((*where, *first["loc"]))
    kind = first["type"]
    ctx = dict(first.get("ctx") or {})
    if kind.startswith("program_"):
        return ProgramError(kind, path=path, **ctx)
    code = _CODES.get(kind)
    if code == "program_min":
        return ProgramError(code, path=path, min=ctx.get("ge"), value=first["input"])
    if code == "program_max":
        return ProgramError(code, path=path, max=ctx.get("le"), value=first["input"])
    if code == "program_not_integer":
        return ProgramError(code, path=path, value=first["input"])
    if code is not None:
        return ProgramError(code, path=path or "program")
    return ProgramError("program_invalid", path=path or "program", reason=first["msg"])


def read(data: Any) -> ProgramFile:
    """The program file validated field by field; ProgramError names the first problem."""
    if not isinstance(data, dict):
        raise ProgramError("program_top_not_object")
    try:
        return ProgramFile.model_validate(data)
    except ValidationError as exc:
        raise refusal(exc) from None


_PERCENT: TypeAdapter[Fraction] = TypeAdapter(Decimal)
_AMOUNT: TypeAdapter[int] = TypeAdapter(Positive)


def coupon_percent(value: Any, path: str) -> Fraction:
    """A percent coupon's value (a decimal); ProgramError at path."""
    return Fraction(_by_kind(_PERCENT, value, path))


def coupon_amount(value: Any, path: str) -> int:
    """An amount coupon's value (kopecks, at least 1); ProgramError at path."""
    return int(_by_kind(_AMOUNT, value, path))


def _by_kind(adapter: TypeAdapter[Any], value: Any, path: str) -> Any:
    if value is None:
        raise ProgramError("program_missing_key", path=path)
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        error = refusal(exc)
        raise ProgramError(error.code, **{**error.params, "path": path}) from None


def json_schema() -> dict[str, Any]:
    """The program file's JSON Schema (draft 2020-12), for the editor and other tools."""
    schema = ProgramFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
