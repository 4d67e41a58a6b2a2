"""Telegram: the chat a contact linked, the deep link's one-time tokens (hashes only)
and every update the bot received, with its outcome.

Revision ID: notifier_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "notifier_0003"
down_revision = "notifier_0002"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("contacts", sa.Column("telegram_chat_id", sa.BigInteger, unique=True))
    op.add_column("contacts", _at("telegram_linked_at", nullable=True))
    op.create_table(
        "telegram_link_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("used_at", nullable=True),
        sa.Column("chat_id", sa.BigInteger),
    )
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True),
        sa.Column("chat_id", sa.BigInteger),
        sa.Column("user_id", sa.Uuid),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        _at("received_at"),
    )


def downgrade() -> None:
    op.drop_table("telegram_updates")
    op.drop_table("telegram_link_tokens")
    op.drop_column("contacts", "telegram_linked_at")
    op.drop_column("contacts", "telegram_chat_id")
