"""The terminal's tables (SQLAlchemy Core). Money and points are integers; times are UTC ms."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String, primary_key=True), Column("value", Text, nullable=False))

programs = Table(
    "programs",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("uid", String, nullable=False, unique=True),
    Column("body", Text, nullable=False),
    Column("activate_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("sku", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("category", String, nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("barcode", String, unique=True),
    Column("name_search", String, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String, nullable=False, unique=True),
    Column("name", String, nullable=False),
    Column("name_search", String, nullable=False),
    Column("phone", String, unique=True),
    Column("birthday", String),
    Column("referrer_id", Integer, ForeignKey("customers.id")),
    Column("referral_paid", Integer, nullable=False, default=0),
    Column("consent_at", BigInteger),
    Column("enrolled_at", BigInteger, nullable=False),
    Column("last_op_at", BigInteger, nullable=False),
    Column("debt", BigInteger, nullable=False, default=0),
    Column("expired_total", BigInteger, nullable=False, default=0),
    Column("blocked", Integer, nullable=False, default=0),
    # v3: replication with a central server.
    Column("merged_into", String),
    Column("snapshot_seq", BigInteger, nullable=False, default=0, server_default="0"),
    Column("flagged", Integer, nullable=False, default=0, server_default="0"),
    Column("change_seq", BigInteger, nullable=False, default=0, server_default="0"),
)
Index("ix_customers_name", customers.c.name_search)

cards = Table(
    "cards",
    metadata,
    Column("code", String, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("active", Integer, nullable=False, default=1),
    Column("issued_at", BigInteger, nullable=False),
)
Index("ix_cards_customer", cards.c.customer_id)

lots = Table(
    "lots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String, nullable=False, unique=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("available_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger),
    Column("source", String, nullable=False),
    Column("txn_uid", String, nullable=False),
)
# Only lots with points left matter to pricing; a partial index keeps that read tiny (on the server's
# PostgreSQL too, since its revision 0002).
Index("ix_lots_open", lots.c.customer_id, sqlite_where=lots.c.remaining > 0, postgresql_where=lots.c.remaining > 0)
# v4: the reports' liability is sums over the open lots by expiry and activation; this partial
# index holds exactly the columns they read, so the pass skips the spent lots and the table
# (a 1,000,000-sale store's dashboard: 1.2 s -> 0.27 s, docs/benchmarks-reports.md).
Index(
    "ix_lots_open_expiry",
    lots.c.expires_at,
    lots.c.available_at,
    lots.c.remaining,
    sqlite_where=lots.c.remaining > 0,
    postgresql_where=lots.c.remaining > 0,
)

journal = Table(
    "journal",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("lot_uid", String),
    Column("kind", String, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("txn_uid", String, nullable=False),
)
Index("ix_journal_customer", journal.c.customer_id)
# v4: the reports read the points moved in a period (and after it) by date; this index covers that pass.
Index("ix_journal_at", journal.c.at, journal.c.kind, journal.c.points)

sales = Table(
    "sales",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String, nullable=False, unique=True),
    Column("customer_id", Integer, ForeignKey("customers.id")),
    Column("card", String),
    Column("at", BigInteger, nullable=False),
    Column("program_version", Integer, nullable=False),
    Column("tier", String),
    Column("subtotal", BigInteger, nullable=False),
    Column("discount", BigInteger, nullable=False),
    Column("redeemed_points", BigInteger, nullable=False),
    Column("redeemed_amount", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("earned", BigInteger, nullable=False),
    Column("coupon", String),
    Column("reward_id", String),
    Column("reward_points", BigInteger, nullable=False, default=0),
    Column("birthday_points", BigInteger, nullable=False, default=0),
    Column("referral_points", BigInteger, nullable=False, default=0),
    Column("earned_lot_uid", String),
    Column("payment", String, nullable=False, default="cash"),
    Column("cashier", String),
    Column("reflected", Integer, nullable=False, default=0, server_default="0"),
)
Index("ix_sales_customer_at", sales.c.customer_id, sales.c.at)
Index("ix_sales_at", sales.c.at)

sale_lines = Table(
    "sale_lines",
    metadata,
    Column("sale_id", Integer, ForeignKey("sales.id"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("sku", String, nullable=False),
    Column("name", String, nullable=False),
    Column("category", String, nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("unit_price", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("discount", BigInteger, nullable=False),
    Column("redeemed", BigInteger, nullable=False),
    Column("paid", BigInteger, nullable=False),
    Column("rate", String, nullable=False),
    Column("stamp_rule", String),
    Column("stamps_given", BigInteger, nullable=False, default=0),
    Column("is_reward", Integer, nullable=False, default=0),
    # v5: the part of `discount` the coupon gave (pricing step 4), stored at commit so the coupon report
    # reads it instead of replaying steps 3-4; sales from before v5 were replayed once by the step.
    Column("coupon_discount", BigInteger, nullable=False, default=0, server_default="0"),
    PrimaryKeyConstraint("sale_id", "idx"),
)

# v5: the stamps each stamp rule gave on a line, every rule of the line's category in the program's
# order (ordinal 0 is the first, the one stamp_rule and stamps_given above name, as the v1 wire carries
# them). A row with fewer stamps than the line's units marks the unit that rule made free.
sale_line_stamps = Table(
    "sale_line_stamps",
    metadata,
    Column("sale_id", Integer, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("rule_id", String, nullable=False),
    Column("stamps", BigInteger, nullable=False),
    Column("ordinal", Integer, nullable=False),
    PrimaryKeyConstraint("sale_id", "idx", "rule_id"),
    ForeignKeyConstraint(["sale_id", "idx"], ["sale_lines.sale_id", "sale_lines.idx"]),
)
# The reports read a line's first rule from sale_lines; the rows of its other rules (a category with two
# stamp rules: few) have this index of their own, so they are found without a look at every line.
Index(
    "ix_sale_line_stamps_more",
    sale_line_stamps.c.sale_id,
    sale_line_stamps.c.idx,
    sqlite_where=sale_line_stamps.c.ordinal > 0,
    postgresql_where=sale_line_stamps.c.ordinal > 0,
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String, nullable=False, unique=True),
    Column("sale_id", Integer, ForeignKey("sales.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id")),
    Column("at", BigInteger, nullable=False),
    Column("money_back", BigInteger, nullable=False),
    Column("points_taken_back", BigInteger, nullable=False),
    Column("points_given_back", BigInteger, nullable=False),
    Column("cashier", String),
    Column("reflected", Integer, nullable=False, default=0, server_default="0"),
)
Index("ix_refunds_sale", refunds.c.sale_id)
Index("ix_refunds_customer_at", refunds.c.customer_id, refunds.c.at)

refund_lines = Table(
    "refund_lines",
    metadata,
    Column("refund_id", Integer, ForeignKey("refunds.id"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("qty", BigInteger, nullable=False),
    PrimaryKeyConstraint("refund_id", "idx"),
)

stamps = Table(
    "stamps",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("rule_id", String, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("customer_id", "rule_id"),
)

stamp_moves = Table(
    "stamp_moves",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("rule_id", String, nullable=False),
    Column("delta", BigInteger, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("txn_uid", String, nullable=False),
)
Index("ix_stamp_moves_customer", stamp_moves.c.customer_id)

coupon_uses = Table(
    "coupon_uses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String, nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id")),
    Column("sale_id", Integer, ForeignKey("sales.id"), nullable=False),
    Column("at", BigInteger, nullable=False),
)
Index("ix_coupon_uses_code", coupon_uses.c.code, coupon_uses.c.customer_id)

birthday_grants = Table(
    "birthday_grants",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("lot_uid", String, nullable=False),
    PrimaryKeyConstraint("customer_id", "year"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("uid", String, nullable=False, unique=True),
    Column("kind", String, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # v3: a row leaves the queue only when the server acknowledged it.
    Column("acked", Integer, nullable=False, default=0, server_default="0"),
    Column("acked_at", BigInteger),
    Column("status", String),
    Column("reason", Text),
)
Index("ix_outbox_pending", outbox.c.acked, outbox.c.seq)

# Schema v2: people at the till and what they did.
cashiers = Table(
    "cashiers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("pin_hash", String, nullable=False),
    Column("role", String, nullable=False),
    Column("active", Integer, nullable=False, default=1),
)

shifts = Table(
    "shifts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cashier_id", Integer, ForeignKey("cashiers.id"), nullable=False),
    Column("opened_at", BigInteger, nullable=False),
    Column("closed_at", BigInteger),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", BigInteger, nullable=False),
    Column("actor", String, nullable=False),
    Column("action", String, nullable=False),
    Column("detail", Text, nullable=False),
)

# v3: net spend per customer as the server last reported it (tier spend of replicated customers).
spend_events = Table(
    "spend_events",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
)
Index("ix_spend_events_customer_at", spend_events.c.customer_id, spend_events.c.at)

# Schema v6 (chain-wide limits, sync.md promise 9): what the chain has used, as the server last said by pull.
# Units of a sale's lines given back on any terminal (the server's cumulative figure per line).
chain_refunds = Table(
    "chain_refunds",
    metadata,
    Column("sale_uid", String, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("units", BigInteger, nullable=False),
    PrimaryKeyConstraint("sale_uid", "idx"),
)
# Uses of each coupon code across the chain: customer_uid '' is the chain's total, else that customer's.
chain_coupon_uses = Table(
    "chain_coupon_uses",
    metadata,
    Column("code", String, nullable=False),
    Column("customer_uid", String, nullable=False),
    Column("uses", BigInteger, nullable=False),
    PrimaryKeyConstraint("code", "customer_uid"),
)
# A customer's coupon uses (the server's pull reads them per customer, a till per card).
Index("ix_coupon_uses_customer", coupon_uses.c.customer_id)

# Schema v7 (the fiscal register, fiscal.md): one row per fiscal receipt a sale or refund has. A driven
# register's row is written `pending` before the register is asked (the task's uuid is the sale's or refund's
# uid) with the priced body to commit later; the commit marks it `registered` with the register's answer, a
# register that never printed it marks it `cancelled`. Beside mode records the register's receipt QR.
fiscal_documents = Table(
    "fiscal_documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String, nullable=False, unique=True),
    Column("kind", String, nullable=False),
    Column("source", String, nullable=False),
    Column("status", String, nullable=False),
    Column("sale_id", Integer),
    Column("refund_id", Integer),
    Column("document", Text),
    Column("request", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("document_number", BigInteger),
    Column("fiscal_sign", String),
    Column("shift", BigInteger),
    Column("fn", String),
    Column("at", BigInteger),
    Column("total", BigInteger),
    Column("qr_t", String),
    Column("qr_s", BigInteger),
    Column("qr_fn", String),
    Column("qr_i", BigInteger),
    Column("qr_fp", String),
    Column("reason", Text),
)
Index("ix_fiscal_documents_status", fiscal_documents.c.status)
Index("ix_fiscal_documents_sale", fiscal_documents.c.sale_id)
# One register receipt is attached once (fiscal_qr_used): its drive and document number name it.
Index("ix_fiscal_documents_qr", fiscal_documents.c.qr_fn, fiscal_documents.c.qr_i, unique=True)

# Schema v8 (daily card limits across the chain, fraud.md "Daily limits"): a pulled customer's sales of the
# server's last RECENT_SALES_MS (server/snapshots.py) on every till, as JSON [[at, earned, spent], ...]. With
# a row the card's limits count them plus this till's sales not reflected in them; a customer without one
# (never pulled, none listed, or from a server that sends none) counts this till's own sales (app.core.caps).
chain_card_sales = Table(
    "chain_card_sales",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id"), primary_key=True),
    Column("sales", Text, nullable=False),
)

# The tables and indexes each step added, for tests and benchmarks; the steps themselves are frozen SQL
# (app.core.migrations) and never read these.
V2_TABLES = (cashiers, shifts, audit)
V4_INDEXES = ("ix_lots_open_expiry", "ix_journal_at")
V6_TABLES = (chain_refunds, chain_coupon_uses)
V7_TABLES = (fiscal_documents,)
V8_TABLES = (chain_card_sales,)
