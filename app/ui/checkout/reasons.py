"""The core's refusal reasons (English, one line) in the cashier's language.

The core speaks English so logs, the CLI and the server agree; the screen shows the same
reason translated. A reason with no pattern here is shown as the core wrote it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.ui import i18n

_C = "Reasons"
# QT_TRANSLATE_NOOP marks the English text for lupdate and returns it unchanged.
_PATTERNS: list[tuple[re.Pattern[str], object]] = [
    (re.compile(r"^the basket is empty$"), QT_TRANSLATE_NOOP("Reasons", "The basket is empty")),
    (re.compile(r"^unknown product (?P<code>.+)$"), QT_TRANSLATE_NOOP("Reasons", "No product with code {code}")),
    (re.compile(r"^unknown card (?P<code>.+)$"), QT_TRANSLATE_NOOP("Reasons", "Card {code} is not enrolled")),
    (
        re.compile(r"^no customer with card or phone (?P<code>.+)$"),
        QT_TRANSLATE_NOOP("Reasons", "No customer with card or phone {code}"),
    ),
    (re.compile(r"^unknown coupon (?P<code>.+)$"), QT_TRANSLATE_NOOP("Reasons", "There is no coupon {code}")),
    (
        re.compile(r"^coupon (?P<code>\S+) is not valid yet$"),
        QT_TRANSLATE_NOOP("Reasons", "Coupon {code} is not valid yet"),
    ),
    (re.compile(r"^coupon (?P<code>\S+) has expired$"), QT_TRANSLATE_NOOP("Reasons", "Coupon {code} has expired")),
    (
        re.compile(r"^coupon (?P<code>\S+) needs a loyalty card$"),
        QT_TRANSLATE_NOOP("Reasons", "Coupon {code} needs a loyalty card: scan the customer's card first"),
    ),
    (
        re.compile(r"^coupon (?P<code>\S+) is personal and belongs to another card$"),
        QT_TRANSLATE_NOOP("Reasons", "Coupon {code} is personal and belongs to another customer"),
    ),
    (re.compile(r"^coupon (?P<code>\S+) is used up$"), QT_TRANSLATE_NOOP("Reasons", "Coupon {code} is used up")),
    (
        re.compile(r"^coupon (?P<code>\S+) was already used the allowed (?P<n>\d+) time\(s\) by this card$"),
        QT_TRANSLATE_NOOP("Reasons", "This customer has already used coupon {code} as often as allowed ({n})"),
    ),
    (
        re.compile(r"^coupon (?P<code>\S+) needs a purchase of at least (?P<kopecks>\d+) kopecks before discounts$"),
        QT_TRANSLATE_NOOP("Reasons", "Coupon {code} needs a purchase of at least {money} before discounts"),
    ),
    (
        re.compile(r"^paying with points needs a loyalty card$"),
        QT_TRANSLATE_NOOP("Reasons", "Paying with points needs a loyalty card"),
    ),
    (
        re.compile(r"^at most (?P<points>\d+) points can be redeemed$"),
        QT_TRANSLATE_NOOP("Reasons", "At most {points} can be paid with points in this basket"),
    ),
    # A chain till's offline caps (app.core.repo.offline_redeem_cap) say which limit was reached: {cap}, below.
    (
        re.compile(r"^at most (?P<points>\d+) points can be redeemed \((?P<cap>.+)\)$"),
        QT_TRANSLATE_NOOP("Reasons", "At most {points} can be paid with points now: {cap}"),
    ),
    (
        re.compile(
            r"^gift (?P<name>.+) needs (?P<need>\d+) points, only (?P<points>\d+) can be paid with points now "
            r"\((?P<cap>.+)\)$"
        ),
        QT_TRANSLATE_NOOP(
            "Reasons", "Gift “{name}” needs {need}, but only {points} can be paid with points now: {cap}"
        ),
    ),
    (
        re.compile(r"^unknown gift reward (?P<id>.+)$"),
        QT_TRANSLATE_NOOP("Reasons", "This gift is no longer in the program"),
    ),
    (
        re.compile(r"^quantity of (?P<code>.+) must be at most (?P<n>\d+)$"),
        QT_TRANSLATE_NOOP("Reasons", "At most {n} units of one item can be sold at once"),
    ),
    (
        re.compile(r"^price of (?P<code>.+) must be at most (?P<kopecks>\d+) kopecks$"),
        QT_TRANSLATE_NOOP("Reasons", "A price can be at most {money}"),
    ),
    (
        re.compile(r"^gift (?P<name>.+) needs (?P<need>\d+) points, the card has (?P<have>\d+)$"),
        QT_TRANSLATE_NOOP("Reasons", "Gift “{name}” needs {need}, the card has {have}"),
    ),
    (re.compile(r"^card (?P<code>\S+) is blocked$"), QT_TRANSLATE_NOOP("Reasons", "Card {code} is blocked")),
    (
        re.compile(r"^card (?P<code>\S+) was replaced by a new card and no longer works$"),
        QT_TRANSLATE_NOOP("Reasons", "Card {code} was replaced by a new card and no longer works"),
    ),
    (
        re.compile(r"^card number (?P<code>.+) may hold only letters, digits and '-' \(1 to 32\)$"),
        QT_TRANSLATE_NOOP("Reasons", "Card number {code} may hold only Latin letters, digits and '-' (1 to 32)"),
    ),
    (
        re.compile(r"^the card QR code is forged or from another store$"),
        QT_TRANSLATE_NOOP("Reasons", "This card QR code is forged or from another store"),
    ),
    (re.compile(r"^not a loyalty card QR code$"), QT_TRANSLATE_NOOP("Reasons", "This QR code is not a loyalty card")),
    (
        re.compile(r"^card number (?P<code>\S+) fails its check digit(: mistyped\?)?$"),
        QT_TRANSLATE_NOOP("Reasons", "Card number {code} is wrong (check digit): mistyped?"),
    ),
    (
        re.compile(r"^barcode (?P<code>\S+) fails its check digit$"),
        QT_TRANSLATE_NOOP("Reasons", "Barcode {code} is wrong (check digit)"),
    ),
    (re.compile(r"^unknown code (?P<code>.+)$"), QT_TRANSLATE_NOOP("Reasons", "Unknown code {code}")),
    (re.compile(r"^empty scan$"), QT_TRANSLATE_NOOP("Reasons", "Nothing was read")),
    (
        re.compile(r"^the customer's name must not be empty$"),
        QT_TRANSLATE_NOOP("Reasons", "Enter the customer's name"),
    ),
    (
        re.compile(r"^the customer's name is too long.*$"),
        QT_TRANSLATE_NOOP("Reasons", "The name is too long (200 characters at most)"),
    ),
    (
        re.compile(r"^birthday (?P<text>.+) must be a date like 1990-07-05$"),
        QT_TRANSLATE_NOOP("Reasons", "Birthday {text} is not a date like 05.07.1990"),
    ),
    (
        re.compile(r"^birthday (?P<text>\S+) must be between 1900-01-01 and the enrollment day$"),
        QT_TRANSLATE_NOOP("Reasons", "The birthday must be between 01.01.1900 and today"),
    ),
    (
        re.compile(r"^phone (?P<phone>\S+) is already enrolled \(card (?P<card>\S+)\)$"),
        QT_TRANSLATE_NOOP("Reasons", "Phone {phone} is already enrolled (card {card})"),
    ),
    (
        re.compile(r"^card (?P<code>\S+) is already issued$"),
        QT_TRANSLATE_NOOP("Reasons", "Card {code} is already issued"),
    ),
    (
        re.compile(r"^phone number (?P<text>.+) (has characters|must have|is too short|is not a Russian).*$"),
        QT_TRANSLATE_NOOP("Reasons", "Phone number {text} is not valid: expected +7 and 10 digits"),
    ),
    (
        re.compile(r"^operation dated .* is before this customer's latest one .*$"),
        QT_TRANSLATE_NOOP("Reasons", "The clock is behind this customer's last purchase: check the date and time"),
    ),
    (
        re.compile(r"^not enough points: (?P<have>\d+) available, (?P<need>\d+) needed$"),
        QT_TRANSLATE_NOOP("Reasons", "Not enough points: {have} available, {need} needed"),
    ),
    (
        re.compile(r"^this terminal was restored from a backup: connect it to the server again.*$"),
        QT_TRANSLATE_NOOP(
            "Reasons",
            "This till was restored from a backup: connect it to the server again (Settings) "
            "before enrolling new customers",
        ),
    ),
    # Storage (app.core.db): the sale was not written; the basket stays for another try.
    (
        re.compile(r"^the disk is full: nothing was written.*$"),
        QT_TRANSLATE_NOOP("Reasons", "The disk is full: nothing was saved. Free some space, then try again"),
    ),
    (
        re.compile(r"^the database folder is read-only: nothing was written$"),
        QT_TRANSLATE_NOOP("Reasons", "The data folder is read-only: nothing was saved. Call your technician"),
    ),
    (
        re.compile(r"^the database is busy in another program: nothing was written.*$"),
        QT_TRANSLATE_NOOP("Reasons", "The database is busy in another program: nothing was saved. Try again"),
    ),
    (
        re.compile(r"^the database has schema \d+, newer than this program \(\d+\).*$"),
        QT_TRANSLATE_NOOP("Reasons", "The database comes from a newer version of the program: update the program"),
    ),
    (
        re.compile(r"^the database file is damaged or not a database.*$"),
        QT_TRANSLATE_NOOP(
            "Reasons", "The database is damaged: nothing was saved. Restart the till to restore a backup"
        ),
    ),
    (re.compile(r"^database error: (?P<detail>.+)$"), QT_TRANSLATE_NOOP("Reasons", "Database error: {detail}")),
    # Backups (app.core.backup): writing one, restoring one.
    (
        re.compile(r"^cannot write the backup in (?P<path>.+?): (?P<os>[^:]+)$"),
        QT_TRANSLATE_NOOP("Reasons", "The backup could not be written in {path}: {os}"),
    ),
    (
        re.compile(r"^the backup did not verify: (?P<detail>.+)$"),
        QT_TRANSLATE_NOOP("Reasons", "The backup was written but fails its check ({detail})"),
    ),
    (
        re.compile(r"^cannot back up (?P<path>.+?): (?P<detail>.+)$"),
        QT_TRANSLATE_NOOP("Reasons", "{path} could not be backed up ({detail})"),
    ),
    (
        re.compile(r"^cannot restore into (?P<path>.+?): (?P<os>[^:]+)$"),
        QT_TRANSLATE_NOOP("Reasons", "The backup could not be restored into {path}: {os}"),
    ),
    (
        re.compile(r"^restored (?P<path>.+), but could not mark it for reconnection: (?P<detail>.+)$"),
        QT_TRANSLATE_NOOP(
            "Reasons", "{path} was restored, but could not be marked to connect to the server again ({detail})"
        ),
    ),
    # Backup checks (app.core.backup): what a restore refuses, and why.
    (
        re.compile(r"^(restore refused: )?(?P<path>.+) does not exist$"),
        QT_TRANSLATE_NOOP("Reasons", "{path} does not exist"),
    ),
    (
        re.compile(r"^(restore refused: )?(?P<path>.+) is not a SQLite database$"),
        QT_TRANSLATE_NOOP("Reasons", "{path} is not a database of the till"),
    ),
    (
        re.compile(r"^(restore refused: )?(?P<path>.+) is not a terminal database .*$"),
        QT_TRANSLATE_NOOP("Reasons", "{path} is a database, but not one of the till"),
    ),
    (
        re.compile(r"^(restore refused: )?(?P<path>.+) (fails the integrity check|is damaged): (?P<detail>.+)$"),
        QT_TRANSLATE_NOOP("Reasons", "{path} is damaged ({detail})"),
    ),
    (
        re.compile(r"^no backup in (?P<path>.+) passes the integrity check$"),
        QT_TRANSLATE_NOOP("Reasons", "No backup in {path} is in good order"),
    ),
    # A file the manager or the start-up writes (exports, a restore): the system's refusal as Python words it.
    (
        re.compile(r"^\[Errno (?P<errno>\d+)\] (?P<os>[^:]+): (?P<path>.+)$"),
        QT_TRANSLATE_NOOP("Reasons", "{path}: {os}"),
    ),
    # Connecting to the chain's server (app.sync.client, and the server's refusals of an enrolment).
    (
        re.compile(r"^unknown or expired enrollment code$"),
        QT_TRANSLATE_NOOP("Reasons", "the code is unknown or has expired"),
    ),
    (
        re.compile(r"^this terminal was revoked$"),
        QT_TRANSLATE_NOOP("Reasons", "this till was disconnected from the chain on the server"),
    ),
    (
        re.compile(r"^server unreachable: (?P<detail>.+)$"),
        QT_TRANSLATE_NOOP("Reasons", "No connection to the server ({detail})"),
    ),
    (
        re.compile(r"^server did not answer in time: .*$"),
        QT_TRANSLATE_NOOP("Reasons", "The server did not answer in time"),
    ),
    (
        re.compile(r"^server answered (?P<status>\d+): (?P<detail>.*)$"),
        QT_TRANSLATE_NOOP("Reasons", "The server answered with error {status} ({detail})"),
    ),
    (
        re.compile(
            r"^(server answered something that is not JSON|server answered JSON that is not an object"
            r"|enrollment answer lacks \S+|the server's report cannot be read: .*"
            r"|the server answered for .* not .*|the server answered for another period than the one asked for)$"
        ),
        QT_TRANSLATE_NOOP("Reasons", "The server's answer cannot be read"),
    ),
    (
        re.compile(r"^this terminal is not enrolled with a server.*$"),
        QT_TRANSLATE_NOOP("Reasons", "This till is not connected to a server"),
    ),
]
_POINTS = {"points", "need", "have"}
# Parts of a reason worded on their own: {os}, the operating system's words for a file it would not
# write, as Python gives them; {cap}, which offline limit stops paying with points. Unknown: as written.
_PARTS: dict[str, list[tuple[re.Pattern[str], object]]] = {
    "os": [
        (re.compile(r"^No space left on device$"), QT_TRANSLATE_NOOP("Reasons", "the disk is full")),
        (re.compile(r"^Permission denied$"), QT_TRANSLATE_NOOP("Reasons", "no permission to write there")),
        (re.compile(r"^Read-only file system$"), QT_TRANSLATE_NOOP("Reasons", "the disk is read-only")),
        (re.compile(r"^No such file or directory$"), QT_TRANSLATE_NOOP("Reasons", "there is no such file or folder")),
        (re.compile(r"^Is a directory$"), QT_TRANSLATE_NOOP("Reasons", "this is a folder")),
        (re.compile(r"^Not a directory$"), QT_TRANSLATE_NOOP("Reasons", "this is not a folder")),
    ],
    "cap": [
        (
            re.compile(r"^the per-card limit between syncs is reached$"),
            QT_TRANSLATE_NOOP("Reasons", "this card's limit until the next sync is reached"),
        ),
        (
            re.compile(r"^this terminal's limit between syncs is reached$"),
            QT_TRANSLATE_NOOP("Reasons", "this till's limit until the next sync is reached"),
        ),
        (
            re.compile(r"^no successful sync for over (?P<hours>\d+) h: paying with points is paused$"),
            QT_TRANSLATE_NOOP("Reasons", "no sync with the server for over {hours} h, so paying with points is paused"),
        ),
        (
            re.compile(r"^this terminal's clock is off by more than allowed: paying with points is paused$"),
            QT_TRANSLATE_NOOP("Reasons", "the till's clock is wrong, so paying with points is paused"),
        ),
    ],
}


def _part(name: str, text: str) -> str:
    for pattern, template in _PARTS[name]:
        match = pattern.match(text)
        if match is not None:
            return QCoreApplication.translate(_C, str(template)).format(**match.groupdict())
    return text


def known(reason: str) -> str | None:
    """A core refusal reason in the active language when it has a wording here, else None."""
    text = " ".join(reason.split())
    for pattern, template in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        values = {k: v.strip("'\"") for k, v in match.groupdict().items() if v is not None}
        if "kopecks" in values:
            values["money"] = i18n.money(int(values["kopecks"]))
        for key in _POINTS & values.keys():
            values[key] = i18n.points(int(values[key]))
        for key in _PARTS.keys() & values.keys():
            values[key] = _part(key, values[key])
        return QCoreApplication.translate(_C, str(template)).format(**values)
    return None


def explain(reason: str) -> str:
    """A core refusal reason in the active language, with money and points formatted."""
    text = known(reason)
    if text is not None:
        return text
    text = " ".join(reason.split())
    return text[:1].upper() + text[1:]
