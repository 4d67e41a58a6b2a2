"""The report bundle of each run that finished with files (zip and summary.json).

Revision ID: dune_runner_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "dune_runner_0002"
down_revision = "dune_runner_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_bundles",
        sa.Column("analysis_id", sa.Uuid, sa.ForeignKey("analyses.id"), primary_key=True),
        sa.Column("order_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("zip_file_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("zip_path", sa.Text, nullable=False, unique=True),
        sa.Column("zip_size_bytes", sa.BigInteger, nullable=False),
        sa.Column("zip_sha256", sa.Text, nullable=False),
        sa.Column("summary_file_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("summary_path", sa.Text, nullable=False, unique=True),
        sa.Column("summary_size_bytes", sa.BigInteger, nullable=False),
        sa.Column("summary_sha256", sa.Text, nullable=False),
        sa.Column("summary", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_bundles")
