"""Screenshots of the first-run wizard's pages at 1024×768, filled as a shop owner would, in Russian.

    xvfb-run -s "-screen 0 1280x1024x24" .venv/bin/python -m tests.ui.wizard.screenshots docs/screenshots

Writes wizard-1-store.png … wizard-5-staff.png (and wizard-5a-fiscal.png, the register step set to ATOL).
The printer and camera tests really run: a sample receipt is printed into a temporary folder and a generated
video is scanned.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.ui import i18n, theme

NAMES = ("wizard-1-store", "wizard-2-server", "wizard-3-program", "wizard-4-devices", "wizard-5-staff")


def _wait(signal: object, timeout_ms: int = 20_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def _settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def _save(app: QApplication, widget: QWidget, path: Path) -> None:
    _settle(app)
    widget.grab().save(str(path), "PNG", 9)
    print(path, path.stat().st_size // 1024, "KB")


def main(out: Path) -> int:
    """Fill the wizard page by page and save each page."""
    app = QApplication(sys.argv)
    i18n.install(app, "ru")
    theme.apply(app)
    from app.ui.wizard import FirstRunWizard
    from tests.ui.wizard.conftest import make_qr_video

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = make_qr_video(folder / "qr.avi")
        wizard = FirstRunWizard(folder / "terminal.sqlite3")
        wizard.resize(1024, 768)
        wizard.show()
        wizard.store.name.setText("Кофейня «Зерно и Пар»")
        wizard.store.address.setText("г. Екатеринбург, ул. Малышева, д. 51")
        _save(app, wizard, out / f"{NAMES[0]}.png")
        wizard.next()
        wizard.server.chooser.url.setText("https://loyalty.zerno.ru")
        wizard.server.chooser.code.setText("7K4Q-M2XD")
        _save(app, wizard, out / f"{NAMES[1]}.png")
        wizard.server.chooser.url.clear()
        wizard.server.chooser.code.clear()
        wizard.next()
        wizard.program.buttons["coffee_card"].setChecked(True)
        _save(app, wizard, out / f"{NAMES[2]}.png")
        wizard.next()
        devices = wizard.devices_page
        devices.printer.folder.setText(str(folder / "receipts"))
        devices.printer.test_print()
        _wait(devices.printer.tested)
        devices.camera.source.setText(str(video))
        devices.camera.test_scan()
        _wait(devices.camera.tested)
        _save(app, wizard, out / f"{NAMES[3]}.png")
        wizard.next()
        fiscal = wizard.fiscal.chooser
        fiscal.mode.setCurrentIndex(fiscal.mode.findData("atol"))
        fiscal.url.setText("http://127.0.0.1:16732")
        _save(app, wizard, out / "wizard-5a-fiscal.png")
        fiscal.mode.setCurrentIndex(fiscal.mode.findData("none"))
        wizard.next()
        staff = wizard.staff
        staff.manager_name.setText("Ольга Смирнова")
        staff.manager_pin.setText("2468")
        staff.manager_pin_again.setText("2468")
        staff.add_cashier.setChecked(True)
        staff.cashier_name.setText("Иван Петров")
        staff.cashier_pin.setText("1357")
        _save(app, wizard, out / f"{NAMES[4]}.png")
        wizard.reject()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
