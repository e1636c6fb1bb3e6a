"""Journeys from the real start, driven by key presses only.

A journey starts the program exactly as ``loyalty-terminal`` with no arguments does
(``app.cli.main([])`` → ``app.gui.launch`` → ``app.ui.main.run_app``: the first-run wizard on a
fresh LOYALTY_HOME, the login, the shift dialog, the checkout) and drives it with key presses
sent to whichever window has the keyboard, as a keyboard or a keyboard-wedge scanner would.
Nothing calls a slot or clicks a button.

Why a thread: ``run_app`` runs its own event loop, and the wizard, the login and many
dialogs run nested ones (``exec()``). A script that waited inside one of those loops would
keep it from returning. So the script runs on a thread of its own while the test's thread
runs the program unchanged; every look at a widget and every key press is carried out on the
GUI thread (queued to it, answered through a ``threading.Event``), inside whichever loop is
running at the time. Waiting is polling a condition on the GUI thread with a QTimer, never a
sleep, and never a nested loop of ours.

API (for journey tests; see tests/ui/journeys/test_till_journeys.py)::

    def test_something(journey: JourneyRunner) -> None:      # the fixture (tests/ui/journeys/conftest.py)
        def script(h: Journey) -> None:
            window = till_ready(h)               # wizard (demo café, manager Ольга/1234), login, shift
            # or step by step: first_start(h); h.main_window(); log_in(h); open_shift(h)
            h.type("4600000000015")              # a person typing (each key delivered before the next)
            h.press("Return")                    # keys: "F12", "Escape", "Tab", "Shift+Tab", "Ctrl+M", "+"
            h.scan(card_qr)                      # a wedge scanner: a burst of keys and Enter
            dialog = h.modal(PayDialog)          # wait for a modal dialog of that class; returns it
            h.no_modal()                         # wait until every dialog is closed
            h.focused(QLineEdit)                 # wait until a widget of that class has the keyboard
            h.wait_for(lambda: ..., "what we wait for")  # polled on the GUI thread; fails saying what
            h.gui(lambda: some_widget.text())    # read anything, on the GUI thread (never to drive)
            h.nothing_cut_off(dialog, "what")    # no label/button/field cut off (see clipped())
            h.screenshot("name")                 # the whole screen as PNG in journey.screenshots
            h.keys, h.scans                      # counters: key presses by a person, scanner reads
        journey(script)                          # runs the program; re-raises the script's failure
        journey.home                             # the LOYALTY_HOME folder (the SQLite file is in it)
        journey(another_script)                  # a second start on the same folder (no wizard then)

The program ends when the script returns (as if switched off: the harness exits its loops);
a script may also end it by keys. The offscreen screen is 1024×768 (conftest.py). A dialog a
key opens runs its own exec() loop: the script goes on inside it, so it can answer the dialog.

"""

from __future__ import annotations

import gc
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 20.0  # generous: the test machine is shared; waits end as soon as the condition holds
POLL_MS = 15


class JourneyFailed(AssertionError):
    """A journey step did not happen: what was awaited, and what the screen showed instead."""


class _Job:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.cancelled = False


class _GuiThread(QObject):
    """Runs jobs the script thread queues, on the GUI thread, in whatever event loop is running."""

    submit = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.submit.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, job: _Job) -> None:
        then = None
        try:
            job.result = job.fn()
            if isinstance(job.result, _Then):
                then, job.result = job.result.action, None
        except BaseException as exc:  # handed to the script thread, which raises it
            job.error = exc
        job.done.set()
        if then is not None:
            # A key press may open a dialog whose exec() runs until the script answers it: the script
            # goes on at once, and its next jobs run inside that dialog's loop.
            then()


@dataclass
class _Then:
    """A job's last step, run after the script thread has been let go."""

    action: Callable[[], None]


class _Poll(QObject):
    """Polls a condition on the GUI thread until it holds (or the job is cancelled)."""

    def __init__(self, job: _Job, condition: Callable[[], Any]) -> None:
        super().__init__(QCoreApplication.instance())
        self.job = job
        self.condition = condition
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._check)

    def start(self) -> None:
        self._check()
        if not self.job.done.is_set():
            self.timer.start()

    @Slot()
    def _check(self) -> None:
        if self.job.cancelled:
            self._finish()
            return
        try:
            value = self.condition()
        except BaseException as exc:
            self.job.error = exc
            self._finish()
            return
        if value:
            self.job.result = value
            self._finish()

    def _finish(self) -> None:
        self.timer.stop()
        self.job.done.set()
        self.deleteLater()


def key_combination(key: str) -> tuple[Qt.Key, Qt.KeyboardModifier]:
    """ "F9", "Return", "Shift+Tab", "Ctrl+M" → Qt key and modifiers."""
    sequence = QKeySequence(key)
    if sequence.count() != 1 or sequence[0].key() == Qt.Key.Key_unknown:
        raise ValueError(f"not a key: {key!r}")
    combo = sequence[0]
    return combo.key(), combo.keyboardModifiers()


def _key_for_char(ch: str) -> tuple[Qt.Key, Qt.KeyboardModifier]:
    """The key a keyboard sends for one character (the text carries the character itself)."""
    modifiers = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else Qt.KeyboardModifier.NoModifier
    try:
        return Qt.Key(ord(ch.upper())), modifiers
    except ValueError:  # a letter Qt has no key name for: the text still carries it
        return Qt.Key.Key_unknown, modifiers


def describe_focus() -> str:
    """Which window and widget have the keyboard (for failure messages)."""
    window = QGuiApplication.focusWindow()
    widget = QApplication.focusWidget()
    modal = QApplication.activeModalWidget()
    popup = QApplication.activePopupWidget()

    def name(w: QObject | None) -> str:
        if w is None:
            return "none"
        title = w.title() if isinstance(w, QWindow) else w.windowTitle() if isinstance(w, QWidget) else ""
        return f"{type(w).__name__}({w.objectName() or title!s})"

    return (
        f"focus window {name(window)}, focus widget {name(widget)}, modal {name(modal)}, popup {name(popup)}; "
        f"visible windows: {[name(w) for w in QApplication.topLevelWidgets() if w.isVisible()]}"
    )


def clipped(top: QWidget) -> list[str]:
    """Visible labels, buttons and fields of a window that are cut off: outside it, or narrower than their text."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    problems = []
    area = top.rect()
    for widget in top.findChildren(QWidget):
        if not widget.isVisibleTo(top) or not isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            continue
        rect = QRect(widget.mapTo(top, widget.rect().topLeft()), widget.size())
        text = widget.text() if isinstance(widget, QLabel | QAbstractButton) else widget.placeholderText()
        name = f"{type(widget).__name__} «{text[:40]}»"
        if not area.contains(rect):
            problems.append(f"{name} at {rect.getRect()} is outside its window {area.getRect()}")
        elif isinstance(widget, QLabel) and widget.wordWrap():
            if widget.height() < widget.heightForWidth(widget.width()):
                problems.append(f"{name} is {widget.height()} px high, needs {widget.heightForWidth(widget.width())}")
        elif (
            isinstance(widget, QLabel | QAbstractButton) and text and widget.width() < widget.minimumSizeHint().width()
        ):
            problems.append(f"{name} is {widget.width()} px wide, needs {widget.minimumSizeHint().width()}")
    return problems


def visible_texts() -> list[str]:
    """Every visible label's text, for failure messages."""
    texts = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        for label in top.findChildren(QLabel):
            if label.isVisible() and label.text().strip():
                texts.append(label.text().strip()[:200])
    return texts


@dataclass
class Journey:
    """What a journey script holds: keys in, looks at the screen out (every call runs on the GUI thread)."""

    home: Path
    screenshots: Path
    _gui: _GuiThread
    exit_code: int | None = None
    log: list[str] = field(default_factory=list)
    keys: int = 0  # key presses by a person (press and type), for the key counts in docs/journeys.md
    scans: int = 0  # codes read by the scanner (each a burst of keys and Enter)
    # Every Qt object handed to the script, kept until the GUI thread lets go of them (release()).
    # A window the program made without a parent belongs to its Python wrapper: had the script
    # thread dropped the last reference (a local of first_start, a cell of its lambdas), Qt would
    # delete that window on the script thread while the GUI thread used it; the till then crashed
    # in its event loop (a core dump showed ~QWidget on this thread, from a frame being cleared).
    _pins: list[QObject] = field(default_factory=list)

    # ----------------------------------------------------------------- plumbing

    def gui(self, fn: Callable[[], T], timeout: float = DEFAULT_TIMEOUT_S) -> T:
        """Run fn on the GUI thread and return its result (for reading widgets, never for driving them)."""
        job = _Job(fn)
        self._gui.submit.emit(job)
        if not job.done.wait(timeout):
            job.cancelled = True
            raise JourneyFailed(f"the GUI thread did not answer in {timeout:.0f} s (a blocking call on it?)")
        if job.error is not None:
            raise job.error
        return self._pin(job.result)  # type: ignore[no-any-return]

    def wait_for(self, condition: Callable[[], T], what: str, timeout: float = DEFAULT_TIMEOUT_S) -> T:
        """Wait until condition() (run on the GUI thread) is truthy; return its value."""
        job = _Job(lambda: None)
        self._gui.submit.emit(_Job(lambda: _Poll(job, condition).start()))
        if not job.done.wait(timeout):
            job.cancelled = True
            raise JourneyFailed(self._explain(f"waited {timeout:.0f} s for {what}"))
        if job.error is not None:
            raise job.error
        return self._pin(job.result)  # type: ignore[no-any-return]

    def _pin(self, value: T) -> T:
        """Hold the Qt objects in value (itself, or the items of a list or tuple) until release()."""
        items = value if isinstance(value, list | tuple) else (value,)
        self._pins.extend(item for item in items if isinstance(item, QObject))
        return value

    def release(self) -> None:
        """Let go of the objects handed to the script (on the GUI thread, once the script has ended)."""
        self._pins.clear()

    def _explain(self, problem: str) -> str:
        try:
            focus = self.gui(describe_focus, timeout=5)
            texts = self.gui(visible_texts, timeout=5)
        except JourneyFailed:
            focus, texts = "the GUI thread does not answer", []
        steps = " › ".join(self.log[-12:])
        return f"{problem}\n  last steps: {steps}\n  {focus}\n  on screen: {texts}"

    # ----------------------------------------------------------------- keys

    def focus_widget(self) -> QWidget | None:
        """The widget a key press would reach now."""
        return self.gui(self._target_widget)

    @staticmethod
    def _target_widget() -> QWidget | None:
        popup = QApplication.activePopupWidget()
        if popup is not None:
            return popup.focusWidget() or popup
        return QApplication.focusWidget()

    def _send(self, key: Qt.Key, modifiers: Qt.KeyboardModifier, text: str, label: str) -> None:
        def deliver() -> str | _Then:
            window = _keyboard_window()
            if window is None:
                return f"no window has the keyboard: {label!r} would be lost ({describe_focus()})"

            def send() -> None:
                QTest.sendKeyEvent(QTest.KeyAction.Press, window, key, text, modifiers)
                QTest.sendKeyEvent(QTest.KeyAction.Release, window, key, text, modifiers)

            return _Then(send)

        self.log.append(label)
        self.keys += 1
        problem = self.gui(deliver)
        if problem is not None:
            raise JourneyFailed(self._explain(problem))

    def press(self, *keys: str) -> None:
        """Press keys one after another: "F9", "Return", "Escape", "Tab", "Shift+Tab", "Ctrl+M", "Down"."""
        for name in keys:
            key, modifiers = key_combination(name)
            text = ""
            if key == Qt.Key.Key_Return:
                text = "\r"
            elif key == Qt.Key.Key_Plus:
                text = "+"
            elif key == Qt.Key.Key_Minus:
                text = "-"
            self._send(key, modifiers, text, name)
            self._settle()

    def type(self, text: str) -> None:
        """Type text as a person does: key by key, each delivered before the next (slower than a scanner)."""
        for ch in text:
            key, modifiers = _key_for_char(ch)
            self._send(key, modifiers, ch, ch)
            self._settle()

    def scan(self, code: str, *, enter: bool = True) -> None:
        """A keyboard-wedge scanner: the code's keys in one burst, then Enter."""
        self.log.append(f"scan {code}")
        self.scans += 1

        def burst() -> str | _Then:
            window = _keyboard_window()
            if window is None:
                return f"no window has the keyboard: the scan {code!r} would be lost"

            def send() -> None:
                for ch in code:
                    key, modifiers = _key_for_char(ch)
                    QTest.sendKeyEvent(QTest.KeyAction.Press, window, key, ch, modifiers)
                    QTest.sendKeyEvent(QTest.KeyAction.Release, window, key, ch, modifiers)
                if enter:
                    for action in (QTest.KeyAction.Press, QTest.KeyAction.Release):
                        QTest.sendKeyEvent(action, window, Qt.Key.Key_Return, "\r", Qt.KeyboardModifier.NoModifier)

            return _Then(send)

        problem = self.gui(burst)
        if isinstance(problem, str):
            raise JourneyFailed(self._explain(problem))
        self._settle()

    def _settle(self) -> None:
        """Wait until the keyboard-wedge filter has handed on every key it held back (a person's pace)."""
        self.wait_for(lambda: not _wedge_holding(), "the typed keys to reach their field")

    # ----------------------------------------------------------------- looking

    def focused(self, cls: type[T], what: str = "", timeout: float = DEFAULT_TIMEOUT_S) -> T:
        """Wait until a widget of class cls (or inside a cls) has the keyboard; return that cls widget."""

        def find() -> Any:
            widget = self._target_widget()
            while widget is not None:
                if isinstance(widget, cls):
                    return widget
                widget = widget.parentWidget()
            return None

        return self.wait_for(find, what or f"a {cls.__name__} to have the keyboard", timeout)

    def nothing_cut_off(self, window: QWidget, what: str, timeout: float = 5) -> None:
        """Wait until no label, button or field of window is cut off (see clipped()); fail listing them."""
        try:
            self.wait_for(lambda: not clipped(window), what, timeout)
        except JourneyFailed:
            raise JourneyFailed(f"{what}: {self.gui(lambda: clipped(window))}") from None

    def modal(self, cls: type[T], timeout: float = DEFAULT_TIMEOUT_S) -> T:
        """Wait until the active modal window is a cls; return it."""

        def find() -> Any:
            widget = QApplication.activeModalWidget()
            return widget if isinstance(widget, cls) and widget.isVisible() else None

        return self.wait_for(find, f"the {cls.__name__} window", timeout)

    def no_modal(self, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Wait until no modal window is open."""
        self.wait_for(lambda: QApplication.activeModalWidget() is None, "every dialog to close", timeout)

    def main_window(self, timeout: float = DEFAULT_TIMEOUT_S) -> Any:
        """The checkout window once it is up and its store is loaded."""
        from app.ui.main_window import MainWindow

        def find() -> Any:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, MainWindow) and widget.isVisible() and widget.is_ready:
                    return widget
            return None

        return self.wait_for(find, "the checkout window", timeout)

    def screenshot(self, name: str) -> Path:
        """The whole screen (every visible window where it is) as a PNG in the screenshots folder."""
        path = self.screenshots / f"{name}.png"

        def grab() -> Path:
            QCoreApplication.processEvents()  # paint what the last key changed
            screen = QGuiApplication.primaryScreen()
            image = screen.grabWindow(0)
            if image.isNull():
                raise JourneyFailed("the screen could not be grabbed")
            path.parent.mkdir(parents=True, exist_ok=True)
            image.save(str(path))
            return path

        return self.gui(grab)


def _keyboard_window() -> QWindow | None:
    """The window a key press goes to: the one that has the keyboard (None: the key would be lost)."""
    for _attempt in range(2):
        window = QGuiApplication.focusWindow()
        if window is None or not window.isVisible():
            return None
        if shiboken6.isValid(window):
            return window
        # PySide can hand back a stale wrapper (of a deleted window Qt made itself, at the same
        # address) while a reference cycle keeps it alive: collect it, then ask again.
        gc.collect()
    raise JourneyFailed("PySide gave a deleted window for the focus window")


def _wedge_holding() -> bool:
    app = QApplication.instance()
    from app.ui.main_window import MainWindow

    for widget in app.topLevelWidgets() if isinstance(app, QApplication) else []:
        if isinstance(widget, MainWindow) and widget.wedge.holding():
            return True
    return False


class JourneyRunner:
    """Call with a script: runs `loyalty-terminal` (no arguments) while the script drives it by keys."""

    def __init__(self, home: Path, screenshots: Path) -> None:
        self.home = home
        self.screenshots = screenshots
        self.exit_code: int | None = None

    def __call__(
        self, script: Callable[[Journey], None], *, argv: tuple[str, ...] = (), quit_after: bool = True
    ) -> int:
        from app import cli

        app = QApplication.instance()
        assert isinstance(app, QApplication), "the qapp fixture makes the application first"
        gui = _GuiThread()
        journey = Journey(self.home, self.screenshots, gui)
        failure: list[BaseException] = []
        finished = threading.Event()
        ended = _Ended()

        def run_script() -> None:
            try:
                script(journey)
            except BaseException as exc:
                failure.append(exc)
                try:
                    journey.screenshot("failure")
                except BaseException:
                    traceback.print_exc()
            finally:
                finished.set()
                if quit_after or failure:
                    # The script is over: end the program (every loop, the dialogs' too) so the test goes on.
                    gui.submit.emit(_Job(ended.quit_app))
                ended.script_done.emit()

        thread = threading.Thread(target=run_script, name="journey-script", daemon=True)
        thread.start()
        self.exit_code = cli.main(list(argv))
        ended.app_over = True
        _close_windows()  # a second run in the same test starts as a fresh process would
        journey.exit_code = self.exit_code
        if not finished.is_set():
            # The program ended first (the script closed it, or it quit): let the script finish looking.
            loop = QEventLoop()
            ended.script_done.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
            if not finished.is_set():
                QTimer.singleShot(int(DEFAULT_TIMEOUT_S * 3000), loop.quit)
                loop.exec()
        thread.join(timeout=DEFAULT_TIMEOUT_S)
        ended.app_over = True
        if not thread.is_alive():  # else the script may still hold them: kept for the process's life
            journey.release()
        QCoreApplication.sendPostedEvents(gui)  # a last queued job runs now, against the ended flag
        if failure:
            raise failure[0]
        assert finished.is_set(), "the journey script did not finish"
        return self.exit_code


def _close_windows() -> None:
    """Close and delete every window the program left (its event filters go with its main window)."""
    from PySide6.QtCore import QEvent

    # Answers the program's stopped threads posted at the end (a receipt printed, a shift
    # reloaded) reach their windows while those still exist, as they would in its own last loop.
    QCoreApplication.sendPostedEvents()
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class _Ended(QObject):
    script_done = Signal()
    app_over = False

    def quit_app(self) -> None:
        # Only while the program runs: an exit() with no loop running would end the next test's first loop.
        if not self.app_over:
            QCoreApplication.exit(0)


# --------------------------------------------------------------------------- the way in, by keys

MANAGER = ("Ольга", "1234")
STORE_NAME = "Кофейня «Зерно»"


def first_start(
    h: Journey, *, program: str = "Демо-кофейня", manager: tuple[str, str] = MANAGER, test_print: bool = False
) -> None:
    """The first-run wizard, by keys: store name, no chain, a program (by its title), the default printer
    (with a test print first if asked), a manager."""
    from PySide6.QtWidgets import QRadioButton

    from app.ui.wizard import FirstRunWizard

    wizard = h.modal(FirstRunWizard, timeout=60)
    h.type(STORE_NAME)
    h.press("Return")  # Next: the chain page
    h.wait_for(lambda: wizard.currentPage() is wizard.server, "the chain page")
    h.press("Return")  # Next with empty fields: a single store
    h.wait_for(lambda: wizard.currentPage() is wizard.program, "the program page")
    for _ in range(len(wizard.program.buttons) + 1):
        radio = h.focused(QRadioButton, "a program choice")
        if h.gui(radio.text) == program:
            break
        h.press("Down")  # the arrows choose as they move
    else:
        raise JourneyFailed(f"no program called {program!r} in the wizard")
    h.wait_for(lambda: radio.isChecked(), f"{program!r} to be chosen")
    h.press("Return")
    h.wait_for(lambda: wizard.currentPage() is wizard.devices_page, "the printer page")
    if test_print:
        chooser = wizard.devices_page.printer
        for _ in range(12):
            if h.gui(chooser.test.hasFocus):
                break
            h.press("Tab")
        else:
            raise JourneyFailed("Tab never reached «Test print»")
        h.press("Space")
        h.wait_for(lambda: chooser.test.isEnabled() and chooser.status.isVisible(), "the test print's outcome")
    h.press("Return")  # receipts as PDF files in the data folder, no camera
    h.wait_for(lambda: wizard.currentPage() is wizard.fiscal, "the fiscal register page")
    h.press("Return")  # no fiscal register (the default)
    h.wait_for(lambda: wizard.currentPage() is wizard.staff, "the staff page")
    name, pin = manager
    h.type(name)
    h.press("Tab")
    h.type(pin)
    h.press("Tab")
    h.type(pin)
    h.press("Return")  # «Create the store»


def log_in(h: Journey, name: str = MANAGER[0], pin: str = MANAGER[1]) -> None:
    """The login dialog, by keys: the name, Tab, the PIN, Enter."""
    from app.ui.login import LoginDialog

    dialog = h.modal(LoginDialog, timeout=60)
    h.wait_for(lambda: dialog.go.isEnabled(), "the login dialog to know the cashiers")
    h.type(name)
    h.press("Tab")
    h.type(pin)
    h.press("Return")


def open_shift(h: Journey) -> None:
    """The shift dialog shown after the login: Enter opens the shift and goes back to the till."""
    from app.ui.shift import ShiftDialog

    dialog = h.modal(ShiftDialog)
    h.wait_for(lambda: dialog.open_button.isVisible(), "the shift dialog to offer «Open shift»")
    h.press("Return")
    h.no_modal()


def till_ready(h: Journey) -> Any:
    """From the real start on a fresh home to the checkout with a shift open; returns the main window."""
    first_start(h)
    window = h.main_window(timeout=90)  # the demo café's month of sales is written first
    log_in(h)
    open_shift(h)
    return window
