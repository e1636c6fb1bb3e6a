"""Fraud flags on a seeded synthetic store with planted fraud: exactly the planted cards and people are flagged.

The honest customers come from a seeded stream of visits (one a day at most on most days, sometimes two
hours apart, points spent now and then); the planted ones are the patterns of issue 13: a card used all
day long, a staff member's own card scanned for anonymous customers, points earned and spent at once,
a manager adjusting points again and again. Everything is written through the services, as a till does.
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.bootstrap import Context, bootstrap
from app.core.clock import FixedClock
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM
from app.core.errors import LoyaltyError
from app.core.pricing import LineIn
from app.core.services.fraud import zone_segments
from app.core.services.results import SaleRequest
from app.core.timeutil import to_ms
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL, a fixture)

ZONE = ZoneInfo("Europe/Moscow")
FIRST = date(2026, 5, 1)
DAYS = 21
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PROGRAM = {**DEMO_PROGRAM, "watch": {"card_uses_per_day": 6, "spend_after_earn_minutes": 30}}


def at(day: date, hour: int, minute: int = 0) -> int:
    return to_ms(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE))


def line(ctx: Context, sku: str, qty: int = 1) -> LineIn:
    return ctx.catalog.resolve_line(sku, qty)


class Store:
    def __init__(self, tmp: Path) -> None:
        # The till's clock runs with the operations: an audit row is dated when its action was done.
        self.clock = FixedClock(datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC) - timedelta(days=2))
        self.ctx = bootstrap(tmp / "t.sqlite3", create=True, clock=self.clock)
        self.ctx.store.init(PROGRAM, actor="system")
        self.ctx.catalog.import_catalog(DEMO_CATALOG, actor="system")
        self.staff = self.ctx.staff
        self.manager = self.staff.add_cashier("Пётр", "1111", "manager", actor="system")
        self.calm_manager = self.staff.add_cashier("Анна", "2222", "manager", actor="system")
        self.olga = self.staff.add_cashier("Ольга", "3333", actor="system")
        self.ivan = self.staff.add_cashier("Иван", "4444", actor="system")

    def tick(self, when: int) -> int:
        self.clock.instant = datetime.fromtimestamp(when / 1000, UTC)
        return when

    def enroll(self, i: int, when: int) -> str:
        self.tick(when)
        return self.ctx.customers.enroll(f"Клиент {i}", f"+7900{i:07d}", at=when, actor="Иван").card

    def sell(self, card: str | None, when: int, cashier: str, *, redeem: int | str | None = None) -> None:
        self.tick(when)
        skus = ["CAP", "CRO"] if card is None or hash(card) % 2 else ["LAT"]
        req = SaleRequest(tuple(line(self.ctx, s) for s in skus), card=card, at=when, cashier=cashier, redeem=redeem)
        self.ctx.checkout.sell(req, actor=cashier)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, set[tuple[str, str]]]]:
    """The store and what was planted: {kind: {(card or person, day)}}."""
    store = Store(tmp_path_factory.mktemp("fraud"))
    rng = random.Random(20261207)
    start = at(FIRST, 8) - 86_400_000
    honest = [store.enroll(i, start + i * 1000) for i in range(40)]
    busy, quick, olgas = (store.enroll(100 + i, start + 100_000 + i) for i in range(3))
    store.staff.set_staff_phone(store.olga.id, "+79000000102", actor="Пётр")
    store.staff.set_staff_phone(store.ivan.id, "+79001234567", actor="Пётр")  # no card: never flagged
    want: dict[str, set[tuple[str, str]]] = {"busy_card": set(), "spend_after_earn": set(), "staff_card": set()}
    want["adjustments"] = set()
    for n in range(DAYS):
        day = FIRST + timedelta(days=n)
        visits: list[tuple[int, str | None, str, int | str | None]] = []
        for card in honest:
            roll = rng.random()
            if roll < 0.35:
                visits.append(
                    (at(day, rng.randrange(8, 20), rng.randrange(60)), card, rng.choice(["Иван", "Ольга"]), None)
                )
            elif roll < 0.40:  # two visits, morning and evening, points spent in the evening
                visits.append((at(day, 8, rng.randrange(60)), card, "Иван", None))
                visits.append((at(day, 18, rng.randrange(60)), card, "Ольга", "max"))
        for _ in range(rng.randrange(5, 15)):  # anonymous customers
            visits.append((at(day, rng.randrange(8, 21), rng.randrange(60)), None, "Иван", None))
        if n == 5:  # one card on twelve sales in a day
            visits += [(at(day, 9 + k // 2, 10 + 25 * (k % 2)), busy, "Иван", None) for k in range(12)]
            want["busy_card"].add((busy, day.isoformat()))
        if n in (3, 11):  # earned, then spent ten minutes later
            visits.append((at(day, 12, 0), quick, "Иван", None))
            visits.append((at(day, 12, 10), quick, "Иван", "max"))
            want["spend_after_earn"].add((quick, day.isoformat()))
        if n in (7, 8):  # Ольга scans her own card for anonymous customers (but once a day is her own coffee)
            visits += [(at(day, 10 + k, 5), olgas, "Ольга", None) for k in range(5)]
            want["staff_card"].add((olgas, day.isoformat()))
        elif n % 3 == 0:
            visits.append((at(day, 13, 30), olgas, "Ольга", None))
        visits.sort(key=lambda v: v[0])
        for when, card, cashier, redeem in visits:
            store.sell(card, when, cashier, redeem=redeem)
        adjust_day = n == 9
        for k in range(8 if adjust_day else (1 if n % 4 == 0 else 0)):
            who = "Пётр" if adjust_day else "Анна"
            when = store.tick(at(day, 20, k))
            store.ctx.customers.adjust_points(honest[k], 50, "компенсация", actor=who, at=when)
        if adjust_day:
            want["adjustments"].add(("Пётр", day.isoformat()))
    store.tick(to_ms(NOW))
    return store, want


def test_exactly_the_planted_cards_and_people_are_flagged(
    planted: tuple[Store, dict[str, set[tuple[str, str]]]],
) -> None:
    store, want = planted
    flags = store.ctx.fraud.flags(FIRST, FIRST + timedelta(days=DAYS - 1))
    got: dict[str, set[tuple[str, str]]] = {k: set() for k in want}
    for f in flags:
        got.setdefault(f.kind, set()).add(((f.person if f.kind == "adjustments" else f.card) or "", f.day.isoformat()))
    assert got == want
    staff = [f for f in flags if f.kind == "staff_card"]
    assert {f.person for f in staff} == {"Ольга"} and all(f.detail["rung_by_owner"] == 5 for f in staff)
    busy = next(f for f in flags if f.kind == "busy_card")
    assert busy.count == 12
    adjust = next(f for f in flags if f.kind == "adjustments")
    assert (adjust.count, adjust.points) == (8, 400)


def test_a_flag_belongs_to_the_local_day(planted: tuple[Store, dict[str, set[tuple[str, str]]]]) -> None:
    # The busy card's twelve sales are on day 5 only: a period of the days around it finds nothing.
    store, want = planted
    busy_day = date.fromisoformat(next(iter(want["busy_card"]))[1])
    assert [f.kind for f in store.ctx.fraud.flags(busy_day, busy_day, ["busy_card"])] == ["busy_card"]
    assert store.ctx.fraud.flags(busy_day + timedelta(days=1), busy_day + timedelta(days=2), ["busy_card"]) == []


def test_thresholds_come_from_the_program(planted: tuple[Store, dict[str, set[tuple[str, str]]]]) -> None:
    store, _ = planted
    before = store.ctx.fraud.flags(FIRST, FIRST + timedelta(days=DAYS - 1), ["busy_card"])
    assert before
    store.ctx.programs.set_program({**PROGRAM, "watch": {"card_uses_per_day": 12}}, actor="Пётр")
    try:
        assert store.ctx.fraud.flags(FIRST, FIRST + timedelta(days=DAYS - 1), ["busy_card"]) == []
    finally:
        store.ctx.programs.set_program(PROGRAM, actor="Пётр")


def test_a_period_ending_before_it_starts_is_refused(planted: tuple[Store, dict[str, set[tuple[str, str]]]]) -> None:
    store, _ = planted
    with pytest.raises(LoyaltyError) as caught:
        store.ctx.fraud.flags(FIRST, FIRST - timedelta(days=1))
    assert caught.value.code == "period_order"


def test_zone_segments_find_a_daylight_saving_change_to_the_millisecond() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = to_ms(datetime(2026, 3, 28, tzinfo=UTC))
    end = to_ms(datetime(2026, 4, 2, tzinfo=UTC))
    change = to_ms(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))  # 02:00 CET becomes 03:00 CEST
    assert zone_segments(berlin, start, end) == [(change, 3_600_000), (end, 7_200_000)]
    assert zone_segments(ZONE, start, end) == [(end, 10_800_000)]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_chain_flags_a_card_at_two_terminals_within_minutes(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # The chain-reports chain (tests/reports_chain.py): Анна buys in both stores days apart (honest);
    # Борис's card is then used at Арбат and, four minutes later, at Садовая.
    from tests.reports_chain import plant_flags, running_chain

    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            database = str(tmp_path / "server.sqlite3")
        else:
            database = stack.enter_context(request.getfixturevalue("pg_server").database())
        chain = stack.enter_context(running_chain(tmp_path, database))
        sadovaya, arbat = chain.terminals
        # A terminal's token gives no staff phone, and a phone must be one.
        phone = {"name": "Мария", "phone": "+7 916 000-00-02"}
        assert chain.client.put("/v1/admin/staff-phones", json=phone, headers=chain.terminal).status_code == 401
        bad = chain.client.put("/v1/admin/staff-phones", json={"name": "Мария", "phone": "12"}, headers=chain.admin)
        assert bad.status_code == 400
        assert plant_flags(sadovaya, arbat, chain.cards, chain.client, chain.admin) == {
            "staff_phones": {"Мария": "+79160000002"}
        }
        boris = chain.cards["Борис"]
        answer = chain.client.get(
            "/v1/reports/flags", params={"first": "2025-03-01", "last": "2025-03-31"}, headers=chain.admin
        )
        assert answer.status_code == 200, answer.text
        found = [(f["kind"], f["card"], f["day"], f["detail"].get("terminals")) for f in answer.json()["flags"]]
        assert found == [
            ("card_terminals", boris, "2025-03-14", ["Арбат / Арбат-1", "Садовая / Садовая-1"]),
            ("staff_card", boris, "2025-03-16", None),
        ]
        staff = answer.json()["flags"][1]
        assert (staff["person"], staff["count"], staff["detail"]) == (
            "Мария",
            4,
            {"rung_by_owner": 4, "stores": ["Арбат"]},
        )
        # A terminal's token reads no flags; a till's own file never compares terminals.
        assert (
            chain.client.get(
                "/v1/reports/flags", params={"first": "2025-03-01", "last": "2025-03-31"}, headers=chain.terminal
            ).status_code
            == 401
        )
        assert sadovaya.ctx.fraud.flags(date(2025, 3, 1), date(2025, 3, 31), ["card_terminals"]) == []
        # A manager's stores bound every pattern: Мария rang Борис's card at Арбат only, so Садовая's
        # manager sees no staff card (and Арбат's sees it, with the same count).
        from sqlalchemy import text

        from app.core.services.fraud import FraudService
        from app.core.services.reports.scope import Scope

        engine = chain.service.engine
        with engine.connect() as conn:
            ids = {str(name): int(i) for name, i in conn.execute(text("SELECT name, id FROM stores"))}
        chain_fraud = FraudService(engine, scope=Scope.CHAIN)
        march = (date(2025, 3, 1), date(2025, 3, 31))
        assert [f.kind for f in chain_fraud.flags(*march, ["staff_card"], stores=[ids["Садовая"]])] == []
        arbat_only = chain_fraud.flags(*march, ["staff_card"], stores=[ids["Арбат"]])
        assert [(f.person, f.count) for f in arbat_only] == [("Мария", 4)]


def test_the_daily_digest_from_the_command_line(
    planted: tuple[Store, dict[str, set[tuple[str, str]]]], tmp_path: Path
) -> None:
    from app.core.clock import FROZEN_NOW_ENV
    from tests.inprocess import run_cli, run_main

    store, want = planted
    db = store.ctx.db_path
    env_day = next(iter(want["adjustments"]))[1]
    proc = run_cli("flags", "--from", env_day, "--json", db=db)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [(f["kind"], f["person"]) for f in data["flags"]] == [("adjustments", "Пётр")]
    # Yesterday by default: the store's clock stands on 1 June, the day before holds nothing.
    proc = run_main(["flags", "--json", "--db", str(db)], env={FROZEN_NOW_ENV: NOW.isoformat()})
    assert json.loads(proc.stdout)["from"] == "2026-05-31" and json.loads(proc.stdout)["flags"] == []
    csv_file, pdf_file = tmp_path / "flags.csv", tmp_path / "flags.pdf"
    last = (FIRST + timedelta(days=DAYS - 1)).isoformat()
    assert (
        run_cli(
            "flags", "--from", FIRST.isoformat(), "--to", last, "--format", "csv", "--out", str(csv_file), db=db
        ).returncode
        == 0
    )
    rows = csv_file.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("День,") and len(rows) == 1 + sum(len(v) for v in want.values())
    assert any("Карта сотрудника Ольга" in r for r in rows)
    assert (
        run_cli(
            "flags", "--from", FIRST.isoformat(), "--to", last, "--format", "pdf", "--out", str(pdf_file), db=db
        ).returncode
        == 0
    )
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(pdf_file).pages)
    assert "Подозрительные операции" in text and "ручных корректировок" in text
    subprocess.run(
        ["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(pdf_file), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    assert list(tmp_path.glob("page*.png"))
    # Bad input: a period backwards, a PDF without a file; nothing is written.
    bad = run_cli("flags", "--from", last, "--to", FIRST.isoformat(), "--json", db=db)
    assert bad.returncode == 2 and "before" in json.loads(bad.stdout)["error"]
    assert run_cli("flags", "--format", "pdf", "--json", db=db).returncode == 2
