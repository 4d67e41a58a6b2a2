"""One payment issue per order and on-chain transfer (signature).

The same payment reported twice under different event ids used to become a second,
`already_paid` issue that staff might refund although it was the order's own money.
The domain now ignores a signature it has already recorded; this index makes the
database refuse it too. Rows without a signature stay unconstrained (NULLs differ).

Duplicates already stored are the same transfer recorded again: the first row of each
(order_id, signature) is kept, the later copies are deleted, so the index can be built.
Downgrading drops the index only; deleted copies do not come back.

Revision ID: orders_0002
"""

from alembic import op

revision = "orders_0002"
down_revision = "orders_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        DELETE FROM payment_issues later
        USING payment_issues first
        WHERE later.order_id = first.order_id
          AND later.signature = first.signature
          AND later.id > first.id
        """
    )
    op.create_index(
        "payment_issues_order_signature",
        "payment_issues",
        ["order_id", "signature"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("payment_issues_order_signature", table_name="payment_issues")
