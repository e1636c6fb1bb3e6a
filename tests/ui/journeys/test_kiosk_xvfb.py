"""A kiosk: the real `loyalty-terminal` process on an X server with no window manager, keys from xdotool.

Nothing activates windows for the program here, as on a till that boots straight into it:
after the wizard, the login and the shift dialog, the checkout must take the keyboard by
itself, or every F-key is lost until someone clicks. The keys are real X key events (XTEST),
sent to whichever window has the X input focus; the result is read from the store's file.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

TOOLS = ("Xvfb", "xdotool", "import")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS), reason=f"needs {', '.join(TOOLS)} (scripts/setup.sh)"
)
PROGRAM = ROOT / ".venv" / "bin" / "loyalty-terminal"


@pytest.fixture
def display() -> Iterator[str]:
    """A bare X server (1024×768, no window manager); its display name."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # Xvfb writes the display number once it accepts clients
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


class Kiosk:
    """The program's process and the X server's keyboard."""

    def __init__(self, display: str, home: Path, shots: Path) -> None:
        self.env = {**os.environ, "DISPLAY": display, "LOYALTY_HOME": str(home), "QT_QPA_PLATFORM": "xcb"}
        for name in ("LOYALTY_LANG", "LOYALTY_WINDOWED", "LOYALTY_CAMERA"):
            self.env.pop(name, None)
        self.home = home
        self.shots = shots
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.home / "stdout.log").open("wb")
        self.process = subprocess.Popen([str(PROGRAM)], env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def xdotool(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=True
        )
        return done.stdout.strip()

    def window(self, title: str) -> None:
        """Wait until a window whose title contains `title` is on the screen."""
        self.xdotool("search", "--sync", "--onlyvisible", "--name", title)

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--delay", "60", *keys)  # a person's pace: slower than a scanner burst

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "60", text)

    def scan(self, code: str) -> None:
        self.xdotool("type", "--delay", "5", code)  # a wedge scanner's burst
        self.xdotool("key", "Return")

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True, timeout=60)
        return path

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def eventually(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll another process's outcome (a separate process offers no signal to wait on)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)


def sales_by(home: Path, cashier: str) -> list[tuple[int, int]]:
    """(sale id, total) of the sales a cashier made, read from the store's file."""
    path = home / "terminal.sqlite3"
    if not path.exists():
        return []
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT id, total FROM sales WHERE cashier = ? ORDER BY id", (cashier,)).fetchall()
    except sqlite3.OperationalError:
        return []  # not created yet


def refunds(home: Path) -> int:
    """How many refunds the store's file holds."""
    with sqlite3.connect(f"file:{home / 'terminal.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
        return int(db.execute("SELECT count(*) FROM refunds").fetchone()[0])


@pytest.mark.slow
def test_a_kiosk_with_no_window_manager_sells_by_keys_from_the_first_start(display: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    kiosk = Kiosk(display, home, tmp_path / "screens")
    kiosk.start()
    try:
        kiosk.window("Терминал лояльности — настройка магазина")
        kiosk.type("Zerno")
        kiosk.key("Return", "Return")  # the store; no chain
        kiosk.key("Down", "Down", "Down", "Down", "Down")  # the program list ends with the demo café
        kiosk.screenshot("1-wizard-program")
        kiosk.key("Return", "Return", "Return")  # the program; the printer (PDF files); no fiscal register
        kiosk.type("Olga")
        kiosk.key("Tab")
        kiosk.type("1234")
        kiosk.key("Tab")
        kiosk.type("1234")
        kiosk.key("Return")  # create the store
        kiosk.window("^Вход$")
        kiosk.screenshot("2-login")
        kiosk.type("Olga")
        kiosk.key("Tab")
        kiosk.type("1234")
        kiosk.key("Return")
        kiosk.window("^Смена$")
        kiosk.screenshot("3-shift")
        kiosk.key("Return")  # open the shift
        kiosk.scan("4600000000022")  # a cappuccino, by the wedge scanner
        kiosk.key("F12")  # pay: no click since the dialogs closed
        kiosk.window("^Оплата$")
        kiosk.screenshot("4-pay")
        kiosk.key("Return")  # cash
        eventually(lambda: bool(sales_by(home, "Olga")), "the sale paid with F12")
        kiosk.screenshot("5-sold")
        # A refund behind the manager's PIN: after the PIN dialog closes, Esc must still reach
        # the refund screen, and F-keys the checkout after it.
        sale_id = sales_by(home, "Olga")[0][0]
        kiosk.key("F9")
        kiosk.window("^Возврат$")
        kiosk.type(str(sale_id))
        kiosk.key("Return")
        eventually(lambda: "Возврат" in kiosk.xdotool("getwindowfocus", "getwindowname"), "the refund screen focused")
        kiosk.key("Return")  # «Оформить возврат (PIN менеджера)» has the cursor once the sale is shown
        kiosk.window("^Подтверждение менеджера$")
        kiosk.type("1234")
        kiosk.key("Return")
        eventually(lambda: refunds(home) == 1, "the refund")
        kiosk.screenshot("6-refunded")
        kiosk.key("Escape")  # closes the refund screen: the keyboard came back from the PIN dialog
        kiosk.scan("4600000000060")
        kiosk.key("F12")  # and the checkout has it after the refund screen
        kiosk.window("^Оплата$")
        kiosk.key("Return")
        eventually(lambda: len(sales_by(home, "Olga")) == 2, "a second sale after the refund")
    finally:
        kiosk.stop()
    assert [total for _, total in sales_by(home, "Olga")] == [18000, 15000]
