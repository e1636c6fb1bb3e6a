"""The register's setup widget (the wizard's step and the settings' tab) against the real ATOL Web Server emulator:
«Проверить кассу» prints an X-report, or says in words why the register refused; the settings round-trip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.core.fiscal import FiscalError
from app.fiscal.emulators.atol_web import AtolWebEmulator
from app.ui.fiscal_port import FiscalConfig
from app.ui.wizard.fiscal import FiscalChooser
from app.ui.wording import explain
from app.ui.worker import Worker


@pytest.fixture
def atol() -> Iterator[AtolWebEmulator]:
    emulator = AtolWebEmulator(latency=0.01).start()
    yield emulator
    emulator.stop()


def chooser_for(qtbot: QtBot, worker: Worker, url: str) -> FiscalChooser:
    chooser = FiscalChooser(worker, "Olga")
    qtbot.addWidget(chooser)
    chooser.set_config(FiscalConfig(f"atol-web:{url}"))
    return chooser


def test_the_check_prints_an_x_report_on_the_register_being_set_up(
    qtbot: QtBot, db_worker: Worker, atol: AtolWebEmulator
) -> None:
    chooser = chooser_for(qtbot, db_worker, atol.url)
    with qtbot.waitSignal(chooser.tested, timeout=20_000) as tested:
        chooser.check()
    assert tested.args == [True, "The register works: it printed an X-report."]
    assert [(task["type"], task["operator"]["name"]) for task in atol.printed] == [("reportX", "Olga")]


def test_a_register_out_of_paper_is_said_in_words_and_nothing_printed(
    qtbot: QtBot, db_worker: Worker, atol: AtolWebEmulator
) -> None:
    atol.inject("paper_out")
    chooser = chooser_for(qtbot, db_worker, atol.url)
    with qtbot.waitSignal(chooser.tested, timeout=20_000) as tested:
        chooser.check()
    reason = explain(FiscalError("fiscal_paper_out"))
    assert tested.args == [False, f"The register did not print the X-report: {reason}"]
    assert chooser.status.property("level") == "error" and atol.printed == []


def test_a_register_that_does_not_answer_is_said_in_words(
    qtbot: QtBot, db_worker: Worker, atol: AtolWebEmulator
) -> None:
    atol.refuse()
    chooser = chooser_for(qtbot, db_worker, atol.url)
    with qtbot.waitSignal(chooser.tested, timeout=30_000) as tested:
        chooser.check()
    ok, text = tested.args
    assert not ok and "does not answer" in text, text


def test_the_settings_round_trip_with_a_rate_and_an_object_per_category(qtbot: QtBot, db_worker: Worker) -> None:
    chooser = FiscalChooser(db_worker, "Olga")
    qtbot.addWidget(chooser)
    saved = FiscalConfig(
        "shtrih:serial:/dev/ttyACM0?baud=9600", "usnIncome", {"*": "none", "tea": "vat10"}, {"*": "commodity"}
    )
    chooser.set_categories(["coffee", "tea"], saved)
    chooser.set_config(saved)
    assert chooser.problem() is None
    assert chooser.config() == saved
    chooser.mode.setCurrentIndex(chooser.mode.findData("atol"))
    chooser.url.setText("ftp://nowhere")
    assert chooser.problem() is not None  # said beside the field, nothing saved


def test_the_register_chosen_in_the_wizard_is_saved_with_the_new_store(tmp_path: object) -> None:
    from pathlib import Path

    from app.ui.wizard.creation import StorePlan, create_store

    assert isinstance(tmp_path, Path)
    fiscal = FiscalConfig("atol-web:http://127.0.0.1:16732", "usnIncome", {"*": "none"}, {"*": "service"})
    plan = StorePlan("Zerno", program="points", manager_name="Olga", manager_pin="2468", fiscal=fiscal)
    ctx = create_store(tmp_path / "terminal.sqlite3", plan)
    try:
        saved = ctx.fiscal.settings()
        assert (saved.device, saved.taxation, dict(saved.vat), dict(saved.objects)) == (
            fiscal.device, "usnIncome", {"*": "none"}, {"*": "service"}
        )  # fmt: skip
    finally:
        ctx.close()
