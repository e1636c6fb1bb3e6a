"""The terminal's schema v7 table `fiscal_documents` (fiscal.md), so the server holds every table of app.core.schema.

The server never books fiscal receipts (they are the till's and its register's business: the register reports to
the ОФД itself); the table is made only so a database made from the terminal's metadata and one upgraded by these
revisions have one shape. Self-contained (only creates what is missing), so it can be renumbered after other
revisions. Frozen: the columns are written out here.

Revision 0009, after 0008.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fiscal_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("request", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("document_number", sa.BigInteger(), nullable=True),
        sa.Column("fiscal_sign", sa.String(), nullable=True),
        sa.Column("shift", sa.BigInteger(), nullable=True),
        sa.Column("fn", sa.String(), nullable=True),
        sa.Column("at", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("qr_t", sa.String(), nullable=True),
        sa.Column("qr_s", sa.BigInteger(), nullable=True),
        sa.Column("qr_fn", sa.String(), nullable=True),
        sa.Column("qr_i", sa.BigInteger(), nullable=True),
        sa.Column("qr_fp", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        if_not_exists=True,
    )
    op.create_index("ix_fiscal_documents_status", "fiscal_documents", ["status"], if_not_exists=True)
    op.create_index("ix_fiscal_documents_sale", "fiscal_documents", ["sale_id"], if_not_exists=True)
    op.create_index("ix_fiscal_documents_qr", "fiscal_documents", ["qr_fn", "qr_i"], unique=True, if_not_exists=True)
