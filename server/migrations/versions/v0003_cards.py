"""One card everywhere (sync.md promise 11): the chain's card keys, the card number ranges handed to terminals,
the cards issued twice offline (quarantined), and the counter the ranges are cut from.

Self-contained and frozen: the columns are written out here, never read from server.schema. Like 0001, it
makes only what is missing (a database whose Alembic number was lost is taken up again whole).

Revision 0003, after 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Ranges start here: below it lie the numbers terminals made from their per-terminal blocks
# (terminal id × 100,000 + serial) before ranges existed, so no range repeats one of them.
RANGE_BASE = 500_000_000


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        "card_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "card_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("first_serial", sa.BigInteger(), nullable=False),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminals.id"]),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_card_ranges_terminal", "card_ranges", ["terminal_id"], unique=False, if_not_exists=True)
    op.create_table(
        "card_quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card", sa.String(), nullable=False),
        sa.Column("customer_uid", sa.String(), nullable=False),
        sa.Column("holder_uid", sa.String(), nullable=True),
        sa.Column("txn_uid", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminals.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("txn_uid"),
        if_not_exists=True,
    )
    if conn.execute(sa.text("SELECT 1 FROM counters WHERE name = 'card_serial'")).first() is None:
        conn.execute(sa.text("INSERT INTO counters (name, value) VALUES ('card_serial', :base)"), {"base": RANGE_BASE})
