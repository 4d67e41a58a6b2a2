"""Invoices, their payment methods, transfers seen (a signature pays one invoice, ever),
transfers dropped by forks, history, staff reviews and rejected candidates.

Revision ID: payments_0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "payments_0001"
down_revision = "messaging_0001"
branch_labels = None
depends_on = None

USD = sa.Numeric(12, 2)


def _at(name: str, nullable: bool = False) -> "sa.Column[Any]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _transfer_columns() -> "list[sa.Column[Any]]":
    return [
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("amount_base_units", sa.BigInteger, nullable=False),
        sa.Column("payer", sa.Text),
        sa.Column("slot", sa.BigInteger, nullable=False),
        sa.Column("commitment", sa.Text, nullable=False),
        _at("first_seen_at"),
        sa.Column("arrival", sa.Text, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("order_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("reference", sa.Text, nullable=False, unique=True),
        sa.Column("price_usd", USD, nullable=False),
        sa.Column("tolerance_percent", sa.Numeric(5, 2), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("sol_withdrawn_reason", sa.Text),
        sa.Column("finalized_signature", sa.Text),
        _at("created_at"),
        _at("expires_at"),
        _at("monitoring_until"),
        _at("cancelled_at", nullable=True),
        _at("updated_at"),
    )
    op.create_index("invoices_open_expiry", "invoices", ["status", "expires_at"])

    op.create_table(
        "payment_methods",
        sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("amount_base_units", sa.BigInteger, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("usd_per_sol", sa.Numeric),
        sa.Column("quote_confidence", sa.Numeric),
        sa.Column("quote_source", sa.Text),
        _at("quote_published_at", nullable=True),
        sa.PrimaryKeyConstraint("invoice_id", "currency"),
        sa.CheckConstraint("amount_base_units > 0", name="payment_methods_amount_positive"),
    )

    op.create_table(
        "transfers",
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), nullable=False),
        *_transfer_columns(),
        sa.CheckConstraint("amount_base_units > 0", name="transfers_amount_positive"),
    )
    # The rule that a signature pays at most one invoice, ever.
    op.create_index("transfers_signature", "transfers", ["signature"], unique=True)
    op.create_index("transfers_invoice", "transfers", ["invoice_id"])

    op.create_table(
        "dropped_transfers",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        *_transfer_columns(),
    )
    op.create_index("dropped_transfers_invoice", "dropped_transfers", ["invoice_id", "id"])

    op.create_table(
        "invoice_history",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("from_status", sa.Text, nullable=False),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("from_reason", sa.Text),
        sa.Column("to_reason", sa.Text),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        _at("at"),
    )
    op.create_index("invoice_history_invoice", "invoice_history", ["invoice_id", "id"])

    op.create_table(
        "staff_reviews",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        _at("at"),
    )
    op.create_index("staff_reviews_invoice", "staff_reviews", ["invoice_id", "id"])

    op.create_table(
        "rejected_candidates",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id")),
        sa.Column("reference", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        _at("at"),
    )
    op.create_index("rejected_candidates_signature", "rejected_candidates", ["signature"])
    op.create_index("rejected_candidates_invoice", "rejected_candidates", ["invoice_id", "id"])
    op.create_index("rejected_candidates_at", "rejected_candidates", ["at"])


def downgrade() -> None:
    for table in (
        "rejected_candidates",
        "staff_reviews",
        "invoice_history",
        "dropped_transfers",
        "transfers",
        "payment_methods",
        "invoices",
    ):
        op.drop_table(table)
