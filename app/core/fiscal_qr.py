"""The QR code every Russian fiscal receipt carries (beside mode): `t=…&s=…&fn=…&i=…&fp=…&n=…`.

Read strictly: exactly those six keys once each, nothing else, each in its documented form (the
date and time of the receipt `t=YYYYMMDDTHHMM[SS]`, the total `s` in roubles with at most two
decimals, the fiscal drive's 16-digit number `fn`, the document number `i`, the fiscal sign `fp`,
the kind of settlement `n`: 1 sale, 2 its refund, 3 expense, 4 its refund). Anything else is
refused with fiscal_qr_bad, never half-read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.core.errors import LoyaltyError
from app.core.timeutil import to_ms

__all__ = ["FiscalQr", "parse_fiscal_qr"]

_FORMS = {
    "t": re.compile(r"[0-9]{8}T[0-9]{4}([0-9]{2})?"),
    "s": re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?"),
    "fn": re.compile(r"[0-9]{16}"),
    "i": re.compile(r"[0-9]{1,10}"),
    "fp": re.compile(r"[0-9]{1,10}"),
    "n": re.compile(r"[1-4]"),
}


@dataclass(frozen=True)
class FiscalQr:
    """A fiscal receipt's QR code, read: its time (as printed, local), total in kopecks and identity."""

    t: str
    s: int
    fn: str
    i: int
    fp: str
    n: int

    def at(self, zone: ZoneInfo) -> int:
        """The receipt's time in epoch ms, read in the store's time zone (registers print local time)."""
        seconds = self.t[13:15] or "00"
        local = datetime(
            int(self.t[0:4]), int(self.t[4:6]), int(self.t[6:8]), int(self.t[9:11]), int(self.t[11:13]),
            int(seconds), tzinfo=zone,
        )  # fmt: skip
        return to_ms(local)

    @property
    def text(self) -> str:
        """The code in its canonical form."""
        whole, part = divmod(self.s, 100)
        return f"t={self.t}&s={whole}.{part:02d}&fn={self.fn}&i={self.i}&fp={self.fp}&n={self.n}"


def parse_fiscal_qr(text: str) -> FiscalQr:
    """A fiscal receipt QR's text, read strictly; fiscal_qr_bad names the text otherwise."""
    raw = text.strip()
    values: dict[str, str] = {}
    for part in raw.split("&"):
        key, sep, value = part.partition("=")
        form = _FORMS.get(key)
        if not sep or form is None or key in values or not form.fullmatch(value):
            raise LoyaltyError("fiscal_qr_bad", text=text[:200])
        values[key] = value
    if values.keys() != _FORMS.keys():
        raise LoyaltyError("fiscal_qr_bad", text=text[:200])
    t = values["t"]
    try:
        datetime(int(t[0:4]), int(t[4:6]), int(t[6:8]), int(t[9:11]), int(t[11:13]), int(t[13:15] or "0"))
    except ValueError:
        raise LoyaltyError("fiscal_qr_bad", text=text[:200]) from None
    kopecks = Decimal(values["s"]) * 100
    return FiscalQr(t, int(kopecks), values["fn"], int(values["i"]), values["fp"], int(values["n"]))
