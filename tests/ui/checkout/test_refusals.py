"""The core's refusals reach the cashier in Russian: each newly worded reason as the core writes it,
and a few of them met the way a cashier meets them, on the real screens of a real store."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core import db, repo
from app.core.backup import backup_file
from app.core.errors import LoyaltyError
from app.core.pricing import MAX_QTY, MAX_UNIT_PRICE
from app.core.services.results import SaleRequest
from app.ui import i18n
from app.ui.checkout.reasons import _PATTERNS, explain, known
from app.ui.checkout.state import free_line
from app.ui.enroll_dialog import EnrollDialog
from app.ui.main_window import MainWindow
from app.ui.manager.program_errors import explain as program_explain
from app.ui.refund_dialog import refund_reason
from app.ui.worker import Worker
from tests.ui.checkout.conftest import Demo
from tests.ui.checkout.support import press, type_slowly


def refusal(fn: Any, *args: Any, **kwargs: Any) -> str:
    """The core's reason for refusing fn(*args, **kwargs)."""
    with pytest.raises(LoyaltyError) as caught:
        fn(*args, **kwargs)
    return str(caught.value)


def cyrillic(text: str) -> bool:
    return any("а" <= c.lower() <= "я" for c in text)


def _with_program(store: Context, **changes: Any) -> None:
    _, program = store.loyalty.program()
    body = dict(program.raw)
    body.update(changes)
    store.loyalty.set_program(body)


def _chain(store: Context, **meta: str) -> None:
    with db.transaction(store.engine) as conn:
        repo.set_meta(conn, "server_url", "http://server.invalid")
        for key, value in meta.items():
            repo.set_meta(conn, key, value)


def core_messages(store: Context, demo: Demo, tmp_path: Path) -> dict[str, str]:
    """Every reason worded by this change, produced by the core itself (a demo store, a chain till)."""
    s = store.loyalty
    rich = demo.rich_card
    out: dict[str, str] = {}
    old = s.customer(rich).card
    # A card that was replaced (the customer's account moves to a new card).
    spare = next(c["card"] for c in s.find_customers("а") if c["card"] != rich)
    new_card = s.replace_card(spare)
    out["replaced"] = refusal(s.customer, spare)
    assert new_card != spare
    out["card_format"] = refusal(s.replace_card, old, "КАРТА!")
    line = s.resolve_line("CHZ", 1)
    out["qty"] = refusal(s.quote, SaleRequest(lines=(line.__class__(**{**line.__dict__, "qty": MAX_QTY + 1}),)))
    out["price"] = refusal(s.quote, SaleRequest(lines=(free_line(MAX_UNIT_PRICE + 1, "Выпечка", "Торт"),)))
    out["gift_unknown"] = refusal(s.quote, SaleRequest(lines=(line,), card=rich, reward="no-such-gift"))
    tomorrow = date.today() + timedelta(days=1)
    out["birthday"] = refusal(s.enroll, "Пётр", "+7 903 000-00-01", tomorrow.isoformat(), None, None, None, True)
    # A chain till's offline caps: per card, per terminal, too long offline, a clock that is off.
    _chain(store, last_sync_ms=str(10**15))
    gift = s.program()[1].rewards[0]
    _with_program(store, offline_redeem_cap=0)
    out["cap_card"] = refusal(s.quote, SaleRequest(lines=(line,), card=rich, redeem=1))
    out["gift_cap"] = refusal(s.quote, SaleRequest(lines=(line,), card=rich, reward=gift.id))
    _with_program(store, offline_redeem_cap=None, offline={"terminal_redeem_cap": 0})
    out["cap_till"] = refusal(s.quote, SaleRequest(lines=(line,), card=rich, redeem=1))
    _with_program(store, offline={"max_offline_hours": 1})
    _chain(store, last_sync_ms="0")
    out["cap_offline"] = refusal(s.quote, SaleRequest(lines=(line,), card=rich, redeem=1))
    _with_program(store, offline={})
    _chain(store, last_sync_ms=str(10**15), clock_offset_ms=str(3_600_000))
    out["cap_clock"] = refusal(s.quote, SaleRequest(lines=(line,), card=rich, redeem=1))
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
    return out


EXPECTED = {
    "replaced": "заменена на новую",
    "card_format": "только латинские буквы",
    "qty": "не больше 99999 шт.",
    "price": "Цена не может быть больше",
    "gift_unknown": "Этого подарка больше нет",
    "birthday": "Дата рождения должна быть",
    "cap_card": "лимит карты до следующей синхронизации",
    "gift_cap": "лимит карты до следующей синхронизации",
    "cap_till": "лимит кассы до следующей синхронизации",
    "cap_offline": "связи с сервером нет больше 1 ч",
    "cap_clock": "часы кассы идут неверно",
    "schema": "более новой версией программы",
}


def test_every_newly_worded_core_reason_reads_in_russian(
    qapp: QApplication, store: Context, demo_template: Demo, tmp_path: Path
) -> None:
    i18n.install(qapp, "ru")
    messages = core_messages(store, demo_template, tmp_path)
    assert messages.keys() == EXPECTED.keys()
    for key, message in messages.items():
        text = known(message)
        assert text is not None, f"{key}: no wording for {message!r}"
        assert EXPECTED[key] in text, f"{key}: {message!r} -> {text!r}"
        assert "kopecks" not in text and "{" not in text
    # Refund and program screens fall back on the same words for what is not theirs.
    assert refund_reason(messages["schema"]) == explain(messages["schema"])
    assert program_explain(messages["replaced"], str)[1] == explain(messages["replaced"])


@pytest.mark.parametrize(
    ("message", "russian"),
    [
        # Worded from the system's and the server's answers: the strings Python and httpx give.
        ("the database is busy in another program: nothing was written, try again", "занята другой программой"),
        ("database error: disk I/O error", "Ошибка базы данных: disk I/O error"),
        ("[Errno 28] No space left on device: '/media/usb/coupons.csv'", "/media/usb/coupons.csv: диск заполнен"),
        ("[Errno 13] Permission denied: '/media/usb/report.pdf'", "нет прав на запись"),
        ("cannot write the backup in /media/usb: No space left on device", "в /media/usb: диск заполнен"),
        ("cannot restore into /srv/t.sqlite3: Read-only file system", "диск доступен только для чтения"),
        ("[Errno 20] Not a directory: '/srv/a-file/t.restoring'", "/srv/a-file/t.restoring: это не папка"),
        ("unknown or expired enrollment code", "код неизвестен или устарел"),
        ("this terminal was revoked", "отключена от сети"),
        ("server did not answer in time: ReadTimeout: timed out", "Сервер не ответил вовремя"),
        ("server answered 500: Internal Server Error", "Сервер ответил ошибкой 500"),
        ("server answered something that is not JSON", "Не удалось прочитать ответ сервера"),
        ("enrollment answer lacks token", "Не удалось прочитать ответ сервера"),
        ("server unreachable: ConnectError: [Errno 111] Connection refused", "Нет связи с сервером"),
        ("this terminal is not enrolled with a server", "не подключена к серверу"),
    ],
)
def test_system_and_server_answers_read_in_russian(qapp: QApplication, message: str, russian: str) -> None:
    i18n.install(qapp, "ru")
    text = known(message)
    assert text is not None and russian in text, text


def test_the_sync_and_enrolment_reasons_are_the_clients_own(qapp: QApplication) -> None:
    """The strings above are the client's: an answer it cannot read, made by the client itself."""
    import httpx

    from app.sync.client import Client

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>not json</html>")

    client = Client("http://server.invalid", transport=httpx.MockTransport(answer))
    i18n.install(qapp, "ru")
    assert "Не удалось прочитать ответ сервера" in (known(refusal(client.enroll, "CODE")) or "")
    client = Client("http://server.invalid", transport=httpx.MockTransport(lambda r: httpx.Response(200, json={})))
    assert "Не удалось прочитать ответ сервера" in (known(refusal(client.enroll, "CODE")) or "")


def test_every_reasons_pattern_has_russian_words(qapp: QApplication) -> None:
    i18n.install(qapp, "ru")
    from PySide6.QtCore import QCoreApplication

    for _pattern, template in _PATTERNS:
        if str(template) == "{path}: {os}":
            continue  # no words of its own: the path, and the system's words worded below
        assert cyrillic(QCoreApplication.translate("Reasons", str(template))), template


# ----------------------------------------------------------------------------- on the screens


def test_a_replaced_card_typed_at_the_till_says_so_in_russian(
    qtbot: QtBot, window: MainWindow, store: Context, demo_template: Demo
) -> None:
    old = demo_template.rich_card
    new = store.loyalty.replace_card(old)
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
    dialog = EnrollDialog(store.loyalty, db_worker)
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
