"""Chain-wide limits (sync.md promise 9): listed corrections, refund marks, and the terminal's v6 tables.

`corrections` lists every use beyond a chain-wide limit (coupon uses, once-only bonuses) that offline
terminals made between syncs; `refund_marks` gives each refunded sale a change number so pull carries its
refunded units. The terminal's schema v6 tables (chain_refunds, chain_coupon_uses) and its coupon index are
made here too: the server's database holds every table of app.core.schema. Self-contained (only creates
what is missing), so it can be renumbered after other revisions. Frozen: the columns are written out here.

Revision 0008, after 0007.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("terminal_id", sa.Integer(), nullable=True),
        sa.Column("customer_uid", sa.String(), nullable=True),
        sa.Column("txn_uid", sa.String(), nullable=False),
        sa.Column("ref", sa.String(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("kopecks", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("booked_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_corrections_store", "corrections", ["store_id", "id"], if_not_exists=True)
    op.create_index("ix_corrections_customer", "corrections", ["customer_uid"], if_not_exists=True)
    op.create_table(
        "refund_marks",
        sa.Column("sale_uid", sa.String(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sale_uid"),
        if_not_exists=True,
    )
    op.create_index("ix_refund_marks_change_seq", "refund_marks", ["change_seq"], if_not_exists=True)
    op.create_table(
        "chain_refunds",
        sa.Column("sale_uid", sa.String(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sale_uid", "idx"),
        if_not_exists=True,
    )
    op.create_table(
        "chain_coupon_uses",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("customer_uid", sa.String(), nullable=False),
        sa.Column("uses", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", "customer_uid"),
        if_not_exists=True,
    )
    op.create_index("ix_coupon_uses_customer", "coupon_uses", ["customer_id"], if_not_exists=True)
    # Sales refunded before this revision get a mark (change 1), so a terminal pulling from the start learns them.
    op.execute(
        "INSERT INTO refund_marks (sale_uid, change_seq)"
        " SELECT DISTINCT s.uid, 1 FROM sales s JOIN refunds r ON r.sale_id = s.id"
        " WHERE NOT EXISTS (SELECT 1 FROM refund_marks m WHERE m.sale_uid = s.uid)"
    )
