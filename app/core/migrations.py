"""The terminal's schema steps as frozen SQL: each is the DDL its release ran, never derived from app.core.schema.

A step, once released, is never edited: a file made by that release went through exactly this text, and
the next step starts from what it made. The live tables (app.core.schema) make a new file; the drift test
(tests/integration/test_schema_drift.py) proves that a file brought up by these steps has the same tables, columns,
indexes and triggers. How to add a step: docs/migrations.md.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from app.core import coupon_replay

# Schema v1 (the first release): the ledger, the catalog and the outbox. Only the fixture script of a v1
# file runs it; a new file is created at the latest schema. Times were INTEGER then; BIGINT since v3, the
# same storage in SQLite (INTEGER affinity), so the columns of a v1 file are not rebuilt.
V1 = (
    """CREATE TABLE meta (
    "key" VARCHAR NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY ("key")
)""",
    """CREATE TABLE programs (
    version INTEGER NOT NULL,
    uid VARCHAR NOT NULL,
    body TEXT NOT NULL,
    activate_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (version),
    UNIQUE (uid)
)""",
    """CREATE TABLE products (
    sku VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    price INTEGER NOT NULL,
    barcode VARCHAR,
    name_search VARCHAR NOT NULL,
    PRIMARY KEY (sku),
    UNIQUE (barcode)
)""",
    """CREATE TABLE customers (
    id INTEGER NOT NULL,
    uid VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name_search VARCHAR NOT NULL,
    phone VARCHAR,
    birthday VARCHAR,
    referrer_id INTEGER,
    referral_paid INTEGER NOT NULL,
    consent_at INTEGER,
    enrolled_at INTEGER NOT NULL,
    last_op_at INTEGER NOT NULL,
    debt INTEGER NOT NULL,
    expired_total INTEGER NOT NULL,
    blocked INTEGER NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (uid),
    UNIQUE (phone),
    FOREIGN KEY(referrer_id) REFERENCES customers (id)
)""",
    "CREATE INDEX ix_customers_name ON customers (name_search)",
    """CREATE TABLE cards (
    code VARCHAR NOT NULL,
    customer_id INTEGER NOT NULL,
    active INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    PRIMARY KEY (code),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    "CREATE INDEX ix_cards_customer ON cards (customer_id)",
    """CREATE TABLE lots (
    id INTEGER NOT NULL,
    uid VARCHAR NOT NULL,
    customer_id INTEGER NOT NULL,
    points INTEGER NOT NULL,
    remaining INTEGER NOT NULL,
    available_at INTEGER NOT NULL,
    expires_at INTEGER,
    source VARCHAR NOT NULL,
    txn_uid VARCHAR NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (uid),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    "CREATE INDEX ix_lots_open ON lots (customer_id) WHERE remaining > 0",
    """CREATE TABLE journal (
    id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    lot_uid VARCHAR,
    kind VARCHAR NOT NULL,
    points INTEGER NOT NULL,
    at INTEGER NOT NULL,
    txn_uid VARCHAR NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    "CREATE INDEX ix_journal_customer ON journal (customer_id)",
    """CREATE TABLE sales (
    id INTEGER NOT NULL,
    uid VARCHAR NOT NULL,
    customer_id INTEGER,
    card VARCHAR,
    at INTEGER NOT NULL,
    program_version INTEGER NOT NULL,
    tier VARCHAR,
    subtotal INTEGER NOT NULL,
    discount INTEGER NOT NULL,
    redeemed_points INTEGER NOT NULL,
    redeemed_amount INTEGER NOT NULL,
    total INTEGER NOT NULL,
    earned INTEGER NOT NULL,
    coupon VARCHAR,
    reward_id VARCHAR,
    reward_points INTEGER NOT NULL,
    birthday_points INTEGER NOT NULL,
    referral_points INTEGER NOT NULL,
    earned_lot_uid VARCHAR,
    payment VARCHAR NOT NULL,
    cashier VARCHAR,
    PRIMARY KEY (id),
    UNIQUE (uid),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    "CREATE INDEX ix_sales_at ON sales (at)",
    "CREATE INDEX ix_sales_customer_at ON sales (customer_id, at)",
    """CREATE TABLE sale_lines (
    sale_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    sku VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    qty INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    discount INTEGER NOT NULL,
    redeemed INTEGER NOT NULL,
    paid INTEGER NOT NULL,
    rate VARCHAR NOT NULL,
    stamp_rule VARCHAR,
    stamps_given INTEGER NOT NULL,
    is_reward INTEGER NOT NULL,
    PRIMARY KEY (sale_id, idx),
    FOREIGN KEY(sale_id) REFERENCES sales (id)
)""",
    """CREATE TABLE refunds (
    id INTEGER NOT NULL,
    uid VARCHAR NOT NULL,
    sale_id INTEGER NOT NULL,
    customer_id INTEGER,
    at INTEGER NOT NULL,
    money_back INTEGER NOT NULL,
    points_taken_back INTEGER NOT NULL,
    points_given_back INTEGER NOT NULL,
    cashier VARCHAR,
    PRIMARY KEY (id),
    UNIQUE (uid),
    FOREIGN KEY(sale_id) REFERENCES sales (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    "CREATE INDEX ix_refunds_customer_at ON refunds (customer_id, at)",
    "CREATE INDEX ix_refunds_sale ON refunds (sale_id)",
    """CREATE TABLE refund_lines (
    refund_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    PRIMARY KEY (refund_id, idx),
    FOREIGN KEY(refund_id) REFERENCES refunds (id)
)""",
    """CREATE TABLE stamps (
    customer_id INTEGER NOT NULL,
    rule_id VARCHAR NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (customer_id, rule_id),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    """CREATE TABLE stamp_moves (
    id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    rule_id VARCHAR NOT NULL,
    delta INTEGER NOT NULL,
    at INTEGER NOT NULL,
    txn_uid VARCHAR NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    "CREATE INDEX ix_stamp_moves_customer ON stamp_moves (customer_id)",
    """CREATE TABLE coupon_uses (
    id INTEGER NOT NULL,
    code VARCHAR NOT NULL,
    customer_id INTEGER,
    sale_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id),
    FOREIGN KEY(sale_id) REFERENCES sales (id)
)""",
    "CREATE INDEX ix_coupon_uses_code ON coupon_uses (code, customer_id)",
    """CREATE TABLE birthday_grants (
    customer_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    lot_uid VARCHAR NOT NULL,
    PRIMARY KEY (customer_id, year),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    """CREATE TABLE outbox (
    seq INTEGER NOT NULL,
    uid VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE (uid)
)""",
)

# Schema v2: people at the till and what they did. Frozen as the ladder has run it since v3 (its first
# release declared the times INTEGER; the same storage in SQLite).
V2 = (
    """CREATE TABLE cashiers (
    id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    pin_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    active INTEGER NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
)""",
    """CREATE TABLE shifts (
    id INTEGER NOT NULL,
    cashier_id INTEGER NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    PRIMARY KEY (id),
    FOREIGN KEY(cashier_id) REFERENCES cashiers (id)
)""",
    """CREATE TABLE audit (
    id INTEGER NOT NULL,
    at BIGINT NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (id)
)""",
)

# Schema v3: replication with a central server (outbox acknowledgements, reflected sales and refunds, the
# server's spend snapshot).
V3 = (
    "ALTER TABLE customers ADD COLUMN merged_into VARCHAR",
    "ALTER TABLE customers ADD COLUMN snapshot_seq BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE customers ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE customers ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE sales ADD COLUMN reflected INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE refunds ADD COLUMN reflected INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE outbox ADD COLUMN acked INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE outbox ADD COLUMN acked_at BIGINT",
    "ALTER TABLE outbox ADD COLUMN status VARCHAR",
    "ALTER TABLE outbox ADD COLUMN reason TEXT",
    "CREATE INDEX ix_outbox_pending ON outbox (acked, seq)",
    """CREATE TABLE spend_events (
    customer_id INTEGER NOT NULL,
    at BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
    "CREATE INDEX ix_spend_events_customer_at ON spend_events (customer_id, at)",
)

# Schema v4: the manager reports' indexes. Building them reads each table once (a few seconds on a
# 1,000,000-sale store, inside the upgrade's one transaction, after its backup).
V4 = (
    "CREATE INDEX ix_lots_open_expiry ON lots (expires_at, available_at, remaining) WHERE remaining > 0",
    "CREATE INDEX ix_journal_at ON journal (at, kind, points)",
)

# Schema v5: each sale line's coupon share, and the stamps of every stamp rule per line (a second rule on
# one category used to get none). Old lines keep their one rule's stamps as a row each; the coupon share of
# every stored coupon sale is replayed once after these statements (backfill_v5).
V5 = (
    "ALTER TABLE sale_lines ADD COLUMN coupon_discount BIGINT DEFAULT '0' NOT NULL",
    """CREATE TABLE sale_line_stamps (
    sale_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    rule_id VARCHAR NOT NULL,
    stamps BIGINT NOT NULL,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (sale_id, idx, rule_id),
    FOREIGN KEY(sale_id, idx) REFERENCES sale_lines (sale_id, idx)
)""",
    "CREATE INDEX ix_sale_line_stamps_more ON sale_line_stamps (sale_id, idx) WHERE ordinal > 0",
    "INSERT INTO sale_line_stamps (sale_id, idx, rule_id, stamps, ordinal)"
    " SELECT sale_id, idx, stamp_rule, stamps_given, 0 FROM sale_lines WHERE stamp_rule IS NOT NULL",
)


def backfill_v5(conn: Connection) -> None:
    """The coupon's share of each line of every coupon sale, replayed with the program it was priced with."""
    coupon_replay.backfill(conn)


# Schema v6 (chain-wide limits, sync.md promise 9): the chain's refunded units per sale line and coupon uses,
# as pulled, and an index to count a customer's coupon uses.
V6 = (
    """CREATE TABLE chain_refunds (
    sale_uid VARCHAR NOT NULL,
    idx INTEGER NOT NULL,
    units BIGINT NOT NULL,
    PRIMARY KEY (sale_uid, idx)
)""",
    """CREATE TABLE chain_coupon_uses (
    code VARCHAR NOT NULL,
    customer_uid VARCHAR NOT NULL,
    uses BIGINT NOT NULL,
    PRIMARY KEY (code, customer_uid)
)""",
    "CREATE INDEX ix_coupon_uses_customer ON coupon_uses (customer_id)",
)


# Schema v7 (the fiscal register, fiscal.md): each sale's and refund's fiscal receipt, pending until the
# register's answer is committed with the sale (docs/fiscal.md, "The guarantee").
V7 = (
    """CREATE TABLE fiscal_documents (
    id INTEGER NOT NULL,
    uid VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    sale_id INTEGER,
    refund_id INTEGER,
    document TEXT,
    request TEXT,
    created_at BIGINT NOT NULL,
    document_number BIGINT,
    fiscal_sign VARCHAR,
    shift BIGINT,
    fn VARCHAR,
    at BIGINT,
    total BIGINT,
    qr_t VARCHAR,
    qr_s BIGINT,
    qr_fn VARCHAR,
    qr_i BIGINT,
    qr_fp VARCHAR,
    reason TEXT,
    PRIMARY KEY (id),
    UNIQUE (uid)
)""",
    "CREATE INDEX ix_fiscal_documents_status ON fiscal_documents (status)",
    "CREATE INDEX ix_fiscal_documents_sale ON fiscal_documents (sale_id)",
    "CREATE UNIQUE INDEX ix_fiscal_documents_qr ON fiscal_documents (qr_fn, qr_i)",
)


# Schema v8 (daily card limits across the chain, fraud.md "Daily limits"): each pulled customer's recent sales
# across the chain as the server last said, one row per customer it listed any for.
V8 = (
    """CREATE TABLE chain_card_sales (
    customer_id INTEGER NOT NULL,
    sales TEXT NOT NULL,
    PRIMARY KEY (customer_id),
    FOREIGN KEY(customer_id) REFERENCES customers (id)
)""",
)


# STEPS[i] takes a file from schema i to i + 1; AFTER[i], when there is one, fills what STEPS[i] added, in
# the same transaction.
STEPS: tuple[tuple[str, ...], ...] = (V1, V2, V3, V4, V5, V6, V7, V8)
AFTER: dict[int, Callable[[Connection], None]] = {4: backfill_v5}
