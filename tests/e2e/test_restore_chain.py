"""A chain terminal restored from a backup loses nothing and issues nothing twice (real server, real CLI).

The backup is an older image: the sales made after it were already pushed, under sequence
numbers the restored copy would use again. The restore therefore stops the copy syncing and
enrolling new cards until it is connected again (a new epoch); then the queue goes again,
the server deduplicates by id, and the balances converge.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from app.core.demo import DEMO_CATALOG, DEMO_PROGRAM
from tests.e2e.conftest import Admin, ServerProcess, Terminal


def test_a_restored_chain_terminal_reconnects_and_every_sale_reaches_the_server_once(
    tmp_path: Path, server_factory: Any
) -> None:
    server: ServerProcess = server_factory(f"sqlite:///{tmp_path / 'server.sqlite3'}").start()
    admin = Admin(server.url)
    try:
        admin.call("POST", "/v1/admin/program", json={"program": DEMO_PROGRAM})
        admin.call("PUT", "/v1/admin/catalog", json={"csv": DEMO_CATALOG})
        store = admin.call("POST", "/v1/admin/stores", json={"name": "Пекарня"})["store_id"]
        made = admin.call("POST", "/v1/admin/terminals", json={"store_id": store, "name": "Касса 1"})
        till = Terminal(tmp_path / "till", "till")
        till.run("init")
        till.run("enroll", "--server", server.url, "--code", made["code"])
        till.run("sync")

        enrolled = till.run("customer", "add", "--name", "Ирина", "--phone", "+79161112233")[1]
        card = str(enrolled["card"])
        first = till.sale(card, "CAP:2")
        till.run("sync")
        backup = Path(till.run("backup")[1]["backup"])
        after_backup = till.sale(card, "LAT", "CRO")  # pushed, then lost locally by the restore
        till.run("sync")

        restored = till.run("restore", str(backup))[1]
        assert restored["reconnect"] is True
        rc, said = till.run("sync", ok=False)
        assert rc == 2 and "enroll" in said["error"]
        rc, said = till.run("customer", "add", "--name", "Олег", "--phone", "+79164445566", ok=False)
        assert rc == 2 and "restored from a backup" in said["error"]
        offline = till.sale(card, "ESP")  # selling goes on while the till waits to be reconnected

        code = admin.call("POST", f"/v1/admin/terminals/{made['terminal_id']}/code")["code"]
        till.run("enroll", "--server", server.url, "--code", code)
        for _ in range(2):
            assert till.run("sync")[1]["rejected"] == []

        on_server = admin.call("GET", f"/v1/admin/customers/{card}")
        on_till = till.run("customer", "show", card)[1]
        # Welcome bonus + three earning sales, each booked once (the one made after the backup included).
        booked = enrolled["granted"] + first["earned"] + after_backup["earned"] + offline["earned"]
        assert after_backup["earned"] > 0 and offline["earned"] > 0
        assert sum(lot["remaining"] for lot in on_server["lots"]) - on_server["debt"] == booked
        assert on_till["available"] + on_till["pending"] == booked
        assert admin.call("GET", "/v1/admin/verify")["ok"] is True
        assert till.run("verify")[1]["ok"] is True
        terminals = admin.call("GET", "/v1/admin/terminals")["terminals"]
        assert [t["epoch"] for t in terminals] == [2]
        # Connected again: a new card block, so enrolling is allowed once more.
        assert till.run("customer", "add", "--name", "Олег", "--phone", "+79164445566")[1]["card"] != card
    finally:
        admin.close()


def test_a_restored_chain_terminal_cannot_refund_again_what_it_gave_back_after_its_backup(
    tmp_path: Path, server_factory: Any
) -> None:
    """sync.md promise 9: refunds count units given back on any terminal, before and after a restore. The
    restored till does not know the refund it made after its backup: the server rejects the second one
    (nothing booked); once the till has pulled, it refuses the refund itself."""
    server: ServerProcess = server_factory(f"sqlite:///{tmp_path / 'server.sqlite3'}").start()
    admin = Admin(server.url)
    try:
        admin.call("POST", "/v1/admin/program", json={"program": DEMO_PROGRAM})
        admin.call("PUT", "/v1/admin/catalog", json={"csv": DEMO_CATALOG})
        store = admin.call("POST", "/v1/admin/stores", json={"name": "Пекарня"})["store_id"]
        made = admin.call("POST", "/v1/admin/terminals", json={"store_id": store, "name": "Касса 1"})
        till = Terminal(tmp_path / "till", "till")
        till.run("init")
        till.run("enroll", "--server", server.url, "--code", made["code"])
        till.run("sync")
        card = str(till.run("customer", "add", "--name", "Ирина", "--phone", "+79161112233")[1]["card"])
        sale = till.sale(card, "CAP:2")
        sale_id = str(sale["sale_id"])
        till.run("sync")
        backup = Path(till.run("backup")[1]["backup"])
        till.run("refund", sale_id, "--line", "0:1")
        assert till.run("sync")[1]["rejected"] == []

        assert till.run("restore", str(backup))[1]["reconnect"] is True
        till.run("refund", sale_id, "--line", "0:2")  # the copy does not know one of them went back already
        code = admin.call("POST", f"/v1/admin/terminals/{made['terminal_id']}/code")["code"]
        till.run("enroll", "--server", server.url, "--code", code)
        _, synced = till.run("sync", ok=False)
        [rejected] = synced["rejected"]
        assert "left to refund across the chain" in rejected and "nothing was booked" in rejected
        with sqlite3.connect(tmp_path / "server.sqlite3") as conn:
            units = conn.execute("SELECT SUM(qty) FROM refund_lines").fetchone()[0]
            refunds = conn.execute("SELECT COUNT(*) FROM refunds").fetchone()[0]
        assert (refunds, units) == (1, 1)
        assert admin.call("GET", "/v1/admin/verify")["ok"] is True

        # Pulled: the till itself refuses the unit the chain gave back, and still gives back the other one.
        rc, said = till.run("refund", sale_id, "--line", "0:2", ok=False)
        assert rc == 2 and "only 1 unit(s) left to refund" in said["error"] and "a till of the chain" in said["error"]
        till.run("refund", sale_id, "--line", "0:1")
        assert till.run("sync")[1]["rejected"] == []
        with sqlite3.connect(tmp_path / "server.sqlite3") as conn:
            assert conn.execute("SELECT COUNT(*), SUM(qty) FROM refund_lines").fetchone() == (2, 2)
        assert till.run("verify")[1]["ok"] is True
        assert admin.call("GET", "/v1/admin/verify")["ok"] is True
    finally:
        admin.close()
