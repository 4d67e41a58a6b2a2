"""The relay's claim walks an index of unpublished rows in id order.

The first claim index, (next_attempt_at, id), did not give the relay's ORDER BY id;
with statistics the planner walked the primary key instead, stepping over every
published row (kept 7 days) on every pass, and under load a pass took longer than the
statement timeout: the relay stalled. The new index holds unpublished rows only, in
id order. (Built with the table locked for writes: the partial index is small, but the
build reads the whole table.)

Revision ID: kit_0004_outbox_claim_by_id
"""

import sqlalchemy as sa
from alembic import op

revision = "kit_0004_outbox_claim_by_id"
down_revision = "kit_0003_inbox_refusals"
branch_labels = None
depends_on = None

UNPUBLISHED = sa.text("published_at IS NULL")


def upgrade() -> None:
    op.drop_index("outbox_unpublished", table_name="outbox")
    op.create_index("outbox_unpublished_by_id", "outbox", ["id"], postgresql_where=UNPUBLISHED)


def downgrade() -> None:
    op.drop_index("outbox_unpublished_by_id", table_name="outbox")
    op.create_index(
        "outbox_unpublished", "outbox", ["next_attempt_at", "id"], postgresql_where=UNPUBLISHED
    )
