"""Sending a confirmation code by SMS through the SMS.ru HTTP API (the first real provider of CodeSender).

`GET {base}/sms/send?api_id=…&to=7XXXXXXXXXX&msg=…&json=1` answers
`{"status": "OK", "status_code": 100, "sms": {"7…": {"status": "OK", "status_code": 100, "sms_id": "…"}},
"balance": …}`; a refused request has `"status": "ERROR"` with its `status_code` and `status_text` at the
top or per phone (SMS.ru's documentation: 200 wrong api_id, 201 no money left, 202 wrong number, 207 this
number cannot be texted, 220 the service is down, 230-232 daily and per-minute limits). Every answer that
is not a clear OK is a refusal with SMS.ru's own words, so the cashier can fall back to the phone's QR or a
manager. The settings live in the till's meta: `sms.ru_api_id` and, for tests, `sms.ru_url`.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import Engine

from app.core import db, repo
from app.core.errors import LoyaltyError
from app.core.services.confirm import SMS_API_ID, CodeSender
from app.sync.telegram import TelegramSender

__all__ = ["API_ID", "URL", "SmsRuSender", "sender_from_settings"]

API_ID = SMS_API_ID
URL = "sms.ru_url"
DEFAULT_URL = "https://sms.ru"
TIMEOUT_S = 10.0


class SmsRuSender:
    """A CodeSender over SMS.ru's HTTP API."""

    def __init__(self, api_id: str, base_url: str = DEFAULT_URL, transport: httpx.BaseTransport | None = None) -> None:
        self.api_id = api_id
        self.base_url = base_url.rstrip("/")
        self.transport = transport

    def send(self, phone: str, text: str) -> None:
        """Send `text` to `phone` (+7…); LoyaltyError("confirm_send") with SMS.ru's reason when it is not sent."""
        to = phone.lstrip("+")
        params = {"api_id": self.api_id, "to": to, "msg": text, "json": "1"}
        try:
            with httpx.Client(transport=self.transport, timeout=TIMEOUT_S) as client:
                answer = client.get(f"{self.base_url}/sms/send", params=params)
        except httpx.HTTPError as exc:
            raise LoyaltyError("confirm_send", text=f"SMS.ru cannot be reached ({type(exc).__name__})") from None
        if answer.status_code != 200:
            raise LoyaltyError("confirm_send", text=f"SMS.ru answered HTTP {answer.status_code}")
        try:
            data: Any = answer.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("status") != "OK" or data.get("status_code") != 100:
            raise LoyaltyError("confirm_send", text=_reason(data))
        one = data.get("sms", {}).get(to) if isinstance(data.get("sms"), dict) else None
        if not isinstance(one, dict) or one.get("status") != "OK" or one.get("status_code") != 100:
            raise LoyaltyError("confirm_send", text=_reason(one))


def _reason(data: Any) -> str:
    if isinstance(data, dict) and "status_code" in data:
        return f"SMS.ru {data.get('status_code')}: {str(data.get('status_text', ''))[:200]}".rstrip(": ")
    return "SMS.ru gave an answer that is not its API's"


class Senders:
    """The senders set up, in order: a customer who linked Telegram gets the code there, anyone else by SMS."""

    def __init__(self, telegram: TelegramSender | None, sms: SmsRuSender | None) -> None:
        self.telegram, self.sms = telegram, sms

    def send(self, phone: str, text: str) -> None:
        """Send by Telegram when this phone linked a chat, else by SMS (refused when neither can)."""
        if self.telegram is not None and (self.telegram.reaches(phone) or self.sms is None):
            self.telegram.send(phone, text)
        elif self.sms is not None:
            self.sms.send(phone, text)


def sender_from_settings(engine: Engine, transport: httpx.BaseTransport | None = None) -> CodeSender | None:
    """The code senders the till's settings name (Telegram, SMS.ru), None when none is set up."""
    from app.sync.telegram import telegram_from_settings

    with db.transaction(engine, write=False) as conn:
        api_id = repo.get_meta(conn, API_ID)
        url = repo.get_meta(conn, URL) or DEFAULT_URL
    sms = SmsRuSender(api_id, url, transport) if api_id else None
    telegram = telegram_from_settings(engine, transport)
    return Senders(telegram, sms) if sms is not None or telegram is not None else None
