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

# Promise 11 (one card everywhere), server migration "cards": the chain's card keys, the card number ranges
# handed to terminals, and the cards issued twice offline (quarantined, listed for the manager).
card_keys = Table(
    "card_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("secret", String, nullable=False),  # hex; every terminal of the chain holds it to sign and check card QRs
    Column("created_at", BigInteger, nullable=False),
)

card_ranges = Table(
    "card_ranges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("terminal_id", Integer, ForeignKey("terminals.id"), nullable=False),
    Column("first_serial", BigInteger, nullable=False),
    Column("last_serial", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
Index("ix_card_ranges_terminal", card_ranges.c.terminal_id)

card_quarantine = Table(
    "card_quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card", String, nullable=False),
    Column("customer_uid", String, nullable=False),  # the customer the card was issued to second (kept, cardless)
    Column("holder_uid", String),  # the customer who holds the card on the server
    Column("txn_uid", String, nullable=False, unique=True),
    Column("kind", String, nullable=False),  # "enroll" or "card" (a replacement)
    Column("terminal_id", Integer, ForeignKey("terminals.id"), nullable=False),
    Column("store_id", Integer, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
