"""Choosing the fiscal register (the first-run wizard's step and the settings' tab), with «Проверить кассу».

Three ways to work (docs/fiscal.md): no register; the register beside the till (the cashier rings it,
the till prices loyalty and records the register's receipt by its QR); a register the till drives
(ATOL through its Web Server, Штрих-М over the network or a serial port). The check prints an
X-report on the register being set up, off the GUI thread, and says the outcome in words.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.fiscal import DeviceStatus, PaymentObject, ReportResult, Taxation, Vat
from app.ui.fiscal_port import (
    ATOL_DEFAULT,
    MODES,
    SHTRIH_BAUD_DEFAULT,
    SHTRIH_TCP_DEFAULT,
    TAXATIONS,
    VAT_RATES,
    FiscalConfig,
    Mode,
    check_register,
    device_setting,
    split_device,
)
from app.ui.pin_dialog import set_status
from app.ui.wizard.devices import Runner, form_layout, form_row
from app.ui.wording import explain

__all__ = ["FiscalChooser"]

OBJECTS: tuple[PaymentObject, ...] = ("commodity", "service")
ANY = "*"  # the rate and object of every category not named


class FiscalChooser(QWidget):
    """The register's mode and address, the taxation, VAT and payment object per category, and a check."""

    tested = Signal(bool, str)  # ok, the message shown

    def __init__(self, device_worker: Runner, operator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = device_worker
        self.operator = operator  # the name printed on the X-report
        self.mode = QComboBox(self)
        labels: dict[Mode, str] = {
            "none": self.tr("No fiscal register (receipts are not fiscal)"),
            "beside": self.tr("The register stands beside the till (scan its receipt's QR)"),
            "atol": self.tr("ATOL register through the ATOL Web Server"),
            "shtrih-tcp": self.tr("Штрих-М register on the network (TCP)"),
            "shtrih-serial": self.tr("Штрих-М register on a serial (COM) port"),
        }
        for key in MODES:
            self.mode.addItem(labels[key], key)
        self.mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode.setMinimumContentsLength(30)
        self.explain = QLabel(self)
        self.explain.setObjectName("muted")
        self.explain.setWordWrap(True)

        self.url = QLineEdit(self)
        self.url.setPlaceholderText(ATOL_DEFAULT)
        self.tcp = QLineEdit(self)
        self.tcp.setPlaceholderText(SHTRIH_TCP_DEFAULT)
        self.port_path = QLineEdit(self)
        self.port_path.setPlaceholderText("/dev/ttyACM0  ·  COM3")
        self.baud = QLineEdit(str(SHTRIH_BAUD_DEFAULT), self)
        self.baud.setValidator(QIntValidator(1200, 921600, self.baud))
        self.options = QStackedWidget(self)
        for rows in (
            [],
            [(self.tr("Web Server address"), self.url)],
            [(self.tr("Address and port"), self.tcp)],
            [(self.tr("Port"), self.port_path), (self.tr("Speed, baud"), self.baud)],
        ):
            page = QWidget(self.options)
            form = form_layout(page)
            form.setContentsMargins(0, 0, 0, 0)
            for label, widget in rows:
                form_row(form, label, widget)
            self.options.addWidget(page)

        self.taxation = QComboBox(self)
        taxations: dict[Taxation, str] = {
            "osn": self.tr("General (ОСН)"),
            "usnIncome": self.tr("Simplified, income (УСН доходы)"),
            "usnIncomeOutcome": self.tr("Simplified, income less expenses (УСН доходы − расходы)"),
            "patent": self.tr("Patent (ПСН)"),
        }
        for key in TAXATIONS:
            self.taxation.addItem(taxations[key], key)
        self.vat_names: dict[Vat, str] = {
            "vat22": self.tr("VAT 22 %"),
            "vat10": self.tr("VAT 10 %"),
            "vat0": self.tr("VAT 0 %"),
            "none": self.tr("No VAT"),
            "vat5": self.tr("VAT 5 % (simplified)"),
            "vat7": self.tr("VAT 7 % (simplified)"),
        }
        self.object_names: dict[PaymentObject, str] = {"commodity": self.tr("Goods"), "service": self.tr("Service")}
        self.default_vat = self._vat_box()
        self.default_object = self._object_box()
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Category"), self.tr("VAT"), self.tr("Payment object")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (its rows' lists take the arrows)
        # Rows as tall as the lists in them (the default row cuts a touch-sized list off at the bottom).
        self.table.verticalHeader().setDefaultSectionSize(self.default_vat.sizeHint().height() + 4)
        self.table.setMinimumHeight(140)
        self.categories: list[str] = []

        self.receipt_box = QGroupBox(self.tr("What goes on the fiscal receipt"), self)
        receipt_form = form_layout(self.receipt_box)
        form_row(receipt_form, self.tr("Taxation"), self.taxation)
        form_row(receipt_form, self.tr("VAT (every category)"), self.default_vat)
        form_row(receipt_form, self.tr("Payment object"), self.default_object)
        receipt_form.addRow(self.table)

        self.test = QPushButton(self.tr("Check the register"), self)
        self.test.setToolTip(self.tr("Prints an X-report on the register"))
        self.test.clicked.connect(self.check)
        self._focus_back: QWidget | None = None  # where the keyboard went while the check ran
        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.mode)
        layout.addWidget(self.explain)
        layout.addWidget(self.options)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        layout.addWidget(self.status)
        layout.addWidget(self.receipt_box)
        layout.addStretch(1)
        # Tab goes as the eye does: the mode, the address, «Проверить кассу», then what the receipt says.
        chain = [self.mode, self.url, self.tcp, self.port_path, self.baud, self.test, self.taxation]
        chain += [self.default_vat, self.default_object, self.table]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed(0)
        self.set_categories([])

    def _vat_box(self) -> QComboBox:
        box = QComboBox(self)
        for key in VAT_RATES:
            box.addItem(self.vat_names[key], key)
        return box

    def _object_box(self) -> QComboBox:
        box = QComboBox(self)
        for key in OBJECTS:
            box.addItem(self.object_names[key], key)
        return box

    # ----------------------------------------------------------------- values

    def current_mode(self) -> Mode:
        """The mode chosen."""
        mode: Mode = self.mode.currentData()
        return mode

    def setting(self) -> str:
        """The `fiscal.device` setting; raises ValueError when the address cannot be used."""
        mode = self.current_mode()
        address = {"atol": self.url, "shtrih-tcp": self.tcp, "shtrih-serial": self.port_path}.get(mode)
        baud = int(self.baud.text() or SHTRIH_BAUD_DEFAULT)
        return device_setting(mode, address.text() if address is not None else "", baud)

    def problem(self) -> str | None:
        """What is wrong with the fields, in words (None when they can be saved)."""
        try:
            self.setting()
        except ValueError:
            mode = self.current_mode()
            if mode == "atol":
                return self.tr("Type the ATOL Web Server's address, such as {example}").format(example=ATOL_DEFAULT)
            if mode == "shtrih-tcp":
                return self.tr("Type the register's address and port, such as {example}").format(
                    example=SHTRIH_TCP_DEFAULT
                )
            return self.tr("Type the register's port, such as /dev/ttyACM0 or COM3")
        return None

    def config(self) -> FiscalConfig:
        """Everything chosen, as the fiscal settings (call problem() first)."""
        vat: dict[str, Vat] = {ANY: self.default_vat.currentData()}
        objects: dict[str, PaymentObject] = {ANY: self.default_object.currentData()}
        for row, category in enumerate(self.categories):
            vat_box, object_box = self.table.cellWidget(row, 1), self.table.cellWidget(row, 2)
            if isinstance(vat_box, QComboBox) and vat_box.currentData() != vat[ANY]:
                vat[category] = vat_box.currentData()
            if isinstance(object_box, QComboBox) and object_box.currentData() != objects[ANY]:
                objects[category] = object_box.currentData()
        return FiscalConfig(self.setting(), self.taxation.currentData(), vat, objects)

    def set_config(self, config: FiscalConfig) -> None:
        """Show saved settings."""
        try:
            mode, address, baud = split_device(config.device)
        except ValueError:
            mode, address, baud = "none", "", 0
        self.mode.setCurrentIndex(MODES.index(mode))
        {"atol": self.url, "shtrih-tcp": self.tcp, "shtrih-serial": self.port_path}.get(mode, QLineEdit()).setText(
            address
        )
        if baud:
            self.baud.setText(str(baud))
        self.taxation.setCurrentIndex(max(0, self.taxation.findData(config.taxation)))
        # As the service reads an unset rate: the general one under ОСН, none under the other regimes.
        unset = "vat22" if config.taxation == "osn" else "none"
        self.default_vat.setCurrentIndex(max(0, self.default_vat.findData(config.vat.get(ANY, unset))))
        self.default_object.setCurrentIndex(max(0, self.default_object.findData(config.objects.get(ANY, "commodity"))))
        self._fill_table(config)

    def set_categories(self, categories: Sequence[str], config: FiscalConfig | None = None) -> None:
        """The store's categories, one row each (none in the wizard: the store's catalogue comes later)."""
        self.categories = sorted(categories)
        self.table.setVisible(bool(self.categories))
        self._fill_table(config or FiscalConfig())

    def _fill_table(self, config: FiscalConfig) -> None:
        from PySide6.QtWidgets import QTableWidgetItem

        self.table.setRowCount(len(self.categories))
        default_vat = config.vat.get(ANY, self.default_vat.currentData())
        default_object = config.objects.get(ANY, self.default_object.currentData())
        for row, category in enumerate(self.categories):
            item = QTableWidgetItem(category)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, item)
            vat_box, object_box = self._vat_box(), self._object_box()
            vat_box.setCurrentIndex(max(0, vat_box.findData(config.vat.get(category, default_vat))))
            object_box.setCurrentIndex(max(0, object_box.findData(config.objects.get(category, default_object))))
            self.table.setCellWidget(row, 1, vat_box)
            self.table.setCellWidget(row, 2, object_box)

    # ----------------------------------------------------------------- the check

    @Slot()
    def check(self) -> None:
        """Print an X-report on the register as set here, off the GUI thread."""
        problem = self.problem()
        if problem is not None:
            set_status(self.status, problem, "warn")
            return
        # Disabling the focused button hands the keyboard on to the next field (the taxation list, where a
        # Space opens the list): it comes back to «Проверить кассу» when the check ends, unless moved since.
        had_focus = self.test.hasFocus()
        self.test.setEnabled(False)
        self._focus_back = QApplication.focusWidget() if had_focus else None
        set_status(self.status, self.tr("Asking the register for an X-report…"), "info")
        self.worker.run(check_register, self.setting(), self.operator, on_done=self._checked, on_error=self._refused)

    def _enable_test(self) -> None:
        self.test.setEnabled(True)
        moved_to, self._focus_back = self._focus_back, None
        if moved_to is not None and QApplication.focusWidget() is moved_to:
            self.test.setFocus(Qt.FocusReason.OtherFocusReason)

    def _checked(self, report: ReportResult | DeviceStatus) -> None:
        self._enable_test()
        if isinstance(report, DeviceStatus):
            # Its shift is closed, so it printed no X-report; it answered with its state.
            text = self.tr(
                "The register works: {model}, fiscal drive {fn}. Its shift is closed, so it prints no X-report now; "
                "the register's shift opens with the till's."
            ).format(model=report.model or "—", fn=report.fn or "—")
            set_status(self.status, text, "info")
            self.tested.emit(True, text)
            return
        text = (
            self.tr("The register works: it printed an X-report (shift {shift}).").format(shift=report.shift)
            if report.shift
            else self.tr("The register works: it printed an X-report.")
        )
        set_status(self.status, text, "info")
        self.tested.emit(True, text)

    def _refused(self, error: BaseException) -> None:
        self._enable_test()
        text = self.tr("The register did not print the X-report: {reason}").format(reason=explain(error))
        set_status(self.status, text, "error")
        self.tested.emit(False, text)

    @Slot(int)
    def _mode_changed(self, index: int) -> None:
        mode = self.current_mode()
        shown = {"none": 0, "beside": 0, "atol": 1, "shtrih-tcp": 2, "shtrih-serial": 3}[mode]
        for i in range(self.options.count()):
            policy = QSizePolicy.Policy.Preferred if i == shown else QSizePolicy.Policy.Ignored
            page = self.options.widget(i)
            if page is not None:
                page.setSizePolicy(policy, policy)
        self.options.setCurrentIndex(shown)
        self.options.setVisible(shown != 0)
        driven = mode not in ("none", "beside")
        self.test.setVisible(driven)
        self.receipt_box.setVisible(driven)
        self.explain.setText(
            {
                "none": self.tr("Receipts say «Не является фискальным документом»; the register is rung separately."),
                "beside": self.tr(
                    "The cashier rings the purchase on the register. The till shows the discount to key in and the "
                    "amount to collect; scanning the register receipt's QR code records it with the loyalty sale."
                ),
                "atol": self.tr(
                    "The till prints every fiscal receipt itself through the ATOL Web Server (port 16732 by default)."
                ),
                "shtrih-tcp": self.tr("The till prints every fiscal receipt itself on the Штрих-М register."),
                "shtrih-serial": self.tr("The till prints every fiscal receipt itself on the Штрих-М register."),
            }[mode]
        )
        self.status.hide()
