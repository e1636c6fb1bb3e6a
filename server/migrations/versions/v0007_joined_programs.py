"""A joining store's own programs (sync.md promise 12; docs/authority.md "A store joining the chain").

- joined_programs: the programs a standalone store priced its history with before it joined, with the join's
  epoch, instant and last queued sequence number: its history is re-derived with them, nothing after.

Revision 0007, after 0006. Frozen: columns written out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only what is missing, like 0003 and on: a database made whole from the metadata has it already.
    if sa.inspect(op.get_bind()).has_table("joined_programs"):
        return
    op.create_table(
        "joined_programs",
        sa.Column("terminal_id", sa.Integer(), sa.ForeignKey("terminals.id"), primary_key=True),
        sa.Column("uid", sa.String(), primary_key=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("activate_at", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("joined_at", sa.BigInteger(), nullable=False),
        sa.Column("joined_seq", sa.BigInteger(), nullable=False),
        sa.Column("choice", sa.String(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("joined_programs")
