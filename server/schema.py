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
    # Token rotation (server/auth.py): the new token waits here until the terminal first uses it, so an
    # answer lost on the way does not lock the terminal out; from then on the old token is refused.
    Column("next_token_hash", String),
    Column("token_issued_at", BigInteger),
    # The newest pull cursor this terminal was handed (migration 0004): a body naming a later one is forged.
    Column("pulled_cursor", BigInteger, nullable=False, default=0, server_default="0"),
)
Index("ix_terminals_next_token_hash", terminals.c.next_token_hash, unique=True)

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
    # "admin": the whole admin API and every store's reports; "manager": the reports of its stores only.
    Column("role", String, nullable=False, default="admin", server_default="admin"),
)

# The stores a manager login may read reports of (admins read every store's).
admin_stores = Table(
    "admin_stores",
    metadata,
    Column("admin_id", Integer, ForeignKey("admins.id"), primary_key=True),
    Column("store_id", Integer, ForeignKey("stores.id"), primary_key=True),
)

# The counters of the rate limits (server/throttle.py, a `limits` storage): in the database, so every
# server process behind one PostgreSQL sees the same failed logins and the same lockouts.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String, primary_key=True),
    Column("hits", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),  # UTC milliseconds: the window's end
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
# Chain-wide limits (sync.md promise 9, server/limits.py). A use beyond a chain-wide limit that offline
# terminals made between syncs is booked, never silently: one row per excess, listed for the admin.
#   kind: coupon_uses / coupon_per_customer (kopecks: the coupon's discount, a cost to the chain) or
#   birthday / referral / welcome / referee (points: the duplicate bonus taken back, debt where spent).
corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String, nullable=False),
    Column("store_id", Integer),
    Column("terminal_id", Integer),
    Column("customer_uid", String),
    Column("txn_uid", String, nullable=False),
    Column("ref", String, nullable=False),  # the coupon code, the birthday year, or the lot taken back
    Column("points", BigInteger, nullable=False),
    Column("kopecks", BigInteger, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("booked_at", BigInteger, nullable=False),
)
Index("ix_corrections_store", corrections.c.store_id, corrections.c.id)
Index("ix_corrections_customer", corrections.c.customer_uid)

# Sales whose refunded units changed, with the change number of that change (the customers' counter), so a
# pull page carries the cumulative refunded units of every sale refunded in its range, a card or not.
refund_marks = Table(
    "refund_marks",
    metadata,
    Column("sale_uid", String, primary_key=True),
    Column("change_seq", BigInteger, nullable=False),
)
Index("ix_refund_marks_change_seq", refund_marks.c.change_seq)

# The programs a standalone store priced its history with before it joined the chain (sync.md promise 12,
# docs/authority.md "A store joining the chain"): its items sequenced and dated before the join are
# re-derived with these, everything after with the chain's. Sent by the till at enrollment, listed for the admin.
joined_programs = Table(
    "joined_programs",
    metadata,
    Column("terminal_id", Integer, ForeignKey("terminals.id"), primary_key=True),
    Column("uid", String, primary_key=True),
    Column("epoch", Integer, nullable=False),
    Column("activate_at", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    Column("joined_at", BigInteger, nullable=False),
    Column("joined_seq", BigInteger, nullable=False),
    Column("choice", String, nullable=True),
)
