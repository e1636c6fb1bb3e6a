"""Pull gives a till only what its rules and screens need (sync.md promise 10): a customer's phone as the
chain's keyed hash (lookup) with its masked form (display), the birthday as month and day; a till finds a
customer it never enrolled by phone, offline, with the key it received when it was enrolled."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core import schema as t
from app.core.errors import LoyaltyError
from app.core.identity import birthday_date
from app.core.services.support import SYSTEM
from tests.integration.sync.sim import Simulation

PHONE = "+79160007701"


def test_a_pulled_customer_holds_no_phone_and_no_birth_year_yet_is_found_by_phone(chain: Simulation) -> None:
    card = chain.enroll(0, PHONE, birthday="1988-03-14")
    assert chain.sync(0) and chain.sync(1)
    there = chain.terminals[1]
    with there.engine.connect() as conn:
        row = conn.execute(select(t.customers.c.phone, t.customers.c.birthday).where(t.customers.c.phone.is_not(None))
                           .where(t.customers.c.name == "Customer 7701")).one()  # fmt: skip
        # Every text a customer row carries but its uid and instants (random hex and clocks could read "1988").
        texts = select(t.customers.c.name, t.customers.c.phone, t.customers.c.birthday)
        whole = json.dumps([list(r) for r in conn.execute(texts).all()], default=str)
    assert row.phone.startswith("h:") and row.phone.endswith("7701") and "9160007701" not in row.phone
    assert row.birthday == "--03-14" and "1988" not in whole and "9160007701" not in whole
    assert birthday_date(row.birthday) is not None and birthday_date(row.birthday).month == 3  # type: ignore[union-attr]
    chain.network.partitioned[1] = 10**9  # offline: the lookup is the till's own
    info = there.services.customers.customer("8 (916) 000-77-01")
    assert info.card == card and info.phone_masked.endswith("7701") and "9160007701" not in str(info.phone)
    found = there.services.customers.find_customers(PHONE)
    assert [f["card"] for f in found] == [card]
    # Enrolling the same phone again on the till that holds it only keyed is refused as taken.
    with pytest.raises(LoyaltyError) as refused:
        there.services.customers.enroll("Someone", PHONE, actor=SYSTEM)
    assert refused.value.code == "phone_taken"


def test_the_server_keeps_the_whole_phone_and_birthday(chain: Simulation) -> None:
    chain.enroll(0, PHONE, birthday="1988-03-14")
    assert chain.sync(0)
    assert chain.server is not None
    with chain.server.engine.connect() as conn:
        row = conn.execute(select(t.customers.c.phone, t.customers.c.birthday)).one()
    assert (row.phone, row.birthday) == (PHONE, "1988-03-14")
