"""Each sale line's coupon share, and the stamps of every stamp rule per line (terminal schema v5's change).

`sale_lines.coupon_discount` holds the part of the line's discount the coupon gave (pricing step 4), so the
coupon report stops replaying steps 3-4 on every run; the lines of every coupon sale booked before are
replayed once here, with the program version each sale was booked with (app.core.coupon_replay, the code
the reports ran until now). `sale_line_stamps` holds the stamps each stamp rule gave on a line in the program's order (a
second rule on one category used to get none); the one rule of every line booked before becomes its row 0. Frozen:
the columns are written out here, never read from app.core.schema.

Revision 0004, after 0003.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.core import coupon_replay

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    # Only what the database lacks: a database made from a terminal file of schema v5 (as some tests and
    # tools do) has both already, filled by the terminal's own step.
    if "coupon_discount" not in {c["name"] for c in sa.inspect(conn).get_columns("sale_lines")}:
        op.add_column("sale_lines", sa.Column("coupon_discount", sa.BigInteger(), server_default="0", nullable=False))
        coupon_replay.backfill(conn)
    if not sa.inspect(conn).has_table("sale_line_stamps"):
        op.create_table(
            "sale_line_stamps",
            sa.Column("sale_id", sa.Integer(), nullable=False),
            sa.Column("idx", sa.Integer(), nullable=False),
            sa.Column("rule_id", sa.String(), nullable=False),
            sa.Column("stamps", sa.BigInteger(), nullable=False),
            sa.Column("ordinal", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["sale_id", "idx"], ["sale_lines.sale_id", "sale_lines.idx"]),
            sa.PrimaryKeyConstraint("sale_id", "idx", "rule_id"),
        )
        more = sa.text("ordinal > 0")
        op.create_index(
            "ix_sale_line_stamps_more", "sale_line_stamps", ["sale_id", "idx"], sqlite_where=more, postgresql_where=more
        )
        op.execute(
            "INSERT INTO sale_line_stamps (sale_id, idx, rule_id, stamps, ordinal)"
            " SELECT sale_id, idx, stamp_rule, stamps_given, 0 FROM sale_lines WHERE stamp_rule IS NOT NULL"
        )
