"""The watcher's cursors and handled signatures, refunds, the invoice's user (for the
payment history) and one rejected-candidate row per transaction and reference.

Revision ID: payments_0002
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "payments_0002"
down_revision = "payments_0001"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> "sa.Column[Any]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("invoices", sa.Column("user_id", sa.Uuid))
    op.create_index("invoices_user", "invoices", ["user_id", "created_at"])
    op.create_index("invoices_created", "invoices", ["created_at"])
    op.create_index("transfers_payer", "transfers", ["payer"])

    # Rows from before this revision may repeat (signature, reference): keep the first.
    op.execute(
        "DELETE FROM rejected_candidates a USING rejected_candidates b "
        "WHERE a.signature = b.signature "
        "AND coalesce(a.reference, '') = coalesce(b.reference, '') AND a.id > b.id"
    )
    op.drop_index("rejected_candidates_signature", "rejected_candidates")
    op.create_index(
        "rejected_candidates_once",
        "rejected_candidates",
        ["signature", sa.text("coalesce(reference, '')")],
        unique=True,
    )

    op.create_table(
        "watch_cursors",
        sa.Column("account", sa.Text, primary_key=True),
        sa.Column("until_signature", sa.Text),
        sa.Column("until_slot", sa.BigInteger),
        _at("updated_at"),
    )
    op.create_table(
        "watched_signatures",
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("slot", sa.BigInteger, nullable=False),
        sa.Column("commitment", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        _at("seen_at"),
        sa.PrimaryKeyConstraint("account", "signature"),
    )
    op.create_index("watched_signatures_slot", "watched_signatures", ["account", "slot"])

    op.create_table(
        "refunds",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("amount_base_units", sa.BigInteger, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False, unique=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        _at("requested_at"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, unique=True),
        sa.Column("sent_amount_base_units", sa.BigInteger),
        _at("sent_at", nullable=True),
        _at("updated_at"),
        sa.CheckConstraint("amount_base_units > 0", name="refunds_amount_positive"),
    )
    op.create_index("refunds_invoice", "refunds", ["invoice_id", "requested_at"])
    op.create_index("refunds_status", "refunds", ["status", "requested_at"])


def downgrade() -> None:
    op.drop_table("refunds")
    op.drop_table("watched_signatures")
    op.drop_table("watch_cursors")
    op.drop_index("rejected_candidates_once", "rejected_candidates")
    op.create_index("rejected_candidates_signature", "rejected_candidates", ["signature"])
    op.drop_index("transfers_payer", "transfers")
    op.drop_index("invoices_created", "invoices")
    op.drop_index("invoices_user", "invoices")
    op.drop_column("invoices", "user_id")
