"""The side_effects table (walletreports.kit.effects), on the kit's own branch.

It follows messaging_0001 beside each service's chain, so a database has two heads
and `migrations.upgrade` goes to "heads"; the branch label lets it be named alone
(`kit@head`, `kit@-1`). The table is written out as it was at this revision rather
than built from `side_effects_table`, so a later change to the table is a later
revision and this one keeps meaning the same.

Revision ID: kit_0002_side_effects
Revises: messaging_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "kit_0002_side_effects"
down_revision = "messaging_0001"
branch_labels = ("kit",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "side_effects",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("correlation_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'pending'")),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("last_error", sa.Text),
        sa.Column("result", JSONB(none_as_null=True)),
        sa.Column("claim", sa.Uuid),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("kind", "key", name="side_effects_kind_key"),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed', 'in_doubt')",
            name="side_effects_status",
        ),
    )
    op.create_index(
        "side_effects_due",
        "side_effects",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "side_effects_running",
        "side_effects",
        ["kind", "started_at"],
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_index(
        "side_effects_unresolved",
        "side_effects",
        ["kind", "status"],
        postgresql_where=sa.text("status IN ('failed', 'in_doubt')"),
    )


def downgrade() -> None:
    op.drop_table("side_effects")
