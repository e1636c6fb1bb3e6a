"""What the manager screen asks of the services, as plain functions run on a Worker.

Each function takes plain values and returns frozen values (or a `Refused`), so the widgets never
hold a session or a row and never wait on the database. A change is audited by the service that makes
it, in the same transaction, with the signed-in manager as its actor: the change and its audit row are
written together or not at all. Nothing here imports Qt widgets.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.core.errors import LoyaltyError
from app.core.pricing import LineIn
from app.core.program import Program, parse_program
from app.core.services.catalog import CatalogService
from app.core.services.confirm import ConfirmService
from app.core.services.customers import CustomerService
from app.core.services.fraud import FraudService
from app.core.services.program import ProgramService
from app.core.services.reports import (
    Dashboard,
    Filters,
    Period,
    Report,
    ReportsService,
    SegmentCustomer,
    StoreRow,
)
from app.core.services.results import CustomerInfo
from app.core.services.staff import AuditEntry, Cashier, StaffError, StaffService
from app.core.timeutil import DAY_MS, from_ms, iso
from app.sync.chain_reports import ChainReports
from app.ui.manager.audit_words import detail_text
from app.ui.pin_dialog import Refused

__all__ = [
    "PRESETS",
    "ChainFigures",
    "CouponSpec",
    "CouponsAdded",
    "FilterChoices",
    "IssuedCoupon",
    "ManagerServices",
    "PeriodChoice",
    "ProgramState",
    "ReportBundle",
    "ResolvedPeriod",
    "VersionRow",
]

PRESETS = ("today", "7d", "30d", "month", "custom")
# Codes people read aloud and type: no 0/O, 1/I/L that look alike on a receipt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
SEGMENT_CHOICES = ("active", "at_risk", "lost", "never", "not_seen")


@dataclass(frozen=True)
class ManagerServices:
    """The services the manager screen uses, and who is signed in to it (the actor of every audit row)."""

    programs: ProgramService
    catalog: CatalogService
    customers: CustomerService
    staff: StaffService
    reports: ReportsService
    manager: str
    chain: ChainReports | None = None  # the whole chain's reports, when the terminal is enrolled with a server
    fraud: FraudService | None = None  # the fraud flags of this till (issue 13)
    confirm: ConfirmService | None = None  # the customer's phone setup QR (issue 13)

    def now(self) -> int:
        """The reports' clock (tests fix it), UTC milliseconds."""
        return self.reports.clock()


# ----------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class PeriodChoice:
    """A period as the manager picks it: a preset, or custom first/last local days."""

    preset: str
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class ResolvedPeriod:
    """The local days a choice stands for in the merchant's time zone, and their UTC period."""

    period: Period
    first: date
    last: date
    timezone: str


@dataclass(frozen=True)
class FilterChoices:
    """Names the filters offer: cashiers (staff and those on sales) and stores."""

    cashiers: tuple[str, ...]
    stores: tuple[str, ...]
    chain: bool = False  # the terminal is enrolled with a server: the whole chain can be reported on


@dataclass(frozen=True)
class ReportBundle:
    """A full report and the tables the screen shows, built off the GUI thread."""

    report: Report
    tables: Mapping[str, Any]  # table key -> app.reports.tables.Table
    stores: tuple[StoreRow, ...] | None = None  # the chain's store rows (None: this terminal's own report)


@dataclass(frozen=True)
class ChainFigures:
    """The chain's headline figures from the server, the days they cover and its store rows as a table."""

    resolved: ResolvedPeriod
    dashboard: Dashboard
    stores: tuple[StoreRow, ...]
    table: Any  # app.reports.tables.Table of the store rows


def local_today(s: ManagerServices) -> tuple[date, ZoneInfo]:
    """Today in the merchant's time zone (program in force now)."""
    _, program = s.programs.program(s.now())
    zone = program.zone
    return from_ms(s.now()).astimezone(zone).date(), zone


def days_of(choice: PeriodChoice, today: date) -> tuple[date, date]:
    """The first and last local day of a preset (custom days are taken as given, in order)."""
    if choice.preset == "today":
        return today, today
    if choice.preset == "7d":
        return today - timedelta(days=6), today
    if choice.preset == "30d":
        return today - timedelta(days=29), today
    if choice.preset == "month":
        return today.replace(day=1), today
    first, last = choice.first or today, choice.last or today
    return (first, last) if first <= last else (last, first)


def resolve_period(s: ManagerServices, choice: PeriodChoice) -> ResolvedPeriod:
    """The UTC period of a choice, local midnight to local midnight."""
    today, zone = local_today(s)
    first, last = days_of(choice, today)
    return ResolvedPeriod(Period.local_days(first, last, zone), first, last, zone.key)


def load_dashboard(s: ManagerServices, choice: PeriodChoice, filters: Filters) -> tuple[ResolvedPeriod, Dashboard]:
    """The headline figures of a period: the fast first answer of the dashboard."""
    resolved = resolve_period(s, choice)
    return resolved, s.reports.dashboard(resolved.period, filters)


def load_report(s: ManagerServices, period: Period, filters: Filters) -> ReportBundle:
    """The full report and its tables (the customer lists can be long: built here, not on screen)."""
    return _bundle(s.reports.report(period, filters))


def load_chain_dashboard(s: ManagerServices, choice: PeriodChoice, filters: Filters) -> ChainFigures:
    """The whole chain's headline figures and store rows from the server (SyncError when it cannot answer)."""
    from app.reports import tables as t

    if s.chain is None:
        raise LoyaltyError("not_enrolled")
    today, _ = local_today(s)
    first, last = days_of(choice, today)
    stores = s.chain.stores
    if stores is not None and filters.store not in stores and stores:
        # A manager's login reads its own stores only, one at a time: the first until another is chosen.
        filters = dataclasses.replace(filters, store=stores[0])
    got = s.chain.dashboard(first, last, filters)
    resolved = ResolvedPeriod(got.period, got.first, got.last, got.timezone)
    return ChainFigures(resolved, got.dashboard, got.stores, t.stores_table(got.stores, got.dashboard))


def load_chain_report(s: ManagerServices, period: Period, filters: Filters) -> ReportBundle:
    """The whole chain's full report and its tables, with the store rows, from the server."""
    if s.chain is None:
        raise LoyaltyError("not_enrolled")
    got = s.chain.report(period, filters)
    return _bundle(got.report, got.stores)


def _bundle(report: Report, stores: tuple[StoreRow, ...] | None = None) -> ReportBundle:
    from app.reports import tables as t

    built = [
        t.sales_table(report),
        t.cashiers_table(report),
        t.customers_table(report),
        t.points_table(report),
        t.tiers_table(report),
        t.segments_table(report),
        t.lifetime_table(report),
        t.categories_table(report),
        t.coupons_table(report),
        t.rewards_table(report),
        t.stamps_table(report),
    ]
    if stores is not None:
        built.append(t.stores_table(stores, t.dashboard_of(report)))
    # The segments' customer lists are shown from the report itself (models.SegmentCustomersModel).
    return ReportBundle(report, {table.key: table for table in built}, stores)


def load_filter_choices(s: ManagerServices) -> FilterChoices:
    """Every cashier on the staff list (disabled ones too: their old sales count) and the stores."""
    names = sorted({c.name for c in s.staff.cashiers(include_disabled=True)}, key=str.casefold)
    chain = s.chain is not None and s.chain.configured()
    return FilterChoices(tuple(names), tuple(s.reports.stores()), chain)


def report_stem(report: Report, stores: tuple[StoreRow, ...] | None = None) -> str:
    """'report_2025-03-01_2025-03-31' (a chain's: 'chain_report_...'): the local first and last day, for file names."""
    zone = ZoneInfo(report.timezone)
    first = from_ms(report.period.start).astimezone(zone).date()
    last = from_ms(report.period.end - 1).astimezone(zone).date()
    prefix = "report" if stores is None else "chain_report"
    return f"{prefix}_{first.isoformat()}_{last.isoformat()}"


def export_report_pdf(
    report: Report, folder: Path, lang: str, store_name: str | None, stores: tuple[StoreRow, ...] | None = None
) -> Path:
    """Write the report's PDF into the folder (a chain's with its store rows, named so); returns the file."""
    from app.reports.export_pdf import export_pdf  # reportlab loads only when a manager exports

    return export_pdf(report, Path(folder) / f"{report_stem(report, stores)}.pdf", lang, store_name, stores)


def export_report_csv(
    report: Report, folder: Path, lang: str, stores: tuple[StoreRow, ...] | None = None
) -> list[Path]:
    """Write the report's CSV files into a sub-folder named after the period; returns the files."""
    from app.reports.export_csv import export_csv

    return export_csv(report, Path(folder) / report_stem(report, stores), lang, stores)


# ----------------------------------------------------------------------------- the program


@dataclass(frozen=True)
class VersionRow:
    """One program version as the history list shows it."""

    version: int
    name: str
    activate_at: int
    created_at: int
    body: Mapping[str, Any] = field(compare=False)


@dataclass(frozen=True)
class ProgramState:
    """The program in force, its history and sample products for the preview."""

    version: int
    body: Mapping[str, Any]
    versions: tuple[VersionRow, ...]
    products: tuple[LineIn, ...]
    now: int
    timezone: str
    from_chain: bool = False  # an enrolled till: the chain's server sets the program (sync.md promise 12)


def load_program_state(s: ManagerServices) -> ProgramState:
    """The program version in force now, every version (newest first) and a few catalog products."""
    now = s.now()
    version, program = s.programs.program(now)
    versions = tuple(
        VersionRow(int(v["version"]), str(v["name"]), int(v["activate_at"]), int(v["created_at"]), v["program"])
        for v in s.programs.program_versions()
    )
    products = tuple(
        LineIn(str(p["sku"]), str(p["name"]), str(p["category"]), 1, int(p["price"]))
        for p in s.catalog.catalog(limit=200)
    )
    return ProgramState(
        version, copy.deepcopy(dict(program.raw)), versions, products, now, program.timezone, s.programs.from_chain()
    )


def activate_program(
    s: ManagerServices, body: Mapping[str, Any], activate_at: int | None, note: str = ""
) -> tuple[int, ProgramState]:
    """Validate and store the program as a new version (now or at activate_at), audited; the new state."""
    program = parse_program(copy.deepcopy(dict(body)))
    version = s.programs.set_program(program.raw, activate_at, actor=s.manager, note=note)
    return version, load_program_state(s)


# ----------------------------------------------------------------------------- coupons


@dataclass(frozen=True)
class CouponSpec:
    """The terms shared by the coupons of one batch (loyalty-rules.md §6); money in kopecks."""

    kind: str  # "percent" or "amount"
    value: str  # percent as a decimal string ("10", "2.5") or kopecks as digits
    min_total: int = 0
    categories: tuple[str, ...] = ()
    valid_from: int | None = None
    valid_to: int | None = None
    max_uses: int | None = None
    per_customer_max: int | None = None
    exclusive: bool = False
    requires_card: bool = False

    def body(self, code: str, zone: ZoneInfo, customer: str | None = None) -> dict[str, Any]:
        """The coupon's JSON in the program file."""
        out: dict[str, Any] = {
            "code": code,
            "kind": self.kind,
            "value": self.value if self.kind == "percent" else int(self.value),
        }
        if self.min_total:
            out["min_total"] = self.min_total
        if self.categories:
            out["categories"] = list(self.categories)
        if self.valid_from is not None:
            out["valid_from"] = iso(self.valid_from, zone)
        if self.valid_to is not None:
            out["valid_to"] = iso(self.valid_to, zone)
        if self.max_uses is not None:
            out["max_uses"] = self.max_uses
        if self.per_customer_max is not None:
            out["per_customer_max"] = self.per_customer_max
        if self.exclusive:
            out["exclusive"] = True
        if self.requires_card:
            out["requires_card"] = True
        if customer is not None:
            out["customer"] = customer
        return out


@dataclass(frozen=True)
class IssuedCoupon:
    """A coupon code made by the screen, and for whom when it is personal."""

    code: str
    card: str = ""
    name: str = ""


@dataclass(frozen=True)
class CouponsAdded:
    """A batch of new coupons stored as a new program version."""

    version: int
    coupons: tuple[IssuedCoupon, ...]
    state: ProgramState


def random_codes(count: int, prefix: str, taken: Iterable[str], length: int = CODE_LENGTH) -> list[str]:
    """count new codes prefix + random letters/digits, unique among themselves and the taken ones."""
    used = {c.upper() for c in taken}
    out: list[str] = []
    while len(out) < count:
        code = prefix.upper() + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if code not in used:
            used.add(code)
            out.append(code)
    return out


def _with_coupons(body: Mapping[str, Any], spec: CouponSpec, issued: Sequence[IssuedCoupon], zone: ZoneInfo) -> Any:
    out = copy.deepcopy(dict(body))
    out["coupons"] = [*out.get("coupons", []), *(spec.body(c.code, zone, c.card or None) for c in issued)]
    return out


def _store_coupons(s: ManagerServices, spec: CouponSpec, issued: Sequence[IssuedCoupon], what: str) -> CouponsAdded:
    now = s.now()
    in_force, program = s.programs.program(now)
    new_version, state = activate_program(
        s, _with_coupons(program.raw, spec, issued, program.zone), None, f"coupons: {what}"
    )
    # The newest version applies, so a version scheduled for later would no longer carry these codes
    # once it starts: it is stored again, with them, for the same time.
    for row in sorted(state.versions, key=lambda v: v.version):
        if in_force < row.version < new_version and row.activate_at > now:
            body = _with_coupons(row.body, spec, issued, program.zone)
            new_version, state = activate_program(
                s, body, row.activate_at, f"coupons: {what}, added to version {row.version} scheduled"
            )
    return CouponsAdded(new_version, tuple(issued), state)


def scheduled_versions(state: ProgramState) -> list[VersionRow]:
    """Versions newer than the one in force that start later (an activation now would hide them)."""
    return [v for v in state.versions if v.version > state.version and v.activate_at > state.now]


def current_coupons(s: ManagerServices) -> tuple[str, tuple[Any, ...]]:
    """The time zone and coupons of the program in force (app.core.program.Coupon values, newest last)."""
    _, program = s.programs.program(s.now())
    return program.timezone, program.coupons


def current_codes(s: ManagerServices) -> list[str]:
    """The coupon codes of the program in force."""
    _, program = s.programs.program(s.now())
    return [c.code for c in program.coupons]


def add_coupons(s: ManagerServices, spec: CouponSpec, code: str | None, count: int, prefix: str) -> CouponsAdded:
    """One named code, or count random ones, added to the program as a new version."""
    if code is not None:
        issued = [IssuedCoupon(code.strip())]
        what = f"{code.strip()} ({spec.kind} {spec.value})"
    else:
        if count < 1:
            raise LoyaltyError("coupons_none")
        issued = [IssuedCoupon(c) for c in random_codes(count, prefix, current_codes(s))]
        what = f"{count} random codes {prefix.upper()}… ({spec.kind} {spec.value})"
    return _store_coupons(s, spec, issued, what)


def segment_members(s: ManagerServices, segment: str, days: int) -> list[SegmentCustomer]:
    """The customers of a recency segment as of now, or those not seen for at least `days` days."""
    now = s.now()
    report = s.reports.report(Period(now - DAY_MS, now))
    if segment != "not_seen":
        return list(report.segment(segment).customers)
    cutoff = now - days * DAY_MS
    return [
        c
        for seg in report.segments
        if seg.key != "never"
        for c in seg.customers
        if c.last_purchase_at is not None and c.last_purchase_at <= cutoff
    ]


def issue_personal(s: ManagerServices, spec: CouponSpec, segment: str, days: int, prefix: str) -> CouponsAdded:
    """One personal code per card of a segment, as a new program version."""
    people = [c for c in segment_members(s, segment, days) if c.card]
    if not people:
        raise LoyaltyError("segment_empty")
    codes = random_codes(len(people), prefix, current_codes(s))
    issued = [IssuedCoupon(code, c.card, c.name) for code, c in zip(codes, people, strict=True)]
    what = f"{len(issued)} personal codes to segment {segment}" + (f" ({days} days)" if segment == "not_seen" else "")
    return _store_coupons(s, spec, issued, what)


def coupons_csv(coupons: Sequence[IssuedCoupon], lang: str) -> str:
    """The codes as CSV text (with the card and name of personal ones), in the report CSV dialect."""
    delimiter = ";" if lang == "ru" else ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["код", "карта", "имя"] if lang == "ru" else ["code", "card", "name"])
    for c in coupons:
        writer.writerow([c.code, c.card, c.name])
    return out.getvalue()


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 with a byte-order mark (Excel then shows Cyrillic) through a temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8-sig", newline="")
    tmp.replace(path)
    return path


# ----------------------------------------------------------------------------- administration


@dataclass(frozen=True)
class CustomerHit:
    """A customer found by card, phone or name."""

    customer_id: int
    name: str
    phone: str
    card: str


@dataclass(frozen=True)
class CardReplaced:
    """A new card for a customer, with its QR (PNG bytes) to print or show."""

    old_card: str
    info: CustomerInfo
    qr_png: bytes


def find_customers(s: ManagerServices, query: str) -> list[CustomerHit]:
    """Customers by card, phone or part of the name."""
    return [
        CustomerHit(int(r["customer_id"]), str(r["name"]), str(r["phone"]), str(r["card"]))
        for r in s.customers.find_customers(query, limit=50)
    ]


def customer(s: ManagerServices, card: str) -> CustomerInfo:
    """A customer's balances and state now."""
    return s.customers.customer(card)


def adjust_points(s: ManagerServices, card: str, points: int, reason: str) -> CustomerInfo:
    """Add or remove points by hand with a reason; audited; the customer afterwards (never below zero)."""
    s.customers.adjust_points(card, points, reason, s.manager, allow_debt=False)
    return s.customers.customer(card)


def qr_png(payload: str, scale: int = 8) -> bytes:
    """A QR code as PNG bytes (segno, error correction M as on the printed cards)."""
    import segno

    out = io.BytesIO()
    segno.make_qr(payload, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def replace_card(s: ManagerServices, old: str, new: str | None) -> CardReplaced:
    """A lost card: the new card (typed or generated) takes over the balance; audited."""
    code = s.customers.replace_card(old, new or None, actor=s.manager)
    info = s.customers.customer(code)
    return CardReplaced(old, info, qr_png(info.qr))


def block_card(s: ManagerServices, card: str, blocked: bool) -> CustomerInfo:
    """Block or unblock a card; audited."""
    s.customers.block_card(card, blocked, actor=s.manager)
    return s.customers.customer(card)


def cashiers(s: ManagerServices) -> list[Cashier]:
    """Every cashier, disabled ones too."""
    return s.staff.cashiers(include_disabled=True)


def staff_change(s: ManagerServices, action: str, *args: Any) -> list[Cashier] | Refused:
    """Run one cashier change (add, set_active, reset_pin, set_role) as the manager; the list after, or why not."""
    fn = {
        "add": s.staff.add_cashier,
        "set_active": s.staff.set_active,
        "reset_pin": s.staff.reset_pin,
        "set_role": s.staff.set_role,
    }[action]
    try:
        fn(*args, actor=s.manager)
    except StaffError as exc:
        return Refused(exc.code, exc.reason, exc.params)
    return cashiers(s)


def audit_log(s: ManagerServices, action: str | None = None, limit: int = 5000) -> list[AuditEntry]:
    """The newest audit rows first (of one action, when given)."""
    return s.staff.audit_log(limit, action)


def audit_csv(rows: Sequence[AuditEntry], zone: ZoneInfo, lang: str) -> str:
    """The audit rows as CSV text, times in the merchant's zone."""
    delimiter = ";" if lang == "ru" else ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    head = (
        ["№", "время", "кто", "действие", "подробности"]
        if lang == "ru"
        else ["id", "time", "actor", "action", "detail"]
    )
    writer.writerow(head)
    for r in rows:
        writer.writerow(
            # The action stays its code (a spreadsheet filters by it); the detail is worded like the screen's.
            [
                r.id,
                from_ms(r.at).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                r.actor,
                r.action,
                detail_text(r, zone),
            ]
        )
    return out.getvalue()


def program_json(body: Mapping[str, Any]) -> str:
    """A program as the raw JSON tab shows it: indented, Cyrillic kept."""
    return json.dumps(body, ensure_ascii=False, indent=2)


def parse_json_program(text: str) -> tuple[dict[str, Any], Program]:
    """Text of the raw JSON tab as a body and its parsed program (ProgramError or ValueError otherwise)."""
    body = json.loads(text)
    return body, parse_program(copy.deepcopy(body))
