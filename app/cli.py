"""The headless command line (spec/cli.md): everything the cashier screen does, scriptable."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__
from app.cli_report import add_flags_arguments, add_report_arguments
from app.core.clock import FUTURE_TOLERANCE_MS
from app.core.errors import LoyaltyError
from app.core.fiscal import FiscalError
from app.core.timeutil import iso, parse_ts, to_ms

if TYPE_CHECKING:
    from app.bootstrap import Context
    from app.core.services.store import StoreService

EXIT_BAD_INPUT = 2
EXIT_FISCAL_UNKNOWN = 3  # the register's answer was lost: pending, finished by `fiscal reconcile`
# `customer show` prints exactly the keys cli.md lists; `customer add` likewise.
SHOW_KEYS = ("card", "name", "tier", "tier_spend", "available", "pending", "expired", "debt", "stamps", "next_expiry")
ADD_KEYS = ("customer_id", "card", "granted")
CLI = "cli"  # the actor of the audit rows the command line's changes write
# ASCII digits only: str.isdigit() also takes '²' and '١', which int() then refuses or reads oddly.
_NUMBER = re.compile(r"[0-9]+")
# Business times a terminal can hold: expiry dates far beyond this would not fit a date.
_FIRST_YEAR, _LAST_YEAR = 1970, 2999


class CliError(LoyaltyError):
    """Bad command-line input."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as our one-line reasons with exit status 2."""

    def error(self, message: str) -> Any:
        raise CliError(f"{self.prog}: {message}")


def _common(p: argparse.ArgumentParser, top: bool = False) -> None:
    # Only the top parser sets defaults: a subcommand's default would overwrite `--db F` given before it.
    p.add_argument("--db", type=Path, default=None if top else argparse.SUPPRESS,
                   help="terminal database file (default: the data folder)")  # fmt: skip
    p.add_argument("--json", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="print one JSON object on stdout")  # fmt: skip


_TS = "when it happened (ISO 8601 with a UTC offset; default: now)"
_IMPORT = (
    f"history-import mode: --at may be ahead of this terminal's clock by more than {FUTURE_TOLERANCE_MS // 60_000}"
    " minutes (otherwise refused); the terminal's clock stays where it is"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = _Parser(prog="loyalty-terminal", description="Loyalty Terminal: offline-first loyalty till")
    parser.add_argument("--version", action="version", version=f"loyalty-terminal {__version__}")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("init", help="create or upgrade the database")
    _common(p)
    p.add_argument("--program", type=Path, help="program file to activate (loyalty-rules.md §2)")
    p.add_argument("--demo", action="store_true", help="fill a demo store")

    prog = sub.add_parser("program", help="the loyalty program")
    _common(prog)
    psub = prog.add_subparsers(dest="action", parser_class=_Parser, required=True)
    p = psub.add_parser("set", help="validate a program file and activate it as a new version")
    _common(p)
    p.add_argument("file", type=Path, help="program file (JSON)")
    p.add_argument("--at", help="activate at this time (default: at once)")
    p = psub.add_parser("show", help="print the active program")
    _common(p)

    cat = sub.add_parser("catalog", help="products")
    _common(cat)
    csub = cat.add_subparsers(dest="action", parser_class=_Parser, required=True)
    p = csub.add_parser("import", help="add or update products from a CSV file")
    _common(p)
    p.add_argument("file", type=Path, help="CSV: sku,name,category,price,barcode (price in roubles, e.g. 149.90)")
    p = csub.add_parser("list", help="list products")
    _common(p)
    p.add_argument("query", nargs="?", default="", help="part of a SKU, name or barcode (default: all)")

    cust = sub.add_parser("customer", help="customers")
    _common(cust)
    usub = cust.add_subparsers(dest="action", parser_class=_Parser, required=True)
    p = usub.add_parser("add", help="enroll a customer")
    _common(p)
    p.add_argument("--name", required=True, help="full name")
    p.add_argument("--phone", required=True, help="phone number (+7..., 8..., spaces, dashes, brackets)")
    p.add_argument("--birthday", metavar="YYYY-MM-DD", help="date of birth")
    p.add_argument("--referrer", metavar="CARD", help="card (or its QR text) of the customer who referred this one")
    p.add_argument("--card", metavar="CODE", help="assign this pre-printed card number")
    p.add_argument("--at", metavar="TS", help=_TS)
    p.add_argument("--import-history", action="store_true", help=_IMPORT)
    p = usub.add_parser("show", help="a customer's balance, tier, stamps and next expiry")
    _common(p)
    p.add_argument("who", metavar="CARD_OR_PHONE", help="card number, its QR code's text, or phone number")
    p.add_argument("--at", metavar="TS", help="as of this time (ISO 8601 with a UTC offset; default: now)")
    p.add_argument("--import-history", action="store_true", help=_IMPORT)
    p = usub.add_parser("find", help="find customers by card, phone or part of a name")
    _common(p)
    p.add_argument("query")

    p = sub.add_parser("sale", help="price and commit a sale")
    _common(p)
    p.add_argument("--card", help="the customer's card number, or its QR code's text")
    p.add_argument("--line", action="extend", nargs="+", default=[], metavar="ITEM",
                   help="SKU[:QTY] for a catalog product, SKU:QTY:PRICE:CATEGORY for a free-price item "
                   "(PRICE in kopecks); required but with --fiscal-qr and --card (an earn-only sale)")  # fmt: skip
    p.add_argument("--coupon", metavar="CODE", help="coupon code")
    p.add_argument("--redeem", metavar="N|max", help="points to pay with ('max': as many as allowed)")
    p.add_argument("--reward", metavar="ID", help="gift reward to take")
    p.add_argument("--at", metavar="TS", help=_TS)
    p.add_argument("--import-history", action="store_true", help=_IMPORT)
    p.add_argument("--payment", choices=["cash", "card"], default="cash", help="how it was paid (default: cash)")
    p.add_argument("--quote", action="store_true", help="price only, write nothing")
    p.add_argument("--found-by", choices=["card", "qr", "phone", "name"],
                   help="how the customer was found (default: card, or qr for a QR's text); the program's confirm "
                   "policy may then ask for a confirmation to pay with points")  # fmt: skip
    p.add_argument("--confirm-code", metavar="CODE", help="the code the customer got by SMS (`confirm send`)")
    p.add_argument("--confirm-totp", metavar="CODE", help="the 6-digit code on the customer's phone")
    p.add_argument("--manager-pin", metavar="PIN", help="a manager confirms paying with points (with --reason)")
    p.add_argument("--reason", metavar="TEXT", help="why the manager confirms it")
    _fiscal_options(p)
    p.add_argument("--contact", metavar="PHONE|EMAIL",
                   help="driven register: send the electronic receipt to this phone or e-mail (tag 1008)")  # fmt: skip

    p = sub.add_parser("refund", help="refund units of a sale")
    _common(p)
    p.add_argument("sale_id", metavar="SALE_ID", nargs="?", help="the sale (or give --fiscal-qr)")
    p.add_argument("--line", action="extend", nargs="+", default=[], metavar="N:QTY",
                   help="QTY units of line N (from 0, in the sale's order); none: all that remain")  # fmt: skip
    p.add_argument("--at", metavar="TS", help=_TS)
    p.add_argument("--import-history", action="store_true", help=_IMPORT)
    _fiscal_options(p)

    add_fiscal_arguments(sub)

    p = sub.add_parser("verify", help="recompute balances from the journal")
    _common(p)
    p = sub.add_parser("scan", help="decode image or video files")
    _common(p)
    p.add_argument("files", nargs="+", metavar="FILE", help="image or video file")
    p = sub.add_parser("report", help="the manager's figures and report tables for a period (json, csv or pdf)")
    _common(p)
    add_report_arguments(p)
    conf = sub.add_parser("confirm", help="the customer confirms paying with points: SMS codes, the phone's code")
    fsub = conf.add_subparsers(dest="action", required=True)
    p = fsub.add_parser("send", help="send the customer a one-time code by SMS")
    _common(p)
    p.add_argument("card", metavar="CARD", help="the customer's card number, or its QR code's text")
    p = fsub.add_parser("setup", help="the otpauth:// address a customer's phone is set up from (show it as a QR)")
    _common(p)
    p.add_argument("card", metavar="CARD", help="the customer's card number, or its QR code's text")
    p = fsub.add_parser(
        "telegram", help="set up sending codes as a Telegram bot's messages (an empty --token turns it off)"
    )
    _common(p)
    p.add_argument("--token", required=True, metavar="TOKEN", help="the bot's token from @BotFather")
    p.add_argument("--url", metavar="URL", help="the Bot API's address (default https://api.telegram.org)")
    p = fsub.add_parser(
        "telegram-link", help="read the bot's messages: customers who shared their phone get codes there"
    )
    _common(p)
    p = fsub.add_parser("sms", help="set up sending codes through SMS.ru (an empty --api-id turns it off)")
    _common(p)
    p.add_argument("--api-id", required=True, metavar="KEY", help="the SMS.ru api_id")
    p.add_argument("--url", metavar="URL", help="SMS.ru's address (default https://sms.ru)")
    p = sub.add_parser("flags", help="suspicious activity for the manager: yesterday's digest, or a period")
    _common(p)
    add_flags_arguments(p)
    p = sub.add_parser("enroll", help="enroll this terminal with a central server")
    _common(p)
    p.add_argument(
        "--server", required=True, metavar="URL", help="the central server, e.g. https://loyalty.example:8080"
    )
    p.add_argument("--code", required=True, help="one-time enrollment code from the server's admin")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--adopt", action="store_true",
                        help="a store with its own program: price with the chain's program from now on")  # fmt: skip
    choice.add_argument("--seed-program", action="store_true",
                        help="a chain without a program: make this store's program the chain's")  # fmt: skip
    p = sub.add_parser("sync", help="push queued transactions and pull changes now")
    _common(p)
    p.add_argument("--status", action="store_true", help="only show the queue and the last sync")
    p.add_argument(
        "action", nargs="?", choices=["rotate-token"], help="rotate-token: replace this terminal's server token now"
    )
    p = sub.add_parser("backup", help="back up the database (online, verified, with retention)")
    _common(p)
    p.add_argument("--to", type=Path, help="folder (default: backups/ beside the database)")
    p.add_argument("--keep", type=int, default=14, help="backups to keep, newest first (default: 14)")
    p = sub.add_parser("restore", help="replace the database with a verified backup")
    _common(p)
    p.add_argument("file", type=Path, help="backup file (checked before it replaces anything)")
    p = sub.add_parser("check", help="integrity check of the database file")
    _common(p)
    p = sub.add_parser("demo", help="print a demo customer and sale (creates a demo store if needed)")
    _common(p)
    # The build's smoke test (open and close the window) works but is not offered: argparse
    # prints help=SUPPRESS as "==SUPPRESS==", so it gets no help line and stays out of the list.
    sub.metavar = "{" + ",".join(sub.choices) + "}"
    p = sub.add_parser("selftest-window")
    _common(p)
    return parser


def _fiscal_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cashier", metavar="NAME", help="the cashier (the fiscal receipt's operator; default: cli)")
    p.add_argument("--fiscal-qr", metavar="TEXT",
                   help="beside mode: the register receipt's QR text (t=…&s=…&fn=…&i=…&fp=…&n=1)")  # fmt: skip


def add_fiscal_arguments(sub: Any) -> None:
    """`fiscal set|show|status|open-shift|close-shift|x-report|reconcile|attach` (fiscal.md)."""
    fis = sub.add_parser("fiscal", help="the fiscal register (54-ФЗ): settings, shifts, pending receipts")
    _common(fis)
    fsub = fis.add_subparsers(dest="action", parser_class=_Parser, required=True)
    p = fsub.add_parser("set", help="set the register: none, beside, atol-web:URL, shtrih:tcp://HOST:PORT, "
                        "shtrih:serial:PATH?baud=N")  # fmt: skip
    _common(p)
    p.add_argument("device", metavar="DEVICE")
    p.add_argument("--taxation", help="osn, usn_income, usn_income_outcome or patent")
    p.add_argument("--vat", action="append", default=[], metavar="CATEGORY=RATE",
                   help="VAT rate of a category: 22, 10, 0, 5, 7 or none ('*' for every other category)")  # fmt: skip
    p.add_argument("--object", action="append", default=[], metavar="CATEGORY=commodity|service",
                   help="payment object of a category ('*' for every other category)")  # fmt: skip
    p.add_argument("--inn", action="append", default=[], metavar="CASHIER=INN",
                   help="a cashier's INN, printed with their name (10 or 12 digits; empty to remove)")  # fmt: skip
    for name, text in (
        ("show", "print the fiscal settings"),
        ("status", "the register, its shift and the fiscal drive's warnings"),
        ("reconcile", "finish the receipts waiting for the register's answer"),
    ):
        p = fsub.add_parser(name, help=text)
        _common(p)
    for name, text in (
        ("open-shift", "open the register's shift (or adopt the open one)"),
        ("close-shift", "close the register's shift (Z-report)"),
        ("x-report", "print an X-report"),
    ):
        p = fsub.add_parser(name, help=text)
        _common(p)
        p.add_argument("--cashier", metavar="NAME", default=CLI, help="the operator (default: cli)")
    p = fsub.add_parser("attach", help="beside mode: attach the register's receipt QR to a sale")
    _common(p)
    p.add_argument("sale_id", metavar="SALE_ID")
    p.add_argument("qr", metavar="TEXT", help="the receipt's QR text")


def _pairs(items: Sequence[str]) -> dict[str, str]:
    """CATEGORY=VALUE options as a mapping (a later one wins)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise LoyaltyError("fiscal_setting_bad", text=item)
        out[key.strip()] = value.strip()
    return out


def _run_fiscal(ctx: Any, args: argparse.Namespace) -> tuple[Any, str]:
    """The `fiscal` commands."""
    fiscal = ctx.fiscal
    action = args.action
    if action == "set":
        settings = fiscal.configure(
            args.device,
            taxation=args.taxation,
            vat=_pairs(args.vat),
            objects=_pairs(args.object),
            operator_inn=_pairs(args.inn),
            actor=CLI,
        )
        data = settings.to_json()
        return data, f"fiscal register: {data['device']} ({data['mode']}), taxation {data['taxation']}"
    if action == "show":
        data = fiscal.settings().to_json()
        data["pending"] = fiscal.pending()
        return data, json.dumps(data, ensure_ascii=False, indent=2)
    if action == "status":
        st = fiscal.status()
        data = st.to_json()
        lines = [f"device: {st.settings.device}"]
        if st.device is not None:
            shift = st.device.shift
            lines.append(f"register: {st.device.model} {st.device.serial}, fiscal drive {st.device.fn}")
            lines.append(f"shift: {'open' if shift.open else 'closed'} (number {shift.number})")
        lines += [f"warning: {w}" for w in st.warnings]
        return data, "\n".join(lines)
    if action == "reconcile":
        report = fiscal.reconcile()
        data = report.to_json()
        return data, (
            f"completed {len(report.completed)}, cancelled {len(report.cancelled)},"
            f" still pending {len(report.still_pending)}"
        )
    if action == "attach":
        sale_id = _number(str(args.sale_id))
        if sale_id is None:
            raise CliError(f"sale id must be a number, got {args.sale_id!r}")
        data = fiscal.attach_qr(sale_id, args.qr, actor=CLI)
        return {
            "sale_id": sale_id,
            "fiscal": data,
        }, f"sale {sale_id}: fiscal receipt {data['document_number']} attached"
    if action == "open-shift":
        shift = fiscal.open_shift(args.cashier)
        return {"open": shift.open, "number": shift.number, "opened_at": shift.opened_at}, (
            f"register shift {shift.number} is open"
        )
    report = fiscal.close_shift(args.cashier) if action == "close-shift" else fiscal.x_report(args.cashier)
    data = {"kind": report.kind, "shift": report.shift, "document_number": report.document_number}
    return data, f"{'Z' if report.kind == 'z' else 'X'}-report printed for shift {report.shift}"


def _at(text: str | None) -> int | None:
    if text is None:
        return None
    value = parse_ts(text)
    if not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        raise CliError(f"timestamp {text!r} must be between the years {_FIRST_YEAR} and {_LAST_YEAR}")
    return to_ms(value)


def _number(text: str) -> int | None:
    """A whole number written in ASCII digits (surrounding spaces allowed), else None.

    Beyond 30 digits it is held as 10^30 - 1: still "too many" for every bound, without asking
    int() for thousands of digits (which it refuses).
    """
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    digits = text.lstrip("0") or "0"
    return int(digits if len(digits) <= 30 else "9" * 30)


def _given(value: str | None, what: str) -> str | None:
    """An option's value, refusing an empty one (an empty --card must not mean "no card")."""
    if value is not None and not value.strip():
        raise CliError(f"{what} must not be empty")
    return value


def _card(store: StoreService, value: str | None, what: str) -> str | None:
    """A card option: a card number, or a card QR's text as scanned (its signature checked)."""
    from app.core.identity import QR_PREFIX, parse_card_qr

    value = _given(value, what)
    if value is not None and value.strip().startswith(QR_PREFIX + ":"):
        return parse_card_qr(store.card_keys(), value)
    return value


def _sale_card(store: StoreService, value: str | None) -> tuple[str | None, str, str | None]:
    """`sale --card`: (card, how it was found, the phone's code when the rotating QR `LT2:card:code` was given)."""
    from app.core.identity import QR_PREFIX
    from app.core.services.confirm import parse_totp_qr

    value = _given(value, "--card")
    if value is None:
        return None, "card", None
    rotating = parse_totp_qr(value)
    if rotating is not None:
        return rotating[0], "qr", rotating[1]
    found_by = "qr" if value.strip().startswith(QR_PREFIX + ":") else "card"
    return _card(store, value, "--card"), found_by, None


def _confirmation(ctx: Context, card: str, args: argparse.Namespace, totp: str | None) -> str | None:
    """A confirmation ticket from the sale's --confirm-code, --confirm-totp (or rotating QR) or --manager-pin."""
    if args.confirm_code:
        return ctx.confirm.confirm_code(card, args.confirm_code, actor=CLI)
    if args.confirm_totp or totp:
        return ctx.confirm.confirm_totp(card, args.confirm_totp or totp or "", actor=CLI)
    if args.manager_pin:
        return ctx.confirm.confirm_manager(card, args.manager_pin, args.reason or "", actor=CLI)
    return None


def _confirm_command(ctx: Context, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from app.core import db, repo
    from app.sync.sms import URL

    if args.action in ("telegram", "telegram-link"):
        from app.sync import telegram

        if args.action == "telegram-link":
            linked = telegram.link_chats(ctx.engine, ctx.transport)
            return {"linked": linked}, f"{linked} customers linked their phone with the bot"
        with db.transaction(ctx.engine) as conn:
            if args.token.strip():
                repo.set_meta(conn, telegram.TOKEN, args.token.strip())
            else:
                repo.delete_meta(conn, telegram.TOKEN)
            if args.url:
                repo.set_meta(conn, telegram.URL, args.url.strip())
        on = bool(args.token.strip())
        return {"telegram": on}, "codes go to linked customers by Telegram" if on else "codes are not sent by Telegram"
    if args.action == "sms":
        ctx.confirm.set_sms_api_id(args.api_id, actor=CLI)  # the screen's setter: audited, the key not shown
        if args.url:
            with db.transaction(ctx.engine) as conn:
                repo.set_meta(conn, URL, args.url.strip())
        on = bool(args.api_id.strip())
        return {"sms": on}, "codes are sent through SMS.ru" if on else "codes are not sent by SMS"
    card = _card(ctx.store, args.card, "CARD") or ""
    if args.action == "setup":
        uri = ctx.confirm.totp_setup(card)
        return {"card": card, "uri": uri}, uri
    sent = ctx.confirm.send_code(card, actor=CLI)
    return {"card": card, "phone": sent.phone_masked, "expires_at": iso(sent.expires_at)}, (
        f"code sent to {sent.phone_masked}"
    )


def parse_units(items: Sequence[str]) -> dict[int, int]:
    """`N:QTY` refund arguments to {line index: units}."""
    from app.core.identity import ascii_digits

    units: dict[int, int] = {}
    for item in items:
        parts = item.split(":")
        if len(parts) != 2 or not ascii_digits(parts[0].strip()) or not ascii_digits(parts[1].strip().lstrip("-")):
            raise LoyaltyError("refund_line_format", item=item)
        idx, qty = int(parts[0]), int(parts[1])
        if qty < 1:
            raise LoyaltyError("refund_line_units", item=item)
        units[idx] = units.get(idx, 0) + qty
    return units


def _read_json(path: Path) -> Any:
    try:
        # utf-8-sig: a program saved by Windows Notepad starts with a byte order mark.
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CliError(f"{path} is not valid JSON: {exc}") from None


def parse_item(text: str) -> tuple[str, int, int | None, str | None]:
    """`SKU[:QTY]` or `SKU:QTY:PRICE:CATEGORY` (price in kopecks)."""
    # Here, not at the top: app.core.pricing brings the program's pydantic models (~0.15 s of start-up)
    # that `--version`, `--help`, `scan` and the commands without a sale line never need.
    from app.core.pricing import MAX_QTY, MAX_UNIT_PRICE

    parts = text.split(":")
    if not parts[0].strip() or len(parts) not in (1, 2, 4):
        raise CliError(f"line {text!r} must be SKU[:QTY] or SKU:QTY:PRICE:CATEGORY")
    sku = parts[0].strip()
    qty = 1
    if len(parts) >= 2:
        number = _number(parts[1])
        if number is None or number < 1:
            raise CliError(f"line {text!r}: quantity must be a whole number of at least 1")
        if number > MAX_QTY:
            raise CliError(f"line {text!r}: quantity must be at most {MAX_QTY}")
        qty = number
    if len(parts) == 4:
        price = _number(parts[2])
        if price is None:
            raise CliError(f"line {text!r}: price must be a whole number of kopecks")
        if price > MAX_UNIT_PRICE:
            raise CliError(f"line {text!r}: price must be at most {MAX_UNIT_PRICE} kopecks")
        if not parts[3].strip():
            raise CliError(f"line {text!r}: category must not be empty")
        return sku, qty, price, parts[3].strip()
    return sku, qty, None, None


def _redeem(text: str | None) -> int | str | None:
    if text is None:
        return None
    if text.strip().lower() == "max":
        return "max"
    points = _number(text)
    if points is None:
        raise CliError(f"--redeem must be a whole number of points or max, got {text!r}")
    return points  # more than allowed is refused by pricing, with the maximum (cli.md)


def run(args: argparse.Namespace) -> tuple[Any, str]:
    """Execute one parsed command; returns (JSON-able result, human text)."""
    from dataclasses import replace

    from app.bootstrap import bootstrap
    from app.core.services.results import SaleRequest

    cmd = args.command
    if cmd == "scan":
        from app.scanner.files import scan_report

        reports = scan_report([str(f) for f in args.files])
        for report in reports:
            # Product codes are reported in 13-digit form (scanning.md): UPC-A gets its leading 0,
            # which is the exact text of the symbol's EAN-13 reading.
            for code in report["codes"]:
                if code["format"] == "UPC-A" and len(code["text"]) == 12:
                    code["text"] = "0" + code["text"]
        text = "\n".join(
            f"{r['file']}: "
            + (
                r["error"]
                if r.get("error")
                else ", ".join(f"{c['format']} {c['text']}" for c in r["codes"]) or "no code"
            )
            for r in reports
        )
        return reports, text

    if cmd == "init":
        program = _read_json(args.program) if args.program else None
        if program is not None:
            from app.core.program import parse_program

            # A program that does not validate is refused before the database file is even created.
            parse_program(program)
        if args.demo:
            _refuse_demo_over_a_store(args.db)
        from app.bootstrap import default_db_path

        target = Path(args.db) if args.db else default_db_path()
        # What this init makes, so that an init that fails (a full disk) takes it all away again.
        new_file = not target.exists()
        new_folders = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
        try:
            return _init(args, target, program)
        except BaseException:
            if new_file:
                _remove_new_store(target, new_folders)
            raise

    if cmd in ("backup", "restore", "check"):
        from app.bootstrap import default_db_path
        from app.core import backup

        path = Path(args.db) if args.db else default_db_path()
        folder = path.parent / "backups"
        if cmd == "check":
            problem = backup.integrity_problem(path)
            if problem:
                raise CliError.of(problem)
            return {"ok": True, "db": str(path)}, f"{path}: ok"
        if cmd == "restore":
            done = backup.restore_store(args.file, path, folder)
            saved = done.previous
            data = {
                "restored": str(args.file),
                "db": str(path),
                "previous": str(saved) if saved else None,
                "reconnect": done.reconnect,
            }
            text = f"restored {args.file} into {path}" + (f" (previous file saved as {saved})" if saved else "")
            if done.reconnect:
                text += "; this chain terminal syncs again after `loyalty-terminal enroll --server URL --code CODE`"
            return data, text
        problem = backup.integrity_problem(path)
        if problem:
            raise CliError.of(problem)
        made = backup.backup_file(path, args.to or folder, keep=args.keep)
        return {"backup": str(made), "size": made.stat().st_size}, f"backup written: {made}"

    if cmd == "selftest-window":
        return _selftest_window(args.db)

    if cmd == "report":
        from app.cli_report import run_report

        return run_report(args)

    if cmd == "flags":
        from app.cli_report import run_flags

        return run_flags(args)

    if cmd == "demo":
        from app.bootstrap import demo_walkthrough

        return demo_walkthrough(args.db)

    ctx = bootstrap(args.db, history_import=bool(getattr(args, "import_history", False)))
    try:
        if cmd == "program":
            if args.action == "set":
                version = ctx.programs.set_program(_read_json(args.file), _at(args.at), actor=CLI)
                return {"version": version}, f"program version {version} is active"
            version, program = ctx.programs.program()
            return {"version": version, "program": program.raw}, json.dumps(
                {"version": version, "program": program.raw}, ensure_ascii=False, indent=2
            )
        if cmd == "catalog":
            if args.action == "import":
                try:
                    text = args.file.read_text(encoding="utf-8")
                except OSError as exc:
                    raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
                except UnicodeDecodeError:
                    raise CliError(f"{args.file} is not UTF-8 text") from None
                count = ctx.catalog.import_catalog(text, actor=CLI)
                return {"imported": count}, f"{count} products imported"
            products = ctx.catalog.catalog(args.query)
            return {"products": products}, "\n".join(
                f"{p['sku']:<16} {p['price'] / 100:>10.2f}  {p['category']:<12} {p['name']}" for p in products
            )
        if cmd == "customer":
            if args.action == "add":
                card = _given(args.card, "--card")
                referrer = _card(ctx.store, args.referrer, "--referrer")
                res = ctx.customers.enroll(
                    args.name, args.phone, args.birthday, referrer, card, _at(args.at), actor=CLI
                )
                data = res.to_json()
                return {k: data[k] for k in ADD_KEYS}, f"card {res.card}, {res.granted} points granted (QR {res.qr})"
            if args.action == "find":
                found = ctx.customers.find_customers(args.query)
                return {"customers": found}, "\n".join(f"{c['card']}  {c['phone']}  {c['name']}" for c in found)
            info = ctx.customers.customer(_card(ctx.store, args.who, "CARD_OR_PHONE") or "", _at(args.at))
            data = info.to_json()
            return customer_json(data), "\n".join(f"{k}: {v}" for k, v in data.items())
        if cmd == "fiscal":
            if args.action != "reconcile":
                ctx.fiscal.reconcile_if_pending()
            return _run_fiscal(ctx, args)
        if cmd == "sale":
            qr = _given(args.fiscal_qr, "--fiscal-qr")
            if not args.line and qr is None:
                raise CliError("sale: --line is required (or --fiscal-qr with --card: an earn-only sale)")
            lines = []
            for item in args.line:
                sku, qty, unit_price, category = parse_item(item)
                lines.append(ctx.catalog.resolve_line(sku, qty, unit_price, category))
            card, found_by, totp = _sale_card(ctx.store, args.card)
            cashier = _given(args.cashier, "--cashier")
            if not lines and qr is not None:
                if args.quote:
                    raise CliError("sale: --quote needs --line")
                res = ctx.fiscal.earn_from_qr(card or "", qr, actor=cashier or CLI)
            else:
                req = SaleRequest(
                    lines=tuple(lines),
                    card=card,
                    coupon=_given(args.coupon, "--coupon"),
                    redeem=_redeem(args.redeem),
                    reward=_given(args.reward, "--reward"),
                    at=_at(args.at),
                    payment=args.payment,
                    cashier=cashier,
                    receipt_contact=_given(args.contact, "--contact"),
                    fiscal_qr=None if args.quote else qr,
                    found_by=args.found_by or found_by,
                )
                if not args.quote and card is not None:
                    ticket = _confirmation(ctx, card, args, totp)
                    if ticket is not None:
                        req = replace(req, confirmed=ticket)
                res = ctx.checkout.quote(req) if args.quote else ctx.checkout.sell(req, actor=cashier or CLI)
            data = res.to_json()
            data["at"] = iso(res.at)
            head = f"sale {res.sale_id}" if res.committed else "quote"
            return data, (
                f"{head}: subtotal {res.quote.subtotal}, discount {res.quote.discount}, "
                f"points {res.quote.redeemed_points}, total {res.quote.total}, earned {res.quote.earned}, "
                f"balance {res.balance}"
            )
        if cmd == "confirm":
            return _confirm_command(ctx, args)
        if cmd == "refund":
            qr = _given(args.fiscal_qr, "--fiscal-qr")
            if (args.sale_id is None) == (qr is None):
                raise CliError("refund: give SALE_ID or --fiscal-qr (one of them)")
            sale_id = ctx.fiscal.sale_by_qr(qr) if qr is not None else _number(str(args.sale_id))
            if sale_id is None:
                raise CliError(f"sale id must be a number, got {args.sale_id!r}")
            cashier = _given(args.cashier, "--cashier")
            ref = ctx.checkout.refund(
                sale_id, parse_units(args.line) or None, _at(args.at), cashier, actor=cashier or CLI
            )
            return ref.to_json(), (
                f"refund of sale {ref.sale_id}: money back {ref.money_back}, points taken back "
                f"{ref.points_taken_back}, given back {ref.points_given_back}, balance {ref.balance}"
            )
        if cmd in ("enroll", "sync"):
            sync = ctx.sync
            if cmd == "enroll":
                choice = "adopt" if args.adopt else "seed" if args.seed_program else None
                out = sync.enroll(args.server, args.code, choice, actor=CLI)
                return out, f"enrolled as terminal {out['terminal_id']} with {args.server}"
            if args.action == "rotate-token":
                out = sync.rotate_token()
                return out, f"terminal {out['terminal_id']}: new server token in use, the old one is refused"
            if args.status:
                st = sync.status()
                data = {"configured": sync.configured(), "queue": st.queue_depth, "last_sync_ms": st.last_sync_ms}
                return data, f"queue {st.queue_depth}, last sync {iso(st.last_sync_ms) if st.last_sync_ms else 'never'}"
            report = sync.sync_once()
            text = (
                f"pushed {report.pushed}, rejected {len(report.rejected)}, pulled {report.pulled}, queue {report.queue}"
            )
            if report.quarantined:
                text += f", quarantined {len(report.quarantined)}"
            problems = [f"rejected {r}" for r in report.rejected]
            problems += [f"quarantined {q} (another customer holds it: the manager's list)" for q in report.quarantined]
            return report.to_json(), "\n".join([text, *problems])
        if cmd == "verify":
            report = ctx.verifier.verify()
            text = "verify: OK" if report.ok else "verify: FAILED\n" + "\n".join(report.problems[:50])
            return report.to_json(), text
    finally:
        ctx.close()
    raise CliError(f"unknown command {cmd}")


def _selftest_window(db: Path | None) -> tuple[dict[str, Any], str]:
    """Open the cashier window on a store and close it once it is ready (packaging smoke test)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.main import run_app

    seen: list[str] = []

    def ready(window: Any) -> None:
        seen.append(window.windowTitle() or "window")
        QTimer.singleShot(0, QApplication.quit)

    code = run_app(db, on_ready=ready)
    if code != 0 or not seen:
        raise CliError(f"the cashier window did not open (exit {code})")
    return {"window": seen[0], "ok": True}, f"window opened: {seen[0]}"


def customer_json(data: dict[str, Any]) -> dict[str, Any]:
    """`customer show`'s JSON: exactly the keys of cli.md, `next_expiry` always `{points, at}`."""
    out = {k: data[k] for k in SHOW_KEYS}
    if out["next_expiry"] is None:
        out["next_expiry"] = {"points": 0, "at": None}
    return out


def _refuse_demo_over_a_store(db: Path | None) -> None:
    """`init --demo` fills an empty store only: refused, writing nothing, once customers or sales exist."""
    from app.bootstrap import default_db_path

    path = Path(db) if db is not None else default_db_path()
    if not path.is_file() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        used = any(
            conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None
            for table in ("customers", "sales")
            if table in tables
        )
    finally:
        conn.close()
    if used:
        raise CliError(f"--demo fills an empty store only, and {path} already has customers or sales")


def _init(args: argparse.Namespace, target: Path, program: Any) -> tuple[dict[str, Any], str]:
    """`init`: create (or bring up to date) the store at target, with the given program or the default one."""
    from app.bootstrap import bootstrap

    ctx = bootstrap(target, create=True)
    try:
        version = ctx.store.init()
        if args.demo:
            from app.core.demo import fill_demo

            demo = fill_demo(ctx)
        if program is not None:
            # After the demo's own program, so that the program given is the one in force.
            ctx.programs.set_program(program, actor=CLI)
        elif not _has_program(ctx):
            from app.core.demo import DEFAULT_PROGRAM

            ctx.programs.set_program(DEFAULT_PROGRAM, actor=CLI)
        out: dict[str, Any] = {"db": str(ctx.db_path), "schema": version}
        if args.demo:
            out["demo"] = demo
        return out, f"database ready at {ctx.db_path} (schema {version})"
    finally:
        ctx.close()


def _remove_new_store(path: Path, folders: list[Path]) -> None:
    """Take away a store file this init created (its SQLite side files too, and the folders made for it)."""
    for name in (str(path), f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        with contextlib.suppress(OSError):
            Path(name).unlink(missing_ok=True)
    for folder in folders:  # deepest first
        try:
            folder.rmdir()
        except OSError:
            break  # not empty (or not ours to remove): leave it and what holds it


def _has_program(ctx: Any) -> bool:
    try:
        ctx.programs.program()
    except LoyaltyError:
        return False
    return True


def _output_lost(exc: OSError) -> None:
    """The command is done (and committed) but its answer could not be written: say so on stderr, keep its
    exit status. Reporting a failure would make a caller retry a sale or an enrolment that is already made
    (docs/rules.md, "Command line")."""
    try:
        # Later writes, the interpreter's own flush at exit among them, go nowhere instead of failing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    try:
        print(f"note: done, but the output could not be written ({exc.strerror or exc})", file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _refuse(reason: str, want_json: bool) -> int:
    """Print a refusal as one line (JSON on stdout, or text on stderr); the exit status for bad input."""
    reason = " ".join(reason.split())
    if want_json:
        print(json.dumps({"error": reason}, ensure_ascii=False))
    else:
        print(f"error: {reason}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `loyalty-terminal`: no command opens the cashier app."""
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            from app.gui import launch

            return launch(args.db)
        data, text = run(args)
    except FiscalError as exc:
        # A lost answer is no refusal: the sale may yet be printed and is finished by `fiscal reconcile`.
        code = EXIT_FISCAL_UNKNOWN if exc.code == "fiscal_unknown" else EXIT_BAD_INPUT
        _refuse(str(exc), want_json)
        return code
    except LoyaltyError as exc:
        return _refuse(str(exc), want_json)
    except OSError as exc:
        # A folder given as a file, a file that cannot be read or written: bad input, not a crash.
        where = f"{exc.filename}: " if exc.filename else ""
        return _refuse(f"{where}{exc.strerror or exc}", want_json)
    except OverflowError as exc:
        # A figure beyond 64 bits reached the database; the transaction was rolled back.
        return _refuse(f"a figure is too large to store ({exc})", want_json)
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError  # not at the top: `scan` never loads SQLAlchemy

        if not isinstance(exc, sqlite3.Error | SQLAlchemyError):
            raise
        # The transaction was rolled back; say what the database said (locked, read-only, damaged).
        return _refuse(f"database error: {getattr(exc, 'orig', None) or exc}", want_json)
    try:
        if want_json and isinstance(data, list):
            # `scan` prints one object per file, one per line (a single file: exactly one object).
            for item in data:
                print(json.dumps(item, ensure_ascii=False))
        elif want_json:
            print(json.dumps(data, ensure_ascii=False))
        else:
            print(text)
        sys.stdout.flush()  # here, not at exit, where a failed flush would turn the status into 120
    except OSError as exc:  # BrokenPipeError among them: a closed pipe, `> /dev/full`
        _output_lost(exc)
    if args.command == "verify" and not data.get("ok"):
        return 1
    if args.command == "sync" and (data.get("rejected") or data.get("quarantined")):
        # Something pushed was rejected or a card quarantined: done, but for a person to look at (cli.md).
        if not want_json:
            print("sync: something was rejected or quarantined (see above)", file=sys.stderr)
        return 1
    if args.command == "scan" and any(r.get("error") for r in data):
        return EXIT_BAD_INPUT
    return 0
