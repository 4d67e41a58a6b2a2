"""Analyses, query jobs with their history and retry records, report files, the credit
ledger, budget alerts, the intake switch (its one row) and the execute audit log.

Written out as the tables were at this revision (not built from adapters/tables.py), so
a later change to a table is a later revision and this one keeps meaning the same.

Revision ID: dune_runner_0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "dune_runner_0001"
down_revision = "messaging_0001"
branch_labels = None
depends_on = None

CREDITS = sa.Numeric(20, 6)


def _at(name: str, nullable: bool = False) -> "sa.Column[Any]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "analyses",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("order_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("wallet_address", sa.Text, nullable=False),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("runs", sa.Integer, nullable=False),
        _at("created_at"),
        _at("started_at", nullable=True),
        _at("finished_at", nullable=True),
        sa.Column("given_up_by", sa.Text),
        sa.Column("given_up_reason", sa.Text),
        _at("updated_at"),
    )
    op.create_index("analyses_user", "analyses", ["user_id", "created_at"])
    op.create_index("analyses_status", "analyses", ["status", "created_at"])

    op.create_table(
        "query_jobs",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("analysis_id", sa.Uuid, sa.ForeignKey("analyses.id"), nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("query_name", sa.Text, nullable=False),
        sa.Column("query_id", sa.BigInteger, nullable=False),
        sa.Column("parameters", JSONB, nullable=False),
        sa.Column("output_file", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        _at("created_at"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("retry_count", sa.Integer, nullable=False),
        sa.Column("execution_id", sa.Text),
        _at("accepted_at", nullable=True),
        _at("deadline_at", nullable=True),
        _at("next_poll_at", nullable=True),
        sa.Column("polls", sa.Integer, nullable=False),
        sa.Column("last_poll_error", sa.Text),
        sa.Column("error_type", sa.Text),
        sa.Column("error_message", sa.Text),
        sa.Column("row_count", sa.BigInteger),
        sa.Column("partial", sa.Boolean, nullable=False),
        _at("finished_at", nullable=True),
        _at("updated_at"),
        sa.UniqueConstraint("analysis_id", "query_name", name="query_jobs_one_per_report"),
    )
    op.create_index(
        "query_jobs_due",
        "query_jobs",
        ["next_poll_at"],
        postgresql_where=sa.text("status = 'executing'"),
    )
    op.create_index(
        "query_jobs_waiting",
        "query_jobs",
        ["created_at"],
        postgresql_where=sa.text("status = 'waiting'"),
    )
    op.create_index("query_jobs_status", "query_jobs", ["status", "updated_at"])
    op.create_index("query_jobs_execution", "query_jobs", ["execution_id"])

    op.create_table(
        "job_history",
        sa.Column("job_id", sa.Uuid, sa.ForeignKey("query_jobs.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("from_status", sa.Text, nullable=False),
        sa.Column("to_status", sa.Text, nullable=False),
        _at("at"),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("job_id", "seq"),
    )

    op.create_table(
        "job_retries",
        sa.Column("job_id", sa.Uuid, sa.ForeignKey("query_jobs.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        _at("at"),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("from_status", sa.Text, nullable=False),
        sa.Column("error_type", sa.Text),
        sa.Column("error_message", sa.Text),
        sa.Column("execution_id", sa.Text),
        sa.PrimaryKeyConstraint("job_id", "number"),
    )

    op.create_table(
        "report_files",
        sa.Column("job_id", sa.Uuid, sa.ForeignKey("query_jobs.id"), primary_key=True),
        sa.Column("analysis_id", sa.Uuid, sa.ForeignKey("analyses.id"), nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("query_name", sa.Text, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False, unique=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("partial", sa.Boolean, nullable=False),
        sa.Column("execution_id", sa.Text, nullable=False),
        _at("created_at"),
        sa.CheckConstraint("size_bytes >= 0", name="report_files_size"),
    )
    op.create_index("report_files_analysis", "report_files", ["analysis_id"])
    op.create_index("report_files_order", "report_files", ["order_id"])

    op.create_table(
        "credit_ledger",
        sa.Column("execution_id", sa.Text, primary_key=True),
        sa.Column("job_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("query_name", sa.Text, nullable=False),
        sa.Column("credits", CREDITS, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("cost_reported", sa.Boolean, nullable=False),
        _at("recorded_at"),
        sa.CheckConstraint("credits >= 0", name="credit_ledger_credits"),
    )
    op.create_index("credit_ledger_recorded", "credit_ledger", ["recorded_at"])
    op.create_index("credit_ledger_order", "credit_ledger", ["order_id"])

    op.create_table(
        "budget_alerts",
        sa.Column("period", sa.Text, nullable=False),
        _at("period_start"),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("used", CREDITS, nullable=False),
        sa.Column("budget", CREDITS, nullable=False),
        _at("at"),
        sa.PrimaryKeyConstraint("period", "period_start", "threshold"),
    )

    op.create_table(
        "intake",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        _at("changed_at", nullable=True),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.CheckConstraint("id = 1", name="intake_one_row"),
    )
    op.execute(
        "INSERT INTO intake (id, paused, reason, changed_by) VALUES (1, false, '', 'system')"
    )

    op.create_table(
        "execute_log",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("effect_key", sa.Text, nullable=False, unique=True),
        sa.Column("job_id", sa.Uuid, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("query_name", sa.Text, nullable=False),
        sa.Column("query_id", sa.BigInteger, nullable=False),
        sa.Column("parameters", JSONB, nullable=False),
        _at("sent_at"),
        _at("answered_at", nullable=True),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("execution_id", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("credits", CREDITS),
        _at("ended_at", nullable=True),
    )
    op.create_index("execute_log_job", "execute_log", ["job_id", "attempt"])
    op.create_index("execute_log_execution", "execute_log", ["execution_id"])
    op.create_index("execute_log_sent", "execute_log", ["sent_at"])


def downgrade() -> None:
    for table in (
        "execute_log",
        "intake",
        "budget_alerts",
        "credit_ledger",
        "report_files",
        "job_retries",
        "job_history",
        "query_jobs",
        "analyses",
    ):
        op.drop_table(table)
