"""What the cashier sees of the customer: tier and progress, points, expiry, stamps, coupons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.services.results import CustomerInfo
from app.ui import i18n, theme


def stamp_dots(have: int, needed: int) -> str:
    """A stamp card as dots: ●●●○○ 3/5 (a full card shows all dots filled)."""
    filled = max(0, min(have, needed))
    return "●" * filled + "○" * (needed - filled) + f" {have}/{needed}"


def short_date(text: str | None) -> str:
    """An ISO timestamp as a date for the active language."""
    if not text:
        return ""
    day: date = datetime.fromisoformat(text).date()
    return day.strftime("%d.%m.%Y") if i18n.language() == "ru" else day.isoformat()


@dataclass(frozen=True)
class TierProgress:
    """How far the customer is towards the next tier: a bar's range and value (roubles) and the words."""

    value: int
    maximum: int
    text: str


def tier_progress(info: CustomerInfo) -> TierProgress:
    """The tier progress the cashier's panel shows (the customer display shows the same)."""
    if info.next_tier is None or info.to_next_tier is None:
        return TierProgress(1, 1, QCoreApplication.translate("CustomerPanel", "Top tier"))
    goal = info.tier_spend + info.to_next_tier
    # A QProgressBar holds ints: roubles keep huge spends inside its range.
    text = QCoreApplication.translate("CustomerPanel", "{spend} of {goal}: {left} more to {tier}").format(
        spend=i18n.money(info.tier_spend),
        goal=i18n.money(goal),
        left=i18n.money(info.to_next_tier),
        tier=info.next_tier,
    )
    return TierProgress(info.tier_spend // 100, max(1, goal // 100), text)


def _label(text: str = "", name: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


class CustomerPanel(QFrame):
    """The attached customer, or a hint how to attach one."""

    filled = Signal(object)  # CustomerInfo shown
    coupon_clicked = Signal(str)
    detach_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        # Never squeezed below what its text needs (labels would overlap).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        self.info: CustomerInfo | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)

        head = QHBoxLayout()
        self.name = _label(name="title")
        self.detach = QPushButton("✕")
        self.detach.setToolTip(self.tr("Sell without this customer"))
        self.detach.setFixedWidth(theme.scaled(44))
        self.detach.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.detach.clicked.connect(self.detach_clicked)
        head.addWidget(self.name, 1)
        head.addWidget(self.detach, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        self.card = _label(name="muted")
        layout.addWidget(self.card)

        self.tier = _label()
        layout.addWidget(self.tier)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        layout.addWidget(self.progress)
        self.next_tier = _label(name="muted")
        layout.addWidget(self.next_tier)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.available = _label(name="title")
        self.pending = _label()
        self.expiry = _label(name="muted")
        self.points_caption = _label(self.tr("Available"))
        grid.addWidget(self.points_caption, 0, 0)
        grid.addWidget(self.available, 0, 1)
        grid.addWidget(self.pending, 1, 0, 1, 2)
        grid.addWidget(self.expiry, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)

        self.stamps = _label()
        self.stamps.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.stamps)
        self.coupons = QHBoxLayout()
        layout.addLayout(self.coupons)
        self.blocked = _label(self.tr("Card blocked"))
        self.blocked.setStyleSheet("color: #b3261e; font-weight: bold;")
        layout.addWidget(self.blocked)

        self.hint = _label(
            self.tr("No customer.\nScan the loyalty card, or press F2 to find by phone or name, F4 to enroll.")
        )
        self.hint.setObjectName("muted")
        layout.addWidget(self.hint)
        layout.addStretch(1)
        self.show_customer(None)

    def _details(self) -> list[QWidget]:
        return [self.name, self.detach, self.card, self.tier, self.progress, self.next_tier,
                self.points_caption, self.available, self.pending, self.expiry, self.stamps]  # fmt: skip

    def show_customer(self, info: CustomerInfo | None) -> None:
        """Fill the panel with a customer (None: the hint)."""
        self.info = info
        for widget in self._details():
            widget.setVisible(info is not None)
        self.hint.setVisible(info is None)
        self.blocked.setVisible(bool(info and info.blocked))
        self._set_coupons(info)
        if info is None:
            return
        self.name.setText(info.name)
        self.card.setText(self.tr("Card {card} · {phone}").format(card=info.card, phone=info.phone_masked))
        self.tier.setText(self.tr("Tier: <b>{tier}</b>").format(tier=info.tier))
        progress = tier_progress(info)
        self.progress.setRange(0, progress.maximum)
        self.progress.setValue(progress.value)
        self.next_tier.setText(progress.text)
        self.available.setText(i18n.points(info.available))
        pending = self.tr("Pending: {points}").format(points=i18n.points(info.pending))
        if info.debt:
            pending += " · " + self.tr("Debt: {points}").format(points=i18n.points(info.debt))
        self.pending.setText(pending)
        if info.next_expiry_at and info.next_expiry_points:
            self.expiry.setText(
                self.tr("{points} expire on {date}").format(
                    points=i18n.points(info.next_expiry_points), date=short_date(info.next_expiry_at)
                )
            )
        else:
            self.expiry.setText(self.tr("Nothing expires soon"))
        rows = []
        for rule, needed in info.stamps_needed.items():
            have = info.stamps.get(rule, 0)
            line = self.tr("Stamps “{rule}”: {dots}").format(rule=rule, dots=stamp_dots(have, needed))
            if have >= needed:
                line += "  " + self.tr("(one free now)")
            rows.append(line)
        self.stamps.setText("\n".join(rows))
        self.stamps.setVisible(bool(rows))
        self.filled.emit(info)

    def _set_coupons(self, info: CustomerInfo | None) -> None:
        while self.coupons.count():
            item = self.coupons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if info is None or not info.coupons:
            return
        self.coupons.addWidget(_label(self.tr("Coupons:")))
        for coupon in info.coupons:
            button = QPushButton(coupon.code)
            button.setToolTip(self.tr("Apply this personal coupon"))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(self._coupon_button)
            self.coupons.addWidget(button)
        self.coupons.addStretch(1)

    @Slot()
    def _coupon_button(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.coupon_clicked.emit(button.text())
