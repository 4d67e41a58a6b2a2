"""Contacts: the notifier's copy of who to write to.

Revision ID: notifier_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "notifier_0001"
down_revision = "messaging_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("user_id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("is_staff", sa.Boolean, nullable=False),
        sa.Column("notify_payment_received", sa.Boolean, nullable=False),
        sa.Column("notify_processing_started", sa.Boolean, nullable=False),
        sa.Column("notify_reports_ready", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("contacts")
