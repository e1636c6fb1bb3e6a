"""Sending a confirmation code as a Telegram bot's message (the second CodeSender, after SMS.ru).

A bot may write only to someone who wrote to it first, and it learns a person's phone only when they share
their contact with it. So a customer links their phone once: they open the store's bot and press «Share my
phone number»; `link_chats` reads the bot's updates (`GET {base}/bot<token>/getUpdates?offset=…`) and keeps,
for each contact a person shared of themselves (`message.contact.user_id == message.from.id`), their
normalised phone and the chat to write to. A code is then `POST {base}/bot<token>/sendMessage` with
`{"chat_id", "text"}`; the Bot API answers `{"ok": true, "result": …}` or `{"ok": false, "error_code",
"description"}`. Settings in the till's meta: `telegram_token`, `telegram_url` (tests), `telegram_chats`
(phone → chat id) and `telegram_offset` (the next update to read).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import Engine

from app.core import db, repo
from app.core.errors import LoyaltyError
from app.core.identity import normalize_phone

__all__ = ["CHATS", "TOKEN", "URL", "TelegramSender", "link_chats"]

TOKEN = "telegram_token"
URL = "telegram_url"
CHATS = "telegram_chats"
OFFSET = "telegram_offset"
DEFAULT_URL = "https://api.telegram.org"
TIMEOUT_S = 10.0


def _call(base: str, token: str, method: str, transport: httpx.BaseTransport | None, **kw: Any) -> Any:
    """One Bot API call; its `result`, or LoyaltyError("confirm_send") with Telegram's own words."""
    try:
        with httpx.Client(transport=transport, timeout=TIMEOUT_S) as client:
            answer = client.request(kw.pop("verb", "GET"), f"{base.rstrip('/')}/bot{token}/{method}", **kw)
        data = answer.json()
    except httpx.HTTPError as exc:
        raise LoyaltyError("confirm_send", text=f"Telegram cannot be reached ({type(exc).__name__})") from None
    except ValueError:
        raise LoyaltyError("confirm_send", text=f"Telegram answered HTTP {answer.status_code} without JSON") from None
    if not isinstance(data, dict) or data.get("ok") is not True:
        code = data.get("error_code") if isinstance(data, dict) else answer.status_code
        words = str(data.get("description", ""))[:200] if isinstance(data, dict) else ""
        raise LoyaltyError("confirm_send", text=f"Telegram {code}: {words}".rstrip(": "))
    return data.get("result")


class TelegramSender:
    """A CodeSender writing to the chats customers linked to their phones; None of them: not this sender's."""

    def __init__(
        self,
        token: str,
        chats: dict[str, int],
        base_url: str = DEFAULT_URL,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.token, self.chats, self.base_url, self.transport = token, chats, base_url, transport

    def reaches(self, phone: str) -> bool:
        """True when this phone's owner linked a chat with the store's bot."""
        return phone in self.chats

    def send(self, phone: str, text: str) -> None:
        """Write `text` to the chat linked to `phone`."""
        chat = self.chats.get(phone)
        if chat is None:
            raise LoyaltyError("confirm_send", text="this customer has not linked Telegram")
        _call(
            self.base_url, self.token, "sendMessage", self.transport, verb="POST", json={"chat_id": chat, "text": text}
        )


def link_chats(engine: Engine, transport: httpx.BaseTransport | None = None) -> int:
    """Read the bot's new updates and keep each shared own contact's phone → chat; the number linked now."""
    with db.transaction(engine, write=False) as conn:
        token = repo.get_meta(conn, TOKEN)
        base = repo.get_meta(conn, URL) or DEFAULT_URL
        offset = int(repo.get_meta(conn, OFFSET) or 0)
    if not token:
        raise LoyaltyError("confirm_no_sender")
    updates = _call(base, token, "getUpdates", transport, params={"offset": offset, "timeout": 0})
    linked: dict[str, int] = {}
    last = offset - 1
    for update in updates if isinstance(updates, list) else []:
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            continue
        last = max(last, update["update_id"])
        message = update.get("message") or {}
        contact = message.get("contact") or {}
        sender = (message.get("from") or {}).get("id")
        chat = (message.get("chat") or {}).get("id")
        if not contact or contact.get("user_id") != sender or not isinstance(chat, int):
            continue  # someone else's contact, or not a contact: proves nothing about this chat's phone
        try:
            linked[normalize_phone(str(contact.get("phone_number", "")))] = chat
        except LoyaltyError:
            continue
    with db.transaction(engine) as conn:
        chats = json.loads(repo.get_meta(conn, CHATS) or "{}")
        chats.update(linked)
        repo.set_meta(conn, CHATS, json.dumps(chats, sort_keys=True))
        repo.set_meta(conn, OFFSET, str(last + 1))
    return len(linked)


def telegram_from_settings(engine: Engine, transport: httpx.BaseTransport | None = None) -> TelegramSender | None:
    """The Telegram sender the till's settings name, None when no bot is set up."""
    with db.transaction(engine, write=False) as conn:
        token = repo.get_meta(conn, TOKEN)
        base = repo.get_meta(conn, URL) or DEFAULT_URL
        chats = {str(k): int(v) for k, v in json.loads(repo.get_meta(conn, CHATS) or "{}").items()}
    return TelegramSender(token, chats, base, transport) if token else None
