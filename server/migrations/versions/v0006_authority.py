"""The server as the authority (sync.md v2, promises 8 and 10; docs/authority.md).

- change_log: each change number a customer got, by which terminal (None: the server) and transactions;
- terminals.pulled_cursor: the newest pull cursor handed to the terminal;
- rejections: refused pushed items, whole, for the admin;
- store_managers: the managers of each store, registered on the server;
- privileged: blocks, card replacements and adjustments booked, with their manager.

Revision 0006, after 0005. Frozen: columns written out. Self-contained (only creates what is missing, as 0003
to 0005 and 0007), so a database a server before Alembic left, whose tables a newer server made, is adopted.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("customer_uid", sa.String(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=True),
        sa.Column("txns", sa.Text(), nullable=False),
        if_not_exists=True,
    )
    op.create_index("ix_change_log_customer_seq", "change_log", ["customer_uid", "seq"], if_not_exists=True)
    if "pulled_cursor" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("terminals")}:
        with op.batch_alter_table("terminals") as batch:
            batch.add_column(sa.Column("pulled_cursor", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "rejections",
        sa.Column("uid", sa.String(), primary_key=True),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "store_managers",
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("stores.id"), primary_key=True),
        sa.Column("name", sa.String(), primary_key=True),
        if_not_exists=True,
    )
    op.create_table(
        "privileged",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("txn_uid", sa.String(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("customer_uid", sa.String(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("booked_at", sa.BigInteger(), nullable=False),
        if_not_exists=True,
    )
    op.create_index("ix_privileged_store_booked", "privileged", ["store_id", "booked_at"], if_not_exists=True)
    # The chain's key of the phones pulls give tills (a keyed hash, never the number).
    key = secrets.token_hex(32)
    op.get_bind().execute(
        sa.text(
            "INSERT INTO meta (key, value) SELECT 'phone_key', :k"
            " WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'phone_key')"
        ),
        {"k": key},
    )
