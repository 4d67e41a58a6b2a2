"""Telegram long polling: per bot, the offset getUpdates goes on from, and when it last
moved.

Revision ID: notifier_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "notifier_0004"
down_revision = "notifier_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_poll_offsets",
        sa.Column("bot_id", sa.BigInteger, primary_key=True),
        sa.Column("next_update_id", sa.BigInteger, nullable=False),
        sa.Column("advanced_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("telegram_poll_offsets")
