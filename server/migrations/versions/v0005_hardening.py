"""Hardening: admin roles and store scopes, token rotation, shared rate-limit counters.

- `admins.role` ("admin" or "manager"; existing accounts stay admins) and `admin_stores`, the stores
  a manager may read reports of;
- `terminals.next_token_hash` and `token_issued_at`: a rotated token waits until the terminal first
  uses it, then replaces the old one;
- `rate_limits`: the counters of the login and enrollment limits, shared by every server process.

Revision 0005, after 0004.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each step only if missing, like 0001: a database adopted without its alembic_version (a test
    # takes a new one back to "no Alembic") runs every revision again.
    bind = op.get_bind()
    columns = {t: {c["name"] for c in sa.inspect(bind).get_columns(t)} for t in ("admins", "terminals")}
    if "role" not in columns["admins"]:
        op.add_column("admins", sa.Column("role", sa.String(), server_default="admin", nullable=False))
    op.create_table(
        "admin_stores",
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["admins.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("admin_id", "store_id"),
        if_not_exists=True,
    )
    # Plain ADD COLUMN and a unique index: SQLite's batch mode would rebuild `terminals`, which
    # txn_outcomes refers to.
    if "next_token_hash" not in columns["terminals"]:
        op.add_column("terminals", sa.Column("next_token_hash", sa.String(), nullable=True))
    if "token_issued_at" not in columns["terminals"]:
        op.add_column("terminals", sa.Column("token_issued_at", sa.BigInteger(), nullable=True))
    op.create_index("ix_terminals_next_token_hash", "terminals", ["next_token_hash"], unique=True, if_not_exists=True)
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        if_not_exists=True,
    )
