"""ix_lots_open is partial on PostgreSQL too: only the lots with points left, as on SQLite.

Pricing and the pushes read a customer's open lots (`customer_id = ? AND remaining > 0`); the hand-written
ladder created this index from the terminal's definition, which was partial on SQLite only, so on
PostgreSQL it also held every spent lot. Rebuilt once here, inside the upgrade's transaction (it reads the
lots table once). The server schema number becomes 3, so a server from before Alembic refuses this database
instead of running on a schema it does not know.

Revision 0002, after 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_lots_open", table_name="lots")
        op.create_index("ix_lots_open", "lots", ["customer_id"], postgresql_where=sa.text("remaining > 0"))
    op.execute("UPDATE meta SET value = '3' WHERE key = 'server_schema'")
