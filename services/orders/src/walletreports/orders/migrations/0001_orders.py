"""Orders, their history and payment issues, subscriptions, idempotency keys, intake state.

Revision ID: orders_0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "orders_0001"
down_revision = "messaging_0001"
branch_labels = None
depends_on = None

USD = sa.Numeric(12, 2)


def _at(name: str, nullable: bool = False) -> "sa.Column[Any]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("user_email", sa.Text, nullable=False),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("product_kind", sa.Text, nullable=False),
        sa.Column("wallet_address", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("list_price_usd", USD, nullable=False),
        sa.Column("discount_usd", USD, nullable=False),
        sa.Column("price_usd", USD, nullable=False),
        sa.Column("price_note", sa.Text, nullable=False),
        sa.Column("payment_required", sa.Boolean, nullable=False),
        sa.Column("paid_via", sa.Text),
        sa.Column("covered_by_subscription_id", sa.Uuid),
        sa.Column("plan_terms", JSONB),
        sa.Column("payment_currency", sa.Text),
        sa.Column("payment_base_units", sa.BigInteger),
        sa.Column("payment_signature", sa.Text),
        sa.Column("payment_invoice_id", sa.Uuid),
        _at("created_at"),
        _at("payment_due_by"),
        _at("updated_at"),
        sa.CheckConstraint("payment_base_units >= 0", name="orders_payment_not_negative"),
    )
    op.create_index("orders_user_created", "orders", ["user_id", "created_at"])
    op.create_index("orders_status_created", "orders", ["status", "created_at"])
    op.create_index("orders_created", "orders", ["created_at"])
    op.create_index("orders_wallet_lower", "orders", [sa.text("lower(wallet_address)")])
    op.create_index("orders_email_lower", "orders", [sa.text("lower(user_email)")])

    op.create_table(
        "order_history",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("from_status", sa.Text),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        _at("at"),
    )
    op.create_index("order_history_order", "order_history", ["order_id", "id"])

    op.create_table(
        "payment_issues",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("order_status", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("amount_base_units", sa.BigInteger, nullable=False),
        sa.Column("signature", sa.Text),
        sa.Column("invoice_id", sa.Uuid),
        sa.Column("message", sa.Text, nullable=False),
        _at("at"),
        sa.CheckConstraint("amount_base_units >= 0", name="payment_issues_amount_not_negative"),
    )
    op.create_index("payment_issues_order", "payment_issues", ["order_id", "id"])

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        _at("starts_at"),
        _at("expires_at"),
        sa.Column("reports_included", sa.Integer, nullable=False),
        sa.Column("reports_used", sa.Integer, nullable=False),
        sa.Column("report_discount_percent", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        _at("updated_at"),
        sa.CheckConstraint(
            "reports_used BETWEEN 0 AND reports_included", name="subscriptions_usage"
        ),
    )
    op.create_index(
        "subscriptions_one_active",
        "subscriptions",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "subscriptions_due",
        "subscriptions",
        ["expires_at"],
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index("subscriptions_user", "subscriptions", ["user_id", "expires_at"])

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_body", JSONB),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("idempotency_keys_created", "idempotency_keys", ["created_at"])

    op.create_table(
        "intake_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        _at("as_of"),
        sa.CheckConstraint("id = 1", name="intake_state_single_row"),
    )
    # Open until dune_runner says otherwise; the epoch loses to any real event.
    op.execute(
        "INSERT INTO intake_state (id, paused, reason, as_of) "
        "VALUES (1, false, '', to_timestamp(0))"
    )


def downgrade() -> None:
    for table in (
        "intake_state",
        "idempotency_keys",
        "subscriptions",
        "payment_issues",
        "order_history",
        "orders",
    ):
        op.drop_table(table)
