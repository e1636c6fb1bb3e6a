"""A Telegram Bot API fake on loopback: getUpdates and sendMessage as the Bot API documents them.

`updates` are what users sent the bot (the test adds them, as people pressing «Share my phone number»);
`sent` is what the bot wrote, (chat_id, text). A wrong token answers 401 {"ok": false, "error_code": 401,
"description": "Unauthorized"}; a chat that blocked the bot answers 403 "Forbidden: bot was blocked by the user".
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "123456:ABC-test-token"


class TelegramFake:
    """The fake Bot API server, what users sent it and what the bot wrote."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.sent: list[tuple[int, str]] = []
        self.blocked: set[int] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(json.loads(self.rfile.read(length) or b"{}"))

            def _answer(self, body: dict[str, Any] | None) -> None:
                url = urlparse(self.path)
                token, _, method = url.path.removeprefix("/bot").partition("/")
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                status, data = fake.call(token, method, {**query, **(body or {})})
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The fake's base URL."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def share_contact(self, user: int, phone: str, of_user: int | None = None) -> None:
        """User `user` shares a contact (their own unless `of_user` names someone else) in their chat."""
        self.updates.append(
            {
                "update_id": 1000 + len(self.updates),
                "message": {
                    "message_id": len(self.updates) + 1,
                    "from": {"id": user, "is_bot": False, "first_name": "Анна"},
                    "chat": {"id": user, "type": "private"},
                    "contact": {"phone_number": phone, "first_name": "Анна", "user_id": of_user or user},
                },
            }
        )

    def call(self, token: str, method: str, args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The Bot API's answer to one call."""
        if token != TOKEN:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getUpdates":
            offset = int(args.get("offset", 0))
            return 200, {"ok": True, "result": [u for u in self.updates if u["update_id"] >= offset]}
        if method == "sendMessage":
            chat = int(args["chat_id"])
            if chat in self.blocked:
                return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            self.sent.append((chat, str(args.get("text", ""))))
            return 200, {"ok": True, "result": {"message_id": len(self.sent), "chat": {"id": chat}}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def __enter__(self) -> TelegramFake:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
