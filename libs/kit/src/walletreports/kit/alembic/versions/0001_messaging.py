"""The outbox and inbox every service has; each service's first revision follows this.

Revision ID: messaging_0001
"""

from walletreports.kit.messaging.tables import create_messaging_tables, drop_messaging_tables

revision = "messaging_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()
