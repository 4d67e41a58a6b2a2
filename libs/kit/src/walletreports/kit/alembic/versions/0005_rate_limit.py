"""The rate_limit_grants table (walletreports.kit.rate_limit): one row per slot granted
by a rate limit shared by the service's replicas. Written out as it is at this revision
(see kit_0002_side_effects).

Revision ID: kit_0005_rate_limit
Revises: kit_0004_outbox_claim_by_id
"""

import sqlalchemy as sa
from alembic import op

revision = "kit_0005_rate_limit"
down_revision = "kit_0004_outbox_claim_by_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_grants",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("rate_limit_grants_by_name", "rate_limit_grants", ["name", "granted_at"])


def downgrade() -> None:
    op.drop_table("rate_limit_grants")
