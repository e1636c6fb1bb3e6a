"""Refusals as data: the core's refusals carry a code and parameters, every code is worded in Russian
and English, and a few of them are met the way a cashier meets them, on the real screens of a real store."""

from __future__ import annotations

import errno
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core import db, repo
from app.core.backup import backup_file, restore_file
from app.core.errors import LoyaltyError, StorageError
from app.core.ids import uuid7
from app.core.pricing import MAX_QTY, MAX_UNIT_PRICE
from app.core.refusals import TEMPLATES, UNWORDED, placeholders, render
from app.core.services.results import SaleRequest
from app.core.services.support import SYSTEM
from app.receipts.printers import PrintError
from app.scanner.errors import ScanError
from app.sync import replica
from app.sync.client import SyncError
from app.ui import i18n
from app.ui.checkout.state import free_line
from app.ui.enroll_dialog import EnrollDialog
from app.ui.main_window import MainWindow
from app.ui.manager.program_errors import explain as program_explain
from app.ui.refund_dialog import refund_reason
from app.ui.wording import CONTEXT, SCREEN_ONLY, WORDING, explain
from app.ui.worker import Worker
from tests.conftest import ROOT
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.support import press, type_slowly


def refusal(fn: Any, *args: Any, **kwargs: Any) -> LoyaltyError:
    """The core's refusal of fn(*args, **kwargs)."""
    with pytest.raises(LoyaltyError) as caught:
        fn(*args, **kwargs)
    return caught.value


def cyrillic(text: str) -> bool:
    return any("а" <= c.lower() <= "я" for c in text)


def _with_program(store: Context, **changes: Any) -> None:
    _, program = store.programs.program()
    body = dict(program.raw)
    body.update(changes)
    with db.transaction(store.engine) as conn:
        if not repo.chain_mode(conn):
            repo.set_meta(conn, "server_url", "http://server.invalid")
        # As a chain till gets it: a version the server issued, pulled (sync.md promise 12).
        replica.store_programs(conn, [{"uid": uuid7(), "program": body, "activate_at": 0}])


def _chain(store: Context, **meta: str) -> None:
    with db.transaction(store.engine) as conn:
        repo.set_meta(conn, "server_url", "http://server.invalid")
        # The store's programs stand for versions its chain issued: a chain till prices with no other.
        conn.exec_driver_sql("DELETE FROM outbox WHERE kind = 'program'")
        for key, value in meta.items():
            repo.set_meta(conn, key, value)


def core_refusals(store: Context, demo: Demo, tmp_path: Path) -> dict[str, LoyaltyError]:
    """Refusals met at the till, produced by the core itself (a demo store, a chain till)."""
    rich = demo.rich_card
    out: dict[str, LoyaltyError] = {}
    old = store.customers.customer(rich).card
    # A card that was replaced (the customer's account moves to a new card).
    spare = next(c["card"] for c in store.customers.find_customers("а") if c["card"] != rich)
    new_card = store.customers.replace_card(spare, actor=SYSTEM)
    out["replaced"] = refusal(store.customers.customer, spare)
    assert new_card != spare
    out["card_format"] = refusal(store.customers.replace_card, old, "КАРТА!", actor=SYSTEM)
    line = store.catalog.resolve_line("CHZ", 1)
    out["qty"] = refusal(
        store.checkout.quote, SaleRequest(lines=(line.__class__(**{**line.__dict__, "qty": MAX_QTY + 1}),))
    )
    out["price"] = refusal(store.checkout.quote, SaleRequest(lines=(free_line(MAX_UNIT_PRICE + 1, "Выпечка", "Торт"),)))
    out["gift_unknown"] = refusal(store.checkout.quote, SaleRequest(lines=(line,), card=rich, reward="no-such-gift"))
    tomorrow = date.today() + timedelta(days=1)
    out["birthday"] = refusal(
        store.customers.enroll, "Пётр", "+7 903 000-00-01", tomorrow.isoformat(), None, None, None, True, actor=SYSTEM
    )
    # A chain till's offline caps: per card, per terminal, too long offline, a clock that is off.
    _chain(store, last_sync_ms=str(10**15))
    gift = store.programs.program()[1].rewards[0]
    _with_program(store, offline_redeem_cap=0)
    out["cap_card"] = refusal(store.checkout.quote, SaleRequest(lines=(line,), card=rich, redeem=1))
    out["gift_cap"] = refusal(store.checkout.quote, SaleRequest(lines=(line,), card=rich, reward=gift.id))
    _with_program(store, offline_redeem_cap=None, offline={"terminal_redeem_cap": 0})
    out["cap_till"] = refusal(store.checkout.quote, SaleRequest(lines=(line,), card=rich, redeem=1))
    _with_program(store, offline={"max_offline_hours": 1})
    _chain(store, last_sync_ms="0")
    out["cap_offline"] = refusal(store.checkout.quote, SaleRequest(lines=(line,), card=rich, redeem=1))
    _with_program(store, offline={})
    _chain(store, last_sync_ms=str(10**15), clock_offset_ms=str(3_600_000))
    out["cap_clock"] = refusal(store.checkout.quote, SaleRequest(lines=(line,), card=rich, redeem=1))
    # Backups and restores.
    folder = tmp_path / "backups"
    good = backup_file(store.db_path, folder, 3)
    # A newer program's store.
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(good) as src, sqlite3.connect(newer) as dst:
        src.backup(dst)
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")
    out["schema"] = refusal(db.migrate, db.make_engine(newer), None)
    # A damaged file offered as a backup: the system's words stay in the log.
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(good.read_bytes()[:4096] + b"\0" * 8192)
    out["damaged"] = refusal(restore_file, broken, tmp_path / "t.sqlite3", folder)
    return out


EXPECTED = {
    "replaced": ("card_replaced", "заменена на новую"),
    "card_format": ("card_chars", "только латинские буквы"),
    "qty": ("qty_max", "не больше 99999 шт."),
    "price": ("price_max", "Цена не может быть больше"),
    "gift_unknown": ("unknown_reward", "Этого подарка больше нет"),
    "birthday": ("birthday_range", "Дата рождения должна быть"),
    "cap_card": ("redeem_capped", "лимит карты до следующей синхронизации"),
    "gift_cap": ("gift_capped", "лимит карты до следующей синхронизации"),
    "cap_till": ("redeem_capped", "лимит кассы до следующей синхронизации"),
    "cap_offline": ("redeem_capped", "связи с сервером нет больше 1 ч"),
    "cap_clock": ("redeem_capped", "часы кассы идут неверно"),
    "schema": ("db_newer", "более новой версией программы"),
    "damaged": ("restore_refused", "Эту копию нельзя восстановить"),
}


def test_core_refusals_carry_a_code_and_read_in_russian(
    qapp: QApplication, store: Context, demo_template: Demo, tmp_path: Path
) -> None:
    i18n.install(qapp, "ru")
    refusals = core_refusals(store, demo_template, tmp_path)
    assert refusals.keys() == EXPECTED.keys()
    for key, exc in refusals.items():
        code, russian = EXPECTED[key]
        assert exc.code == code, f"{key}: {exc.code}"
        assert str(exc) == render(exc.code, exc.params)  # the English sentence comes from the one table
        text = explain(exc)
        assert russian in text, f"{key}: {exc!s} -> {text!r}"
        assert "kopecks" not in text and "{" not in text and "malformed" not in text
    # Refund and program screens fall back on the same words for what is not theirs.
    assert refund_reason(refusals["schema"]) == explain(refusals["schema"])
    assert program_explain(refusals["replaced"], str)[1] == explain(refusals["replaced"])


@pytest.mark.parametrize(
    ("error", "russian"),
    [
        # The system's and the server's answers, as the core and Python raise them.
        (StorageError("db_busy"), "занята другой программой"),
        (StorageError("db_error", detail="disk I/O error"), "Ошибка базы данных: disk I/O error"),
        (OSError(errno.ENOSPC, "No space left on device", "/media/usb/coupons.csv"), "/media/usb/coupons.csv: диск"),
        (OSError(errno.EACCES, "Permission denied", "/media/usb/report.pdf"), "нет прав на запись"),
        (OSError(errno.ENOTDIR, "Not a directory", "/srv/a-file/t.restoring"), "/srv/a-file/t.restoring: это не папка"),
        (
            StorageError("backup_write", path="/media/usb", os="No space left on device", errno="ENOSPC"),
            "в /media/usb: диск заполнен",
        ),
        (
            StorageError("restore_write", path="/srv/t.sqlite3", os="Read-only file system", errno="EROFS"),
            "диск доступен только для чтения",
        ),
        (StorageError("db_damaged", detail="database disk image is malformed"), "База данных повреждена"),
        (SyncError("server_timeout", detail="ReadTimeout: timed out"), "Сервер не ответил вовремя"),
        (SyncError("server_status", status=500, detail="Internal Server Error"), "Сервер ответил ошибкой 500"),
        (SyncError("server_unreachable", detail="ConnectError: [Errno 111] Connection refused"), "Нет связи"),
        (LoyaltyError("not_enrolled"), "не подключена к серверу"),
        (PrintError("print_refused", where="127.0.0.1:9"), "Принтер 127.0.0.1:9 отклонил подключение"),
        (ScanError("camera_unopened", source="7"), "не удалось открыть камеру 7"),
        (RuntimeError("a bug"), "Что-то пошло не так"),
    ],
)
def test_system_and_server_answers_read_in_russian(qapp: QApplication, error: BaseException, russian: str) -> None:
    i18n.install(qapp, "ru")
    text = explain(error)
    assert russian in text, text
    assert not any(leak in text for leak in ("Errno", "ConnectError", "malformed", "refused the connection")), text


def test_the_servers_refusals_of_an_enrolment_are_codes(qapp: QApplication) -> None:
    """The client turns the server's answers into codes; an answer it cannot read has its own."""
    import httpx

    from app.sync.client import Client

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>not json</html>")

    i18n.install(qapp, "ru")
    client = Client("http://server.invalid", transport=httpx.MockTransport(answer))
    assert refusal(client.enroll, "CODE").code == "server_not_json"
    client = Client("http://server.invalid", transport=httpx.MockTransport(lambda r: httpx.Response(200, json={})))
    assert "Не удалось прочитать ответ сервера" in explain(refusal(client.enroll, "CODE"))
    gone = {"detail": "unknown or expired enrollment code"}
    client = Client("http://server.invalid", transport=httpx.MockTransport(lambda r: httpx.Response(401, json=gone)))
    refused = refusal(client.enroll, "CODE")
    assert refused.code == "enroll_code" and str(refused) == "unknown or expired enrollment code"
    assert explain(refused) == "код неизвестен или устарел"  # worded to go inside the wizard's sentence


def test_every_code_has_russian_and_english_words(qapp: QApplication) -> None:
    """Each code of the core's table (and each of the screens' own) is worded, with the real .qm loaded:
    Russian that differs from the English and is Cyrillic, the same placeholders in both, and only
    placeholders the core's template passes."""
    i18n.install(qapp, "ru")
    codes = [c for c in TEMPLATES if c != UNWORDED]
    assert set(codes) <= WORDING.keys(), f"no wording: {sorted(set(codes) - WORDING.keys())}"
    assert not WORDING.keys() - set(TEMPLATES), "a wording for a code the core does not have"
    problems = []
    for code, source in [*WORDING.items(), *SCREEN_ONLY.items()]:
        english, russian = str(source), QCoreApplication.translate(CONTEXT, str(source))
        if russian == english or not cyrillic(russian):
            problems.append(f"{code}: no Russian for {english!r}")
        if placeholders(russian) != placeholders(english):
            problems.append(f"{code}: placeholders differ: {english!r} / {russian!r}")
        if code in TEMPLATES and not placeholders(english) <= placeholders(TEMPLATES[code]) | {"field"}:
            problems.append(f"{code}: {english!r} uses a parameter the core does not pass")
    assert not problems, "\n".join(problems)
    i18n.install(qapp, "en")
    try:
        assert explain(LoyaltyError("basket_empty")) == "The basket is empty"
        assert explain(LoyaltyError("price_max", sku="X", max_kopecks=100)) == "A price can be at most RUB\u00a01.00"
    finally:
        i18n.install(qapp, "ru")


def test_no_regex_translation_remains() -> None:
    """Refusals are worded by code: no module of the screens matches the core's English any more."""
    offenders = []
    for path in sorted((ROOT / "app" / "ui").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if 're.compile(r"^' in text and ("QT_TRANSLATE_NOOP" in text and "_PATTERNS" in text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders
    assert not (ROOT / "app" / "ui" / "checkout" / "reasons.py").exists()


# ----------------------------------------------------------------------------- on the screens


def test_a_replaced_card_typed_at_the_till_says_so_in_russian(
    qtbot: QtBot, window: MainWindow, store: Context, demo_template: Demo
) -> None:
    old = demo_template.rich_card
    new = store.customers.replace_card(old, actor=SYSTEM)
    press(Qt.Key.Key_F2)
    type_slowly(old)
    press(Qt.Key.Key_Return)
    status = window.checkout.status
    qtbot.waitUntil(lambda: "заменена" in status.text())
    assert status.text() == f"Карта {old} заменена на новую и больше не действует"
    assert window.controller.customer is None and new != old


def test_a_free_price_item_above_the_limit_says_so_in_russian(qtbot: QtBot, window: MainWindow) -> None:
    window.controller.add_line(free_line(MAX_UNIT_PRICE + 100, "Выпечка", "Торт"))
    status = window.checkout.status
    qtbot.waitUntil(lambda: "Цена" in status.text())
    assert status.text() == f"Цена не может быть больше {i18n.money(MAX_UNIT_PRICE)}"
    assert "kopecks" not in status.text()


def test_a_birthday_later_this_year_is_refused_in_russian(qtbot: QtBot, store: Context, db_worker: Worker) -> None:
    tomorrow = date.today() + timedelta(days=1)
    if tomorrow.year != date.today().year:
        pytest.skip("on 31 December no later day of this year passes the dialog's own check")
    dialog = EnrollDialog(store.customers, db_worker, actor="Ирина")
    qtbot.addWidget(dialog)
    dialog.phone.setText("+7 903 111-22-44")
    dialog.name.setText("Пётр Сидоров")
    dialog.birthday.setText(tomorrow.strftime("%d.%m.%Y"))
    dialog.consent.setChecked(True)
    dialog.submit.click()
    qtbot.waitUntil(lambda: "Дата рождения" in dialog.error.text())
    assert dialog.error.text() == "Дата рождения должна быть не раньше 01.01.1900 и не позже сегодняшнего дня"
    assert dialog.outcome is None


def test_points_capped_offline_say_which_limit_in_russian(
    qtbot: QtBot, window: MainWindow, store: Context, demo_template: Demo
) -> None:
    _chain(store, last_sync_ms=str(10**15))
    _with_program(store, offline_redeem_cap=0)
    window.controller.add_code("CHZ")
    window.controller.attach_card(demo_template.rich_card)
    qtbot.waitUntil(lambda: window.controller.customer is not None and window.controller.result is not None)
    window.controller.set_redeem(5)
    status = window.checkout.status
    qtbot.waitUntil(lambda: "лимит" in status.text())
    assert "лимит карты до следующей синхронизации исчерпан" in status.text()
    assert "sync" not in status.text()
