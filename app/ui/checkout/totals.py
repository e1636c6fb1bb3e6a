"""The totals: subtotal, discount, points paid, the amount to pay, and points to be earned."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from app.core.pricing import Quote
from app.ui import i18n


class TotalsPanel(QFrame):
    """The sums of the latest fresh quote (dimmed while a newer basket is being priced)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 6, 12, 6)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(0)
        self.subtotal = self._value()
        self.discount = self._value()
        self.redeemed = self._value()
        self.earn = self._value()
        self.due = QLabel()
        self.due.setObjectName("due")
        self.due.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        captions = [self.tr("Subtotal"), self.tr("Discount"), self.tr("Paid with points"), self.tr("Will earn")]
        values = [self.subtotal, self.discount, self.redeemed, self.earn]
        for row, (caption, value) in enumerate(zip(captions, values, strict=True)):
            label = QLabel(caption)
            label.setObjectName("muted")
            grid.addWidget(label, row, 0)
            grid.addWidget(value, row, 1)
        due_caption = QLabel(self.tr("To pay"))
        due_caption.setObjectName("muted")
        due_caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        grid.addWidget(due_caption, 0, 2, 1, 1)
        grid.addWidget(self.due, 1, 2, 3, 1)
        # An applied coupon in words under the sums, where the cashier reads the total (a tick
        # beside the coupon field was easy to miss).
        self.coupon = QLabel()
        self.coupon.setObjectName("coupon")
        self.coupon.setStyleSheet("font-weight: bold; color: #1b6e3c;")
        self.coupon.hide()
        grid.addWidget(self.coupon, len(values), 0, 1, 3)
        grid.setColumnStretch(2, 1)
        self.show_quote(None)

    def _value(self) -> QLabel:
        label = QLabel()
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return label

    def show_quote(self, quote: Quote | None, with_card: bool = False) -> None:
        """Show a quote's sums (None: an empty basket)."""
        self.setEnabled(True)
        self.coupon.setVisible(quote is not None and quote.coupon is not None)
        if quote is not None and quote.coupon is not None:
            self.coupon.setText(self.tr("Coupon {code} applied (in the discount)").format(code=quote.coupon))
        if quote is None:
            for label in (self.subtotal, self.discount, self.redeemed):
                label.setText(i18n.money(0))
            self.earn.setText("—")
            self.due.setText(i18n.money(0))
            return
        self.subtotal.setText(i18n.money(quote.subtotal))
        self.discount.setText(i18n.money(-quote.discount) if quote.discount else i18n.money(0))
        if quote.redeemed_points:
            self.redeemed.setText(f"{i18n.money(-quote.redeemed_amount)} ({i18n.points(quote.redeemed_points)})")
        else:
            self.redeemed.setText(i18n.money(0))
        earn = i18n.points(quote.earned) if with_card else "—"
        extras = []
        if quote.birthday_points:
            extras.append(self.tr("+{points} birthday").format(points=i18n.points(quote.birthday_points)))
        if quote.reward_points:
            extras.append(self.tr("gift −{points}").format(points=i18n.points(quote.reward_points)))
        self.earn.setText(earn + ("; " + "; ".join(extras) if extras else ""))
        self.due.setText(i18n.money(quote.total))

    def set_pending(self, pending: bool) -> None:
        """Dim the sums while a newer basket is being priced."""
        self.setEnabled(not pending)
