"""The terminal's schema v8 table `chain_card_sales` (fraud.md, "Daily limits"), so the server holds every table
of app.core.schema.

The server never reads it (it has every sale; the table is a till's copy of a customer's recent sales pulled
from it); it is made only so a database made from the terminal's metadata and one upgraded by these revisions
have one shape. Self-contained (only creates what is missing), so it can be renumbered after other revisions.
Frozen: the columns are written out here.

Revision 0010, after 0009.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_card_sales",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sales", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
        if_not_exists=True,
    )
