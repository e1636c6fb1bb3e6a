"""The whole chain's reports for the manager screen of an enrolled terminal, fetched from the central server.

The server computes them (`GET /v1/reports/dashboard` and `/v1/reports/full`, server/reports.py)
with the same `ReportsService` a terminal runs on its own file, and the chain's fraud flags
(`/v1/reports/flags`) with the same `FraudService`. A terminal's token does not read
them: the manager logs in to the server (`login`, a manager or admin account of the server; a
manager sees only its stores), and this module asks with that session, kept in memory only (never
in the terminal's file), then reads the answer back into the same frozen results, so the screen and the
exports treat a chain report exactly like a local one. An answer that is not a report (a proxy's
error page, another program on the port, a field of the wrong type) is a `SyncError` saying what
is wrong, never a half-read report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from sqlalchemy import Engine

from app.core import db, repo
from app.core.services.fraud import Flag
from app.core.services.report_json import ReportFormatError, from_json
from app.core.services.reports import Dashboard, Filters, Period, Report, StoreRow
from app.sync.client import Client, Refused, SyncError

__all__ = ["ChainDashboard", "ChainReport", "ChainReports"]


@dataclass(frozen=True)
class ChainDashboard:
    """The chain's headline figures, the local days the server read them for, and one row per store."""

    period: Period
    first: date
    last: date
    timezone: str
    dashboard: Dashboard
    stores: tuple[StoreRow, ...]


@dataclass(frozen=True)
class ChainReport:
    """The chain's full report and one row per store, from one snapshot of the server's ledger."""

    report: Report
    stores: tuple[StoreRow, ...]


@dataclass
class ChainReports:
    """Fetches the chain's reports for one terminal database (its server address) with a manager's login."""

    engine: Engine
    transport: httpx.BaseTransport | None = None
    timeout: float = 120.0  # seconds to wait for an answer: a big chain's full report takes a while
    _session: str | None = field(default=None, repr=False)  # the server session of the logged-in manager
    stores: tuple[str, ...] | None = None  # the stores a manager's login reads (None: an admin's, every store)

    def configured(self) -> bool:
        """True once this terminal is enrolled with a server (a chain scope can be offered)."""
        return None not in self._server()

    def logged_in(self) -> bool:
        """True while a manager's server session is held (reports can be asked for)."""
        return self._session is not None

    def login(self, name: str, password: str) -> None:
        """Log in to the server as a manager or admin (Refused for a wrong pair, SyncError when locked out)."""
        url, _ = self._server()
        if url is None:
            raise SyncError("not_enrolled_reports")
        client = Client(url, transport=self.transport)
        try:
            answer = client.login(name, password)
        finally:
            client.close()
        self._session = str(answer["token"])
        stores = answer.get("stores")
        self.stores = tuple(str(x) for x in stores) if isinstance(stores, list) else None

    def logout(self) -> None:
        """End the server session (the manager leaves the chain scope); offline, it is only forgotten here."""
        session, self._session, self.stores = self._session, None, None
        url, _ = self._server()
        if session is None or url is None:
            return
        client = Client(url, session, transport=self.transport)
        try:
            client.logout()
        except (SyncError, Refused):
            pass  # it expires on the server by itself
        finally:
            client.close()

    def dashboard(self, first: date, last: date, filters: Filters) -> ChainDashboard:
        """The chain's headline figures for the local days first..last (the server's time zone)."""
        data = self._get("dashboard", {"first": first.isoformat(), "last": last.isoformat(), **_params(filters)})
        try:
            figures = from_json(Dashboard, data.get("dashboard"), "dashboard")
            head = _head(data, filters)
            answer = ChainDashboard(
                period=head[0],
                first=_day(data, "first"),
                last=_day(data, "last"),
                timezone=head[1],
                dashboard=figures,
                stores=head[2],
            )
        except ReportFormatError as exc:
            raise SyncError("report_unreadable", detail=str(exc)) from None
        if (answer.first, answer.last) != (first, last) or figures.period != answer.period:
            raise SyncError("report_days", got=f"{answer.first}..{answer.last}", asked=f"{first}..{last}")
        return answer

    def report(self, period: Period, filters: Filters, segment_limit: int | None = None) -> ChainReport:
        """The chain's full report of a period (every customer of every segment, or segment_limit of them)."""
        params: dict[str, str | int] = {"start": period.start, "end": period.end, **_params(filters)}
        if segment_limit is not None:
            params["segment_limit"] = segment_limit
        data = self._get("full", params)
        try:
            report = from_json(Report, data.get("report"), "report")
            _, _, stores = _head(data, filters)
        except ReportFormatError as exc:
            raise SyncError("report_unreadable", detail=str(exc)) from None
        if report.period != period:
            raise SyncError("report_period")
        return ChainReport(report, stores)

    def flags(self, first: date, last: date) -> list[Flag]:
        """The chain's fraud flags of the local days first..last (a manager's login: its own stores' only).

        An answer that is not a list of flags for exactly those days is a SyncError saying what is wrong."""
        data = self._get("flags", {"first": first.isoformat(), "last": last.isoformat()})
        try:
            days = _day(data, "first"), _day(data, "last")
            items = data.get("flags")
            if not isinstance(items, list):
                raise ReportFormatError("flags: expected a list of flags")
            found = [Flag.from_json(item, f"flags[{i}]") for i, item in enumerate(items)]
        except ReportFormatError as exc:
            raise SyncError("report_unreadable", detail=str(exc)) from None
        if days != (first, last):
            raise SyncError("report_days", got=f"{days[0]}..{days[1]}", asked=f"{first}..{last}")
        outside = next((f for f in found if not first <= f.day <= last), None)
        if outside is not None:
            raise SyncError("report_unreadable", detail=f"a flag of {outside.day}, outside {first}..{last}")
        return found

    def _server(self) -> tuple[str | None, str | None]:
        with db.transaction(self.engine, write=False) as conn:
            return repo.get_meta(conn, "server_url"), repo.get_meta(conn, "token")

    def _get(self, part: str, params: dict[str, str | int]) -> dict[str, Any]:
        url, token = self._server()
        if url is None or token is None:
            raise SyncError("not_enrolled_reports")
        if self._session is None:
            raise SyncError("report_login_needed")
        client = Client(url, self._session, transport=self.transport)
        try:
            return client.reports(part, params, self.timeout)
        except Refused as exc:
            if exc.code in ("admin_session", "report_login"):
                self._session = None  # expired or ended (a password reset): the manager logs in again
            raise
        finally:
            client.close()


def _params(filters: Filters) -> dict[str, str | int]:
    pairs = (("store", filters.store), ("cashier", filters.cashier), ("terminal", filters.terminal))
    return {key: value for key, value in pairs if value is not None}


def _head(data: dict[str, Any], asked: Filters) -> tuple[Period, str, tuple[StoreRow, ...]]:
    """The period, time zone and store rows of an answer; its filters must be the ones asked for."""
    period = from_json(Period, data.get("period"), "period")
    timezone = data.get("timezone")
    if not isinstance(timezone, str) or not timezone:
        raise ReportFormatError("timezone: expected the name of a time zone")
    if from_json(Filters, data.get("filters"), "filters") != asked:
        raise ReportFormatError("filters: the server applied other filters than the ones asked for")
    stores = data.get("stores")
    if not isinstance(stores, list):
        raise ReportFormatError("stores: expected a list of store rows")
    return period, timezone, tuple(from_json(StoreRow, row, f"stores[{i}]") for i, row in enumerate(stores))


def _day(data: dict[str, Any], key: str) -> date:
    value = data.get(key)
    try:
        return date.fromisoformat(value) if isinstance(value, str) else date.fromisoformat("")
    except ValueError:
        raise ReportFormatError(f"{key}: expected an ISO date") from None
