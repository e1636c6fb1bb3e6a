"""The dashboard's answer to «does the program pay?» (issue 9 §4; docs/reports.md §13).

The figures are the report's (`Report.payback`, computed in app/core/payback.py); this panel only
words them: a verdict in colour, the cost by kind, what members brought beyond non-members and how,
the member figures beside it, CLV only from its minimum sample and as a range, and the formula.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.core.money import round_half_up
from app.core.payback import Payback
from app.reports.tables import payback_formula
from app.ui import i18n
from app.ui.manager.widgets import avg_money_text, money_text, share_text
from app.ui.theme import ACCENT, ERROR

__all__ = ["PaybackPanel", "decimal_text"]


def decimal_text(x: Fraction | None) -> str:
    """An exact fraction to two decimals, half up, with the screen's decimal mark ("2,14")."""
    if x is None:
        return "—"
    scaled = round_half_up(x * 100)
    whole, frac = divmod(abs(scaled), 100)
    mark = "," if i18n.language() == "ru" else "."
    return f"{'−' if scaled < 0 else ''}{whole}{mark}{frac:02d}"


class PaybackPanel(QFrame):
    """Cost against what members bring, for the period and filter of the report shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._large = False
        self._colour = "#5f5f58"
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 8, 12, 8)
        column.setSpacing(3)
        self.title = QLabel(self.tr("Does the programme pay?"), self)
        self.title.setObjectName("title")
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        self.cost = QLabel(self)
        self.extra = QLabel(self)
        self.members = QLabel(self)
        self.clv = QLabel(self)
        self.formula = QLabel(payback_formula(i18n.language()), self)
        self.formula.setObjectName("muted")
        for label in (self.cost, self.extra, self.members, self.clv, self.formula):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # Wrapped text must not widen the page at 1024 pixels: it takes the width it is given.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.verdict.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for widget in (self.title, self.verdict, self.cost, self.extra, self.members, self.clv, self.formula):
            column.addWidget(widget)
        self.show_payback(None)

    def set_large(self, large: bool) -> None:
        """Bigger type on a big screen (1920 pixels wide)."""
        self._large = large
        size = "19px" if large else "16px"
        for label in (self.cost, self.extra, self.members, self.clv):
            label.setStyleSheet(f"font-size: {size};")
        self.formula.setStyleSheet("font-size: 16px;" if large else "")
        self._set_verdict(self.verdict.text(), self._colour)

    def _set_verdict(self, text: str, colour: str) -> None:
        self._colour = colour
        self.verdict.setText(text)
        size = 26 if self._large else 20
        self.verdict.setStyleSheet(f"font-size: {size}px; font-weight: bold; color: {colour};")

    def show_payback(self, p: Payback | None, loading: bool = False) -> None:
        """Show a report's payback (None: nothing yet, or still loading)."""
        if p is None:
            self._set_verdict(self.tr("Computed with the full report…") if loading else "—", "#5f5f58")
            for label in (self.cost, self.extra, self.members, self.clv):
                label.setText("")
            return
        if p.balance is None:
            self._set_verdict(self.tr("No comparison: it needs sales both with a card and without one."), "#5f5f58")
        elif p.balance >= 0:
            self._set_verdict(
                self.tr("The programme pays: members brought {amount} more than it cost.").format(
                    amount=money_text(p.balance)
                ),
                ACCENT,
            )
        else:
            self._set_verdict(
                self.tr("The programme does not pay: it cost {amount} more than members brought beyond the others.")
                .format(amount=money_text(-p.balance)),
                ERROR,
            )  # fmt: skip
        c = p.cost
        self.cost.setText(
            self.tr(
                "Cost {total} = card discounts {tier} + stamp cards {stamps} + coupons {coupons} + "
                "points {points} + gifts {gifts}"
            ).format(
                total=money_text(c.total),
                tier=money_text(c.tier_discounts),
                stamps=money_text(c.stamps),
                coupons=money_text(c.coupons),
                points=money_text(c.points),
                gifts=money_text(c.gifts),
            )
        )
        if p.extra is None:
            self.extra.setText("")
        else:
            self.extra.setText(
                self.tr(
                    "Members brought beyond non-members {extra} = {sales} card sales × "
                    "(average basket {card} − {anonymous} without a card)"
                ).format(
                    extra=money_text(p.extra),
                    sales=p.baskets.card_sales,
                    card=avg_money_text(p.card_average_basket),
                    anonymous=avg_money_text(p.anonymous_average_basket),
                )
            )
        self.members.setText(
            self.tr("Visits per member {visits} · retention {retention} · card share of revenue {share}").format(
                visits=decimal_text(p.visits_per_member),
                retention=share_text(p.retention),
                share=share_text(p.card_revenue_share),
            )
        )
        clv = p.clv
        if clv.enough:
            self.clv.setText(
                self.tr("CLV {value} (from {low} to {high}, 95 %)").format(
                    value=money_text(clv.value), low=money_text(clv.low), high=money_text(clv.high)
                )
            )
        else:
            self.clv.setText(
                self.tr("CLV: too few customers ({sample}; at least {minimum} needed)").format(
                    sample=clv.sample, minimum=clv.minimum
                )
            )
