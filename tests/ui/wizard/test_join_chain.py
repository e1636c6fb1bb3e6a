"""Settings → Server: a store that already sells joins a chain with an explicit choice about its program
(sync.md promise 12), against the real server (uvicorn on loopback)."""

from __future__ import annotations

import functools
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.bootstrap import Context
from app.core.demo import DEMO_PROGRAM
from app.core.services.support import SYSTEM
from app.ui.wizard.server import ServerChooser
from app.ui.worker import Worker
from tests.chain_live import live_server


def test_a_selling_store_is_told_to_choose_and_joins_by_adopting_the_chains_program(
    qtbot: QtBot, small_store: Context, db_worker: Worker, tmp_path: Path
) -> None:
    small_store.customers.enroll(
        "Анна", "+79160000001", actor=SYSTEM
    )  # a store of its own: a customer, its default program
    with live_server(str(tmp_path / "server.sqlite3")) as server:
        server.admin("POST", "/v1/admin/program", json={"program": DEMO_PROGRAM})
        chooser = ServerChooser(
            db_worker, functools.partial(small_store.sync.enroll, actor=SYSTEM), program_choice=True
        )
        qtbot.addWidget(chooser)
        assert chooser.program_choice is not None
        chooser.url.setText(server.url)
        chooser.code.setText(server.register("shop", "shop-1"))
        with qtbot.waitSignal(chooser.finished, timeout=30_000) as refused:
            chooser.connect_button.click()
        assert refused.args[0] is False
        assert "differs from the chain's" in chooser.status.text() and "new code" not in chooser.status.text()
        chooser.program_choice.setCurrentIndex(chooser.program_choice.findData("adopt"))
        with qtbot.waitSignal(chooser.finished, timeout=30_000) as joined:
            chooser.connect_button.click()  # the same code: a refused choice does not spend it
        assert joined.args[0] is True
    assert small_store.programs.program()[1].raw["name"] == DEMO_PROGRAM["name"]
    assert small_store.programs.from_chain()
