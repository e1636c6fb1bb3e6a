"""Refusals in the cashier's language: one table from a refusal's code to its Qt-translated wording.

The core raises errors that carry a stable `code` and plain `params` (app.core.refusals); this module
is the one place that words them on screen. The English source texts below are marked with
QT_TRANSLATE_NOOP and literal contexts (lupdate reads the source, not variables); Russian comes from
loyalty_ru.qm (resources/translations/refusals_ru.tsv). Parameters are formatted for the language:
*_kopecks as money, points as points with their plural, wait_seconds as a wait in words, a part
(cap, problem) as its own wording,
{os} by its errno name, {field} as the title of a program field. How to add one: docs/refusals.md.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.core.refusals import PARTS, UNWORDED, Refusal, RefusalError, os_params
from app.ui import i18n

__all__ = ["CONTEXT", "SCREEN_ONLY", "WORDING", "explain", "os_words", "word"]

CONTEXT = "Refusals"
_POINTS = frozenset({"points", "need", "have"})

# The stubs type QT_TRANSLATE_NOOP as returning object: the values are str()-ed where translated.
WORDING: dict[str, object] = {
    "no_program": QT_TRANSLATE_NOOP(
        "Refusals",
        "No loyalty program is set: the manager sets one in the program editor",
    ),
    "not_initialised": QT_TRANSLATE_NOOP(
        "Refusals",
        "The database is not set up: start the till again to create the store",
    ),
    "unknown_card": QT_TRANSLATE_NOOP("Refusals", "Card {card} is not enrolled"),
    "card_replaced": QT_TRANSLATE_NOOP("Refusals", "Card {card} was replaced by a new card and no longer works"),
    "no_customer": QT_TRANSLATE_NOOP("Refusals", "No customer with card or phone {query}"),
    "unknown_customer": QT_TRANSLATE_NOOP("Refusals", "This customer is not in the store's database"),
    "card_blocked": QT_TRANSLATE_NOOP("Refusals", "Card {card} is blocked"),
    "card_issued": QT_TRANSLATE_NOOP("Refusals", "Card {card} is already issued"),
    "card_issued_other": QT_TRANSLATE_NOOP("Refusals", "Card {card} is already issued to another customer"),
    "card_chars": QT_TRANSLATE_NOOP(
        "Refusals",
        "Card number {card} may hold only Latin letters, digits and '-' (1 to 32)",
    ),
    "card_check_digit": QT_TRANSLATE_NOOP("Refusals", "Card number {card} is wrong (check digit): mistyped?"),
    "qr_not_card": QT_TRANSLATE_NOOP("Refusals", "This QR code is not a loyalty card"),
    "qr_forged": QT_TRANSLATE_NOOP("Refusals", "This card QR code is forged or from another store"),
    "phone_chars": QT_TRANSLATE_NOOP("Refusals", "Phone number {text} is not valid: expected +7 and 10 digits"),
    "phone_ru_digits": QT_TRANSLATE_NOOP("Refusals", "Phone number {text} is not valid: expected +7 and 10 digits"),
    "phone_length": QT_TRANSLATE_NOOP("Refusals", "Phone number {text} is not valid: expected +7 and 10 digits"),
    "phone_not_ru": QT_TRANSLATE_NOOP("Refusals", "Phone number {text} is not valid: expected +7 and 10 digits"),
    "op_before_latest": QT_TRANSLATE_NOOP(
        "Refusals",
        "The clock is behind this customer's last purchase: check the date and time",
    ),
    "op_in_future": QT_TRANSLATE_NOOP(
        "Refusals",
        "The date {at_iso} is more than {minutes} minutes ahead of the till's clock: check the date and time",
    ),
    "bad_timestamp": QT_TRANSLATE_NOOP(
        "Refusals",
        "{text} is not a date and time with the UTC offset, like 2025-03-01T09:00:00+03:00",
    ),
    "timestamp_no_offset": QT_TRANSLATE_NOOP(
        "Refusals",
        "{text} is not a date and time with the UTC offset, like 2025-03-01T09:00:00+03:00",
    ),
    "unknown_operation": QT_TRANSLATE_NOOP(
        "Refusals",
        "The store's journal has an operation this program does not know ({kind}): update the program",
    ),
    "name_empty": QT_TRANSLATE_NOOP("Refusals", "Enter the customer's name"),
    "name_long": QT_TRANSLATE_NOOP("Refusals", "The name is too long (200 characters at most)"),
    "birthday_format": QT_TRANSLATE_NOOP("Refusals", "Birthday {text} is not a date like 05.07.1990"),
    "birthday_range": QT_TRANSLATE_NOOP("Refusals", "The birthday must be between 01.01.1900 and today"),
    "phone_taken": QT_TRANSLATE_NOOP("Refusals", "Phone {phone} is already enrolled (card {card})"),
    "restored_reconnect": QT_TRANSLATE_NOOP(
        "Refusals",
        "This till was restored from a backup: connect it to the server again (Settings) before "
        "enrolling new customers",
    ),
    "adjust_zero": QT_TRANSLATE_NOOP("Refusals", "An adjustment must add or remove at least one point"),
    "adjust_reason": QT_TRANSLATE_NOOP("Refusals", "Say why the points are adjusted"),
    "adjust_below_zero": QT_TRANSLATE_NOOP(
        "Refusals",
        "Cannot remove {remove_points}: the card has {available_points}, and a balance cannot go below zero by hand",
    ),
    "not_enough_points": QT_TRANSLATE_NOOP("Refusals", "Not enough points: {have} available, {need} needed"),
    "unknown_product": QT_TRANSLATE_NOOP("Refusals", "No product with code {sku}"),
    "basket_empty": QT_TRANSLATE_NOOP("Refusals", "The basket is empty"),
    "qty_min": QT_TRANSLATE_NOOP("Refusals", "The quantity of {sku} must be at least 1"),
    "qty_max": QT_TRANSLATE_NOOP("Refusals", "At most {max} units of one item can be sold at once"),
    "price_negative": QT_TRANSLATE_NOOP("Refusals", "The price of {sku} must not be negative"),
    "price_max": QT_TRANSLATE_NOOP("Refusals", "A price can be at most {max_kopecks}"),
    "redeem_needs_card": QT_TRANSLATE_NOOP("Refusals", "Paying with points needs a loyalty card"),
    "redeem_max": QT_TRANSLATE_NOOP("Refusals", "At most {points} can be paid with points in this basket"),
    "redeem_capped": QT_TRANSLATE_NOOP("Refusals", "At most {points} can be paid with points now: {cap}"),
    "redeem_value": QT_TRANSLATE_NOOP("Refusals", "Points to pay with must be a whole number or the maximum"),
    "unknown_reward": QT_TRANSLATE_NOOP("Refusals", "This gift is no longer in the program"),
    "gift_points": QT_TRANSLATE_NOOP("Refusals", "Gift “{name}” needs {need}, the card has {have}"),
    "gift_capped": QT_TRANSLATE_NOOP(
        "Refusals",
        "Gift “{name}” needs {need}, but only {points} can be paid with points now: {cap}",
    ),
    "cap_card": QT_TRANSLATE_NOOP("Refusals", "this card's limit until the next sync is reached"),
    "cap_terminal": QT_TRANSLATE_NOOP("Refusals", "this till's limit until the next sync is reached"),
    "cap_stale": QT_TRANSLATE_NOOP(
        "Refusals",
        "no sync with the server for over {hours} h, so paying with points is paused",
    ),
    "cap_clock": QT_TRANSLATE_NOOP("Refusals", "the till's clock is wrong, so paying with points is paused"),
    "unknown_coupon": QT_TRANSLATE_NOOP("Refusals", "There is no coupon {coupon}"),
    "coupon_not_yet": QT_TRANSLATE_NOOP("Refusals", "Coupon {coupon} is not valid yet"),
    "coupon_expired": QT_TRANSLATE_NOOP("Refusals", "Coupon {coupon} has expired"),
    "coupon_needs_card": QT_TRANSLATE_NOOP(
        "Refusals",
        "Coupon {coupon} needs a loyalty card: scan the customer's card first",
    ),
    "coupon_personal": QT_TRANSLATE_NOOP("Refusals", "Coupon {coupon} is personal and belongs to another customer"),
    "coupon_used_up": QT_TRANSLATE_NOOP("Refusals", "Coupon {coupon} is used up"),
    "coupon_per_customer": QT_TRANSLATE_NOOP(
        "Refusals",
        "This customer has already used coupon {coupon} as often as allowed ({n})",
    ),
    "coupon_min_total": QT_TRANSLATE_NOOP(
        "Refusals",
        "Coupon {coupon} needs a purchase of at least {min_kopecks} before discounts",
    ),
    "unknown_sale": QT_TRANSLATE_NOOP("Refusals", "There is no sale {sale}"),
    "unknown_refund": QT_TRANSLATE_NOOP("Refusals", "There is no refund {refund}"),
    "refund_done": QT_TRANSLATE_NOOP("Refusals", "Sale No. {sale} has already been refunded in full"),
    "refund_no_line": QT_TRANSLATE_NOOP("Refusals", "Sale {sale} has no such line"),
    "refund_units_min": QT_TRANSLATE_NOOP("Refusals", "Choose at least one unit to refund"),
    "refund_units_left": QT_TRANSLATE_NOOP("Refusals", "Only {left} unit(s) of this item can still be given back"),
    "refund_units_gone": QT_TRANSLATE_NOOP(
        "Refusals",
        "Some of these items were given back meanwhile: check the quantities again",
    ),
    "refund_before_sale": QT_TRANSLATE_NOOP(
        "Refusals",
        "The till's clock is earlier than the sale: check the date and time",
    ),
    "refund_beyond_units": QT_TRANSLATE_NOOP(
        "Refusals", "Only {left} unit(s) of this item are left to give back in the whole chain: nothing was saved"
    ),
    "refund_units_chain": QT_TRANSLATE_NOOP(
        "Refusals", "Only {left} unit(s) of this item can still be given back: the rest were returned at another till"
    ),
    "coupon_limit_offline": QT_TRANSLATE_NOOP(
        "Refusals", "Coupon {coupon} has a use limit: it works again once the till has synced with the server"
    ),
    "refund_line_format": QT_TRANSLATE_NOOP("Refusals", "Refund line {item} must look like N:QTY"),
    "refund_line_units": QT_TRANSLATE_NOOP("Refusals", "Refund line {item}: at least 1 unit"),
    "csv_invalid": QT_TRANSLATE_NOOP("Refusals", "The file is not a valid CSV table ({detail})"),
    "csv_header": QT_TRANSLATE_NOOP("Refusals", "Line 1 must be the header sku,name,category,price,barcode"),
    "csv_lines": QT_TRANSLATE_NOOP("Refusals", "The price list has mistakes: {lines}"),
    "disk_full": QT_TRANSLATE_NOOP("Refusals", "The disk is full: nothing was saved. Free some space, then try again"),
    "db_read_only": QT_TRANSLATE_NOOP(
        "Refusals",
        "The data folder is read-only: nothing was saved. Call your technician",
    ),
    "db_busy": QT_TRANSLATE_NOOP("Refusals", "The database is busy in another program: nothing was saved. Try again"),
    "db_locked": QT_TRANSLATE_NOOP(
        "Refusals",
        "The database {path} is locked by another program: nothing was saved. Close that program, then try again",
    ),
    "db_error": QT_TRANSLATE_NOOP("Refusals", "Database error: {detail}"),
    "db_damaged": QT_TRANSLATE_NOOP(
        "Refusals",
        "The database is damaged: nothing was saved. Restart the till to restore a backup",
    ),
    "db_newer": QT_TRANSLATE_NOOP(
        "Refusals",
        "The database comes from a newer version of the program: update the program",
    ),
    "already_running": QT_TRANSLATE_NOOP(
        "Refusals",
        "Loyalty Terminal is already running on this data folder (process {pid})",
    ),
    "no_database": QT_TRANSLATE_NOOP("Refusals", "There is no database at {path}"),
    "not_terminal_db": QT_TRANSLATE_NOOP("Refusals", "{path} is not a database of the till"),
    "data_folder": QT_TRANSLATE_NOOP("Refusals", "The data folder {path} could not be created: {os}"),
    "db_not_initialised": QT_TRANSLATE_NOOP("Refusals", "{path} is not set up as a store of the till"),
    "file_missing": QT_TRANSLATE_NOOP("Refusals", "{path} does not exist"),
    "not_sqlite": QT_TRANSLATE_NOOP("Refusals", "{path} is not a database of the till"),
    "integrity": QT_TRANSLATE_NOOP("Refusals", "{path} is damaged"),
    "no_schema": QT_TRANSLATE_NOOP("Refusals", "{path} is a database, but not one of the till"),
    "tables_missing": QT_TRANSLATE_NOOP("Refusals", "{path} is a database, but not one of the till"),
    "file_damaged": QT_TRANSLATE_NOOP("Refusals", "{path} is damaged"),
    "backup_unverified": QT_TRANSLATE_NOOP("Refusals", "The backup was written but fails its check: {problem}"),
    "backup_write": QT_TRANSLATE_NOOP("Refusals", "The backup could not be written in {path}: {os}"),
    "backup_failed": QT_TRANSLATE_NOOP("Refusals", "{path} could not be backed up ({detail})"),
    "restore_refused": QT_TRANSLATE_NOOP("Refusals", "This backup cannot be restored: {problem}"),
    "restore_write": QT_TRANSLATE_NOOP("Refusals", "The backup could not be restored into {path}: {os}"),
    "restore_unmarked": QT_TRANSLATE_NOOP(
        "Refusals",
        "{path} was restored, but could not be marked to connect to the server again ({detail})",
    ),
    "no_good_backup": QT_TRANSLATE_NOOP("Refusals", "No backup in {path} is in good order"),
    "staff_name_empty": QT_TRANSLATE_NOOP("Refusals", "Enter a name"),
    "staff_name_long": QT_TRANSLATE_NOOP("Refusals", "The name is too long ({max} characters at most)"),
    "pin_format": QT_TRANSLATE_NOOP("Refusals", "A PIN is 4 to 8 digits"),
    "role": QT_TRANSLATE_NOOP("Refusals", "A role is cashier or manager"),
    "unknown_cashier": QT_TRANSLATE_NOOP("Refusals", "There is no such cashier"),
    "name_taken": QT_TRANSLATE_NOOP("Refusals", "There is already a cashier with this name"),
    "not_first": QT_TRANSLATE_NOOP("Refusals", "The store already has cashiers: ask a manager to log in"),
    "wrong_pin": QT_TRANSLATE_NOOP("Refusals", "Wrong name or PIN"),
    "wrong_manager_pin": QT_TRANSLATE_NOOP("Refusals", "Wrong manager PIN"),
    "cashier_disabled": QT_TRANSLATE_NOOP("Refusals", "This cashier is disabled: ask a manager"),
    "no_manager": QT_TRANSLATE_NOOP("Refusals", "There is no active manager to approve this"),
    "pin_locked": QT_TRANSLATE_NOOP("Refusals", "Too many wrong PINs: try again in {wait_seconds}"),
    "last_manager_disable": QT_TRANSLATE_NOOP("Refusals", "The last active manager must stay an active manager"),
    "last_manager_role": QT_TRANSLATE_NOOP("Refusals", "The last active manager must stay an active manager"),
    "shift_open": QT_TRANSLATE_NOOP("Refusals", "This cashier already has an open shift"),
    "shift_closed": QT_TRANSLATE_NOOP("Refusals", "This shift is already closed"),
    "shift_time": QT_TRANSLATE_NOOP("Refusals", "A shift cannot close before it opened: check the date and time"),
    "unknown_shift": QT_TRANSLATE_NOOP("Refusals", "There is no such shift"),
    "audit_incomplete": QT_TRANSLATE_NOOP("Refusals", "An audit entry needs who and what"),
    "not_enrolled": QT_TRANSLATE_NOOP("Refusals", "This till is not connected to a server"),
    "not_enrolled_reports": QT_TRANSLATE_NOOP(
        "Refusals",
        "This till is not connected to a server: the chain's reports are there",
    ),
    "server_timeout": QT_TRANSLATE_NOOP("Refusals", "The server did not answer in time"),
    "server_unreachable": QT_TRANSLATE_NOOP(
        "Refusals",
        "No connection to the server: check the address and the network",
    ),
    "server_status": QT_TRANSLATE_NOOP("Refusals", "The server answered with error {status}"),
    "server_not_json": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "server_not_object": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "enroll_answer": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "push_answer": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "pull_answer": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "lookup_answer": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "cards_answer": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "server_refused": QT_TRANSLATE_NOOP("Refusals", "The server refused: {detail}"),
    "enroll_code": QT_TRANSLATE_NOOP("Refusals", "the code is unknown or has expired"),
    "revoked": QT_TRANSLATE_NOOP("Refusals", "this till was disconnected from the chain on the server"),
    "token_superseded": QT_TRANSLATE_NOOP(
        "Refusals",
        "this till's connection was replaced on the server: connect it again",
    ),
    "nothing_acked": QT_TRANSLATE_NOOP("Refusals", "The server accepted nothing; the till will try again"),
    "sync_stopped": QT_TRANSLATE_NOOP("Refusals", "The sync was stopped"),
    "report_unreadable": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "card_range_empty": QT_TRANSLATE_NOOP(
        "Refusals",
        "No card numbers are left on this till: sync with the server, or give the customer a pre-printed card",
    ),
    "qr_key_unknown": QT_TRANSLATE_NOOP(
        "Refusals", "This card's QR code is signed with a key this till does not have yet: sync, or type the number"
    ),
    "program_from_chain": QT_TRANSLATE_NOOP(
        "Refusals", "This till belongs to a chain: the program is set on the chain's server, not here"
    ),
    "program_choice_needed": QT_TRANSLATE_NOOP(
        "Refusals", "This store's program differs from the chain's: choose to adopt the chain's program"
    ),
    "chain_no_program_choose": QT_TRANSLATE_NOOP(
        "Refusals", "The chain has no program yet: choose to make this store's program the chain's"
    ),
    "chain_no_program": QT_TRANSLATE_NOOP(
        "Refusals", "The chain has no program to adopt: choose to make this store's program the chain's"
    ),
    "chain_has_program": QT_TRANSLATE_NOOP("Refusals", "The chain already has a program: choose to adopt it"),
    "seed_without_program": QT_TRANSLATE_NOOP("Refusals", "This store has no program to give the chain"),
    "program_choice_both": QT_TRANSLATE_NOOP(
        "Refusals", "Choose one: adopt the chain's program or give it this store's"
    ),
    "report_days": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "report_period": QT_TRANSLATE_NOOP("Refusals", "The server's answer cannot be read"),
    "program_top_not_object": QT_TRANSLATE_NOOP("Refusals", "The program must be a JSON object"),
    "program_not_object": QT_TRANSLATE_NOOP("Refusals", "{field}: must be a JSON object"),
    "program_unknown_key": QT_TRANSLATE_NOOP("Refusals", "Unknown key {path}"),
    "program_missing_key": QT_TRANSLATE_NOOP("Refusals", "{field}: fill this in"),
    "program_not_integer": QT_TRANSLATE_NOOP("Refusals", "{field}: a whole number is needed, not {value}"),
    "program_min": QT_TRANSLATE_NOOP("Refusals", "{field}: must be at least {min} (now {value})"),
    "program_max": QT_TRANSLATE_NOOP("Refusals", "{field}: must be at most {max}"),
    "program_max_plain": QT_TRANSLATE_NOOP("Refusals", "{field}: must be at most {max}"),
    "program_float": QT_TRANSLATE_NOOP("Refusals", "{field}: a number like 2.5 is needed"),
    "program_not_decimal": QT_TRANSLATE_NOOP("Refusals", "{field}: a number like 2.5 is needed"),
    "program_negative": QT_TRANSLATE_NOOP("Refusals", "{field}: must not be negative"),
    "program_decimal_string": QT_TRANSLATE_NOOP("Refusals", "{field}: a number like 2.5 is needed"),
    "program_max_decimal": QT_TRANSLATE_NOOP("Refusals", "{field}: must be at most {max}"),
    "program_text": QT_TRANSLATE_NOOP("Refusals", "{field}: fill this in"),
    "program_flag": QT_TRANSLATE_NOOP("Refusals", "{field}: must be true or false"),
    "program_strings": QT_TRANSLATE_NOOP("Refusals", "{field}: must be a list"),
    "program_list": QT_TRANSLATE_NOOP("Refusals", "{field}: must be a list"),
    "program_timestamp": QT_TRANSLATE_NOOP(
        "Refusals",
        "{field}: a date and time with the UTC offset, like 2025-03-01T09:00:00+03:00",
    ),
    "program_bad_timestamp": QT_TRANSLATE_NOOP(
        "Refusals",
        "{field}: a date and time with the UTC offset, like 2025-03-01T09:00:00+03:00",
    ),
    "program_timestamp_no_offset": QT_TRANSLATE_NOOP(
        "Refusals",
        "{field}: a date and time with the UTC offset, like 2025-03-01T09:00:00+03:00",
    ),
    "program_time": QT_TRANSLATE_NOOP("Refusals", "{field}: a time like 08:30 is needed"),
    "program_timezone": QT_TRANSLATE_NOOP("Refusals", "Unknown time zone {value} (e.g. Europe/Moscow)"),
    "program_no_tiers": QT_TRANSLATE_NOOP("Refusals", "Add at least one tier"),
    "program_first_tier": QT_TRANSLATE_NOOP("Refusals", "The first tier must start from a spend of 0"),
    "program_tier_names": QT_TRANSLATE_NOOP("Refusals", "Tier names must differ"),
    "program_tier_spends": QT_TRANSLATE_NOOP("Refusals", "Tiers must start from different spends"),
    "program_weekdays": QT_TRANSLATE_NOOP("Refusals", "{field}: weekdays from 1 (Monday) to 7 (Sunday), e.g. 1-5"),
    "program_hours_order": QT_TRANSLATE_NOOP("Refusals", "{field}: must be earlier than the end"),
    "program_stamp_ids": QT_TRANSLATE_NOOP("Refusals", "Stamp card ids must differ"),
    "program_coupon_codes": QT_TRANSLATE_NOOP("Refusals", "Coupon codes must differ"),
    "program_reward_ids": QT_TRANSLATE_NOOP("Refusals", "Gift ids must differ"),
    "program_coupon_code": QT_TRANSLATE_NOOP("Refusals", "{field}: only Latin letters, digits, '-' and '_'"),
    "program_percent": QT_TRANSLATE_NOOP("Refusals", "{field}: a percentage above 0 and at most 100"),
    "program_coupon_kind": QT_TRANSLATE_NOOP("Refusals", "{field}: percent or amount"),
    "program_card": QT_TRANSLATE_NOOP("Refusals", "{field}: a card number is needed"),
    "program_invalid": QT_TRANSLATE_NOOP("Refusals", "{field}: this value is not valid ({reason})"),
    "empty_scan": QT_TRANSLATE_NOOP("Refusals", "Nothing was read"),
    "barcode_check_digit": QT_TRANSLATE_NOOP("Refusals", "Barcode {code} is wrong (check digit)"),
    "unknown_code": QT_TRANSLATE_NOOP("Refusals", "Unknown code {code}"),
    "scan_missing": QT_TRANSLATE_NOOP("Refusals", "{path}: there is no such file"),
    "scan_not_file": QT_TRANSLATE_NOOP("Refusals", "{path} is not a file"),
    "scan_image_os": QT_TRANSLATE_NOOP("Refusals", "The image {path} cannot be read: {os}"),
    "scan_image_empty": QT_TRANSLATE_NOOP("Refusals", "The image file {path} is empty"),
    "scan_not_image": QT_TRANSLATE_NOOP("Refusals", "{path} is not an image or is damaged"),
    "scan_not_video": QT_TRANSLATE_NOOP("Refusals", "{path} is not a video or is damaged"),
    "scan_no_frames": QT_TRANSLATE_NOOP("Refusals", "{path} is not a video or is damaged"),
    "camera_missing": QT_TRANSLATE_NOOP("Refusals", "camera {source} is not connected"),
    "camera_unopened": QT_TRANSLATE_NOOP("Refusals", "cannot open camera {source}"),
    "camera_stopped": QT_TRANSLATE_NOOP("Refusals", "camera {source} stopped sending pictures"),
    "camera_failed": QT_TRANSLATE_NOOP("Refusals", "reading codes from the camera failed: {detail}"),
    "print_pdf_folder": QT_TRANSLATE_NOOP("Refusals", "Cannot save receipt PDF to {path}: {os}"),
    "print_timeout": QT_TRANSLATE_NOOP(
        "Refusals",
        "Printer {where} did not answer within {seconds} s: check that it is on and connected to the network",
    ),
    "print_refused": QT_TRANSLATE_NOOP(
        "Refusals",
        "Printer {where} refused the connection: check the printer's address and port",
    ),
    "print_failed": QT_TRANSLATE_NOOP("Refusals", "Cannot print to {where}: {os}"),
    "print_no_usb": QT_TRANSLATE_NOOP("Refusals", "{name}: USB printing is not available on this computer"),
    "print_not_ready": QT_TRANSLATE_NOOP("Refusals", "{name}: the printer is not found or not ready"),
    "print_no_such_printer": QT_TRANSLATE_NOOP("Refusals", "There is no printer named {name} on this computer"),
    "print_no_system_printer": QT_TRANSLATE_NOOP("Refusals", "No printer is installed on this computer"),
    "print_cannot_start": QT_TRANSLATE_NOOP(
        "Refusals",
        "{name}: the printer cannot start printing (offline or out of paper?)",
    ),
    "print_not_accepted": QT_TRANSLATE_NOOP("Refusals", "{name}: the printer did not accept the job"),
    "printer_unusable": QT_TRANSLATE_NOOP(
        "Refusals",
        "The printer setting “{setting}” is not understood, so receipts are not printed. "
        "Choose the printer again in Manager › Settings › Printer.",
    ),
    "printer_setting_net": QT_TRANSLATE_NOOP(
        "Refusals",
        "Printer setting {setting}: expected escpos-net:ADDRESS[:PORT]",
    ),
    "printer_setting_usb": QT_TRANSLATE_NOOP(
        "Refusals",
        "Printer setting {setting}: expected escpos-usb:VID:PID in hex",
    ),
    "printer_setting_unknown": QT_TRANSLATE_NOOP("Refusals", "Unknown printer setting {setting}"),
    "coupons_none": QT_TRANSLATE_NOOP("Refusals", "Make at least one code"),
    "segment_empty": QT_TRANSLATE_NOOP("Refusals", "No customer is in this segment"),
    "store_exists": QT_TRANSLATE_NOOP("Refusals", "There is already a store at {path}"),
    "enrollment_lost": QT_TRANSLATE_NOOP(
        "Refusals",
        "The connection to the server was lost: connect to the server again",
    ),
    "store_create": QT_TRANSLATE_NOOP("Refusals", "The store cannot be created in {path}: {os}"),
    "store_finish": QT_TRANSLATE_NOOP("Refusals", "The store in {path} could not be finished ({detail})"),
    "unknown_store": QT_TRANSLATE_NOOP("Refusals", "The server does not know store {store}"),
    "unknown_terminal": QT_TRANSLATE_NOOP("Refusals", "The server does not know till {terminal}"),
    "admin_password_short": QT_TRANSLATE_NOOP("Refusals", "An administrator's password needs at least 8 characters"),
    "admin_wrong": QT_TRANSLATE_NOOP("Refusals", "Wrong administrator name or password"),
    "admin_session": QT_TRANSLATE_NOOP("Refusals", "The administrator's session has expired: log in again"),
    "managed_on_server": QT_TRANSLATE_NOOP("Refusals", "This is managed on the chain's server, not at a till"),
    "unknown_kind": QT_TRANSLATE_NOOP("Refusals", "The server does not know this kind of operation ({kind})"),
    "server_data_folder": QT_TRANSLATE_NOOP("Refusals", "The server's data folder {path} cannot be created: {os}"),
    "server_db": QT_TRANSLATE_NOOP("Refusals", "The server's database cannot be prepared ({detail})"),
    "login_locked": QT_TRANSLATE_NOOP("Refusals", "Too many failed logins: try again in {wait_seconds}"),
    "enroll_locked": QT_TRANSLATE_NOOP(
        "Refusals", "Too many wrong connection codes from this computer: try again in {wait_seconds}"
    ),
    "server_busy": QT_TRANSLATE_NOOP(
        "Refusals", "The server is busy checking other logins: try again in {wait_seconds}"
    ),
    "admin_only": QT_TRANSLATE_NOOP(
        "Refusals", "This needs an administrator's login; a manager's login reads reports only"
    ),
    "admin_role": QT_TRANSLATE_NOOP("Refusals", "Unknown role {role}: administrator or manager"),
    "report_login": QT_TRANSLATE_NOOP("Refusals", "The chain's reports need a manager's login to the server"),
    "report_scope": QT_TRANSLATE_NOOP(
        "Refusals", "This login reads the reports of these stores only: {stores}. Choose one of them"
    ),
    "rate_limited": QT_TRANSLATE_NOOP("Refusals", "The server refuses more tries for now: try again in {wait_seconds}"),
    "request_too_large": QT_TRANSLATE_NOOP("Refusals", "The request is larger than the server accepts"),
    "report_login_needed": QT_TRANSLATE_NOOP("Refusals", "Log in to the server as a manager to see the whole chain"),
    "dated_ahead": QT_TRANSLATE_NOOP("Refusals", "The server refused it: dated {at_iso}, ahead of the server's clock"),
    "figures_mismatch": QT_TRANSLATE_NOOP(
        "Refusals", "The server refused it: the figures do not follow from the rules ({detail})"
    ),
    "cursor_unknown": QT_TRANSLATE_NOOP("Refusals", "The server refused it: the till names data it was never sent"),
    "manager_required": QT_TRANSLATE_NOOP("Refusals", "A manager must approve this operation"),
    "manager_unknown": QT_TRANSLATE_NOOP(
        "Refusals", "{actor} is not registered on the server as a manager of this store"
    ),
    "adjust_limit": QT_TRANSLATE_NOOP(
        "Refusals", "Adjusting {points} would pass the store's daily limit ({used} of {limit} used)"
    ),
    "fiscal_no_connection": QT_TRANSLATE_NOOP(
        "Refusals", "The fiscal register does not answer ({device}): check its cable and power"
    ),
    "fiscal_paper_out": QT_TRANSLATE_NOOP("Refusals", "The fiscal register is out of paper: load a new roll"),
    "fiscal_cover_open": QT_TRANSLATE_NOOP("Refusals", "The fiscal register's cover is open: close it"),
    "fiscal_shift_expired": QT_TRANSLATE_NOOP(
        "Refusals", "The register's shift has been open for more than 24 hours: close the shift (Z-report)"
    ),
    "fiscal_shift_closed": QT_TRANSLATE_NOOP("Refusals", "The register's shift is closed: open a shift first"),
    "fiscal_fn_full": QT_TRANSLATE_NOOP("Refusals", "The fiscal drive is full: it must be replaced"),
    "fiscal_fn_expired": QT_TRANSLATE_NOOP("Refusals", "The fiscal drive's validity has ended: it must be replaced"),
    "fiscal_ofd_blocked": QT_TRANSLATE_NOOP(
        "Refusals", "The fiscal drive is blocked: no confirmation from the fiscal data operator for {days} days"
    ),
    "fiscal_busy": QT_TRANSLATE_NOOP("Refusals", "The fiscal register is busy with another document: try again"),
    "fiscal_device": QT_TRANSLATE_NOOP("Refusals", "The fiscal register refused: {text} (code {device_code})"),
    "fiscal_unknown": QT_TRANSLATE_NOOP(
        "Refusals", "The register's answer was lost: the receipt will be checked at the next start"
    ),
    "fiscal_mismatch": QT_TRANSLATE_NOOP(
        "Refusals", "The register's receipt total {receipt_kopecks} differs from the sale's {sale_kopecks}"
    ),
    "fiscal_qr_bad": QT_TRANSLATE_NOOP("Refusals", "This is not a fiscal receipt QR code"),
    "fiscal_qr_used": QT_TRANSLATE_NOOP("Refusals", "This fiscal receipt is already attached to sale {sale_id}"),
    "fiscal_qr_unknown": QT_TRANSLATE_NOOP("Refusals", "No sale has this fiscal receipt"),
    "fiscal_not_set": QT_TRANSLATE_NOOP("Refusals", "No fiscal register is set"),
    "fiscal_device_bad": QT_TRANSLATE_NOOP("Refusals", "Unknown fiscal device {text}"),
    "period_order": QT_TRANSLATE_NOOP("Refusals", "The period's last day {last} is before its first day {first}"),
    "staff_phone_unknown": QT_TRANSLATE_NOOP("Refusals", "No cashier named {name}"),
    "cap_card_sales": QT_TRANSLATE_NOOP(
        "Refusals", "Card {card} has been used {count} times today; the program allows {limit}"
    ),
    "cap_card_earned": QT_TRANSLATE_NOOP(
        "Refusals", "Card {card} would earn {points} today; the program allows {limit_points}"
    ),
    "cap_card_spent": QT_TRANSLATE_NOOP(
        "Refusals", "Card {card} would pay {points} today; the program allows {limit_points}"
    ),
    "cap_adjust_points": QT_TRANSLATE_NOOP(
        "Refusals", "{actor} would adjust {points} by hand today; the program allows {limit_points}"
    ),
    "warn_card_sales": QT_TRANSLATE_NOOP(
        "Refusals", "Card {card} has been used {count} times today (more than {limit}): check the customer"
    ),
    "warn_card_earned": QT_TRANSLATE_NOOP(
        "Refusals", "Card {card} earns {points} today (more than {limit_points}): check the customer"
    ),
    "warn_card_spent": QT_TRANSLATE_NOOP(
        "Refusals", "Card {card} pays {points} today (more than {limit_points}): check the customer"
    ),
    "warn_adjust_points": QT_TRANSLATE_NOOP(
        "Refusals", "{actor} has adjusted {points} by hand today (more than {limit_points})"
    ),
    "program_cap_order": QT_TRANSLATE_NOOP("Refusals", "{field}: the warning must be below the stop"),
    "confirm_needed": QT_TRANSLATE_NOOP("Refusals", "Paying with points needs the customer's confirmation"),
    "confirm_needed_always": QT_TRANSLATE_NOOP(
        "Refusals", "Paying {points} needs the customer's confirmation: a code, the phone's QR or a manager"
    ),
    "confirm_needed_found_by_phone": QT_TRANSLATE_NOOP(
        "Refusals", "The customer was found by phone: paying {points} needs their confirmation"
    ),
    "confirm_needed_above": QT_TRANSLATE_NOOP(
        "Refusals", "Paying {points} needs the customer's confirmation: a code, the phone's QR or a manager"
    ),
    "confirm_no_sender": QT_TRANSLATE_NOOP(
        "Refusals", "No SMS sender is set up: confirm with the customer's phone QR or a manager"
    ),
    "confirm_no_phone": QT_TRANSLATE_NOOP("Refusals", "Card {card} has no phone number here to send a code to"),
    "confirm_send": QT_TRANSLATE_NOOP("Refusals", "The code could not be sent: {text}"),
    "confirm_wait": QT_TRANSLATE_NOOP("Refusals", "A code was sent just now: wait {wait_seconds} s"),
    "confirm_code_expired": QT_TRANSLATE_NOOP("Refusals", "The code has expired or was never sent: send a new one"),
    "confirm_code_wrong": QT_TRANSLATE_NOOP("Refusals", "Wrong code: {left} tries left"),
    "confirm_code_attempts": QT_TRANSLATE_NOOP("Refusals", "Too many wrong codes: send a new one"),
    "confirm_totp_wrong": QT_TRANSLATE_NOOP("Refusals", "This is not the customer's current code"),
    "confirm_totp_used": QT_TRANSLATE_NOOP(
        "Refusals", "This code was already used: wait for the next one on the customer's phone"
    ),
    "confirm_reason": QT_TRANSLATE_NOOP("Refusals", "Say why the manager confirms it"),
    "card_not_customers": QT_TRANSLATE_NOOP("Refusals", "Card {card} does not belong to this customer"),
    "fiscal_taxation_bad": QT_TRANSLATE_NOOP(
        "Refusals", "Unknown taxation {text}: osn, usn_income, usn_income_outcome or patent"
    ),
    "fiscal_vat_bad": QT_TRANSLATE_NOOP("Refusals", "Unknown VAT rate {text}: 22, 10, 0, 5, 7 or none"),
    "fiscal_object_bad": QT_TRANSLATE_NOOP("Refusals", "Unknown payment object {text}: commodity or service"),
    "fiscal_setting_bad": QT_TRANSLATE_NOOP("Refusals", "{text} must be CATEGORY=VALUE"),
    "fiscal_inn_bad": QT_TRANSLATE_NOOP("Refusals", "INN {text} must be 10 or 12 digits"),
    "fiscal_contact_bad": QT_TRANSLATE_NOOP("Refusals", "{text} is neither a phone number nor an e-mail address"),
    "fiscal_not_driven": QT_TRANSLATE_NOOP(
        "Refusals", "This needs a fiscal register driven by this terminal (now: {device})"
    ),
    "fiscal_not_beside": QT_TRANSLATE_NOOP(
        "Refusals", "A register's receipt QR is attached in beside mode only (now: {device})"
    ),
    "fiscal_qr_kind": QT_TRANSLATE_NOOP("Refusals", "This fiscal receipt is not a sale receipt"),
    "fiscal_earn_card": QT_TRANSLATE_NOOP(
        "Refusals", "An earn-only sale from a register's receipt needs a loyalty card"
    ),
    "fiscal_warn_fn_nearly_full": QT_TRANSLATE_NOOP("Refusals", "The fiscal drive is nearly full: order a new one"),
    "fiscal_warn_fn_replace_soon": QT_TRANSLATE_NOOP(
        "Refusals", "The fiscal drive's validity ends within 30 days: order a new one"
    ),
    "fiscal_warn_ofd_days": QT_TRANSLATE_NOOP(
        "Refusals",
        "{count} documents not confirmed by the fiscal data operator for {days} days (the drive blocks at 30)",
    ),
    "fiscal_warn_shift_hours": QT_TRANSLATE_NOOP(
        "Refusals", "The register's shift has been open for {hours} hours: close it before 24"
    ),
    "fiscal_warn_pending": QT_TRANSLATE_NOOP("Refusals", "{count} receipts wait for the register's answer"),
}
# Codes of the screens only, with no core template: the system's words by errno name, a file error
# Python raised as it is, a failure that is a bug, the program form's own reading of typed text.
SCREEN_ONLY: dict[str, object] = {
    "os_ENOSPC": QT_TRANSLATE_NOOP("Refusals", "the disk is full"),
    "os_EACCES": QT_TRANSLATE_NOOP("Refusals", "no permission to write there"),
    "os_EPERM": QT_TRANSLATE_NOOP("Refusals", "no permission to write there"),
    "os_EROFS": QT_TRANSLATE_NOOP("Refusals", "the disk is read-only"),
    "os_ENOENT": QT_TRANSLATE_NOOP("Refusals", "there is no such file or folder"),
    "os_EISDIR": QT_TRANSLATE_NOOP("Refusals", "this is a folder"),
    "os_ENOTDIR": QT_TRANSLATE_NOOP("Refusals", "this is not a folder"),
    "os_file": QT_TRANSLATE_NOOP("Refusals", "File {path}: {os}"),
    "unexpected": QT_TRANSLATE_NOOP("Refusals", "Something went wrong: {detail}"),
    "field_integer": QT_TRANSLATE_NOOP("Refusals", "{field}: a whole number is needed"),
    "field_money": QT_TRANSLATE_NOOP("Refusals", "{field}: an amount in roubles like 1 500 or 149,90 is needed"),
    "field_weekdays": QT_TRANSLATE_NOOP("Refusals", "{field}: weekdays from 1 (Monday) to 7 (Sunday), e.g. 1-5"),
}
_ALL = {**WORDING, **SCREEN_ONLY}


def _translated(code: str) -> str | None:
    source = _ALL.get(code)
    return QCoreApplication.translate(CONTEXT, str(source)) if source is not None else None


def _value(key: str, value: Any, params: Mapping[str, Any], field: Callable[[str], str] | None) -> Any:
    if key in PARTS:
        return word(str(value), {k: v for k, v in params.items() if k not in PARTS}, field)
    if key.endswith("_kopecks") and isinstance(value, int):
        return i18n.money(value)
    if (key in _POINTS or key.endswith("_points")) and isinstance(value, int):
        return i18n.points(value)
    if key == "wait_seconds" and isinstance(value, int):
        return i18n.wait(value)
    if key == "os":
        return _translated(f"os_{params.get('errno', '')}") or value
    return value


def os_words(exc: OSError) -> str:
    """What the system said about a file, in the active language when its errno is known ("диск заполнен")."""
    params = os_params(exc)
    return str(_value("os", params["os"], params, None))


def word(code: str, params: Mapping[str, Any], field: Callable[[str], str] | None = None) -> str:
    """A refusal's code and parameters in the active language; field titles a program key path."""
    template = _translated(code)
    if template is None or code == UNWORDED:
        text = " ".join(str(params.get("text", code)).split())
        return text[:1].upper() + text[1:]
    values = {key: _value(key, value, params, field) for key, value in params.items()}
    path = str(params.get("path", ""))
    values["field"] = (field(path) if field is not None else path) if path else ""
    return template.format_map(_Missing(values))


class _Missing(dict[str, Any]):
    """format_map values where a name the wording uses but the raise did not pass reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""


def explain(error: BaseException | Refusal, field: Callable[[str], str] | None = None) -> str:
    """Any error a screen meets, in the active language: a refusal by its code, a file error by its
    errno, anything else (a bug) as «Something went wrong» with its type; field titles a program path."""
    if isinstance(error, RefusalError | Refusal):
        return word(error.code, error.params, field)
    code = getattr(error, "code", None)
    params = getattr(error, "params", None)
    if isinstance(code, str) and isinstance(params, Mapping) and code in _ALL:
        return word(code, params, field)  # the form's FieldError and the like
    if isinstance(error, OSError) and error.errno in errno.errorcode:
        if not error.filename:
            text = os_words(error)
            return text[:1].upper() + text[1:]
        return word("os_file", {"path": error.filename, **os_params(error)})
    return word("unexpected", {"detail": f"{type(error).__name__}: {error}"})
