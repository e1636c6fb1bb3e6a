"""Issue 13 at the till, from the real start by keys: the customer confirms paying points, limits, fraud flags.

The program is the demo café's with a `confirm` policy (a customer found by phone confirms paying points) and
daily `limits`, set beside the running till through the services (as the manager's program editor or
`loyalty-terminal program set` would); SMS goes to the SMS.ru fake on loopback (tests/smsru_fake.py).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest

from app.bootstrap import bootstrap
from app.core.services.confirm import totp_qr_text
from app.ui.checkout.pay_dialog import PayDialog
from app.ui.confirm_dialog import ConfirmSpendDialog
from tests.smsru_fake import API_ID, SmsRuFake
from tests.ui.journeys.harness import MANAGER, Journey, JourneyRunner, till_ready
from tests.ui.journeys.test_manager_journeys import choose_folder, open_manager, press_opening, tab_to

REASON = "Покупатель забыл телефон"


def richest(home: Path) -> tuple[str, str]:
    """(card, phone) of the demo customer with the most points and a phone."""
    with sqlite3.connect(home / "terminal.sqlite3") as db:
        row = db.execute(
            "SELECT s.card, c.phone FROM sales s JOIN cards k ON k.code = s.card"
            " JOIN customers c ON c.id = k.customer_id"
            " WHERE c.phone LIKE '+7%' GROUP BY s.card ORDER BY sum(s.earned) - sum(s.redeemed_points) DESC LIMIT 1"
        ).fetchone()
    return str(row[0]), str(row[1])


def query(home: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Read the store's file beside the running program."""
    with sqlite3.connect(home / "terminal.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def set_policy(
    home: Path, *, sms_url: str | None = None, limits: dict[str, Any] | None = None, always: bool = False
) -> None:
    """The manager's program with the confirmation policy (and limits); SMS.ru's key and address when given."""
    ctx = bootstrap(home / "terminal.sqlite3")
    try:
        raw = dict(ctx.programs.program()[1].raw)
        raw["confirm"] = {"found_by_phone": True, "code_attempts": 3, "always": always}
        if limits is not None:
            raw["limits"] = limits
        ctx.programs.set_program(raw, actor=MANAGER[0], note="issue 13")
        if sms_url is not None:
            ctx.confirm.set_sms_api_id(API_ID, actor=MANAGER[0])
            with sqlite3.connect(home / "terminal.sqlite3") as db:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('sms.ru_url', ?)", (sms_url,))
    finally:
        ctx.engine.dispose()


def basket_paying_points_by_phone(h: Journey, window: Any, phone: str) -> None:
    """F2, the customer's phone typed, Enter; two cappuccinos; F5 (the most points); F3."""
    c = window.controller
    h.press("F2")
    h.type(phone)
    h.press("Return")
    h.wait_for(lambda: c.customer is not None and c.found_by == "phone", "the customer found by phone")
    h.wait_for(lambda: window.checkout.product_field.hasFocus(), "the product field to have the keyboard back")
    h.scan("4600000000022")
    h.scan("4600000000022")
    h.wait_for(lambda: sum(line.qty for line in c.basket.lines) == 2, "two items")
    h.press("F5")
    h.wait_for(lambda: c.fresh and c.result is not None and c.result.quote.redeemed_points > 0, "points paying")
    h.press("F3")
    h.wait_for(lambda: c.result is not None and c.result.confirm == "found_by_phone", "the quote to ask for it")


def test_found_by_phone_a_manager_confirms_with_pin_and_reason_esc_writes_nothing(journey: JourneyRunner) -> None:
    chosen: list[str] = []

    def script(h: Journey) -> None:
        window = till_ready(h)
        screen = window.checkout
        card, phone = richest(h.home)
        chosen.append(card)
        # Soft limit: paying any points today is told to the cashier (the stop is far away).
        set_policy(h.home, limits={"card_spent": {"warn": 1, "stop": 1_000_000}})
        sales_before = query(h.home, "SELECT count(*) FROM sales")[0][0]
        basket_paying_points_by_phone(h, window, phone)
        h.wait_for(lambda: "проверьте покупателя" in screen.status.text(), "the soft limit's warning")
        assert "найден по телефону" in h.gui(screen.status.text), h.gui(screen.status.text)
        h.screenshot("confirm-soft-limit")

        h.press("F12")
        dialog = h.modal(ConfirmSpendDialog)
        h.wait_for(lambda: dialog.isVisible(), "the confirmation dialog")
        h.press("Escape")  # the customer walks away from the points: nothing is paid, nothing written
        h.no_modal()
        assert query(h.home, "SELECT count(*) FROM sales")[0][0] == sales_before
        assert "ничего не оплачено" in h.gui(screen.status.text).lower()

        h.press("F12")
        dialog = h.modal(ConfirmSpendDialog)
        h.press("Alt+3")
        h.wait_for(lambda: dialog.pin.hasFocus(), "the manager's PIN field")
        h.type("9999")
        h.press("Tab")
        h.type(REASON)
        h.press("Return")
        h.wait_for(lambda: "PIN" in dialog.manager_status.text(), "the wrong PIN said")
        h.nothing_cut_off(dialog, "the confirmation dialog")
        h.screenshot("confirm-dialog-manager")
        h.wait_for(lambda: dialog.pin.hasFocus() and not dialog.pin.text(), "the PIN field, emptied, again")
        h.type(MANAGER[1])
        h.press("Return")  # to the reason, kept
        h.press("Return")
        h.modal(PayDialog)
        h.press("Return")  # cash
        h.wait_for(lambda: "сохранена" in screen.status.text(), "the sale saved")

    journey(script)
    home = journey.home
    # The card found by phone before the sale: after paying points it need not be the richest any more
    # (the demo's sales are dated back from today, so which customer leads varies with the day).
    last = query(home, "SELECT card, redeemed_points > 0 FROM sales ORDER BY id DESC LIMIT 1")
    assert last == [(chosen[0], 1)]
    audit = query(home, "SELECT actor, action, detail FROM audit WHERE action LIKE 'spend_confirmed%'")
    assert len(audit) == 1 and audit[0][1] == "spend_confirmed_manager", audit
    assert REASON in audit[0][2] and MANAGER[0] in audit[0][2]


def test_found_by_phone_an_sms_code_a_wrong_code_says_the_tries_left_then_the_right_one_pays(
    journey: JourneyRunner,
) -> None:
    with SmsRuFake() as fake:

        def script(h: Journey) -> None:
            window = till_ready(h)
            screen = window.checkout
            _card, phone = richest(h.home)
            set_policy(h.home, sms_url=fake.url)
            basket_paying_points_by_phone(h, window, phone)
            h.press("F12")
            dialog = h.modal(ConfirmSpendDialog)
            h.wait_for(lambda: dialog.send_button.hasFocus(), "«Send a code by SMS» to have the keyboard")
            h.press("Space")
            h.wait_for(lambda: fake.sent, "the SMS to be sent", 60)
            # Disabling the send button moves the keyboard on by itself: the answer is awaited, not the focus.
            h.wait_for(lambda: "Действует до" in dialog.sms_status.text(), "«Code sent… works until…»")
            h.wait_for(lambda: dialog.sms_code.hasFocus(), "the code field")
            assert "через" in h.gui(dialog.send_button.text)
            code = fake.sent[-1][1].rsplit(" ", 1)[-1]
            wrong = "000000" if code != "000000" else "111111"
            h.type(wrong)
            h.press("Return")
            h.wait_for(lambda: "осталось попыток: 2" in dialog.sms_status.text().lower(), "the tries left")
            h.screenshot("confirm-dialog-sms")
            h.type(code)
            h.press("Return")
            h.modal(PayDialog)
            h.press("Return")
            h.wait_for(lambda: "сохранена" in screen.status.text(), "the sale saved")

        journey(script)
        assert fake.sent and fake.sent[0][0].startswith("+7")
    actions = [
        a
        for (a,) in query(journey.home, "SELECT action FROM audit WHERE action LIKE 'confirm%' OR action LIKE 'spend%'")
    ]
    assert actions == ["confirm_code_sent", "confirm_code_wrong", "spend_confirmed_sms"]
    assert query(journey.home, "SELECT redeemed_points > 0 FROM sales ORDER BY id DESC LIMIT 1") == [(1,)]


def plant_adjustments(home: Path, card: str, day: date) -> None:
    """Eight hand adjustments by one manager on `day` (the fraud pattern «adjustments»), as audit rows.

    Written into the file beside the till: the services date an adjustment by the clock and refuse one older
    than the newest operation, and yesterday's work is what the digest is about."""
    noon = int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp() * 1000)
    with sqlite3.connect(home / "terminal.sqlite3") as db:
        for i in range(8):
            detail = json.dumps(
                {"card": card, "points": 10 if i % 2 == 0 else -10, "reason": "сверка", "balance_points": 0}
            )
            db.execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, 'points_adjusted', ?)",
                (noon + i * 60_000, MANAGER[0], detail),
            )


def store_yesterday(home: Path) -> date:
    """The day the flags tab opens on: yesterday in the store's time zone (the machine's may be another)."""
    ctx = bootstrap(home / "terminal.sqlite3")
    try:
        return ctx.fraud.yesterday()
    finally:
        ctx.engine.dispose()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm renders the digest to look at")
def test_the_flags_tab_lists_a_planted_flag_and_exports_its_pdf(journey: JourneyRunner) -> None:
    def script(h: Journey) -> None:
        till_ready(h)
        card, _phone = richest(h.home)
        plant_adjustments(h.home, card, store_yesterday(h.home))
        window = open_manager(h)
        h.press("Ctrl+5")
        tab = window._tab("flags")
        h.wait_for(lambda: tab.shown is not None and tab.model.rowCount() > 0, "the flags of yesterday", 60)
        texts = h.gui(lambda: [tab.model.data(tab.model.index(r, 1)) for r in range(tab.model.rowCount())])
        assert any("8 ручных корректировок" in t and MANAGER[0] in t for t in texts), texts
        h.screenshot("manager-flags")
        folder = h.home / "exports"
        folder.mkdir()
        h.press("Tab")
        tab_to(h, tab.pdf_button, "«Export PDF…»")
        press_opening(h, "Space")
        choose_folder(h, folder)
        h.wait_for(lambda: any(folder.glob("flags-*.pdf")), "the PDF digest", 60)
        tab_to(h, tab.csv_button, "«Export CSV…»", key="Shift+Tab")
        press_opening(h, "Space")
        choose_folder(h, folder)
        h.wait_for(lambda: any(folder.glob("flags-*.csv")), "the CSV digest", 60)

    journey(script)
    folder = journey.home / "exports"
    pdf = next(folder.glob("flags-*.pdf"))
    png = journey.screenshots / "flags-digest"
    journey.screenshots.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(png)], check=True)
    assert any(journey.screenshots.glob("flags-digest*.png"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=False).stdout
    assert "Подозрительные операции" in text or not shutil.which("pdftotext")
    csv_text = next(folder.glob("flags-*.csv")).read_text(encoding="utf-8-sig")
    assert "ручных корректировок" in csv_text


def customers_with_points(home: Path, n: int) -> list[tuple[str, str]]:
    """(card, phone) of the n demo customers with the most points and a phone."""
    with sqlite3.connect(home / "terminal.sqlite3") as db:
        rows = db.execute(
            "SELECT s.card, c.phone FROM sales s JOIN cards k ON k.code = s.card"
            " JOIN customers c ON c.id = k.customer_id"
            f" WHERE c.phone LIKE '+7%' GROUP BY s.card ORDER BY sum(s.earned) - sum(s.redeemed_points) DESC LIMIT {n}"
        ).fetchall()
    return [(str(card), str(phone)) for card, phone in rows]


def rotating_qr(home: Path, card: str) -> str:
    """What the customer's phone shows now: `LT2:<card>:<code>`, its code from the setup QR's secret."""
    ctx = bootstrap(home / "terminal.sqlite3")
    try:
        uri = ctx.confirm.totp_setup(card)
    finally:
        ctx.engine.dispose()
    return totp_qr_text(card, pyotp.parse_uri(uri).now())


def test_the_phones_rotating_qr_confirms_at_the_start_or_in_the_dialog_and_a_hard_limit_refuses(
    journey: JourneyRunner,
) -> None:
    def script(h: Journey) -> None:
        window = till_ready(h)
        c, screen = window.controller, window.checkout
        (card_a, _), (card_b, phone_b) = customers_with_points(h.home, 2)
        set_policy(h.home, always=True)
        sales_before = query(h.home, "SELECT count(*) FROM sales")[0][0]

        # A: the rotating QR scanned as the card at the start: the card and the confirmation at once.
        h.scan(rotating_qr(h.home, card_a))
        h.wait_for(lambda: c.customer is not None and c.customer.card == card_a, "card A from its rotating QR")
        h.wait_for(lambda: c.ticket() is not None, "the confirmation made by the scan")
        h.scan("4600000000022")
        h.scan("4600000000022")  # two: the stamps make one free
        h.wait_for(lambda: c.fresh and c.result is not None, "the basket priced")
        h.press("F5")
        h.wait_for(lambda: c.fresh and c.result is not None and c.result.quote.redeemed_points > 0, "points paying")
        h.press("F3")
        h.press("F12")
        h.modal(PayDialog)  # no confirmation dialog: the phone's QR confirmed it
        h.press("Return")
        h.wait_for(lambda: "сохранена" in screen.status.text(), "sale A saved")

        # B: found by phone; in the dialog the phone's QR is scanned by the wedge scanner.
        h.press("F2")
        h.type(phone_b)
        h.press("Return")
        h.wait_for(lambda: c.customer is not None and c.customer.card == card_b, "customer B by phone")
        h.wait_for(lambda: screen.product_field.hasFocus(), "the product field")
        h.scan("4600000000022")
        h.scan("4600000000022")
        h.wait_for(lambda: c.fresh and c.result is not None, "the basket priced")
        h.press("F5")
        h.wait_for(lambda: c.fresh and c.result is not None and c.result.confirm == "always", "points to confirm")
        h.press("F3")
        h.press("F12")
        dialog = h.modal(ConfirmSpendDialog)
        h.press("Alt+2")
        h.wait_for(lambda: dialog.totp_code.hasFocus(), "the phone's code field")
        h.scan(rotating_qr(h.home, card_a))  # another card's QR is refused in words
        h.wait_for(lambda: card_a in dialog.totp_status.text(), "«another card»")
        h.scan(rotating_qr(h.home, card_b))
        h.modal(PayDialog)
        h.press("Return")
        h.wait_for(lambda: "сохранена" in screen.status.text(), "sale B saved")

        # A hard daily limit: paying more points today is refused in words, and F12 writes nothing.
        set_policy(h.home, always=True, limits={"card_spent": {"warn": 1, "stop": 2}})
        h.scan("4600000000022")
        h.scan("4600000000022")
        h.wait_for(lambda: c.fresh and c.result is not None, "a new basket priced")
        h.press("F2")
        h.type(phone_b)
        h.press("Return")
        h.wait_for(lambda: c.customer is not None and c.customer.card == card_b, "customer B again")
        h.wait_for(lambda: screen.product_field.hasFocus(), "the product field")
        h.press("F5")
        h.wait_for(lambda: "программа разрешает" in screen.status.text(), "the hard limit's refusal")
        # The points are taken off the basket (it can still be sold without them), never paid past the stop.
        assert h.gui(lambda: c.result is None or c.result.quote.redeemed_points == 0)
        h.screenshot("checkout-hard-limit")
        assert query(h.home, "SELECT count(*) FROM sales")[0][0] == sales_before + 2

    journey(script)
    actions = [a for (a,) in query(journey.home, "SELECT action FROM audit WHERE action LIKE 'spend_confirmed%'")]
    assert actions == ["spend_confirmed_totp", "spend_confirmed_totp"]
