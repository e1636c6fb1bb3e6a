"""Server-only tables, beside the terminal's (the ledger tables are shared with app.core.schema)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text

# Separate from the terminal's metadata so a terminal file never grows server tables.
metadata = MetaData()

# Server schema 2: the ledger rows a terminal's push books carry the store and the terminal that
# pushed them, so the chain reports split by store without looking every row's transaction up in
# txn_outcomes. Only on the server: the columns are added to the ledger tables (whose definitions
# the terminal's files share) by server.store, and are NULL on rows no terminal pushed (expiry the
# server posts itself). Sales and refunds give the sales figures and the active cards, journal rows
# the points issued and paid, a customer row the store that enrolled the member.
PLACED_TABLES = ("customers", "sales", "refunds", "journal")
PLACE_COLUMNS = ("store_id", "terminal_id")

stores = Table(
    "stores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("address", String, nullable=False, default=""),
)

terminals = Table(
    "terminals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", Integer, ForeignKey("stores.id"), nullable=False),
    Column("name", String, nullable=False),
    Column("code_hash", String),
    Column("code_expires_at", BigInteger),
    Column("token_hash", String, unique=True),
    Column("epoch", Integer, nullable=False, default=0),
    Column("last_seq", BigInteger),
    Column("revoked", Integer, nullable=False, default=0),
    Column("last_seen_at", BigInteger),
    # The newest pull cursor this terminal was handed (migration 0004): a body naming a later one is forged.
    Column("pulled_cursor", BigInteger, nullable=False, default=0, server_default="0"),
)

outcomes = Table(
    "txn_outcomes",
    metadata,
    Column("uid", String, primary_key=True),
    Column("terminal_id", Integer, ForeignKey("terminals.id"), nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("kind", String, nullable=False),
    Column("body_sha256", String, nullable=False),
    Column("status", String, nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
Index("ix_outcomes_terminal_seq", outcomes.c.terminal_id, outcomes.c.epoch, outcomes.c.seq)

counters = Table(
    "counters",
    metadata,
    Column("name", String, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

overdrafts = Table(
    "overdrafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_uid", String, nullable=False),
    Column("txn_uid", String, nullable=False),
    Column("terminal_id", Integer, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("booked_at", BigInteger, nullable=False),
    Column("unit", String, nullable=False, default="points", server_default="points"),  # or "stamps:<rule>"
)

admins = Table(
    "admins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("password_hash", String, nullable=False),
)

admin_tokens = Table(
    "admin_tokens",
    metadata,
    Column("token_hash", String, primary_key=True),
    Column("admin_id", Integer, ForeignKey("admins.id"), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

# Server migration 0004 (sync.md v2, promises 8 and 10; docs/authority.md).
# Each change number a push (or a server job) gave a customer, with who made it and which transactions:
# the state a terminal saw at its pull cursor is today's state with the later changes of others undone.
change_log = Table(
    "change_log",
    metadata,
    Column("customer_uid", String, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("terminal_id", Integer),  # None: the server's own job (expiry, a merge)
    Column("txns", Text, nullable=False),  # JSON list of the transaction uids that changed the customer
)
Index("ix_change_log_customer_seq", change_log.c.customer_uid, change_log.c.seq)

# A pushed item the authority refused, kept whole for the admin (the outcome alone keeps only a hash).
rejections = Table(
    "rejections",
    metadata,
    Column("uid", String, primary_key=True),
    Column("terminal_id", Integer, nullable=False),
    Column("store_id", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("actor", String),
    Column("code", String, nullable=False),
    Column("reason", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

# The managers of each store, registered on the server by an admin: a block, a card replacement or a
# manual adjustment pushed by a terminal is booked only when its actor is one of its store's managers.
store_managers = Table(
    "store_managers",
    metadata,
    Column("store_id", Integer, ForeignKey("stores.id"), primary_key=True),
    Column("name", String, primary_key=True),
)

# The privileged operations booked (blocks, cards, adjustments): who approved what, where; the per-store
# daily adjustment limit is summed from here.
privileged = Table(
    "privileged",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("txn_uid", String, nullable=False),
    Column("store_id", Integer, nullable=False),
    Column("terminal_id", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("actor", String, nullable=False),
    Column("customer_uid", String, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("booked_at", BigInteger, nullable=False),
)
Index("ix_privileged_store_booked", privileged.c.store_id, privileged.c.booked_at)
