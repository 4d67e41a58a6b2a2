"""The dune_runner database. Only this service reads or writes it.

Credits are NUMERIC (Decimal in Python: Dune reports fractions); statuses, outcomes and
error types are text matching the domain's enums (the domain decides which are legal).

The rules that must hold however many replicas race are constraints here, not checks in
code: one analysis per order, one job per (analysis, report), one file per job, one
ledger entry per Dune execution, one alert per (period, start, threshold), one audit row
per execute attempt (its effect key). A job's history and its retry records are rows
appended in order (`seq`, `number`), never rewritten.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from walletreports.kit import kit_tables

metadata = MetaData()
outbox, inbox, side_effects = kit_tables(metadata)

Credits = Numeric(20, 6)


def _at(name: str, nullable: bool = False) -> "Column[object]":
    return Column(name, DateTime(timezone=True), nullable=nullable)


# The run of one paid order: one per order, ever (ids are derived from the order id).
analyses = Table(
    "analyses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("order_id", Uuid, nullable=False, unique=True),
    Column("user_id", Uuid, nullable=False),
    Column("wallet_address", Text, nullable=False),
    Column("product", Text, nullable=False),
    Column("status", Text, nullable=False),  # waiting | running | finished
    Column("outcome", Text),  # completed | partial | failed, once finished
    Column("runs", Integer, nullable=False),
    _at("created_at"),
    _at("started_at", nullable=True),
    _at("finished_at", nullable=True),
    Column("given_up_by", Text),
    Column("given_up_reason", Text),
    _at("updated_at"),
    Index("analyses_user", "user_id", "created_at"),
    Index("analyses_status", "status", "created_at"),
)

# One report of one run, as one Dune query; its current attempt and execution.
query_jobs = Table(
    "query_jobs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("analysis_id", Uuid, ForeignKey("analyses.id"), nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("query_name", Text, nullable=False),
    Column("query_id", BigInteger, nullable=False),
    Column("parameters", JSONB, nullable=False),
    Column("output_file", Text, nullable=False),
    Column("position", Integer, nullable=False),
    _at("created_at"),
    Column("status", Text, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("retry_count", Integer, nullable=False),
    Column("execution_id", Text),
    _at("accepted_at", nullable=True),
    _at("deadline_at", nullable=True),
    _at("next_poll_at", nullable=True),
    Column("polls", Integer, nullable=False),
    Column("last_poll_error", Text),
    Column("error_type", Text),
    Column("error_message", Text),
    Column("row_count", BigInteger),
    Column("partial", Boolean, nullable=False),
    _at("finished_at", nullable=True),
    _at("updated_at"),
    UniqueConstraint("analysis_id", "query_name", name="query_jobs_one_per_report"),
    # What pollers claim (SKIP LOCKED): executing jobs by their next poll.
    Index("query_jobs_due", "next_poll_at", postgresql_where=text("status = 'executing'")),
    # What release_waiting looks for once intake is open.
    Index("query_jobs_waiting", "created_at", postgresql_where=text("status = 'waiting'")),
    Index("query_jobs_status", "status", "updated_at"),
    Index("query_jobs_execution", "execution_id"),
)

# Every transition of a job, in order (seq = its place in the job's history).
job_history = Table(
    "job_history",
    metadata,
    Column("job_id", Uuid, ForeignKey("query_jobs.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("from_status", Text, nullable=False),
    Column("to_status", Text, nullable=False),
    _at("at"),
    Column("actor", Text, nullable=False),  # system | staff:<email> | orders:reopen
    Column("reason", Text, nullable=False),
    PrimaryKeyConstraint("job_id", "seq"),
)

# Every staff retry (and re-open) of a job: who, when, why, what it had failed with.
job_retries = Table(
    "job_retries",
    metadata,
    Column("job_id", Uuid, ForeignKey("query_jobs.id"), nullable=False),
    Column("number", Integer, nullable=False),
    _at("at"),
    Column("by", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("from_status", Text, nullable=False),
    Column("error_type", Text),
    Column("error_message", Text),
    Column("execution_id", Text),
    PrimaryKeyConstraint("job_id", "number"),
)

# The stored CSV of a completed job (a completed job is never re-run: one file each).
report_files = Table(
    "report_files",
    metadata,
    Column("job_id", Uuid, ForeignKey("query_jobs.id"), primary_key=True),
    Column("analysis_id", Uuid, ForeignKey("analyses.id"), nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("query_name", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("path", Text, nullable=False, unique=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("row_count", BigInteger, nullable=False),
    Column("partial", Boolean, nullable=False),
    Column("execution_id", Text, nullable=False),
    _at("created_at"),
    CheckConstraint("size_bytes >= 0", name="report_files_size"),
    Index("report_files_analysis", "analysis_id"),
    Index("report_files_order", "order_id"),
)

# What each Dune execution cost, written when it ended: budgets add these up.
credit_ledger = Table(
    "credit_ledger",
    metadata,
    Column("execution_id", Text, primary_key=True),
    Column("job_id", Uuid, nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("query_name", Text, nullable=False),
    Column("credits", Credits, nullable=False),
    Column("outcome", Text, nullable=False),  # completed | failed | timed_out
    Column("cost_reported", Boolean, nullable=False),
    _at("recorded_at"),
    CheckConstraint("credits >= 0", name="credit_ledger_credits"),
    Index("credit_ledger_recorded", "recorded_at"),
    Index("credit_ledger_order", "order_id"),
)

# Each budget threshold announced, once per period.
budget_alerts = Table(
    "budget_alerts",
    metadata,
    Column("period", Text, nullable=False),  # daily | weekly
    _at("period_start"),
    Column("threshold", Integer, nullable=False),
    Column("used", Credits, nullable=False),
    Column("budget", Credits, nullable=False),
    _at("at"),
    PrimaryKeyConstraint("period", "period_start", "threshold"),
)

# The intake switch: exactly one row (id 1), inserted by the migration, so that locking
# it (FOR UPDATE) always has a row to lock.
intake = Table(
    "intake",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("paused", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    _at("changed_at", nullable=True),
    Column("changed_by", Text, nullable=False),
    CheckConstraint("id = 1", name="intake_one_row"),
)

# The audit of every execute sent to Dune (one row per attempt, its effect key): written
# and committed right before the POST (outcome `sending`), completed when the outcome is
# recorded (accepted with its execution id, refused, or in_doubt), and given the
# execution's credits when it ends. A row still `sending` long after sent_at is an
# execute whose runner died between sending and recording: staff look at Dune.
execute_log = Table(
    "execute_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("effect_key", Text, nullable=False, unique=True),
    Column("job_id", Uuid, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("query_name", Text, nullable=False),
    Column("query_id", BigInteger, nullable=False),
    Column("parameters", JSONB, nullable=False),
    _at("sent_at"),
    _at("answered_at", nullable=True),
    Column("outcome", Text, nullable=False),  # sending | accepted | refused | in_doubt
    Column("execution_id", Text),
    Column("error", Text),
    Column("credits", Credits),
    _at("ended_at", nullable=True),
    Index("execute_log_job", "job_id", "attempt"),
    Index("execute_log_execution", "execution_id"),
    Index("execute_log_sent", "sent_at"),
)

# The report bundle of a run that finished with files: the zip of its CSVs and
# summary.json, and summary.json itself, stored next to the reports. One row per run,
# rebuilt (same paths, same file ids) only when the run finished again after a re-open
# (`runs` is the analysis' run count the bundle was built for).
report_bundles = Table(
    "report_bundles",
    metadata,
    Column("analysis_id", Uuid, ForeignKey("analyses.id"), primary_key=True),
    Column("order_id", Uuid, nullable=False, unique=True),
    Column("user_id", Uuid, nullable=False),
    Column("runs", Integer, nullable=False),
    Column("zip_file_id", Uuid, nullable=False, unique=True),
    Column("zip_path", Text, nullable=False, unique=True),
    Column("zip_size_bytes", BigInteger, nullable=False),
    Column("zip_sha256", Text, nullable=False),
    Column("summary_file_id", Uuid, nullable=False, unique=True),
    Column("summary_path", Text, nullable=False, unique=True),
    Column("summary_size_bytes", BigInteger, nullable=False),
    Column("summary_sha256", Text, nullable=False),
    Column("summary", JSONB, nullable=False),
    _at("created_at"),
)
