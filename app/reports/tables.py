"""A report as a list of plain tables, and how each kind of cell is written in CSV and in PDF.

The CSV and PDF exporters both walk these tables, so a figure is defined once and both files show
the same rows. Cells keep the service's exact values (kopecks, points, Fractions); text is made
only here, at the edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from app.core.fmt import MINUS, NNBSP, format_money, group_thousands
from app.core.money import round_half_up
from app.core.services.reports import Dashboard, Filters, Report, Segment, SegmentCustomer, StoreRow, ratio
from app.core.timeutil import from_ms

Kind = Literal["text", "int", "money", "share", "decimal", "date", "datetime"]
Target = Literal["csv", "pdf"]

# ru opens in Russian Excel as columns (its list separator is ";" and its decimal mark ","); en
# follows the English defaults.
CSV_DIALECT = {"ru": (";", ","), "en": (",", ".")}


class Cell(NamedTuple):
    """One value and how to write it: money is kopecks, share a Fraction of 1, decimal a Fraction.

    A named tuple, not a frozen dataclass: the customer list makes hundreds of thousands of them.
    """

    kind: Kind
    value: object


@dataclass(frozen=True)
class Column:
    """A column heading in both languages."""

    ru: str
    en: str

    def label(self, lang: str) -> str:
        """The heading in lang."""
        return self.ru if lang == "ru" else self.en


@dataclass(frozen=True)
class Table:
    """A titled table: the CSV file name, headings and rows of cells."""

    key: str
    title: Column
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: Column | None = None


def tr(lang: str, ru: str, en: str) -> str:
    """Pick the Russian or the English text."""
    return ru if lang == "ru" else en


# ----------------------------------------------------------------------------- cells to text


def _decimal(x: Fraction, places: int, mark: str) -> str:
    """x rounded half up to `places` decimals, written with the decimal mark (exact, no float)."""
    scaled = round_half_up(x * 10**places)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}{mark}{frac:0{places}d}" if places else f"{sign}{whole}"


def cell_text(cell: Cell, lang: str, target: Target, zone: ZoneInfo) -> str:
    """The text of a cell: plain numbers for CSV (re-readable), grouped and signed for PDF."""
    v = cell.value
    mark = CSV_DIALECT[lang][1]
    if v is None:
        return "" if target == "csv" else "—"
    if cell.kind == "text":
        return text_of(v, lang)
    if cell.kind == "int":
        assert isinstance(v, int)
        if target == "csv":
            return str(v)
        text = group_thousands(abs(v), NNBSP if lang == "ru" else ",")
        return f"{MINUS}{text}" if v < 0 else text
    if cell.kind == "money":
        assert isinstance(v, int)
        if target == "csv":
            return _decimal(Fraction(v, 100), 2, mark)
        return format_money(v, lang)
    if cell.kind == "share":
        assert isinstance(v, Fraction)
        if target == "csv":
            return _decimal(v * 100, 2, mark)
        return _decimal(v * 100, 1, mark) + (f"{NNBSP}%" if lang == "ru" else "%")
    if cell.kind == "decimal":
        assert isinstance(v, Fraction)
        return _decimal(v, 2, mark)
    if cell.kind == "date":
        assert isinstance(v, date)
        return v.isoformat() if target == "csv" or lang == "en" else v.strftime("%d.%m.%Y")
    if cell.kind == "datetime":
        assert isinstance(v, int)
        local = from_ms(v).astimezone(zone)
        return local.strftime("%Y-%m-%d %H:%M" if target == "csv" or lang == "en" else "%d.%m.%Y %H:%M")
    raise ValueError(f"unknown cell kind {cell.kind!r}")


# ----------------------------------------------------------------------------- the tables

SEGMENT_NAMES = {
    "active": Column("Активные (≤ 30 дней)", "Active (≤ 30 days)"),
    "at_risk": Column("Под угрозой (31–90 дней)", "At risk (31–90 days)"),
    "lost": Column("Потерянные (> 90 дней)", "Lost (> 90 days)"),
    "never": Column("Без покупок", "Never bought"),
}


def _c(ru: str, en: str) -> Column:
    return Column(ru, en)


def _row(label: Column, *cells: Cell) -> tuple[Cell, ...]:
    return (Cell("text", label), *cells)


def _money(v: int | None) -> Cell:
    return Cell("money", v)


def _int(v: int | None) -> Cell:
    return Cell("int", v)


def _share(v: Fraction | None) -> Cell:
    return Cell("share", v)


def _avg_money(v: Fraction | None) -> Cell:
    # An exact average check shown to the kopeck, half up.
    return Cell("money", None if v is None else round_half_up(v))


def summary_table(r: Report) -> Table:
    """The headline figures, first in the PDF."""
    s, c, p = r.sales, r.customers, r.points
    rows = (
        _row(_c("Выручка (за вычетом возвратов)", "Revenue (refunds deducted)"), _money(s.total.revenue)),
        _row(_c("Продаж", "Sales"), _int(s.total.sales)),
        _row(_c("Средний чек", "Average check"), _avg_money(s.total.average_check)),
        _row(_c("Доля продаж с картой", "Sales with a card"), _share(s.card_share)),
        _row(_c("Средний чек с картой", "Average card check"), _avg_money(s.card.average_check)),
        _row(_c("Активные карты (30 дней)", "Active cards (30 days)"), _int(c.active_30)),
        _row(_c("Новые участники", "New members"), _int(c.new_enrollments)),
        _row(_c("Повторные покупатели", "Repeat buyers"), _share(c.repeat_share)),
        _row(_c("CLV (оценка)", "CLV (estimate)"), _money(clv_shown(r))),
        _row(_c("Начислено баллов", "Points issued"), _int(p.issued)),
        _row(_c("Списано баллов", "Points redeemed"), _int(p.redeemed)),
        _row(_c("Обязательства по баллам", "Points liability"), _money(p.liability_kopecks)),
    )
    return Table(
        "summary", _c("Ключевые показатели", "Key figures"), (_c("Показатель", "Figure"), _c("Значение", "Value")), rows
    )


def sales_table(r: Report) -> Table:
    """Sales with a card, without and in total."""
    g = (r.sales.card, r.sales.anonymous, r.sales.total)
    rows = (
        _row(_c("Продаж", "Sales"), *(_int(x.sales) for x in g)),
        _row(_c("Оплачено покупателями", "Paid by customers"), *(_money(x.gross) for x in g)),
        _row(_c("Возвратов", "Refunds"), *(_int(x.refunds) for x in g)),
        _row(_c("Возвращено денег", "Money given back"), *(_money(x.refunded) for x in g)),
        _row(_c("Выручка", "Revenue"), *(_money(x.revenue) for x in g)),
        _row(_c("Средний чек", "Average check"), *(_avg_money(x.average_check) for x in g)),
    )
    cols = (_c("Показатель", "Figure"), _c("С картой", "With a card"), _c("Без карты", "Without"), _c("Всего", "Total"))
    note = _c(
        "Выручка = оплачено по чекам периода − деньги, возвращённые в периоде. Средний чек = оплачено / число чеков.",
        "Revenue = paid on the period's receipts − money refunded in the period. Average check = paid / receipts.",
    )
    return Table("sales", _c("Продажи", "Sales"), cols, rows, note)


def cashiers_table(r: Report) -> Table:
    """Sales and the card share per cashier."""
    rows = tuple(
        (
            Cell("text", x.cashier if x.cashier is not None else _c("(не указан)", "(not recorded)")),
            _int(x.sales),
            _int(x.card_sales),
            _share(x.card_share),
            _money(x.revenue),
        )
        for x in r.sales.by_cashier
    )
    cols = (
        _c("Кассир", "Cashier"),
        _c("Продаж", "Sales"),
        _c("С картой", "With a card"),
        _c("Доля с картой", "Card share"),
        _c("Выручка", "Revenue"),
    )
    return Table("cashiers", _c("Кассиры", "Cashiers"), cols, rows)


def customers_table(r: Report) -> Table:
    """The customers section."""
    c = r.customers
    rows = (
        _row(_c("Участников программы", "Members"), _int(c.customers)),
        _row(_c("Активные карты, 30 дней", "Active cards, 30 days"), _int(c.active_30)),
        _row(_c("Активные карты, 90 дней", "Active cards, 90 days"), _int(c.active_90)),
        _row(_c("Новые участники за период", "New members in the period"), _int(c.new_enrollments)),
        _row(_c("Покупали с картой", "Bought with a card"), _int(c.buyers)),
        _row(_c("Покупали 2 раза и более", "Bought twice or more"), _int(c.repeat_buyers)),
        _row(_c("Доля повторных покупателей", "Repeat-purchase share"), _share(c.repeat_share)),
        _row(
            _c("Медиана дней между визитами", "Median days between visits"),
            Cell("decimal", c.median_days_between_visits),
        ),
        _row(_c("Интервалов между визитами", "Gaps between visits measured"), _int(c.visit_gaps)),
    )
    return Table(
        "customers", _c("Покупатели", "Customers"), (_c("Показатель", "Figure"), _c("Значение", "Value")), rows
    )


def points_table(r: Report) -> Table:
    """Points moved in the period and the liability."""
    p = r.points

    def pts(label: Column, n: int) -> tuple[Cell, ...]:
        return _row(label, _int(n), _money(n * p.point_value))

    rows = (
        pts(_c("Обязательства на начало", "Liability at the start"), p.opening_liability),
        pts(_c("Начислено", "Issued"), p.issued),
        pts(_c("Списано (оплата и подарки)", "Redeemed (payments and gifts)"), p.redeemed),
        pts(_c("  в т. ч. в долг (офлайн)", "  of which overdraft (offline)"), p.overdraft),
        pts(_c("Сгорело", "Expired"), p.expired),
        pts(_c("Забрано при возвратах", "Taken back by refunds"), p.taken_back),
        pts(_c("Поправки сервера", "Server corrections"), p.sync),
        pts(_c("Обязательства на конец", "Liability at the end"), p.liability),
        # Shown so that the three lines add up to the liability: the service's `available` has the
        # debt already taken off (loyalty-rules.md §4), here it is shown apart, with a minus.
        pts(_c("  доступно на картах", "  usable on cards"), p.available + p.debt),
        pts(_c("  ожидает активации", "  pending"), p.pending),
        pts(_c("  долг покупателей", "  customers' debt"), -p.debt),
        _row(_c("Уровень списания", "Redemption rate"), _share(p.redemption_rate), Cell("text", None)),
        _row(_c("Доля сгоревших баллов", "Breakage"), _share(p.breakage), Cell("text", None)),
    )
    cols = (_c("Показатель", "Figure"), _c("Баллы", "Points"), _c("Рубли", "Roubles"))
    note = _c(
        f"1 балл = {format_money(p.point_value)}. На начало + начислено − списано − сгорело − забрано + поправки "
        "= на конец. Уровень списания = списано / начислено; сгорание = сгорело / начислено.",
        f"1 point = {format_money(p.point_value, 'en')}. Start + issued − redeemed − expired − taken back + "
        "corrections = end. Redemption rate = redeemed / issued; breakage = expired / issued.",
    )
    return Table("points", _c("Баллы", "Points"), cols, rows, note)


def tiers_table(r: Report) -> Table:
    """Customers per tier."""
    total = sum(x.customers for x in r.tiers)
    rows = tuple(
        (
            Cell("text", x.name),
            _money(x.min_spend),
            _int(x.customers),
            _share(None if not total else Fraction(x.customers, total)),
        )
        for x in r.tiers
    )
    cols = (_c("Уровень", "Tier"), _c("Порог трат", "Spend from"), _c("Покупателей", "Customers"), _c("Доля", "Share"))
    return Table("tiers", _c("Уровни", "Tiers"), cols, rows)


def segments_table(r: Report) -> Table:
    """Counts per recency segment."""
    total = sum(s.count for s in r.segments)
    rows = tuple(
        (Cell("text", SEGMENT_NAMES[s.key]), _int(s.count), _share(None if not total else Fraction(s.count, total)))
        for s in r.segments
    )
    cols = (_c("Сегмент", "Segment"), _c("Покупателей", "Customers"), _c("Доля", "Share"))
    return Table("segments", _c("Сегменты по давности покупок", "Segments by recency"), cols, rows)


def segment_customers_table(r: Report, limit: int | None = None, key: str | None = None) -> Table:
    """The customers of each segment (or of one), most purchases first; limit cuts each segment for print."""
    rows: list[tuple[Cell, ...]] = []
    for s in r.segments:
        if key is not None and s.key != key:
            continue
        rows += [_segment_row(s, c) for c in (s.customers if limit is None else s.customers[:limit])]
    cols = (
        _c("Сегмент", "Segment"),
        _c("ID", "ID"),
        _c("Имя", "Name"),
        _c("Телефон", "Phone"),
        _c("Карта", "Card"),
        _c("Последняя покупка", "Last purchase"),
        _c("Покупок", "Purchases"),
    )
    return Table("segment_customers", _c("Покупатели по сегментам", "Customers by segment"), cols, tuple(rows))


def _segment_row(s: Segment, c: SegmentCustomer) -> tuple[Cell, ...]:
    return (
        Cell("text", SEGMENT_NAMES[s.key]),
        _int(c.customer_id),
        Cell("text", c.name),
        Cell("text", c.phone_masked),
        Cell("text", c.card),
        Cell("datetime", c.last_purchase_at),
        _int(c.purchases),
    )


def lifetime_formula(lang: str) -> str:
    """The CLV formula, as text."""
    if lang == "ru":
        return (
            "CLV = средний чек × покупок на покупателя в год × ожидаемый срок жизни, лет; "
            "покупок в год = чеков с картой / покупателей × 365 / дней периода; "
            "срок жизни = (дней периода / 365) / (1 − удержание), не более 10 лет; "
            "удержание = доля покупателей предыдущего такого же периода, купивших снова. "
            "Оценка по выручке, не по прибыли."
        )
    return (
        "CLV = average check × purchases per customer per year × expected lifetime in years; "
        "purchases per year = card sales / buyers × 365 / period days; "
        "lifetime = (period days / 365) / (1 − retention), at most 10 years; "
        "retention = share of the previous equal period's buyers who bought again. "
        "By revenue, not profit."
    )


def lifetime_table(r: Report) -> Table:
    """The CLV estimate and every input."""
    lt = r.lifetime
    rows = (
        _row(_c("Средний чек с картой", "Average card check"), _avg_money(lt.average_check)),
        _row(_c("Чеков с картой", "Card sales"), _int(lt.card_sales)),
        _row(_c("Покупателей с картой", "Card buyers"), _int(lt.buyers)),
        _row(
            _c("Покупок на покупателя в год", "Purchases per customer per year"), Cell("decimal", lt.purchases_per_year)
        ),
        _row(_c("Покупали в прошлом периоде", "Bought in the previous period"), _int(lt.previous_buyers)),
        _row(_c("  из них купили снова", "  of whom bought again"), _int(lt.retained)),
        _row(_c("Удержание", "Retention"), _share(lt.retention)),
        _row(_c("Ожидаемый срок жизни, лет", "Expected lifetime, years"), Cell("decimal", lt.lifetime_years)),
        _row(_c("CLV (пожизненная ценность)", "CLV (lifetime value)"), _money(clv_shown(r))),
        *_clv_rows(r),
    )
    note = Column(lifetime_formula("ru"), lifetime_formula("en"))
    cols = (_c("Показатель", "Figure"), _c("Значение", "Value"))
    return Table("lifetime", _c("Пожизненная ценность покупателя", "Customer lifetime value"), cols, rows, note)


def clv_shown(r: Report) -> int | None:
    """The CLV estimate when its sample is large enough (docs/reports.md §13), else None: never from a handful."""
    if r.payback is None:
        return r.lifetime.value  # a report from a server that predates the minimum sample
    return r.payback.clv.value


def _clv_rows(r: Report) -> tuple[tuple[Cell, ...], ...]:
    if r.payback is None:
        return ()
    clv = r.payback.clv
    return (
        _row(_c("  нижняя граница (95 %)", "  low end (95%)"), _money(clv.low)),
        _row(_c("  верхняя граница (95 %)", "  high end (95%)"), _money(clv.high)),
        _row(_c("Выборка для CLV, покупателей", "CLV sample, customers"), _int(clv.sample)),
        _row(_c("  нужно не меньше", "  needed at least"), _int(clv.minimum)),
    )


def payback_formula(lang: str) -> str:
    """How «does the program pay?» is computed, as text (docs/reports.md §13)."""
    if lang == "ru":
        return (
            "Стоимость = скидки по уровню карты + бесплатные единицы по картам штампов + скидки по купонам + "
            "оплачено баллами + подарки (баллы × цена балла). "
            "Сверх = чеков с картой × (средняя корзина с картой − средняя корзина без карты); корзина — сумма "
            "чека до скидок и баллов. Итог = сверх − стоимость; больше нуля — программа окупается по этой мере "
            "(она сравнивает корзины и не доказывает, что без программы участники купили бы меньше). "
            "Визиты, удержание и CLV — по всему магазину; CLV — только от 30 покупателей, с границами по "
            "95-процентному интервалу удержания."
        )
    return (
        "Cost = card (tier) discounts + free units of stamp cards + coupon discounts + paid with points + "
        "gifts (points × point value). "
        "Extra = card sales × (average card basket − average basket without a card); a basket is the receipt "
        "before discounts and points. Balance = extra − cost; above zero the program pays by this measure "
        "(it compares baskets and cannot prove members would have bought less without the program). "
        "Visits, retention and CLV are store-wide; CLV only from 30 customers, with ends from the 95% "
        "interval of retention."
    )


def payback_verdict(r: Report, lang: str) -> str:
    """One sentence: does the program pay in this period, and by how much."""
    p = r.payback
    if p is None or p.balance is None:
        return tr(
            lang,
            "Сравнить нельзя: нужны продажи и с картой, и без карты.",
            "No comparison: it needs sales both with a card and without one.",
        )
    amount = format_money(abs(p.balance), lang)
    if p.balance >= 0:
        return tr(
            lang,
            f"Программа окупается: участники принесли на {amount} больше, чем она стоила.",
            f"The programme pays: members brought {amount} more than it cost.",
        )
    return tr(
        lang,
        f"Программа не окупается: она стоила на {amount} больше, чем участники принесли сверх остальных.",
        f"The programme does not pay: it cost {amount} more than members brought beyond the others.",
    )


def payback_table(r: Report) -> Table:
    """Does the program pay: its cost by kind against what members bring beyond non-members."""
    cols = (_c("Показатель", "Figure"), _c("Значение", "Value"))
    title = _c("Окупается ли программа", "Does the programme pay")
    note = Column(payback_formula("ru"), payback_formula("en"))
    p = r.payback
    if p is None:
        return Table("payback", title, cols, (), note)
    c = p.cost
    rows = (
        _row(_c("Стоимость программы", "Programme cost"), _money(c.total)),
        _row(_c("  скидки по уровню карты", "  card (tier) discounts"), _money(c.tier_discounts)),
        _row(_c("  бесплатные единицы по штампам", "  free stamp-card units"), _money(c.stamps)),
        _row(_c("  скидки по купонам", "  coupon discounts"), _money(c.coupons)),
        _row(_c("  оплачено баллами", "  paid with points"), _money(c.points)),
        _row(_c("  подарки за баллы", "  gifts for points"), _money(c.gifts)),
        _row(_c("Чеков с картой", "Card sales"), _int(p.baskets.card_sales)),
        _row(_c("Средняя корзина с картой", "Average card basket"), _avg_money(p.card_average_basket)),
        _row(_c("Средняя корзина без карты", "Average basket, no card"), _avg_money(p.anonymous_average_basket)),
        _row(_c("Участники принесли сверх", "Members brought beyond"), _money(p.extra)),
        _row(_c("Итог: сверх − стоимость", "Balance: extra − cost"), _money(p.balance)),
        _row(_c("Принесли на 1 ₽ стоимости, ₽", "Brought per 1 RUB of cost"), Cell("decimal", p.per_rouble)),
        _row(
            _c("Визитов на участника за период", "Visits per member in the period"),
            Cell("decimal", p.visits_per_member),
        ),
        _row(_c("Удержание (купили снова)", "Retention (bought again)"), _share(p.retention)),
        _row(_c("Доля выручки с картой", "Card share of revenue"), _share(p.card_revenue_share)),
        _row(_c("CLV (оценка)", "CLV (estimate)"), _money(p.clv.value)),
        *_clv_rows(r),
    )
    return Table("payback", title, cols, rows, note)


def categories_table(r: Report) -> Table:
    """Money paid with points per category."""
    total = sum(x.amount for x in r.redeemed_by_category)
    rows = tuple(
        (Cell("text", x.category), _money(x.amount), _share(None if not total else Fraction(x.amount, total)))
        for x in r.redeemed_by_category
    )
    cols = (_c("Категория", "Category"), _c("Оплачено баллами", "Paid with points"), _c("Доля", "Share"))
    return Table("categories", _c("На что тратят баллы", "What points are spent on"), cols, rows)


def coupons_table(r: Report) -> Table:
    """Coupon uses and the discount of the coupon itself."""
    rows = tuple((Cell("text", x.code), _int(x.uses), _money(x.discount)) for x in r.coupons)
    cols = (_c("Купон", "Coupon"), _c("Применений", "Uses"), _c("Скидка по купону", "Coupon discount"))
    return Table("coupons", _c("Купоны", "Coupons"), cols, rows)


def rewards_table(r: Report) -> Table:
    """Gifts given for points."""
    rows = tuple((Cell("text", x.name), Cell("text", x.reward_id), _int(x.count), _int(x.points)) for x in r.rewards)
    cols = (_c("Подарок", "Gift"), _c("Код", "ID"), _c("Выдано", "Given"), _c("Баллов", "Points"))
    return Table("rewards", _c("Подарки за баллы", "Gifts for points"), cols, rows)


def stamps_table(r: Report) -> Table:
    """Stamp cards completed."""
    rows = tuple((Cell("text", x.rule_id), _int(x.completed)) for x in r.stamps)
    cols = (_c("Карта штампов", "Stamp card"), _c("Заполнено (бесплатных единиц)", "Completed (free units)"))
    return Table("stamps", _c("Карты штампов", "Stamp cards"), cols, rows)


NO_STORE = Column("(без магазина)", "(no store)")
WHOLE_CHAIN = Column("Вся сеть", "Whole chain")


def dashboard_of(r: Report) -> Dashboard:
    """The headline figures of a full report (the same formulas as ReportsService.dashboard)."""
    s, p = r.sales, r.points
    return Dashboard(
        period=r.period,
        filters=r.filters,
        revenue=s.total.revenue,
        sales=s.total.sales,
        card_sales=s.card.sales,
        card_share=s.card_share,
        average_check=s.total.average_check,
        average_check_card=s.card.average_check,
        average_check_anonymous=s.anonymous.average_check,
        active_30=r.customers.active_30,
        new_enrollments=r.customers.new_enrollments,
        issued=p.issued,
        redeemed=p.redeemed,
        liability=p.liability,
        liability_kopecks=p.liability_kopecks,
    )


def stores_table(rows: Sequence[StoreRow], chain: Dashboard | None = None) -> Table:
    """The chain store by store, most revenue first, then the whole chain's line (from its own figures)."""
    whole = chain.revenue if chain is not None else sum(x.revenue for x in rows)

    def line(label: object, x: StoreRow | Dashboard) -> tuple[Cell, ...]:
        return (
            Cell("text", label),
            _money(x.revenue),
            _share(ratio(x.revenue, whole) if whole > 0 else None),
            _int(x.sales),
            _share(x.card_share),
            _avg_money(x.average_check),
            _avg_money(x.average_check_card),
            _avg_money(x.average_check_anonymous),
            _int(x.active_30),
            _int(x.new_enrollments),
            _int(x.issued),
            _int(x.redeemed),
        )

    body = [line(x.store if x.store is not None else NO_STORE, x) for x in rows]
    if chain is not None and (chain.filters.store is None and chain.filters.terminal is None):
        body.append(line(WHOLE_CHAIN, chain))
    cols = (
        _c("Магазин", "Store"),
        _c("Выручка", "Revenue"),
        _c("Доля выручки", "Revenue share"),
        _c("Продаж", "Sales"),
        _c("С картой", "With a card"),
        _c("Средний чек", "Average check"),
        _c("Чек с картой", "Card check"),
        _c("Чек без карты", "No-card check"),
        _c("Активные карты", "Active cards"),
        _c("Новые участники", "New members"),
        _c("Начислено", "Points issued"),
        _c("Списано", "Points redeemed"),
    )
    note = _c(
        "Магазин строки — тот, чья касса провела продажу, запись или движение баллов. Продажи, выручка, "
        "участники и баллы магазинов в сумме дают сеть; активные карты — нет: покупатель двух магазинов "
        "активен в обоих. Фильтр по кассиру относится только к продажам и возвратам.",
        "A row's store is the one whose terminal rang up the sale, enrolled the member or moved the points. "
        "Sales, revenue, members and points of the stores add up to the chain; active cards do not: a "
        "customer of two stores is active in both. The cashier filter applies to sales and refunds only.",
    )
    return Table("stores", _c("Магазины сети", "The chain's stores"), cols, tuple(body), note)


def pick_columns(table: Table, keep: Sequence[int], title: Column | None = None, note: bool = True) -> Table:
    """The same table with only some of its columns: a wide table shown or printed as narrower ones."""
    rows = tuple(tuple(row[i] for i in keep) for row in table.rows)
    return Table(
        table.key, title or table.title, tuple(table.columns[i] for i in keep), rows, table.note if note else None
    )


def split_stores_table(table: Table) -> tuple[Table, Table]:
    """The store rows as two tables that fit a screen: sales and checks, then customers and points."""
    sales = pick_columns(table, range(8), _c("Продажи по магазинам", "Sales by store"), note=False)
    people = pick_columns(
        table, (0, 8, 9, 10, 11), _c("Покупатели и баллы по магазинам", "Customers and points by store")
    )
    return sales, people


def revenue_days_table(r: Report) -> Table:
    """Revenue per local day."""
    rows = tuple(
        (Cell("date", d.day), _money(d.card), _money(d.anonymous), _money(d.card + d.anonymous))
        for d in r.series.revenue
    )
    cols = (_c("Дата", "Date"), _c("С картой", "With a card"), _c("Без карты", "Without"), _c("Всего", "Total"))
    return Table("revenue_by_day", _c("Выручка по дням", "Revenue by day"), cols, rows)


def active_days_table(r: Report) -> Table:
    """Active cards per local day."""
    rows = tuple((Cell("date", d.day), _int(d.active)) for d in r.series.active)
    cols = (_c("Дата", "Date"), _c("Активных карт (30 дней)", "Active cards (30 days)"))
    return Table("active_by_day", _c("Активные карты по дням", "Active cards by day"), cols, rows)


def points_days_table(r: Report) -> Table:
    """Points issued, redeemed and expired per local day."""
    rows = tuple((Cell("date", d.day), _int(d.issued), _int(d.redeemed), _int(d.expired)) for d in r.series.points)
    cols = (_c("Дата", "Date"), _c("Начислено", "Issued"), _c("Списано", "Redeemed"), _c("Сгорело", "Expired"))
    return Table("points_by_day", _c("Баллы по дням", "Points by day"), cols, rows)


def all_tables(r: Report, segment_limit: int | None = None) -> list[Table]:
    """Every table of the report, in reading order."""
    return [
        summary_table(r),
        sales_table(r),
        cashiers_table(r),
        customers_table(r),
        points_table(r),
        tiers_table(r),
        segments_table(r),
        segment_customers_table(r, segment_limit),
        lifetime_table(r),
        categories_table(r),
        coupons_table(r),
        rewards_table(r),
        stamps_table(r),
        revenue_days_table(r),
        active_days_table(r),
        points_days_table(r),
        payback_table(r),
    ]


def text_of(value: object, lang: str) -> str:
    """A text cell's value (a bilingual Column or a plain string)."""
    return value.label(lang) if isinstance(value, Column) else str(value)


def period_text(r: Report, lang: str) -> str:
    """'1 March 2025 – 31 March 2025' style period in the merchant's time zone (end shown inclusive)."""
    zone = ZoneInfo(r.timezone)
    start = from_ms(r.period.start).astimezone(zone)
    last = from_ms(r.period.end - 1).astimezone(zone)
    whole_days = start.hour == start.minute == 0 and from_ms(r.period.end).astimezone(zone).time().hour == 0
    fmt = ("%d.%m.%Y" if lang == "ru" else "%Y-%m-%d") + ("" if whole_days else " %H:%M")
    return f"{start.strftime(fmt)} – {last.strftime(fmt)} ({r.timezone})"


def filters_text(f: Filters, lang: str) -> str:
    """The filters in words, or 'all sales'."""
    parts = []
    if f.store is not None:
        parts.append(tr(lang, "магазин", "store") + f": {f.store}")
    if f.terminal is not None:
        parts.append(tr(lang, "касса", "terminal") + f": {f.terminal}")
    if f.cashier is not None:
        parts.append(tr(lang, "кассир", "cashier") + f": {f.cashier}")
    if not parts:
        return tr(lang, "все продажи", "all sales")
    scope = tr(
        lang,
        " (фильтр — к продажам и возвратам; покупатели, баллы и уровни — по всему магазину)",
        " (the filter applies to sales and refunds; customers, points and tiers are store-wide)",
    )
    return ", ".join(parts) + scope
