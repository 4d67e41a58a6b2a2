"""Notifications (one per fact x template x channel x recipient, unique by `key`), and
what the notifier remembers of orders and subscriptions to address and time them.

Revision ID: notifier_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "notifier_0002"
down_revision = "notifier_0001"
branch_labels = None
depends_on = None

STATUSES = ("pending", "sent", "failed", "in_doubt", "skipped", "refused")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "known_orders",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("product", sa.Text),
        sa.Column("wallet_address", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("price_usd", sa.Numeric(12, 2)),
        sa.Column("paid_via", sa.Text),
        _at("updated_at"),
    )
    op.create_table(
        "known_subscriptions",
        sa.Column("subscription_id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        _at("starts_at"),
        _at("expires_at"),
        sa.Column("reports_included", sa.Integer, nullable=False),
        _at("ended_at", nullable=True),
        _at("reminded_at", nullable=True),
    )
    op.create_index(
        "known_subscriptions_to_remind",
        "known_subscriptions",
        ["expires_at"],
        postgresql_where=sa.text("ended_at IS NULL AND reminded_at IS NULL"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("fact", sa.Text, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason_code", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("user_id", sa.Uuid),
        sa.Column("order_id", sa.Uuid),
        sa.Column("event_id", sa.Uuid),
        sa.Column("event_subject", sa.Text),
        sa.Column("recipient", sa.Text),
        sa.Column("subject", sa.Text),
        sa.Column("message_id", sa.Text),
        sa.Column("context", JSONB(none_as_null=True)),
        sa.Column("fingerprint", sa.Text),
        sa.Column("correlation_id", sa.Text),
        sa.Column("resends", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_resent_by", sa.Text),
        _at("last_resent_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _at("sent_at", nullable=True),
        sa.CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="notifications_status"
        ),
    )
    op.create_index("notifications_created", "notifications", ["created_at", "id"])
    op.create_index("notifications_status", "notifications", ["status", "created_at"])
    op.create_index("notifications_template", "notifications", ["template", "created_at"])
    op.create_index("notifications_order", "notifications", ["order_id"])
    op.create_index("notifications_user", "notifications", ["user_id"])
    op.create_index("notifications_recipient", "notifications", ["recipient"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("known_subscriptions")
    op.drop_table("known_orders")
