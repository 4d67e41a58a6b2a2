"""A refund staff withdrew says who, when and why: cancelled_by, cancelled_at, cancel_note.

Revision ID: payments_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "payments_0003"
down_revision = "payments_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("refunds", sa.Column("cancelled_by", sa.Text))
    op.add_column("refunds", sa.Column("cancelled_at", sa.DateTime(timezone=True)))
    op.add_column("refunds", sa.Column("cancel_note", sa.Text))


def downgrade() -> None:
    op.drop_column("refunds", "cancel_note")
    op.drop_column("refunds", "cancelled_at")
    op.drop_column("refunds", "cancelled_by")
