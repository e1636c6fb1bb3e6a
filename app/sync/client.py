"""HTTP client of the central server: transport errors are retried, business answers are data."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.errors import LoyaltyError
from app.core.refusals import TEMPLATES


class SyncError(LoyaltyError):
    """The server could not be reached or answered something that is not the protocol."""


class SyncTimeout(SyncError):
    """The server did not answer in time; it may still have committed what was sent (ids make a re-send safe)."""


PUSH_TIMEOUT_S = 15.0  # the wait for a push of a few items
PUSH_TIMEOUT_PER_ITEM_S = 0.05  # and more per item: 500 items may wait 40 s


def push_timeout(items: int) -> float:
    """How long to wait for the answer to a push of this many items.

    The server books a whole batch in one transaction, so the answer comes when the last item is
    booked: a fixed 15 s was outlasted by a 500-item push on a loaded machine, and the whole cycle
    was lost (the server had committed; the retry only learned the outcomes)."""
    return PUSH_TIMEOUT_S + PUSH_TIMEOUT_PER_ITEM_S * items


class Refused(LoyaltyError):
    """The server refuses this terminal (revoked, superseded): retrying will not help."""


class Client:
    """One terminal's connection to the server."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise SyncTimeout("server_timeout", detail=f"{type(exc).__name__}: {exc}") from None
        except httpx.HTTPError as exc:
            raise SyncError("server_unreachable", detail=f"{type(exc).__name__}: {exc}") from None
        if response.status_code == 429:
            raise SyncError("rate_limited", wait_seconds=_retry_after(response))
        if response.status_code == 413:
            raise SyncError("request_too_large")
        if response.status_code in (401, 403, 409):
            code, params = _refusal(_detail(response))
            raise Refused(code, **params)
        if response.status_code == 400 and _detail(response) in _SERVER_REFUSALS:
            # A known refusal the server answers 400 (an unknown or expired enrolment code): a refusal the
            # till words («ask for a new code»), not «the server answered error 400».
            code = _SERVER_REFUSALS[_detail(response)]
            raise Refused(code)
        if response.status_code >= 400:
            raise SyncError("server_status", status=response.status_code, detail=_detail(response))
        try:
            data = response.json()
        except ValueError:
            raise SyncError("server_not_json") from None
        if not isinstance(data, dict):
            raise SyncError("server_not_object")
        return data

    def enroll(
        self,
        code: str,
        program_choice: str | None = None,
        program: dict[str, Any] | None = None,
        history: list[dict[str, Any]] | None = None,
        joined_seq: int | None = None,
    ) -> dict[str, Any]:
        """Exchange a one-time code for this terminal's token (and the store's program choice, promise 12).

        history, joined_seq: the programs a standalone store priced its queued history with, and the last
        sequence number of that history (docs/authority.md "A store joining the chain")."""
        body: dict[str, Any] = {"code": code}
        if program_choice is not None:
            body["program_choice"] = program_choice
        if program is not None:
            body["program"] = program
        if history:
            body["history"] = history
            body["joined_seq"] = joined_seq
        data = self._call("POST", "/v1/terminals/enroll", json=body)
        for key in ("terminal_id", "token", "epoch", "card_block"):
            if key not in data:
                raise SyncError("enroll_answer", key=key)
        return data

    def seed_program(self, program: dict[str, Any]) -> dict[str, Any]:
        """Give a chain without any program this store's (refused with chain_has_program once it has one)."""
        data = self._call("POST", "/v1/sync/program/seed", json={"program": program})
        if not isinstance(data.get("programs"), list):
            raise SyncError("enroll_answer", key="programs")
        return data

    def cards(self, need_range: bool) -> dict[str, Any]:
        """The chain's card keys now, and a new range of card numbers when asked for (promise 11)."""
        data = self._call("POST", "/v1/sync/cards", json={"need_range": need_range})
        keys = data.get("card_keys")
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list) or "current" not in keys:
            raise SyncError("cards_answer")
        return data

    def rotate_token(self) -> str:
        """A new token for this terminal (the old one works until the new one is first used)."""
        data = self._call("POST", "/v1/terminals/token", json={})
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise SyncError("enroll_answer", key="token")
        return token

    def whoami(self) -> dict[str, Any]:
        """The terminal this client's token belongs to."""
        data = self._call("GET", "/v1/terminals/me")
        if not isinstance(data.get("terminal_id"), int):
            raise SyncError("enroll_answer", key="terminal_id")
        return data

    def login(self, name: str, password: str) -> dict[str, Any]:
        """An admin or manager session of the server (for the chain's reports): token, role, stores."""
        data = self._call("POST", "/v1/admin/login", json={"name": name, "password": password})
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise SyncError("enroll_answer", key="token")
        return data

    def logout(self) -> None:
        """End the session this client holds."""
        self._call("POST", "/v1/admin/logout")

    def push(self, epoch: int, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send a batch; returns one result per item sent (or fewer, up to a gap)."""
        wait = httpx.Timeout(push_timeout(len(items)), connect=PUSH_TIMEOUT_S)
        data = self._call("POST", "/v1/sync/push", json={"epoch": epoch, "items": items}, timeout=wait)
        results = data.get("results")
        if not isinstance(results, list) or not all(isinstance(r, dict) and "uid" in r for r in results):
            raise SyncError("push_answer")
        return results

    def pull(self, cursor: int, catalog: int, limit: int = 1000) -> dict[str, Any]:
        """Changes after cursor."""
        data = self._call("GET", "/v1/sync/pull", params={"cursor": cursor, "catalog": catalog, "limit": limit})
        if not isinstance(data.get("customers"), list) or not isinstance(data.get("cursor"), int):
            raise SyncError("pull_answer")
        return data

    def lookup(self, query: str) -> dict[str, Any]:
        """A customer snapshot by card or phone."""
        data = self._call("GET", "/v1/customers/lookup", params={"q": query})
        # Like push and pull: an answer that is not the protocol is a SyncError, not a KeyError later.
        if not isinstance(data.get("uid"), str) or not isinstance(data.get("cards"), list):
            raise SyncError("lookup_answer")
        return data

    def reports(self, part: str, params: dict[str, str | int], timeout: float = 120.0) -> dict[str, Any]:
        """The chain's reports: part "dashboard", "full" or "flags" (app/sync/chain_reports.py reads the answer)."""
        if part not in ("dashboard", "full", "flags"):
            raise ValueError(f"unknown report part {part!r}")
        # A big chain's full report takes a while to compute: a long read, but a short connect.
        wait = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        return self._call("GET", f"/v1/reports/{part}", params=params, timeout=wait)


# The server's refusals of a terminal, by their (stable) English detail: a code each, so a till words them.
_SERVER_REFUSALS = {
    "unknown or expired enrollment code": "enroll_code",
    "this terminal was revoked": "revoked",
    "unknown or superseded terminal token": "token_superseded",
    # A store joining the chain with a program of its own (sync.md promise 12): refused before the code is spent.
    **{
        TEMPLATES[code]: code
        for code in (
            "program_choice_needed",
            "chain_no_program_choose",
            "chain_no_program",
            "chain_has_program",
            "seed_without_program",
        )
    },
    "wrong admin name or password": "admin_wrong",
    "unknown or expired admin session": "admin_session",
    "the chain's reports need a manager or admin login, not a terminal's token": "report_login",
}


def _retry_after(response: httpx.Response) -> int:
    """The server's Retry-After in whole seconds (at least 1)."""
    try:
        return max(1, int(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1


def _refusal(detail: str) -> tuple[str, dict[str, Any]]:
    if detail.startswith("this login reads the reports of these stores only: "):
        stores = detail.removeprefix("this login reads the reports of these stores only: ").split("; ")[0]
        return "report_scope", {"stores": stores}
    code = _SERVER_REFUSALS.get(detail)
    return (code, {}) if code is not None else ("server_refused", {"detail": detail})


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else response.text[:200]
