"""An SMS.ru-compatible fake on loopback: `GET /sms/send` as SMS.ru documents it, keeping what was "sent".

Answers as SMS.ru does (`json=1`): 100 with one `sms` entry per number; 200 for an unknown api_id, 202 for a
number that is not 7 and ten digits, 203 for no text; `fail` makes it answer 201 (no money), 207 for the
number (cannot be texted), a 502 with HTML (the service down) or text that is not JSON.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

API_ID = "5A1B2C3D-0000-4000-8000-000000000001"


class SmsRuFake:
    """The fake's server and what it was asked to send, (phone, text) in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail: str | None = None  # None, "money", "number", "down", "garbage"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != "/sms/send":
                    self._reply(404, b"not found", "text/plain")
                    return
                q = {k: v[-1] for k, v in parse_qs(url.query).items()}
                status, body = fake.answer(q)
                if isinstance(body, bytes):
                    self._reply(status, body, "text/html")
                else:
                    self._reply(status, json.dumps(body).encode(), "application/json")

            def _reply(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The fake's base URL."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, q: dict[str, str]) -> tuple[int, dict[str, Any] | bytes]:
        """SMS.ru's answer to one request."""
        if self.fail == "down":
            return 502, b"<html><body>Bad Gateway</body></html>"
        if self.fail == "garbage":
            return 200, b"100\n000000-10000000\nbalance=1"
        if q.get("api_id") != API_ID:
            return 200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
        if self.fail == "money":
            return 200, {"status": "ERROR", "status_code": 201, "status_text": "Не хватает средств на лицевом счету"}
        to, msg = q.get("to", ""), q.get("msg", "")
        if not msg:
            return 200, {"status": "ERROR", "status_code": 203, "status_text": "Нет текста сообщения"}
        if not (to.isdigit() and len(to) == 11 and to.startswith("7")):
            one: dict[str, Any] = {"status": "ERROR", "status_code": 202, "status_text": "Неправильно указан номер"}
        elif self.fail == "number":
            one = {"status": "ERROR", "status_code": 207, "status_text": "На этот номер нельзя отправлять сообщения"}
        else:
            self.sent.append(("+" + to, msg))
            one = {"status": "OK", "status_code": 100, "sms_id": f"000000-{len(self.sent):08d}"}
        return 200, {"status": "OK", "status_code": 100, "sms": {to: one}, "balance": 100.5}

    def __enter__(self) -> SmsRuFake:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
