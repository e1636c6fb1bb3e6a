"""Regenerate docs/screenshots/manager-*.png from the real manager window, offscreen.

Usage: .venv/bin/python scripts/screenshots_manager.py [--size 1280x800] [--out docs/screenshots] [--lang ru]

Builds a café store in a temporary folder (the demo program and menu, two cashiers, two months
of sales, a manual adjustment and a replaced card), opens the manager window as manager Ольга
and grabs the dashboard, the program editor (with an edit priced in the preview) and the
administration tab. Then a chain of three cafés: the central server (the real app, in process,
on a SQLite file), a terminal per café that sold for a month and synced, and the manager window
of one of them in the "Вся сеть" scope: its overview and its stores page.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from argon2 import PasswordHasher  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from app.bootstrap import Context, bootstrap  # noqa: E402
from app.core import db, repo  # noqa: E402
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM  # noqa: E402
from app.core.errors import LoyaltyError  # noqa: E402
from app.core.services.reports import ReportsService  # noqa: E402
from app.core.services.results import SaleRequest  # noqa: E402
from app.core.services.staff import StaffService  # noqa: E402
from app.core.services.support import SYSTEM  # noqa: E402
from app.core.timeutil import DAY_MS, now_ms  # noqa: E402
from app.sync.chain_reports import ChainReports  # noqa: E402
from app.sync.service import SyncService  # noqa: E402
from app.ui import i18n, theme  # noqa: E402
from app.ui.manager.ops import ManagerServices  # noqa: E402
from app.ui.manager.window import ManagerWindow  # noqa: E402
from app.ui.worker import Worker  # noqa: E402

MAX_PNG_BYTES = 300_000
NAMES = [
    "Анна Иванова", "Сергей Петров", "Мария Смирнова", "Дмитрий Кузнецов", "Елена Попова", "Алексей Соколов",
    "Ольга Лебедева", "Иван Козлов", "Наталья Новикова", "Павел Морозов", "Татьяна Волкова", "Андрей Соловьёв",
]  # fmt: skip


def wait_until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the event loop until check() is true."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(ms: int = 200) -> None:
    """Let layouts and paints finish."""
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)


def save(widget: QWidget, path: Path) -> None:
    """Grab a widget into a PNG and check its size."""
    settle()
    widget.grab().save(str(path), "PNG", 9)
    size = path.stat().st_size
    print(f"{path} {size // 1000} KB")
    if size > MAX_PNG_BYTES:
        raise SystemExit(f"{path} is larger than {MAX_PNG_BYTES} bytes")


def build_store(folder: Path, days: int = 60, customers: int = 48, seed: int = 11) -> tuple[Context, StaffService]:
    """A café with the demo program, two cashiers and `days` days of sales ending now."""
    rng = random.Random(seed)
    ctx = bootstrap(folder / "terminal.sqlite3", create=True)
    ctx.store.init(DEMO_PROGRAM)
    ctx.catalog.import_catalog(DEMO_CATALOG, actor=SYSTEM)
    staff = StaffService(ctx.engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    staff.create_first_manager("Ольга", "9999")
    staff.add_cashier("Иван", "1234", actor="Ольга")
    staff.add_cashier("Мария", "2345", actor="Ольга")
    products = [p for p in ctx.catalog.catalog() if p["category"] != "tobacco"]
    start = now_ms() - days * DAY_MS
    cards: list[str] = []
    leaves: list[int] = []  # the day each customer stops coming (some stay, some drift away)
    for day in range(days):
        # Customers join over the whole period, more at the start (a launch).
        while len(cards) < customers and rng.random() < (0.85 if day < 12 else 0.35):
            i = len(cards)
            name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}")
            cards.append(
                ctx.customers.enroll(
                    name, f"+7916{5550000 + i:07d}", at=start + day * DAY_MS + 8 * 3_600_000, actor=SYSTEM
                ).card
            )
            leaves.append(day + rng.choice([15, 25, 40, 1000, 1000, 1000]))
        regulars = [c for c, gone in zip(cards, leaves, strict=True) if gone > day]
        busy = 14 + int(8 * day / days)  # a café that grows
        for _ in range(rng.randint(busy - 4, busy + 4)):
            at = start + day * DAY_MS + rng.randint(8 * 3_600_000, 21 * 3_600_000)
            if at >= now_ms():
                continue
            lines = tuple(
                ctx.catalog.resolve_line(p["sku"], rng.randint(1, 2)) for p in rng.sample(products, rng.randint(1, 3))
            )
            card = rng.choice(regulars) if regulars and rng.random() < 0.65 else None
            cashier = "Иван" if rng.random() < 0.55 else "Мария"
            redeem = "max" if card and rng.random() < 0.15 else None
            coupon = "WELCOME10" if rng.random() < 0.04 else None
            try:
                ctx.checkout.sell(
                    SaleRequest(lines, card=card, at=at, redeem=redeem, coupon=coupon, cashier=cashier), actor=cashier
                )
            except LoyaltyError:  # a refused coupon or redemption: the demo moves on
                continue
    ctx.customers.adjust_points(cards[0], 150, "компенсация за долгое ожидание", "Ольга")
    return ctx, staff


CAFES = (("Кофейня на Садовой", 22, 30), ("Кофейня на Арбате", 15, 22), ("Кофейня у вокзала", 9, 14))


def build_chain(folder: Path, days: int = 30, seed: int = 12) -> tuple[Context, StaffService, Any]:
    """Three cafés of a chain on a central server (in process): each enrolls its regulars, sells for
    `days` days (some regulars also visit another café) and syncs. Returns the first café's
    terminal, its staff and the transport to the server."""
    from fastapi.testclient import TestClient

    import server.auth as server_auth
    from server.api import create_app
    from server.config import Settings

    rng = random.Random(seed)
    server_auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(
        Settings(database=str(folder / "server.sqlite3"), admin_name="admin", admin_password="screens-only")
    )
    client = TestClient(app, base_url="http://server.local")
    token = client.post("/v1/admin/login", json={"name": "admin", "password": "screens-only"}).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    client.post("/v1/admin/program", json={"program": DEMO_PROGRAM}, headers=admin)
    client.put("/v1/admin/catalog", json={"csv": DEMO_CATALOG}, headers=admin)
    transport = client._transport
    start = now_ms() - days * DAY_MS
    terminals: list[tuple[Context, SyncService, list[str]]] = []
    for i, (name, regulars, _) in enumerate(CAFES):
        store = client.post("/v1/admin/stores", json={"name": name}, headers=admin).json()["store_id"]
        code = client.post("/v1/admin/terminals", json={"store_id": store, "name": f"Касса {i + 1}"}, headers=admin)
        ctx = bootstrap(folder / f"cafe-{i}" / "terminal.sqlite3", create=True)
        ctx.store.init()
        sync = SyncService(ctx.engine, transport=transport)
        sync.enroll("http://server.local", code.json()["code"], actor="Ольга")
        sync.sync_once()
        cards = []
        for k in range(regulars):
            person = NAMES[(k + 5 * i) % len(NAMES)]
            at = start + rng.randint(0, days // 2) * DAY_MS + 9 * 3_600_000
            cards.append(ctx.customers.enroll(person, f"+7916{5600000 + 1000 * i + k:07d}", at=at, actor=SYSTEM).card)
        sync.sync_once()
        terminals.append((ctx, sync, cards))
    for _, sync, _ in terminals:
        sync.sync_once()  # every café knows every card
    everyone = [card for _, _, cards in terminals for card in cards]
    for (ctx, sync, cards), (_, _, busy) in zip(terminals, CAFES, strict=True):
        products = [p for p in ctx.catalog.catalog() if p["category"] != "tobacco"]
        for day in range(days):
            for _ in range(rng.randint(busy - 5, busy + 5)):
                at = start + day * DAY_MS + rng.randint(8 * 3_600_000, 21 * 3_600_000)
                if at >= now_ms():
                    continue
                lines = tuple(
                    ctx.catalog.resolve_line(p["sku"], rng.randint(1, 2))
                    for p in rng.sample(products, rng.randint(1, 3))
                )
                roll = rng.random()
                card = rng.choice(cards) if roll < 0.6 else rng.choice(everyone) if roll < 0.68 else None
                redeem = "max" if card and rng.random() < 0.12 else None
                cashier = rng.choice(("Иван", "Мария", "Ольга"))
                try:
                    sale = SaleRequest(lines, card=card, at=at, redeem=redeem, cashier=cashier)
                    ctx.checkout.sell(sale, actor=cashier)
                except LoyaltyError:
                    continue
        sync.sync_once()
    for ctx, _, _ in terminals[1:]:
        ctx.close()
    ctx = terminals[0][0]
    staff = StaffService(ctx.engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    staff.create_first_manager("Ольга", "9999")
    with db.transaction(ctx.engine, write=False) as conn:
        assert repo.get_meta(conn, "server_url") is not None
    return ctx, staff, transport


def chain_screens(folder: Path, out: Path, width: int, height: int) -> None:
    """The manager window of a chain's café in the "Вся сеть" scope: the overview and the stores page."""
    ctx, staff, transport = build_chain(folder)
    worker = Worker()
    services = ManagerServices(
        ctx.programs,
        ctx.catalog,
        ctx.customers,
        staff,
        ReportsService(ctx.engine),
        "Ольга",
        ChainReports(ctx.engine, transport),
    )
    window = ManagerWindow(services, worker)
    window.resize(width, height)
    window.show()
    window.start()
    d = window.dashboard
    wait_until(lambda: d.bundle is not None and not d.loading() and not d.scope.isHidden())
    d.set_scope(True)
    wait_until(lambda: d.bundle is not None and not d.loading() and d.bundle.stores is not None, timeout=120)
    save(window, out / "manager-chain.png")
    d.pages.setCurrentWidget(d.reports.stores_page)
    save(window, out / "manager-chain-stores.png")
    window.close()
    worker.stop()
    settle()
    ctx.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="ru", choices=i18n.LANGUAGES)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    i18n.install(app, args.lang)
    theme.apply(app)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LOYALTY_HOME"] = tmp
        ctx, staff = build_store(Path(tmp))
        worker = Worker()
        services = ManagerServices(ctx.programs, ctx.catalog, ctx.customers, staff, ReportsService(ctx.engine), "Ольга")
        window = ManagerWindow(services, worker)
        window.resize(width, height)
        window.show()
        window.start()
        d = window.dashboard
        wait_until(lambda: d.bundle is not None and not d.loading())
        # Two months: the café's growth shows in the active cards.
        today = d.resolved.last if d.resolved is not None else None
        assert today is not None
        d.set_custom_period(today - timedelta(days=59), today)
        d.refresh()
        wait_until(lambda: d.bundle is not None and not d.loading())
        save(window, args.out / "manager-dashboard.png")

        # The program editor: Gold's discount raised, the preview prices a basket under both programs.
        window.tabs.setCurrentWidget(window.program)
        p = window.program
        wait_until(lambda: p.state is not None)
        tiers = p.form.slots["tiers"].model
        assert tiers is not None
        tiers.setData(tiers.index(1, 2), "5")
        p.preview.tier.setCurrentIndex(2)
        p.validate()
        save(window, args.out / "manager-program.png")

        # Administration: a customer found, the card replaced, its new QR shown.
        window.tabs.setCurrentWidget(window.admin)
        a = window.admin
        a.query.setText("Анна")
        a.find()
        wait_until(lambda: a.hits.rowCount() > 0)
        a.hits_view.selectRow(0)
        wait_until(lambda: a.info is not None)
        a.points.setValue(200)
        from app.ui.manager import widgets

        widgets.Confirm.ask = lambda self: True  # type: ignore[method-assign]  # no one to click "Yes" offscreen
        a.replace()
        wait_until(lambda: a.replaced is not None)
        save(window, args.out / "manager-admin.png")

        window.close()
        worker.stop()
        settle()
        ctx.close()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LOYALTY_HOME"] = tmp
        chain_screens(Path(tmp), args.out, width, height)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
