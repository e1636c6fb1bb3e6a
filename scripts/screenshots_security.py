"""Retake the screens of the PIN lockout, the chain join and the manager's server login, by keys, from the real start.

Usage: .venv/bin/python scripts/screenshots_security.py [--size 1024x768] [--out docs/screenshots] [--xcb]

Starts the program as `loyalty-terminal` does on an empty data folder (the first-run wizard with
the demo café) on a clock stood still by $LOYALTY_FROZEN_NOW, beside a real chain server (uvicorn
on loopback, tests/chain_live.py), and through the journey harness (tests/ui/journeys/harness.py):

- lockout-login.png: five wrong PINs at the login, the countdown;
- join-chain-choice.png: Settings → «Сервер», the server asking which program the store keeps;
- manager-server-login.png: the manager screen's «Вся сеть», a wrong server password refused;
- manager-chain-store.png: the chain's figures of the manager's own store.

Offscreen by default. --xcb takes them on the X display in $DISPLAY instead — run it under
`xvfb-run -s "-screen 0 1024x768x24"`, which starts no window manager: the till's kiosk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

MAX_PNG_BYTES = 300_000
FROZEN = "2026-12-07T12:00:00+03:00"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1024x768", help="the offscreen screen, WIDTHxHEIGHT")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--xcb", action="store_true", help="on $DISPLAY (Xvfb, no window manager), not offscreen")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    try:
        if args.xcb:
            os.environ["QT_QPA_PLATFORM"] = "xcb"
        else:
            screen = work / "screen.json"
            screen.write_text(
                json.dumps({"screens": [{"name": "till", "x": 0, "y": 0, "width": width, "height": height}]})
            )
            os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"
        os.environ["LOYALTY_HOME"] = str(work / "home")
        os.environ["LOYALTY_FROZEN_NOW"] = FROZEN
        for name in ("LOYALTY_LANG", "LOYALTY_CAMERA", "LOYALTY_WINDOWED"):
            os.environ.pop(name, None)
        (work / "home").mkdir()
        return _take(args.out, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _take(out: Path, work: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from server import auth
    from server.store import make_engine
    from tests.chain_live import live_server
    from tests.ui.journeys.harness import MANAGER, Journey, JourneyRunner, first_start, open_shift
    from tests.ui.journeys.test_chain_journeys import (
        CHAIN_PROGRAM,
        SERVER_MANAGER,
        choose,
        connect,
        open_settings,
        server_page,
        type_address_and_code,
    )
    from tests.ui.journeys.test_lockout_journeys import WRONG, move_clock
    from tests.ui.journeys.test_manager_journeys import open_manager, press_opening, tab_to

    app = QApplication([])
    shots = work / "shots"
    with live_server(str(work / "server.sqlite3")) as chain:
        chain.admin("POST", "/v1/admin/program", json={"program": CHAIN_PROGRAM})
        code = chain.register("Садовая", "Садовая-1")
        stores = {s["name"]: s["id"] for s in chain.admin("GET", "/v1/admin/stores")["stores"]}
        engine = make_engine(chain.database)
        try:
            auth.add_admin(engine, SERVER_MANAGER[0], SERVER_MANAGER[1], "manager", [stores["Садовая"]])
        finally:
            engine.dispose()

        def script(h: Journey) -> None:
            from app.ui.login import LoginDialog
            from app.ui.manager.server_login import ServerLoginDialog

            first_start(h)
            window = h.main_window(timeout=120)
            login = h.modal(LoginDialog, timeout=60)
            h.wait_for(lambda: login.go.isEnabled(), "the login dialog")
            h.type(MANAGER[0])
            h.press("Tab")
            for _ in range(5):
                h.type(WRONG)
                h.press("Return")
                h.wait_for(lambda: login.pin.text() == "" and login.status.text(), "the refusal")
            h.wait_for(lambda: "через" in login.status.text(), "the countdown")
            move_clock(h, window, 3)
            h.wait_for(lambda: "через 27" in login.status.text(), "27 seconds left")
            h.screenshot("lockout-login")
            move_clock(h, window, 30)
            h.wait_for(lambda: login.go.isEnabled(), "the login allowed again")
            h.type(MANAGER[1])
            h.press("Return")
            open_shift(h)
            dialog = open_settings(h)
            chooser = server_page(h, dialog)
            type_address_and_code(h, chooser, chain.url, code)
            connect(h, chooser)
            h.screenshot("join-chain-choice")
            choose(h, chooser, "adopt")
            connect(h, chooser)
            press_opening(h, "Escape")
            h.no_modal()
            manager = open_manager(h)
            d = manager.dashboard
            tab_to(h, d.scope, "the scope")
            before = h.gui(lambda: d.generation)
            press_opening(h, "Down")
            server_login = h.modal(ServerLoginDialog)
            h.type(SERVER_MANAGER[0])
            h.press("Tab")
            h.type("wrong-password")
            h.press("Return")
            h.wait_for(lambda: server_login.ok.isEnabled() and "пароль" in server_login.status.text(), "the refusal")
            h.screenshot("manager-server-login")
            h.type(SERVER_MANAGER[1])
            press_opening(h, "Return")
            h.wait_for(
                lambda: d.generation > before and not d.loading() and d.chain_figures is not None, "the figures", 60
            )
            h.screenshot("manager-chain-store")

        JourneyRunner(work / "home", shots)(script)
    out.mkdir(parents=True, exist_ok=True)
    for shot in sorted(shots.glob("*.png")):
        if shot.stat().st_size > MAX_PNG_BYTES:
            raise SystemExit(f"{shot.name} is larger than {MAX_PNG_BYTES} bytes")
        shutil.copy(shot, out / shot.name)
        print(f"{out / shot.name} {shot.stat().st_size // 1000} KB")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
