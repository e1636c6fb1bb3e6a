"""The customer display: a second window, for a second monitor or a tablet-sized screen, facing the customer.

It shows, live, what the checkout holds: the basket, the total, the customer's balance and tier
progress, what this purchase earns, «Списать N баллов?» while the cashier has set points to
spend, and for a customer without a card a QR code to join. It is fed through `DisplayFeed`, a
small observable built from the checkout controller's signals, and so never calls a service.

`DisplayHost` puts the window on the screen the till's settings name (`display/screen`; empty:
the first screen that is not the till's own), full screen there. When that screen is unplugged
the display hides and the till says so; when a screen of that name comes back the display
returns to it. Chosen as the till's own screen it is an ordinary window (a tablet-sized check,
never covering the checkout full screen). F11 (Manager → Customer display) shows or hides it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence, QPainter, QPaintEvent, QResizeEvent, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.services.receipts import short_name
from app.core.services.results import CustomerInfo, SaleResult
from app.receipts.qr import qr_runs
from app.ui import i18n
from app.ui.checkout.controller import CheckoutController
from app.ui.checkout.customer_panel import TierProgress, tier_progress

__all__ = [
    "SETTING_ENABLED",
    "SETTING_SCREEN",
    "CustomerDisplay",
    "DisplayCustomer",
    "DisplayFeed",
    "DisplayHost",
    "DisplayLine",
    "DisplayState",
    "Thanks",
    "build_state",
    "pick_screen",
    "screen_label",
]

SETTING_ENABLED = "display/enabled"  # "true" / "false"
SETTING_SCREEN = "display/screen"  # a QScreen name; empty: the first screen that is not the till's
SHORTCUT = "F11"


# ----------------------------------------------------------------- what the display shows (plain values)


@dataclass(frozen=True)
class DisplayLine:
    """One basket line as the customer sees it: the amount after discounts (before points)."""

    name: str
    qty: int
    unit_price: int
    amount: int
    gift: bool = False  # a gift for points: shown as a gift, not as a price


@dataclass(frozen=True)
class DisplayCustomer:
    """The customer as shown to them (and to the queue behind: the first name and an initial only)."""

    name: str
    tier: str
    progress: TierProgress
    available: int


@dataclass(frozen=True)
class Thanks:
    """The sale just paid: shown until the next checkout starts."""

    total: int
    earned: int | None  # None: sold without a card
    balance: int | None


@dataclass(frozen=True)
class DisplayState:
    """Everything on the customer display, as plain values."""

    lines: tuple[DisplayLine, ...] = ()
    subtotal: int = 0
    discount: int = 0
    redeemed_amount: int = 0
    total: int = 0
    earned: int | None = None  # None: no card attached (nothing to earn)
    customer: DisplayCustomer | None = None
    redeem_points: int = 0  # > 0: «Списать N баллов?» is asked
    redeem_amount: int = 0
    join_url: str | None = None
    pending: bool = False  # a newer basket is being priced
    thanks: Thanks | None = None


def _customer(info: CustomerInfo) -> DisplayCustomer:
    return DisplayCustomer(short_name(info.name) or "", info.tier, tier_progress(info), info.available)


def build_state(controller: CheckoutController, join_url: str | None, thanks: Thanks | None = None) -> DisplayState:
    """The display's state from the checkout as it stands (prices of the latest fresh quote only)."""
    basket = controller.basket
    result = controller.result if controller.fresh else None
    quote = result.quote if result is not None else None
    priced = [line for line in quote.lines if not line.is_reward] if quote is not None else []
    if len(priced) == len(basket.lines):
        lines = tuple(DisplayLine(p.name, p.qty, p.unit_price, p.amount - p.discount) for p in priced)
    else:
        lines = tuple(DisplayLine(b.name, b.qty, b.unit_price, b.qty * b.unit_price) for b in basket.lines)
    if quote is not None:
        lines += tuple(DisplayLine(p.name, p.qty, p.unit_price, 0, True) for p in quote.lines if p.is_reward)
    customer = controller.customer
    subtotal = quote.subtotal if quote is not None else sum(line.amount for line in lines)
    asked = quote is not None and basket.redeem is not None and quote.redeemed_points > 0
    return DisplayState(
        lines=lines,
        subtotal=subtotal,
        discount=quote.discount if quote is not None else 0,
        redeemed_amount=quote.redeemed_amount if quote is not None else 0,
        total=quote.total if quote is not None else subtotal,
        earned=(quote.earned + quote.birthday_points) if quote is not None and customer is not None else None,
        customer=_customer(customer) if customer is not None else None,
        redeem_points=quote.redeemed_points if asked and quote is not None else 0,
        redeem_amount=quote.redeemed_amount if asked and quote is not None else 0,
        join_url=join_url if customer is None else None,
        pending=bool(basket.lines) and quote is None,
        thanks=thanks if not basket.lines and customer is None else None,
    )


class DisplayFeed(QObject):
    """The checkout's state for the customer display: `changed` carries a new DisplayState."""

    changed = Signal(object)  # DisplayState

    def __init__(self, controller: CheckoutController, parent: QObject | None = None) -> None:
        super().__init__(parent or controller)
        self.controller = controller
        self.join_url: str | None = None
        self._thanks: Thanks | None = None
        self._cleared = False  # the till has cleared the sold checkout (thanks shown until the next starts)
        self.state = DisplayState()
        controller.sold.connect(self._sold)
        for signal in (controller.lines_changed, controller.extras_changed):
            signal.connect(self.refresh)
        controller.priced.connect(self.refresh)
        controller.customer_changed.connect(self.refresh)

    def set_join_url(self, url: str | None) -> None:
        """The store's join link (read once by the composition root)."""
        self.join_url = url
        self.refresh()

    @Slot()
    @Slot(object)
    def refresh(self, _what: object = None) -> None:
        """Rebuild the state and tell the display when it changed."""
        c = self.controller
        started = bool(c.basket.lines) or c.customer is not None
        if self._thanks is not None and not started:
            self._cleared = True  # the sold checkout is gone from the till
        elif self._thanks is not None and self._cleared:
            self._thanks = None  # the next checkout has started
        state = build_state(c, self.join_url, self._thanks)
        if state != self.state:
            self.state = state
            self.changed.emit(state)

    @Slot(object)
    def _sold(self, result: SaleResult) -> None:
        q = result.quote
        earned = q.earned + q.birthday_points if result.card is not None else None
        self._thanks = Thanks(q.total, earned, result.balance if result.card is not None else None)
        self._cleared = False
        self.refresh()


# ----------------------------------------------------------------- the window


class QrView(QWidget):
    """A QR code drawn square, as big as its place allows, with a white quiet zone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = ""
        self.side = 160
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_data(self, data: str) -> None:
        """The text the code carries."""
        self.data = data
        self.update()

    def set_side(self, side: int) -> None:
        """The code's size on screen, in pixels."""
        self.side = side
        self.setFixedSize(side, side)

    def sizeHint(self) -> QSize:
        """Square."""
        return QSize(self.side, self.side)

    def paintEvent(self, event: QPaintEvent) -> None:
        """White square, dark modules in whole pixels (a blurred module reads badly on phones)."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.data:
            return
        n, runs = qr_runs(self.data)
        module = max(1, min(self.width(), self.height()) // (n + 6))  # 3 modules of quiet zone each side
        left = (self.width() - n * module) // 2
        top = (self.height() - n * module) // 2
        for row, col, length in runs:
            painter.fillRect(left + col * module, top + row * module, length * module, module, QColor("black"))
        painter.end()


def _label(name: str, wrap: bool = True, align: Qt.AlignmentFlag | None = None) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if align is not None:
        label.setAlignment(align)
    return label


_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

# Sizes are in units of the window's base size (set on every resize), so one layout reads at
# 1024×600 and on a 1920×1080 monitor across the counter.
_STYLE = """
QWidget#customerDisplay {{ background: #f6f6f3; }}
QFrame#cdPanel {{ background: white; border: 1px solid #d6d6ce; border-radius: {r}px; }}
QLabel {{ font-size: {base}px; color: #111; }}
QLabel#cdHead {{ font-size: {head}px; font-weight: bold; }}
QLabel#cdMuted {{ font-size: {small}px; color: #5f5f58; }}
QLabel#cdDue {{ font-size: {due}px; font-weight: bold; }}
QLabel#cdEarn {{ font-size: {head}px; font-weight: bold; color: #1b6e3c; }}
QLabel#cdQuestion {{ font-size: {head}px; font-weight: bold; color: #111; background: #fbefd9;
    border: 2px solid #9a5b00; border-radius: {r}px; padding: {pad}px; }}
QLabel#cdItem, QLabel#cdAmount {{ font-size: {base}px; }}
QScrollArea, QWidget#cdLines {{ background: white; }}
QProgressBar {{ min-height: {bar}px; max-height: {bar}px; border: 1px solid #b9b9b2; border-radius: {r}px;
    background: #efefeb; }}
QProgressBar::chunk {{ background: #c9a227; border-radius: {r}px; }}
"""


def base_px(width: int, height: int) -> int:
    """The display's body text size for a window this size (14 px on a 1024×600 tablet, more on a monitor)."""
    return max(14, min(36, min(round(width * 1.25), round(height * 1.6)) // 50))


class CustomerDisplay(QWidget):
    """The window the customer sees; show_state() fills it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setObjectName("customerDisplay")
        self.setWindowTitle(self.tr("Customer display"))
        # Never takes the cashier's keyboard, and never keeps the program running on its own.
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.state = DisplayState()
        self._base = 0
        self._rows: list[tuple[QLabel, QLabel, QLabel]] = []
        self._shown_lines: tuple[DisplayLine, ...] | None = None
        self._stretch_row = 0

        # The basket: a heading, the lines (the newest in view), the sums.
        self.basket_panel = QFrame()
        self.basket_panel.setObjectName("cdPanel")
        basket = QVBoxLayout(self.basket_panel)
        self.basket_head = _label("cdHead")
        basket.addWidget(self.basket_head)
        self.lines_box = QWidget()
        self.lines_box.setObjectName("cdLines")
        self.lines = QGridLayout(self.lines_box)
        self.lines.setContentsMargins(0, 0, 0, 0)
        self.lines.setHorizontalSpacing(12)
        self.lines.setVerticalSpacing(6)
        self.lines.setColumnStretch(0, 1)
        self.basket_scroll = QScrollArea()
        self.basket_scroll.setWidget(self.lines_box)
        self.basket_scroll.setWidgetResizable(True)
        self.basket_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.basket_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.basket_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.basket_scroll.verticalScrollBar().rangeChanged.connect(self._to_newest)
        basket.addWidget(self.basket_scroll, 1)
        sums = QGridLayout()
        self.subtotal_caption, self.subtotal = _label("cdMuted"), _label("cdMuted", False, _RIGHT)
        self.discount_caption, self.discount = _label("cdMuted"), _label("cdMuted", False, _RIGHT)
        self.points_caption, self.points = _label("cdMuted"), _label("cdMuted", False, _RIGHT)
        self.due_caption, self.due = _label("cdHead"), _label("cdDue", False, _RIGHT)
        rows = [
            (self.subtotal_caption, self.subtotal),
            (self.discount_caption, self.discount),
            (self.points_caption, self.points),
            (self.due_caption, self.due),
        ]
        for row, (caption, value) in enumerate(rows):
            sums.addWidget(caption, row, 0)
            sums.addWidget(value, row, 1)
        sums.setColumnStretch(0, 1)
        basket.addLayout(sums)

        # The customer's side: who, tier, balance, what this purchase earns, the points question.
        self.side_panel = QFrame()
        self.side_panel.setObjectName("cdPanel")
        side = QVBoxLayout(self.side_panel)
        self.hello = _label("cdHead")
        self.tier = _label("")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress_text = _label("cdMuted")
        self.balance = _label("")
        self.earn = _label("cdEarn")
        self.question = _label("cdQuestion")
        self.question_detail = _label("cdMuted")
        self.join_text = _label("cdHead", True, Qt.AlignmentFlag.AlignHCenter)
        self.qr = QrView()
        self.join_hint = _label("cdMuted", True, Qt.AlignmentFlag.AlignHCenter)
        for widget in (self.hello, self.tier, self.progress, self.progress_text, self.balance, self.earn):
            side.addWidget(widget)
        side.addWidget(self.question)
        side.addWidget(self.question_detail)
        side.addStretch(1)
        side.addWidget(self.join_text)
        side.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        side.addWidget(self.join_hint)
        side.addStretch(1)

        self.root = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.root.addWidget(self.basket_panel, 3)
        self.root.addWidget(self.side_panel, 2)
        self._set_words()
        self.resize(1024, 600)
        self.show_state(self.state)

    def _set_words(self) -> None:
        self.subtotal_caption.setText(self.tr("Subtotal"))
        self.discount_caption.setText(self.tr("Discount"))
        self.points_caption.setText(self.tr("Paid with points"))
        self.due_caption.setText(self.tr("To pay"))
        self.join_text.setText(self.tr("Join our loyalty programme"))
        self.join_hint.setText(self.tr("Point your phone's camera at the code"))

    # ----------------------------------------------------------------- state → widgets

    @Slot(object)
    def show_state(self, state: DisplayState) -> None:
        """Show a new state of the checkout."""
        self.state = state
        self._fill_lines(state)
        thanks = state.thanks
        if thanks is not None:
            self.basket_head.setText(self.tr("Thank you for your purchase!"))
        elif state.lines:
            self.basket_head.setText(self.tr("Your purchase"))
        else:
            self.basket_head.setText(self.tr("Welcome!"))
        self.subtotal.setText(i18n.money(state.subtotal))
        self.discount.setText(i18n.money(-state.discount))
        self.points.setText(i18n.money(-state.redeemed_amount))
        for caption, value, shown in (
            (self.subtotal_caption, self.subtotal, bool(state.lines)),
            (self.discount_caption, self.discount, state.discount > 0),
            (self.points_caption, self.points, state.redeemed_amount > 0),
        ):
            caption.setVisible(shown)
            value.setVisible(shown)
        if thanks is not None:
            self.due_caption.setText(self.tr("Paid"))
            self.due.setText(i18n.money(thanks.total))
        else:
            self.due_caption.setText(self.tr("To pay"))
            self.due.setText(i18n.money(state.total) if not state.pending else "…")
        self._fill_side(state)

    def _fill_lines(self, state: DisplayState) -> None:
        # Rows are made once and reused: a new styled label costs a style-sheet polish, and a
        # basket re-priced on every scan must not hold up the till's keyboard (the scanner's burst).
        if state.lines == self._shown_lines:
            return
        self._shown_lines = state.lines
        while len(self._rows) < len(state.lines):
            row = len(self._rows)
            cells = (_label("cdItem"), _label("cdMuted", False, _RIGHT), _label("cdAmount", False, _RIGHT))
            for column, cell in enumerate(cells):
                self.lines.addWidget(cell, row, column)
            self._rows.append(cells)
        for index, (name, qty, amount) in enumerate(self._rows):
            shown = index < len(state.lines)
            if shown:
                line = state.lines[index]
                name.setText(line.name)
                qty.setText(f"{line.qty} × {i18n.money(line.unit_price)}")
                amount.setText(self.tr("gift") if line.gift else i18n.money(line.amount))
            for cell in (name, qty, amount):
                cell.setVisible(shown)
        # The rows stay at the top; the space under them stretches.
        self.lines.setRowStretch(self._stretch_row, 0)
        self._stretch_row = len(self._rows)
        self.lines.setRowStretch(self._stretch_row, 1)

    def _fill_side(self, state: DisplayState) -> None:
        customer = state.customer
        thanks = state.thanks
        for widget in (self.tier, self.progress, self.progress_text, self.balance):
            widget.setVisible(customer is not None)
        if customer is not None:
            self.hello.setText(self.tr("Hello, {name}!").format(name=customer.name))
            self.tier.setText(self.tr("Tier: {tier}").format(tier=customer.tier))
            self.progress.setRange(0, customer.progress.maximum)
            self.progress.setValue(customer.progress.value)
            self.progress_text.setText(customer.progress.text)
            self.balance.setText(self.tr("On your card: {points}").format(points=i18n.points(customer.available)))
        elif thanks is not None and thanks.earned is not None:
            self.hello.setText(self.tr("Thank you!"))
        else:
            self.hello.setText(self.tr("Do you have our card?") if state.join_url else "")
        self.hello.setVisible(bool(self.hello.text()))
        if thanks is not None and thanks.earned is not None:
            self.earn.setText(
                self.tr("Earned {points}, on your card {balance}").format(
                    points=i18n.points(thanks.earned), balance=i18n.points(thanks.balance or 0)
                )
            )
        elif state.earned is not None and state.lines:
            self.earn.setText(self.tr("This purchase earns {points}").format(points=i18n.points(state.earned)))
        else:
            self.earn.setText("")
        self.earn.setVisible(bool(self.earn.text()))
        asked = state.redeem_points > 0
        self.question.setVisible(asked)
        self.question_detail.setVisible(asked)
        if asked:
            self.question.setText(self.tr("Spend {points}?").format(points=i18n.points(state.redeem_points)))
            self.question_detail.setText(
                self.tr("The total goes down by {amount}").format(amount=i18n.money(state.redeem_amount))
            )
        joining = state.join_url is not None and customer is None and (thanks is None or thanks.earned is None)
        for joined in (self.join_text, self.qr, self.join_hint):
            joined.setVisible(joining)
        if joining and state.join_url is not None:
            self.qr.set_data(state.join_url)

    @Slot(int, int)
    def _to_newest(self, _low: int, high: int) -> None:
        self.basket_scroll.verticalScrollBar().setValue(high)  # the line just scanned stays in view

    # ----------------------------------------------------------------- size

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Portrait screens stack the customer's side under the basket; type grows with the window."""
        size = event.size()
        portrait = size.height() > size.width()
        self.root.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)
        self.root.setStretch(0, 3)
        self.root.setStretch(1, 2 if not portrait else 0)
        base = base_px(size.width(), size.height())
        self.lines.setVerticalSpacing(base // 3)
        if base != self._base:
            self._base = base
            self.setStyleSheet(
                _STYLE.format(
                    base=base,
                    small=round(base * 0.85),
                    head=round(base * 1.35),
                    due=round(base * 2.4),
                    r=max(6, base // 2),
                    pad=base // 2,
                    bar=max(12, base),
                )
            )
        side = min(size.width() // (2 if portrait else 3), size.height() // (4 if portrait else 2))
        self.qr.set_side(max(120, side))
        super().resizeEvent(event)


# ----------------------------------------------------------------- which screen


class ScreenLike(Protocol):
    """What placing the display needs of a screen (a QScreen; a test's stand-in)."""

    def name(self) -> str: ...

    def geometry(self) -> QRect: ...


def pick_screen(screens: Sequence[ScreenLike], primary: ScreenLike | None, chosen: str) -> ScreenLike | None:
    """The screen the display goes on: the one named in the setting, else the first that is not the till's."""
    if chosen:
        return next((s for s in screens if s.name() == chosen), None)
    primary_name = primary.name() if primary is not None else None
    return next((s for s in screens if s.name() != primary_name), None)


def screen_label(screen: ScreenLike) -> str:
    """A screen as the settings list it: its name and size."""
    geometry = screen.geometry()
    return f"{screen.name()} ({geometry.width()}×{geometry.height()})"


def _qt_screens() -> list[ScreenLike]:
    return list(QGuiApplication.screens())


def _qt_primary() -> ScreenLike | None:
    return QGuiApplication.primaryScreen()


class DisplayHost(QObject):
    """Owns the customer display: on or off, on which screen, and what to do when screens come and go."""

    message = Signal(str, str)  # text, level: what the cashier should know (the display's screen went or came)

    def __init__(
        self,
        feed: DisplayFeed,
        *,
        enabled: bool = False,
        screen: str = "",
        parent: QObject | None = None,
        screens: Callable[[], list[ScreenLike]] = _qt_screens,
        primary: Callable[[], ScreenLike | None] = _qt_primary,
    ) -> None:
        super().__init__(parent)
        self.feed = feed
        self.enabled = enabled
        self.chosen = screen
        self._screens = screens
        self._primary = primary
        self.where: str | None = None  # the screen the display is on now (None: hidden)
        self._missing: str | None = None  # the screen the display waits for, said once
        self.display = CustomerDisplay()
        feed.changed.connect(self.display.show_state)
        self.display.show_state(feed.state)
        self.action = QAction(QCoreApplication.translate("CustomerDisplay", "Customer display"), self)
        self.action.setObjectName("customer_display_action")
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action.triggered.connect(self._toggled)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenAdded.connect(self.screen_added)
            app.screenRemoved.connect(self.screen_removed)
            app.primaryScreenChanged.connect(self._primary_changed)
            # Some platforms hand a newly shown window the keyboard, whatever its flags say.
            app.focusWindowChanged.connect(self._keep_keyboard)
        self.place()

    # ----------------------------------------------------------------- settings and keys

    def configure(self, enabled: bool, screen: str) -> None:
        """Apply the till's settings (at start, and when the manager saves them)."""
        self.enabled, self.chosen = enabled, screen
        self._missing = None
        self.place()

    @Slot(bool)
    def _toggled(self, _checked: bool = False) -> None:
        self.toggle()

    def toggle(self) -> None:
        """F11: show the display, or hide it (for this run; the setting decides at the next start)."""
        self.enabled = not self.enabled
        self._missing = None
        self.place()
        if self.enabled and self.where is None and self._missing is None:
            self._say_missing()

    # ----------------------------------------------------------------- screens

    @Slot(QScreen)
    def screen_added(self, screen: ScreenLike) -> None:
        """A monitor was plugged in: the display returns to it when it is the one it waits for."""
        waiting = self._missing
        self.place()
        if waiting is not None and self.where is not None:
            self.message.emit(
                QCoreApplication.translate("CustomerDisplay", "The customer display is back on {screen}").format(
                    screen=self.where
                ),
                "info",
            )

    @Slot(QScreen)
    def screen_removed(self, screen: ScreenLike) -> None:
        """A monitor was unplugged: the display leaves it (hidden until it comes back)."""
        gone = screen.name()
        self.place(without=gone)

    @Slot(QScreen)
    def _primary_changed(self, _screen: object) -> None:
        self.place()  # "the first screen that is not the till's" may be another one now

    def place(self, without: str | None = None) -> None:
        """Put the display where the settings say, or hide it when that screen is not there."""
        if not self.enabled:
            self._hide()
            self.action.setChecked(False)
            return
        self.action.setChecked(True)
        screens = [s for s in self._screens() if s.name() != without]
        primary = self._primary()
        if primary is not None and primary.name() == without:
            primary = screens[0] if screens else None
        target = pick_screen(screens, primary, self.chosen)
        if target is None:
            was = self.where
            self._hide()
            if was is not None or self._missing is None:
                self._say_missing()
            return
        self._missing = None
        self._show_on(target, own=primary is not None and target.name() == primary.name())

    def _say_missing(self) -> None:
        self._missing = self.chosen or "auto"
        if self.chosen:
            text = QCoreApplication.translate(
                "CustomerDisplay", "The customer display's screen {screen} is not connected: it returns when it is"
            ).format(screen=self.chosen)
        else:
            text = QCoreApplication.translate(
                "CustomerDisplay", "No second screen for the customer display: it shows when one is connected"
            )
        self.message.emit(text, "warn")

    def _hide(self) -> None:
        self.where = None
        self.display.hide()

    def _show_on(self, screen: ScreenLike, *, own: bool) -> None:
        display = self.display
        area = screen.geometry()
        if isinstance(screen, QScreen):
            display.setScreen(screen)
        if own:
            # The till's own screen: a window in its corner, never full screen over the checkout.
            display.setWindowState(Qt.WindowState.WindowNoState)
            width, height = max(640, area.width() // 2), max(400, area.height() // 2)
            display.setGeometry(area.right() + 1 - width, area.top(), width, height)
            display.show()
        else:
            display.setGeometry(area)
            display.showFullScreen()
        self.where = screen.name()

    @Slot()
    def _keep_keyboard(self, _window: object = None) -> None:
        """The display never keeps the keyboard: it goes back to the open dialog, else the till, at once."""
        handle = self.display.windowHandle()
        if handle is None or QGuiApplication.focusWindow() is not handle:
            return
        owner = QApplication.activeModalWidget() or self.parent()
        if isinstance(owner, QWidget) and owner.isVisible():
            owner.activateWindow()

    def close(self) -> None:
        """The till is closing: the display goes with it."""
        self.display.close()
        self.display.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The till's window closing closes the display (it has no parent to take it along)."""
        if event.type() == QEvent.Type.Close and watched is self.parent():
            self.display.close()
        return False
