"""Refusals as data: a stable code and plain parameters, worded in English here and on screen by code.

The core, the CLI, logs and the server speak the English templates below; a front end words the same
code in its own language (app/ui/wording.py for the cashier app). How to add one: docs/refusals.md.

Parameter names carry their kind, so a front end can format them for its locale without guessing:
    *_kopecks                     money in integer kopecks
    points, need, have, *_points  points (with their plural)
    cap, problem                  a part: another code, worded with the same params
Everything else is shown as it is (a card number, a path, a count).
"""

from __future__ import annotations

import errno
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

__all__ = ["PARTS", "TEMPLATES", "UNWORDED", "Refusal", "RefusalError", "os_params", "placeholders", "render"]

# A reason written as free text (by code not yet given a code of its own): shown as written.
UNWORDED = "unworded"
# Parameters whose value is itself a code (a part of the sentence), worded with the same parameters.
PARTS = frozenset({"cap", "problem"})

TEMPLATES: dict[str, str] = {
    UNWORDED: "{text}",
    # Program (app.core.repo, app.core.services.program)
    "no_program": "no loyalty program is set: run `loyalty-terminal program set FILE`",
    "not_initialised": "the database is not initialised: run `loyalty-terminal init`",
    # Cards and customers (app.core.repo, app.core.identity, app.core.ledger)
    "unknown_card": "unknown card {card}",
    "card_replaced": "card {card} was replaced by a new card and no longer works",
    "no_customer": "no customer with card or phone {query}",
    "unknown_customer": "unknown customer {uid}",
    "card_blocked": "card {card} is blocked",
    "card_issued": "card {card} is already issued",
    "card_issued_other": "card {card} is already issued to another customer",
    "card_chars": "card number {card!r} may hold only letters, digits and '-' (1 to 32)",
    "card_check_digit": "card number {card} fails its check digit: mistyped?",
    "qr_not_card": "not a loyalty card QR code",
    "qr_forged": "the card QR code is forged or from another store",
    "phone_chars": "phone number {text!r} has characters a phone number cannot have",
    "phone_ru_digits": "phone number {text!r} must have 10 digits after +7",
    "phone_length": "phone number {text!r} is too short or too long",
    "phone_not_ru": "phone number {text!r} is not a Russian number (+7 or 8 and 10 digits)",
    "op_before_latest": "operation dated {at_iso} is before this customer's latest one ({latest_iso})",
    "op_in_future": (
        "operation dated {at_iso} is more than {minutes} minutes ahead of this terminal's clock ({now_iso});"
        " only a history import (--import-history) may date operations ahead"
    ),
    "bad_timestamp": "bad timestamp {text!r}: expected ISO 8601 with a UTC offset",
    "timestamp_no_offset": "timestamp {text!r} has no UTC offset",
    "unknown_operation": "unknown operation {kind!r}",
    # Enrolment and points (app.core.services.customers, app.core.wallet)
    "name_empty": "the customer's name must not be empty",
    "name_long": "the customer's name is too long (200 characters at most)",
    "birthday_format": "birthday {text!r} must be a date like 1990-07-05",
    "birthday_range": "birthday {text} must be between 1900-01-01 and the enrollment day",
    "phone_taken": "phone {phone} is already enrolled (card {card})",
    "restored_reconnect": "this terminal was restored from a backup: connect it to the server again "
    "(Settings, or `loyalty-terminal enroll`) before enrolling new customers",
    "adjust_zero": "an adjustment must add or remove at least one point",
    "adjust_reason": "say why the points are adjusted",
    "adjust_below_zero": "removing {remove_points} points would leave the card at {left}: it has {available_points} "
    "available, and a hand adjustment cannot go below zero",
    "not_enough_points": "not enough points: {have} available, {need} needed",
    # Products and the basket (app.core.pricing, app.core.services.catalog)
    "unknown_product": "unknown product {sku}",
    "basket_empty": "the basket is empty",
    "qty_min": "quantity of {sku} must be a whole number of at least 1",
    "qty_max": "quantity of {sku} must be at most {max}",
    "price_negative": "price of {sku} must not be negative",
    "price_max": "price of {sku} must be at most {max_kopecks} kopecks",
    "redeem_needs_card": "paying with points needs a loyalty card",
    "redeem_max": "at most {points} points can be redeemed",
    "redeem_capped": "at most {points} points can be redeemed ({cap})",
    "redeem_value": "points to redeem must be a whole number or 'max', got {value!r}",
    "unknown_reward": "unknown gift reward {reward!r}",
    "gift_points": "gift {name} needs {need} points, the card has {have}",
    "gift_capped": "gift {name} needs {need} points, only {points} can be paid with points now ({cap})",
    # Offline caps of a chain till (app.core.repo.offline_redeem_cap): the {cap} part of the two above.
    "cap_card": "the per-card limit between syncs is reached",
    "cap_terminal": "this terminal's limit between syncs is reached",
    "cap_stale": "no successful sync for over {hours} h: paying with points is paused",
    "cap_clock": "this terminal's clock is off by more than allowed: paying with points is paused",
    # Coupons (app.core.pricing, app.core.services.checkout)
    "unknown_coupon": "unknown coupon {coupon}",
    "coupon_not_yet": "coupon {coupon} is not valid yet",
    "coupon_expired": "coupon {coupon} has expired",
    "coupon_needs_card": "coupon {coupon} needs a loyalty card",
    "coupon_personal": "coupon {coupon} is personal and belongs to another card",
    "coupon_used_up": "coupon {coupon} is used up",
    "coupon_per_customer": "coupon {coupon} was already used the allowed {n} time(s) by this card",
    "coupon_min_total": "coupon {coupon} needs a purchase of at least {min_kopecks} kopecks before discounts",
    # Sales and refunds (app.core.services.checkout, app.core.services.receipts, app.core.ledger)
    "unknown_sale": "unknown sale {sale}",
    "unknown_refund": "unknown refund {refund}",
    "refund_done": "sale {sale} is already fully refunded",
    "refund_no_line": "sale {sale} has no line {line} (lines 0 to {last})",
    "refund_units_min": "units to refund on line {line} must be at least 1",
    "refund_units_left": "line {line} of sale {sale} has only {left} unit(s) left to refund",
    # The same sentence when nothing is left: another till gave them back meanwhile.
    "refund_units_gone": "line {line} of sale {sale} has only {left} unit(s) left to refund",
    "refund_before_sale": "a refund cannot be dated before its sale",
    # Chain-wide limits (sync.md promise 9; server.limits, app.core.services.checkout).
    "refund_beyond_units": "line {line} of sale {sale} has only {left} unit(s) left to refund across the chain "
    "({asked} asked): nothing was booked",
    "refund_units_chain": "line {line} of sale {sale} has only {left} unit(s) left to refund: "
    "the rest were given back on a till of the chain",
    "coupon_limit_offline": "coupon {coupon} is limited and this till has not synced for over {hours} h: "
    "it is accepted again after a sync",
    "refund_line_format": "refund line {item!r} must look like N:QTY (line number from 0, units)",
    "refund_line_units": "refund line {item!r}: units must be at least 1",
    # Catalog import (app.core.catalog.parse_catalog_csv)
    "csv_invalid": "the file is not valid CSV: {detail}",
    "csv_header": "line 1: the header must be sku,name,category,price,barcode",
    "csv_lines": "{lines}",
    # Storage (app.core.db, app.core.instance, app.bootstrap)
    "disk_full": "the disk is full: nothing was written, free some space and try again",
    "db_read_only": "the database folder is read-only: nothing was written",
    "db_busy": "the database is busy in another program: nothing was written, try again",
    "db_locked": "the database {path} is locked by another program: nothing was written; "
    "close that program and try again",
    "db_error": "database error: {detail}",
    "db_damaged": "the database file is damaged or not a database ({detail})",
    "db_newer": "the database has schema {found}, newer than this program ({supported}): update the program",
    "already_running": "Loyalty Terminal is already running on this data folder (process {pid})",
    "no_database": "no database at {path}: run `loyalty-terminal init` first",
    "not_terminal_db": "{path} is not a terminal database (damaged or another kind of file)",
    "data_folder": "cannot create the data folder {path}: {os}",
    "db_not_initialised": "{path} is not initialised: run `loyalty-terminal init`",
    # Backups (app.core.backup): a problem found in a file ({problem}), then what was refused.
    "file_missing": "{path} does not exist",
    "not_sqlite": "{path} is not a SQLite database",
    "integrity": "{path} fails the integrity check: {detail}",
    "no_schema": "{path} is not a terminal database (no schema)",
    "tables_missing": "{path} is not a terminal database (tables missing)",
    "file_damaged": "{path} is damaged: {detail}",
    "backup_unverified": "the backup did not verify: {problem}",
    "backup_write": "cannot write the backup in {path}: {os}",
    "backup_failed": "cannot back up {path}: {detail}",
    "restore_refused": "restore refused: {problem}",
    "restore_write": "cannot restore into {path}: {os}",
    "restore_unmarked": "restored {path}, but could not mark it for reconnection: {detail}",
    "no_good_backup": "no backup in {path} passes the integrity check",
    # Staff (app.core.services.staff)
    "staff_name_empty": "the cashier's name must not be empty",
    "staff_name_long": "the cashier's name is too long ({max} characters at most)",
    "pin_format": "a PIN is 4 to 8 digits",
    "role": "role must be 'cashier' or 'manager', got {role!r}",
    "unknown_cashier": "no cashier with id {cashier}",
    "name_taken": "there is already a cashier named {name}",
    "not_first": "the store already has cashiers: ask a manager to log in",
    "wrong_pin": "wrong name or PIN",
    "wrong_manager_pin": "wrong manager PIN",
    "cashier_disabled": "cashier {name} is disabled: ask a manager",
    "no_manager": "there is no active manager to approve this",
    "pin_locked": "too many wrong PINs: try again in {wait_seconds} s",
    "last_manager_disable": "the last active manager cannot be disabled: add another first",
    "last_manager_role": "the last active manager cannot stop being a manager",
    "shift_open": "{name} already has shift {shift} open",
    "shift_closed": "shift {shift} is already closed",
    "shift_time": "a shift cannot close before it opened",
    "unknown_shift": "no shift {shift}",
    "audit_incomplete": "an audit row needs an actor and an action",
    # The chain's server (app.sync)
    "not_enrolled": "this terminal is not enrolled with a server: run `loyalty-terminal enroll`",
    "not_enrolled_reports": "this terminal is not enrolled with a server: the chain's reports live there",
    "server_timeout": "server did not answer in time: {detail}",
    "server_unreachable": "server unreachable: {detail}",
    "server_status": "server answered {status}: {detail}",
    "server_not_json": "server answered something that is not JSON",
    "server_not_object": "server answered JSON that is not an object",
    "enroll_answer": "enrollment answer lacks {key}",
    "push_answer": "push answer has no valid results",
    "pull_answer": "pull answer is not a change set",
    "lookup_answer": "lookup answer is not a customer snapshot",
    "cards_answer": "card keys answer is not the chain's card keys",
    "server_refused": "{detail}",
    "enroll_code": "unknown or expired enrollment code",
    "revoked": "this terminal was revoked",
    "token_superseded": "unknown or superseded terminal token",
    "nothing_acked": "the server acknowledged nothing; will retry",
    "sync_stopped": "the sync was stopped",
    "report_unreadable": "the server's report cannot be read: {detail}",
    "report_days": "the server answered for {got}, not {asked}",
    "report_period": "the server answered for another period than the one asked for",
    # One card everywhere, programs from the chain (sync.md promises 11, 12; docs/cards.md)
    "card_range_empty": "no card numbers are left on this terminal: sync with the server for a new range, "
    "or enroll the customer with a pre-printed card (--card)",
    "qr_key_unknown": "this card's QR is signed with chain key {key}, which this terminal does not hold: "
    "sync with the server, or type the card number",
    "program_from_chain": "this terminal is enrolled with a chain: its program comes from the chain's server "
    "and cannot be set here",
    "program_choice_needed": "this store's program differs from the chain's: enroll again with --adopt to price "
    "with the chain's program from now on (a chain without a program: --seed-program)",
    "chain_no_program_choose": "the chain has no program yet: enroll again with --seed-program to make this "
    "store's program the chain's, or have the chain's admin set one first",
    "chain_no_program": "the chain has no program to adopt: enroll again with --seed-program to make this "
    "store's program the chain's",
    "chain_has_program": "the chain already has a program: enroll again with --adopt to use it",
    "seed_without_program": "this store has no program to seed the chain's with",
    "program_choice_both": "choose one: --adopt or --seed-program",
    "rate_limited": "the server refuses more tries for now: try again in {wait_seconds} s",
    "request_too_large": "the request is larger than the server accepts",
    "report_login_needed": "the chain's reports need a manager or admin login to the server",
    # What a scan means (app.core.codes)
    "empty_scan": "empty scan",
    "barcode_check_digit": "barcode {code} fails its check digit",
    "unknown_code": "unknown code {code}",
    # Scanner files and cameras (app.scanner)
    "scan_missing": "cannot read {kind}: {path} (file not found)",
    "scan_not_file": "cannot read {kind}: {path} (not a file)",
    "scan_image_os": "cannot read image: {path} ({os})",
    "scan_image_empty": "cannot read image: {path} (empty file)",
    "scan_not_image": "cannot read image: {path} (not an image or corrupt)",
    "scan_not_video": "cannot read video: {path} (not a video or corrupt)",
    "scan_no_frames": "cannot read video: {path} (no frames: not a video or corrupt)",
    "camera_missing": "camera not available: {source} (file not found)",
    "camera_unopened": "camera not available: {source} (cannot open it)",
    "camera_stopped": "camera stopped: {source}",
    "camera_failed": "camera decoding failed: {detail}",
    # Receipt printers (app.receipts.printers, app.ui.printing)
    "print_pdf_folder": "Cannot save receipt PDF to {path}: {os}",
    "print_timeout": "Printer {where} did not respond within {seconds} s: "
    "check that it is on and connected to the network",
    "print_refused": "Printer {where} refused the connection: check the port",
    "print_failed": "Cannot print to {where}: {os}",
    "print_no_usb": "{name}: USB printing is not available (the pyusb package is not installed)",
    "print_not_ready": "{name}: printer not found or not ready ({detail})",
    "print_no_such_printer": "There is no printer named {name} on this computer",
    "print_no_system_printer": "No system printer is installed on this computer",
    "print_cannot_start": "{name}: the printer cannot start a job (offline or out of paper?)",
    "print_not_accepted": "{name}: the job was not accepted",
    "printer_unusable": "the printer setting {setting} is not understood, so receipts are not printed: "
    "choose the printer again in Manager > Settings > Printer",
    "printer_setting_net": "printer setting {setting!r}: expected escpos-net:HOST[:PORT]",
    "printer_setting_usb": "printer setting {setting!r}: expected escpos-usb:VID:PID in hex",
    "printer_setting_unknown": "unknown printer setting {setting!r}",
    # The manager's screen and the first-run wizard (app.ui.manager.ops, app.ui.wizard.creation)
    "coupons_none": "make at least one code",
    "segment_empty": "no customer is in this segment",
    "store_exists": "there is already a store at {path}",
    "enrollment_lost": "the enrollment was lost: connect to the server again",
    "store_create": "cannot create the store in {path}: {os}",
    "store_finish": "cannot finish the store in {path}: {detail}",
    # The chain's server (server/): its answers to terminals and admins keep these words
    "unknown_store": "unknown store {store}",
    "unknown_terminal": "unknown terminal {terminal}",
    "admin_password_short": "an admin password needs at least 8 characters",
    "admin_wrong": "wrong admin name or password",
    "admin_session": "unknown or expired admin session",
    "managed_on_server": "the {kind} of a chain is managed on the server, not on a terminal",
    "unknown_kind": "unknown transaction kind {kind!r}",
    "server_data_folder": "cannot create the server's data folder {path}: {os}",
    "server_db": "cannot prepare the server database: {detail}",
    "login_locked": "too many failed logins: try again in {wait_seconds} s",
    "enroll_locked": "too many wrong enrollment codes from this address: try again in {wait_seconds} s",
    "server_busy": "the server is busy checking other logins: try again in {wait_seconds} s",
    "admin_only": "this needs an admin login (a manager login reads reports only)",
    "admin_role": "unknown role {role!r}: admin or manager",
    "report_login": "the chain's reports need a manager or admin login, not a terminal's token",
    "report_scope": "this login reads the reports of these stores only: {stores}; choose one of them",
    # The server as the authority (sync.md v2, promises 8 and 10; server/authority.py).
    "figures_mismatch": "the figures do not follow from the rules: {detail}",
    "dated_ahead": "dated {at_iso}, ahead of the server's clock",
    "cursor_unknown": "the body names pull cursor {cursor}, which this terminal was never given (it has {pulled})",
    "manager_required": "a {kind} needs a manager's approval, and none is named",
    "manager_unknown": "{actor} is not a manager of this store on the server",
    "adjust_limit": "adjusting {points} points would pass the store's daily limit ({used} of {limit} used)",
    "card_not_customers": "card {card} is not this customer's card",
    # The fiscal register (fiscal.md; app.core.fiscal, app.fiscal drivers, app.core.services.fiscal).
    "fiscal_no_connection": "the fiscal register does not answer ({device}): check its cable and power",
    "fiscal_paper_out": "the fiscal register is out of paper: load a new roll",
    "fiscal_cover_open": "the fiscal register's cover is open: close it",
    "fiscal_shift_expired": "the register's shift has been open for more than 24 hours: close the shift (Z-report)",
    "fiscal_shift_closed": "the register's shift is closed: open a shift first",
    "fiscal_fn_full": "the fiscal drive is full: it must be replaced",
    "fiscal_fn_expired": "the fiscal drive's validity has ended: it must be replaced",
    "fiscal_ofd_blocked": "the fiscal drive is blocked: no confirmation from the fiscal data operator for {days} days",
    "fiscal_busy": "the fiscal register is busy with another document: try again",
    "fiscal_device": "the fiscal register refused: {text} (code {device_code})",
    "fiscal_unknown": (
        "the fiscal register's answer was lost: the receipt is checked at the next start (fiscal reconcile)"
    ),
    "fiscal_mismatch": "the register's receipt total {receipt_kopecks} differs from the sale's {sale_kopecks}",
    "fiscal_qr_bad": "not a fiscal receipt QR code: {text!r}",
    "fiscal_qr_used": "this fiscal receipt is already attached to sale {sale_id}",
    "fiscal_qr_unknown": "no sale has this fiscal receipt",
    "fiscal_not_set": "no fiscal register is set: run `loyalty-terminal fiscal set DEVICE`",
    "fiscal_device_bad": (
        "unknown fiscal device {text!r}: none, beside, atol-web:URL, shtrih:tcp://HOST:PORT or shtrih:serial:PATH"
    ),
    # Fraud flags and the staff's phones (app.core.services.fraud, app.core.services.staff).
    "period_order": "the period's last day {last} is before its first day {first}",
    "staff_phone_unknown": "no cashier named {name}",
    # Daily limits (program `limits`; app.core.caps): hard ones refuse, soft ones warn the cashier.
    "cap_card_sales": "card {card} has been used {count} times today; the program allows {limit}",
    "cap_card_earned": "card {card} would earn {points} today; the program allows {limit_points}",
    "cap_card_spent": "card {card} would pay {points} today; the program allows {limit_points}",
    "cap_adjust_points": "{actor} would adjust {points} by hand today; the program allows {limit_points}",
    "warn_card_sales": "card {card} has been used {count} times today (more than {limit}): check the customer",
    "warn_card_earned": "card {card} earns {points} today (more than {limit_points}): check the customer",
    "warn_card_spent": "card {card} pays {points} today (more than {limit_points}): check the customer",
    "warn_adjust_points": "{actor} has adjusted {points} by hand today (more than {limit_points})",
    # The customer confirms spending (program `confirm`; app.core.services.confirm).
    "confirm_needed": "paying with points needs the customer's confirmation",
    "confirm_needed_always": "paying {points} needs the customer's confirmation (a code, the phone's QR or a manager)",
    "confirm_needed_found_by_phone": (
        "found by phone: paying {points} needs the customer's confirmation (a code, the phone's QR or a manager)"
    ),
    "confirm_needed_above": "paying {points} needs the customer's confirmation (a code, the phone's QR or a manager)",
    "confirm_no_sender": "no SMS sender is set up: confirm with the customer's phone QR or a manager",
    "confirm_no_phone": "card {card} has no phone number here to send a code to",
    "confirm_send": "the code could not be sent: {text}",
    "confirm_wait": "a code was sent just now: wait {wait_seconds} s before sending another",
    "confirm_code_expired": "the code has expired or was never sent: send a new one",
    "confirm_code_wrong": "wrong code: {left} tries left",
    "confirm_code_attempts": "too many wrong codes: send a new one",
    "confirm_totp_wrong": "this is not the customer's current code",
    "confirm_totp_used": "this code was already used: wait for the next one on the customer's phone",
    "confirm_reason": "say why the manager confirms it",
    # The fiscal service and its warnings for the status bar (app.core.services.fiscal, app.core.fiscal_map).
    "fiscal_taxation_bad": "unknown taxation {text!r}: osn, usn_income, usn_income_outcome or patent",
    "fiscal_vat_bad": "unknown VAT rate {text!r}: 22, 10, 0, 5, 7 or none",
    "fiscal_object_bad": "unknown payment object {text!r}: commodity or service",
    "fiscal_setting_bad": "{text!r} must be CATEGORY=VALUE",
    "fiscal_inn_bad": "INN {text!r} must be 10 or 12 digits",
    "fiscal_contact_bad": "{text!r} is neither a phone number nor an e-mail address for an electronic receipt",
    "fiscal_not_driven": "this needs a fiscal register driven by this terminal (fiscal.device is {device})",
    "fiscal_not_beside": "a register's receipt QR is attached in beside mode only (fiscal.device is {device})",
    "fiscal_qr_kind": "this fiscal receipt is not a sale (kind {n})",
    "fiscal_earn_card": "an earn-only sale from a register's receipt needs a loyalty card",
    "fiscal_warn_fn_nearly_full": "the fiscal drive is nearly full: order a new one",
    "fiscal_warn_fn_replace_soon": "the fiscal drive's validity ends within 30 days: order a new one",
    "fiscal_warn_ofd_days": (
        "{count} documents not confirmed by the fiscal data operator for {days} days (the drive blocks at 30)"
    ),
    "fiscal_warn_shift_hours": "the register's shift has been open for {hours} hours: close it before 24",
    "fiscal_warn_pending": "{count} fiscal receipts wait for the register's answer: run fiscal reconcile",
    # Program validation (app.core.program): {path} is the key path, e.g. tiers[1].threshold.
    "program_top_not_object": "program must be a JSON object",
    "program_not_object": "{path} must be a JSON object",
    "program_unknown_key": "unknown key {path}",
    "program_missing_key": "missing key {path}",
    "program_not_integer": "{path} must be a whole number, got {value!r}",
    "program_min": "{path} must be at least {min}, got {value}",
    "program_max": "{path} must be at most {max}, got {value}",
    "program_max_plain": "{path} must be at most {max}",
    "program_float": '{path} must be a decimal string like "2.5", not a float',
    "program_not_decimal": "{path} must be a decimal number, not {value!r}",
    "program_negative": "{path} must not be negative: {value}",
    "program_decimal_string": '{path} must be a non-negative decimal string like "2.5", got {value!r}',
    "program_max_decimal": "{path} must be at most {max}, got {value!r}",
    "program_text": "{path} must be a non-empty string",
    "program_flag": "{path} must be true or false",
    "program_strings": "{path} must be a list of strings",
    "program_list": "{path} must be a list",
    "program_timestamp": "{path} must be an ISO 8601 timestamp",
    "program_bad_timestamp": "{path}: bad timestamp {text!r}: expected ISO 8601 with a UTC offset",
    "program_timestamp_no_offset": "{path}: timestamp {text!r} has no UTC offset",
    "program_time": '{path} must be a time like "08:30", got {value!r}',
    "program_timezone": "timezone {value!r} is not a known IANA time zone",
    "program_no_tiers": "tiers must list at least one tier",
    "program_first_tier": "the first tier must have min_spend 0",
    "program_tier_names": "tier names must be unique",
    "program_tier_spends": "tiers must have different min_spend",
    "program_weekdays": "{path} must list ISO weekdays 1..7",
    "program_hours_order": "{path} must be before {end}",
    "program_cap_order": "{path} must be below {stop}",
    "program_stamp_ids": "stamp rule ids must be unique",
    "program_coupon_codes": "coupon codes must be unique",
    "program_reward_ids": "reward ids must be unique",
    "program_coupon_code": "{path} may hold only letters, digits, '-' and '_'",
    "program_percent": "{path} of a percent coupon must be in (0, 100]",
    "program_coupon_kind": '{path} must be "percent" or "amount"',
    "program_card": "{path} must be a card number",
    # A problem app.core.program_file's model found that no code above names (pydantic's own sentence).
    "program_invalid": "{path} is not valid: {reason}",
}


def os_params(exc: OSError) -> dict[str, str]:
    """The parameters of a file the system refused: its words ({os}) and its errno name ({errno}, e.g. ENOSPC)."""
    return {"os": exc.strerror or str(exc), "errno": errno.errorcode.get(exc.errno or 0, "")}


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses ("{card!r}" names card)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(code: str, params: Mapping[str, Any]) -> str:
    """The English sentence of a refusal; a part parameter (cap, problem) is a code worded in place."""
    values = dict(params)
    inner = {key: value for key, value in params.items() if key not in PARTS}
    for key in PARTS & values.keys():
        values[key] = render(str(values[key]), inner)
    template = TEMPLATES.get(code)
    if template is None:
        return code  # not a code: a free-text reason from before codes (shown as written)
    return template.format(**values)


@dataclass(frozen=True)
class Refusal:
    """A refusal as a value (a problem found, not yet raised): its code and plain parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self.code, self.params)


class RefusalError(Exception):
    """An error that is a refusal: `code` and `params` for a front end, str() the English sentence."""

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in TEMPLATES:
            # Free text from code that has no refusal code yet: kept readable, worded as written.
            code, params = UNWORDED, {"text": code}
        self.code = code
        self.params: dict[str, Any] = params
        self.reason = render(code, params)
        super().__init__(self.reason)

    @classmethod
    def of(cls, refusal: Refusal) -> Self:
        """The error for a refusal found earlier (a backup's problem, say)."""
        return cls(refusal.code, **refusal.params)

    def __str__(self) -> str:
        return self.reason
