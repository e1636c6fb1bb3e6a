"""The customer confirms spending: an SMS code through an SMS.ru fake on loopback, the phone's rotating code
checked offline with an injected clock, a manager's override; without a confirmation the sale writes nothing."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from app.bootstrap import Context, bootstrap
from app.core import db, repo
from app.core.clock import FixedClock
from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM
from app.core.errors import LoyaltyError
from app.core.services.confirm import parse_totp_qr, totp_qr_text
from app.core.services.results import SaleRequest
from app.sync.sms import API_ID, URL
from tests.smsru_fake import API_ID as FAKE_KEY
from tests.smsru_fake import SmsRuFake

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROGRAM = {**DEMO_PROGRAM, "confirm": {"found_by_phone": True, "above_points": 50}}
PHONE = "+79160000001"


@pytest.fixture
def sms() -> Iterator[SmsRuFake]:
    with SmsRuFake() as fake:
        yield fake


@pytest.fixture
def ctx(tmp_path: Path, sms: SmsRuFake) -> Iterator[Context]:
    c = bootstrap(tmp_path / "t.sqlite3", create=True, clock=FixedClock(NOW))
    c.store.init(PROGRAM, actor="system")
    c.catalog.import_catalog(DEMO_CATALOG, actor="system")
    c.staff.add_cashier("Пётр", "9876", "manager", actor="system")
    with db.transaction(c.engine) as conn:
        repo.set_meta(conn, API_ID, FAKE_KEY)
        repo.set_meta(conn, URL, sms.url)
    yield c
    c.close()


def _card(ctx: Context) -> str:
    card = ctx.customers.enroll("Анна", PHONE, actor="Иван").card
    ctx.customers.adjust_points(card, 500, "подарок", actor="Пётр")
    return card


def _sale(card: str, ctx: Context, redeem: int, found_by: str = "card", ticket: str | None = None) -> SaleRequest:
    basket = (ctx.catalog.resolve_line("CHZ", 3),)
    return SaleRequest(basket, card=card, redeem=redeem, found_by=found_by, confirmed=ticket, cashier="Иван")


def _sales(ctx: Context) -> int:
    return int(sqlite3.connect(ctx.db_path).execute("SELECT COUNT(*) FROM sales").fetchone()[0])


def _tick(ctx: Context, seconds: int) -> None:
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.advance(timedelta(seconds=seconds))


def test_the_policy_decides_when_a_confirmation_is_needed(ctx: Context) -> None:
    card = _card(ctx)
    assert ctx.checkout.quote(_sale(card, ctx, 40)).confirm is None  # by card, at most 50 points
    assert ctx.checkout.quote(_sale(card, ctx, 60)).confirm == "above"
    assert ctx.checkout.quote(_sale(card, ctx, 10, "phone")).confirm == "found_by_phone"
    assert ctx.checkout.quote(_sale(card, ctx, 0, "phone")).confirm is None  # earning needs nobody
    with pytest.raises(LoyaltyError) as refused:
        ctx.checkout.sell(_sale(card, ctx, 60), actor="Иван")
    assert refused.value.code == "confirm_needed_above" and _sales(ctx) == 0
    ctx.checkout.sell(_sale(card, ctx, 40), actor="Иван")
    assert _sales(ctx) == 1


def test_an_sms_code_confirms_one_sale(ctx: Context, sms: SmsRuFake) -> None:
    card = _card(ctx)
    sent = ctx.confirm.send_code(card, actor="Иван")
    assert sent.phone_masked.endswith("01") and len(sms.sent) == 1 and sms.sent[0][0] == PHONE
    code = re.search(r"\d{6}", sms.sent[0][1])
    assert code is not None
    with pytest.raises(LoyaltyError) as wrong:
        ctx.confirm.confirm_code(card, "000000" if code[0] != "000000" else "111111", actor="Иван")
    assert wrong.value.code == "confirm_code_wrong" and wrong.value.params == {"left": 2}
    ticket = ctx.confirm.confirm_code(card, code[0], actor="Иван")
    done = ctx.checkout.sell(_sale(card, ctx, 60, ticket=ticket), actor="Иван")
    assert done.committed and done.quote.redeemed_points == 60
    with pytest.raises(LoyaltyError):  # the ticket was for that sale only
        ctx.checkout.sell(_sale(card, ctx, 60, ticket=ticket), actor="Иван")
    with pytest.raises(LoyaltyError) as used:  # and the code too
        ctx.confirm.confirm_code(card, code[0], actor="Иван")
    assert used.value.code == "confirm_code_expired"


def test_sms_codes_expire_run_out_of_tries_and_are_not_sent_twice_at_once(ctx: Context, sms: SmsRuFake) -> None:
    card = _card(ctx)
    ctx.confirm.send_code(card, actor="Иван")
    with pytest.raises(LoyaltyError) as again:
        ctx.confirm.send_code(card, actor="Иван")
    assert again.value.code == "confirm_wait" and len(sms.sent) == 1
    for left in (2, 1):
        with pytest.raises(LoyaltyError) as wrong:
            ctx.confirm.confirm_code(card, "12345x", actor="Иван")
        assert wrong.value.params == {"left": left}
    with pytest.raises(LoyaltyError) as spent:
        ctx.confirm.confirm_code(card, "12345x", actor="Иван")
    assert spent.value.code == "confirm_code_attempts"
    _tick(ctx, 31)
    ctx.confirm.send_code(card, actor="Иван")
    code = re.search(r"\d{6}", sms.sent[-1][1])
    assert code is not None
    _tick(ctx, 5 * 60 + 1)  # the program's code_minutes
    with pytest.raises(LoyaltyError) as late:
        ctx.confirm.confirm_code(card, code[0], actor="Иван")
    assert late.value.code == "confirm_code_expired"


@pytest.mark.parametrize(
    ("fail", "words"),
    [("money", "201"), ("number", "207"), ("down", "SMS.ru"), ("garbage", "not its API")],
)
def test_sms_ru_refusals_reach_the_cashier_in_words(ctx: Context, sms: SmsRuFake, fail: str, words: str) -> None:
    card = _card(ctx)
    sms.fail = fail
    with pytest.raises(LoyaltyError) as refused:
        ctx.confirm.send_code(card, actor="Иван")
    assert refused.value.code == "confirm_send" and words in str(refused.value)


def test_the_phones_rotating_code_is_checked_offline_and_counts_once(ctx: Context, sms: SmsRuFake) -> None:
    card = _card(ctx)
    uri = ctx.confirm.totp_setup(card)
    phone = pyotp.parse_uri(uri)  # what the customer's phone holds after scanning the setup QR
    assert isinstance(phone, pyotp.TOTP)
    now = NOW.timestamp()
    shown = totp_qr_text(card, phone.at(now))
    assert parse_totp_qr(shown) == (card, phone.at(now))
    sms.fail = "down"  # no network is needed
    ticket = ctx.confirm.confirm_totp(card, phone.at(now), actor="Иван")
    ctx.checkout.sell(_sale(card, ctx, 10, "phone", ticket), actor="Иван")
    with pytest.raises(LoyaltyError) as replay:
        ctx.confirm.confirm_totp(card, phone.at(now), actor="Иван")
    assert replay.value.code == "confirm_totp_used"
    yesterday = phone.at(now - 86_400)
    if yesterday != phone.at(now) and yesterday != phone.at(now - 30):
        with pytest.raises(LoyaltyError) as old:
            ctx.confirm.confirm_totp(card, yesterday, actor="Иван")
        assert old.value.code == "confirm_totp_wrong"
    _tick(ctx, 30)
    assert ctx.confirm.confirm_totp(card, phone.at(now + 30), actor="Иван")
    # Another customer's code does not confirm this one.
    other = ctx.customers.enroll("Борис", "+79160000002", actor="Иван").card
    other_phone = pyotp.parse_uri(ctx.confirm.totp_setup(other))
    assert isinstance(other_phone, pyotp.TOTP)
    with pytest.raises(LoyaltyError):
        ctx.confirm.confirm_totp(card, other_phone.at(now + 30), actor="Иван")


def test_a_manager_confirms_with_a_reason_and_the_pin_is_audited(ctx: Context) -> None:
    card = _card(ctx)
    with pytest.raises(LoyaltyError) as no_reason:
        ctx.confirm.confirm_manager(card, "9876", " ", actor="Иван")
    assert no_reason.value.code == "confirm_reason"
    with pytest.raises(LoyaltyError) as wrong:
        ctx.confirm.confirm_manager(card, "1111", "телефон разряжен", actor="Иван")
    assert wrong.value.code == "wrong_manager_pin"
    ticket = ctx.confirm.confirm_manager(card, "9876", "телефон разряжен", actor="Иван")
    ctx.checkout.sell(_sale(card, ctx, 60, ticket=ticket), actor="Иван")
    rows = [e for e in ctx.staff.audit_log() if e.action == "spend_confirmed_manager"]
    assert len(rows) == 1 and rows[0].params == {"card": card, "manager": "Пётр", "reason": "телефон разряжен"}


def test_the_command_line_confirms_by_sms_phone_code_or_manager(ctx: Context, sms: SmsRuFake) -> None:
    import json

    from tests.inprocess import run_cli

    card = _card(ctx)
    db_path = ctx.db_path

    def cli(*args: str) -> tuple[int, dict[str, object]]:
        proc = run_cli(*args, "--json", db=db_path)
        return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])

    sale = ("sale", "--card", card, "--line", "CHZ:3", "--redeem", "10", "--found-by", "phone")
    code, out = cli(*sale)
    assert code == 2 and "found by phone" in str(out["error"])
    assert cli(*sale, "--quote")[1]["confirm"] == "found_by_phone"
    code, out = cli(*sale, "--manager-pin", "9876", "--reason", "клиент без телефона")
    assert code == 0 and out["redeemed_points"] == 10
    # SMS: set up, send, then the sale with the code.
    assert cli("confirm", "sms", "--api-id", FAKE_KEY, "--url", sms.url)[0] == 0
    code, out = cli("confirm", "send", card)
    assert code == 0 and str(out["phone"]).endswith("01")
    found = re.search(r"\d{6}", sms.sent[-1][1])
    assert found is not None
    code, out = cli(*sale, "--confirm-code", found[0])
    assert code == 0 and out["committed"] is True
    # The phone's code, as the rotating card QR a scanner types.
    phone = pyotp.parse_uri(str(cli("confirm", "setup", card)[1]["uri"]))
    assert isinstance(phone, pyotp.TOTP)
    code, out = cli("sale", "--card", totp_qr_text(card, phone.now()), "--line", "CHZ:3", "--redeem", "60")
    assert code == 0 and out["redeemed_points"] == 60
    assert _sales(ctx) == 3


def test_a_customer_who_linked_telegram_gets_the_code_there_others_by_sms(ctx: Context, sms: SmsRuFake) -> None:
    from app.sync import telegram
    from tests.telegram_fake import TOKEN, TelegramFake

    card = _card(ctx)
    other = ctx.customers.enroll("Борис", "+79160000002", actor="Иван").card
    with TelegramFake() as bot:
        with db.transaction(ctx.engine) as conn:
            repo.set_meta(conn, telegram.TOKEN, TOKEN)
            repo.set_meta(conn, telegram.URL, bot.url)
        bot.share_contact(555, "79160000001")  # Анна shares her own phone with the store's bot
        bot.share_contact(777, "+79160000002", of_user=999)  # someone shares Борис's contact: proves nothing
        assert telegram.link_chats(ctx.engine) == 1
        assert telegram.link_chats(ctx.engine) == 0  # updates read once
        ctx.confirm.send_code(card, actor="Иван")
        assert [chat for chat, _ in bot.sent] == [555] and sms.sent == []
        found = re.search(r"\d{6}", bot.sent[0][1])
        assert found is not None
        assert ctx.confirm.confirm_code(card, found[0], actor="Иван")
        ctx.confirm.send_code(other, actor="Иван")  # not linked: by SMS
        assert len(sms.sent) == 1 and sms.sent[0][0] == "+79160000002"
        bot.blocked.add(555)
        _tick(ctx, 31)
        with pytest.raises(LoyaltyError) as refused:
            ctx.confirm.send_code(card, actor="Иван")
        assert refused.value.code == "confirm_send" and "403" in str(refused.value) and "blocked" in str(refused.value)
