"""The inbox records events a consumer refused for good (outcome, detail).

Revision ID: kit_0003_inbox_refusals
"""

from alembic import op

from walletreports.kit.messaging.tables import inbox_refusal_columns

revision = "kit_0003_inbox_refusals"
down_revision = "kit_0002_side_effects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in inbox_refusal_columns():
        op.add_column("inbox", column)


def downgrade() -> None:
    for column in inbox_refusal_columns():
        op.drop_column("inbox", column.name)
