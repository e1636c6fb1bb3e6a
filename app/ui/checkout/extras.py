"""The controls for paying with points, applying a coupon and giving a gift."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.core.services.results import CustomerInfo, SaleResult
from app.ui import i18n, theme
from app.ui.checkout.state import Basket, Reward


class ExtrasBar(QWidget):
    """Points to redeem (with the maximum the basket allows), the coupon code and the gift, one per row."""

    redeem_changed = Signal(object)  # int, "max" or None
    coupon_entered = Signal(object)  # a code, or None to remove it
    reward_chosen = Signal(object)  # a reward id, or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)

        self.points = QSpinBox()
        self.points.setKeyboardTracking(False)  # change once the number is typed, not per digit
        self.points.setRange(0, 0)
        self.points.setMinimumWidth(theme.scaled(100))
        self.points.setAccessibleName(self.tr("Points to pay with"))
        self.points.valueChanged.connect(self._points_edited)
        self.max_button = QPushButton(self.tr("Max (F5)"))
        self.max_button.clicked.connect(self.redeem_max)
        self.max_label = QLabel()
        self.max_label.setObjectName("muted")
        points_row = QHBoxLayout()
        points_row.addWidget(self.points, 1)
        points_row.addWidget(self.max_button)
        points_row.addWidget(self.max_label)
        grid.addWidget(self._caption(self.tr("Points"), self.points), 0, 0)
        grid.addLayout(points_row, 0, 1)

        self.coupon = QLineEdit()
        self.coupon.setPlaceholderText(self.tr("code + Enter (F6)"))
        self.coupon.returnPressed.connect(self._coupon_entered)
        self.coupon_state = QLabel()
        self.coupon_state.setMinimumWidth(24)
        coupon_row = QHBoxLayout()
        coupon_row.addWidget(self.coupon, 1)
        coupon_row.addWidget(self.coupon_state)
        grid.addWidget(self._caption(self.tr("Coupon"), self.coupon), 1, 0)
        grid.addLayout(coupon_row, 1, 1)

        self.gift = QComboBox()
        self.gift.setAccessibleName(self.tr("Gift for points (F7)"))
        self.gift.activated.connect(self._gift_chosen)
        grid.addWidget(self._caption(self.tr("Gift"), self.gift), 2, 0)
        grid.addWidget(self.gift, 2, 1)
        grid.setColumnStretch(1, 1)
        self._rewards: tuple[Reward, ...] = ()
        self.set_rewards(())

    def _caption(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    # ----------------------------------------------------------------- from the checkout

    def set_rewards(self, rewards: tuple[Reward, ...]) -> None:
        """The program's gifts."""
        self._rewards = rewards
        self.gift.clear()
        self.gift.addItem(self.tr("No gift (F7)"), None)
        for reward in rewards:
            self.gift.addItem(f"{reward.name} — {i18n.points(reward.points)}", reward.id)

    def update_from(self, basket: Basket, customer: CustomerInfo | None, result: SaleResult | None) -> None:
        """Show what the checkout holds now (without echoing changes back)."""
        self._updating = True
        try:
            has_card = customer is not None and not customer.blocked
            max_points = result.quote.max_points if result is not None else 0
            shown = result.quote.redeemed_points if result is not None else 0
            if result is None and isinstance(basket.redeem, int):
                shown = basket.redeem
            self.points.setRange(0, max(max_points, shown))
            if self.points.value() != shown:
                self.points.setValue(shown)
                if self.points.hasFocus():
                    self.points.selectAll()  # ready to type another number over it
            self.points.setEnabled(has_card)
            self.max_button.setEnabled(has_card and max_points > 0)
            self.max_label.setText(self.tr("of {n}").format(n=max_points) if has_card else "")
            if basket.coupon and self.coupon.text().strip().upper() != basket.coupon:
                self.coupon.setText(basket.coupon)
            if basket.coupon is None and not self.coupon.hasFocus():
                self.coupon.clear()
            applied = basket.coupon is not None and result is not None and result.quote.coupon is not None
            self.coupon_state.setText("✓" if applied else "")
            self.coupon_state.setToolTip(self.tr("Coupon applied") if applied else "")
            self.gift.setEnabled(has_card and bool(self._rewards))
            index = self.gift.findData(basket.reward) if basket.reward else 0
            self.gift.setCurrentIndex(max(0, index))
        finally:
            self._updating = False

    # ----------------------------------------------------------------- from the cashier

    @Slot()
    def redeem_max(self) -> None:
        """Pay with as many points as the basket allows, and put the cursor in the points field."""
        self.redeem_changed.emit("max")
        self.points.setFocus()
        self.points.selectAll()

    @Slot(int)
    def _points_edited(self, value: int) -> None:
        if not self._updating:
            self.redeem_changed.emit(value or None)

    @Slot()
    def _coupon_entered(self) -> None:
        self.coupon_entered.emit(self.coupon.text().strip() or None)

    @Slot(int)
    def _gift_chosen(self, index: int) -> None:
        if not self._updating:
            self.reward_chosen.emit(self.gift.itemData(index))

    def focus_coupon(self) -> None:
        """Put the cursor in the coupon field."""
        self.coupon.setFocus()
        self.coupon.selectAll()

    def open_gifts(self) -> None:
        """Drop the gift list open (keyboard: arrows and Enter)."""
        if self.gift.isEnabled():
            self.gift.setFocus()
            self.gift.showPopup()

    def wants_keys(self) -> bool:
        """True while the cashier is typing in one of these fields."""
        return any(w.hasFocus() for w in (self.points, self.coupon, self.gift))
