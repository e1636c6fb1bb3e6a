"""Server schema 2: the tables, indexes, counters and placed columns that the hand-written ladder left.

The baseline. On a new database it creates everything; on one made before Alembic (server schema 1, 2, or no
number) it creates what that database lacks and leaves the rest: every table and index is made only if
missing, the store and terminal columns (schema 2) are added only if missing and then filled from
txn_outcomes for the rows booked before them. Frozen: the columns are written out as they were, never read
from app.core.schema or server.schema.

Revision 0001, the first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PLACED_TABLES = ("customers", "sales", "refunds", "journal")
PLACE_COLUMNS = ("store_id", "terminal_id")
_KEYS = {"customers": "uid", "sales": "uid", "refunds": "uid", "journal": "txn_uid"}


def upgrade() -> None:
    conn = op.get_bind()
    # A database the hand-written ladder made has its tables; its number is None when made before it was kept.
    legacy = sa.inspect(conn).has_table("meta")
    before = _server_schema(conn) if legacy else None
    _tables()
    op.create_index("ix_customers_change_seq", "customers", ["change_seq"], unique=False, if_not_exists=True)
    for table in PLACED_TABLES:
        have = {c["name"] for c in sa.inspect(conn).get_columns(table)}
        for column in PLACE_COLUMNS:
            if column not in have:
                op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    if legacy and before != "2":
        # A database of schema 1: the rows a terminal pushed get the store and terminal booking now writes.
        for table in PLACED_TABLES:
            op.execute(
                f"UPDATE {table} SET store_id = tm.store_id, terminal_id = tm.id"
                " FROM txn_outcomes o JOIN terminals tm ON tm.id = o.terminal_id"
                f" WHERE o.uid = {table}.{_KEYS[table]}"
            )
    for name in ("change", "card_block", "catalog"):
        if conn.execute(sa.text("SELECT 1 FROM counters WHERE name = :name"), {"name": name}).first() is None:
            conn.execute(sa.text("INSERT INTO counters (name, value) VALUES (:name, 0)"), {"name": name})
    if _server_schema(conn) is None:
        conn.execute(sa.text("INSERT INTO meta (key, value) VALUES ('server_schema', '2')"))
    else:
        conn.execute(sa.text("UPDATE meta SET value = '2' WHERE key = 'server_schema'"))


def _server_schema(conn: sa.Connection) -> str | None:
    row = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'server_schema'")).first()
    return None if row is None else str(row[0])


def _tables() -> None:
    op.create_table(
        "admins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        if_not_exists=True,
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "cashiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("pin_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        if_not_exists=True,
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        if_not_exists=True,
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_search", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("birthday", sa.String(), nullable=True),
        sa.Column("referrer_id", sa.Integer(), nullable=True),
        sa.Column("referral_paid", sa.Integer(), nullable=False),
        sa.Column("consent_at", sa.BigInteger(), nullable=True),
        sa.Column("enrolled_at", sa.BigInteger(), nullable=False),
        sa.Column("last_op_at", sa.BigInteger(), nullable=False),
        sa.Column("debt", sa.BigInteger(), nullable=False),
        sa.Column("expired_total", sa.BigInteger(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("merged_into", sa.String(), nullable=True),
        sa.Column("snapshot_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("flagged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("change_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["referrer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        sa.UniqueConstraint("phone"),
        if_not_exists=True,
    )
    op.create_index("ix_customers_name", "customers", ["name_search"], unique=False, if_not_exists=True)
    op.create_table(
        "meta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        if_not_exists=True,
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("acked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("acked_at", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("uid"),
        if_not_exists=True,
    )
    op.create_index("ix_outbox_pending", "outbox", ["acked", "seq"], unique=False, if_not_exists=True)
    op.create_table(
        "overdrafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_uid", sa.String(), nullable=False),
        sa.Column("txn_uid", sa.String(), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("booked_at", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(), server_default="points", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("barcode", sa.String(), nullable=True),
        sa.Column("name_search", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("sku"),
        sa.UniqueConstraint("barcode"),
        if_not_exists=True,
    )
    op.create_table(
        "programs",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("activate_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
        sa.UniqueConstraint("uid"),
        if_not_exists=True,
    )
    op.create_table(
        "stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        if_not_exists=True,
    )
    op.create_table(
        "admin_tokens",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["admins.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
        if_not_exists=True,
    )
    op.create_table(
        "birthday_grants",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("lot_uid", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("customer_id", "year"),
        if_not_exists=True,
    )
    op.create_table(
        "cards",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("code"),
        if_not_exists=True,
    )
    op.create_index("ix_cards_customer", "cards", ["customer_id"], unique=False, if_not_exists=True)
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("lot_uid", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("txn_uid", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_journal_at", "journal", ["at", "kind", "points"], unique=False, if_not_exists=True)
    op.create_index("ix_journal_customer", "journal", ["customer_id"], unique=False, if_not_exists=True)
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("available_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("txn_uid", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_lots_open", "lots", ["customer_id"], unique=False, sqlite_where=sa.text("remaining > 0"), if_not_exists=True
    )
    op.create_index(
        "ix_lots_open_expiry",
        "lots",
        ["expires_at", "available_at", "remaining"],
        unique=False,
        sqlite_where=sa.text("remaining > 0"),
        postgresql_where=sa.text("remaining > 0"),
        if_not_exists=True,
    )
    op.create_table(
        "sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("card", sa.String(), nullable=True),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("program_version", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(), nullable=True),
        sa.Column("subtotal", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("redeemed_points", sa.BigInteger(), nullable=False),
        sa.Column("redeemed_amount", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("coupon", sa.String(), nullable=True),
        sa.Column("reward_id", sa.String(), nullable=True),
        sa.Column("reward_points", sa.BigInteger(), nullable=False),
        sa.Column("birthday_points", sa.BigInteger(), nullable=False),
        sa.Column("referral_points", sa.BigInteger(), nullable=False),
        sa.Column("earned_lot_uid", sa.String(), nullable=True),
        sa.Column("payment", sa.String(), nullable=False),
        sa.Column("cashier", sa.String(), nullable=True),
        sa.Column("reflected", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        if_not_exists=True,
    )
    op.create_index("ix_sales_at", "sales", ["at"], unique=False, if_not_exists=True)
    op.create_index("ix_sales_customer_at", "sales", ["customer_id", "at"], unique=False, if_not_exists=True)
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cashier_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["cashier_id"], ["cashiers.id"]),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "spend_events",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        if_not_exists=True,
    )
    op.create_index(
        "ix_spend_events_customer_at", "spend_events", ["customer_id", "at"], unique=False, if_not_exists=True
    )
    op.create_table(
        "stamp_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("txn_uid", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_stamp_moves_customer", "stamp_moves", ["customer_id"], unique=False, if_not_exists=True)
    op.create_table(
        "stamps",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("customer_id", "rule_id"),
        if_not_exists=True,
    )
    op.create_table(
        "terminals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("code_hash", sa.String(), nullable=True),
        sa.Column("code_expires_at", sa.BigInteger(), nullable=True),
        sa.Column("token_hash", sa.String(), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=True),
        sa.Column("revoked", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        if_not_exists=True,
    )
    op.create_table(
        "coupon_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"]),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_coupon_uses_code", "coupon_uses", ["code", "customer_id"], unique=False, if_not_exists=True)
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("money_back", sa.BigInteger(), nullable=False),
        sa.Column("points_taken_back", sa.BigInteger(), nullable=False),
        sa.Column("points_given_back", sa.BigInteger(), nullable=False),
        sa.Column("cashier", sa.String(), nullable=True),
        sa.Column("reflected", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        if_not_exists=True,
    )
    op.create_index("ix_refunds_customer_at", "refunds", ["customer_id", "at"], unique=False, if_not_exists=True)
    op.create_index("ix_refunds_sale", "refunds", ["sale_id"], unique=False, if_not_exists=True)
    op.create_table(
        "sale_lines",
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("redeemed", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.String(), nullable=False),
        sa.Column("stamp_rule", sa.String(), nullable=True),
        sa.Column("stamps_given", sa.BigInteger(), nullable=False),
        sa.Column("is_reward", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"]),
        sa.PrimaryKeyConstraint("sale_id", "idx"),
        if_not_exists=True,
    )
    op.create_table(
        "txn_outcomes",
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("body_sha256", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminals.id"]),
        sa.PrimaryKeyConstraint("uid"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_outcomes_terminal_seq", "txn_outcomes", ["terminal_id", "epoch", "seq"], unique=False, if_not_exists=True
    )
    op.create_table(
        "refund_lines",
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"]),
        sa.PrimaryKeyConstraint("refund_id", "idx"),
        if_not_exists=True,
    )
