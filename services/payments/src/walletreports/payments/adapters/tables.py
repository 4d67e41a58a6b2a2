"""The payments database. Only this service reads or writes it.

Money: USD as NUMERIC(12, 2) (Decimal in Python), crypto as BIGINT base units, a SOL rate
as NUMERIC (exact, as the source published it). Statuses, reasons and commitments are
text matching the domain's enums; the domain decides which are legal.

A signature pays at most one invoice, ever: `transfers.signature` is UNIQUE, so two
invoices (or two replicas) claiming one transaction fail in the database, not in a check
in code that a race could pass.
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
)

from walletreports.kit import kit_tables

metadata = MetaData()
outbox, inbox, side_effects = kit_tables(metadata)

Usd = Numeric(12, 2)


def _at(name: str, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


invoices = Table(
    "invoices",
    metadata,
    Column("id", Uuid, primary_key=True),
    # One invoice per order, ever: a second order.created for it finds this row.
    Column("order_id", Uuid, nullable=False, unique=True),
    # Whose order it is (from order.created), for the user's payment history. NULL only
    # for invoices opened before payments_0002 recorded it.
    Column("user_id", Uuid),
    Column("reference", Text, nullable=False, unique=True),  # base58 32-byte key
    Column("price_usd", Usd, nullable=False),
    Column("tolerance_percent", Numeric(5, 2), nullable=False),
    Column("status", Text, nullable=False),
    Column("reason", Text),
    # Why SOL is not offered (no rate source, a stale quote), NULL when it is.
    Column("sol_withdrawn_reason", Text),
    Column("finalized_signature", Text),
    _at("created_at"),
    _at("expires_at"),
    _at("monitoring_until"),
    _at("cancelled_at", nullable=True),
    _at("updated_at"),
    Index("invoices_open_expiry", "status", "expires_at"),
    Index("invoices_user", "user_id", "created_at"),
    Index("invoices_created", "created_at"),
)

# One per accepted currency, with the Solana Pay URL exactly as it was promised (the
# merchant or label may be reconfigured later; an invoice's URL never changes).
payment_methods = Table(
    "payment_methods",
    metadata,
    Column("invoice_id", Uuid, ForeignKey("invoices.id"), nullable=False),
    Column("currency", Text, nullable=False),
    Column("amount_base_units", BigInteger, nullable=False),
    Column("url", Text, nullable=False),
    # The locked SOL quote (NULL for stablecoins), kept for audit.
    Column("usd_per_sol", Numeric),
    Column("quote_confidence", Numeric),
    Column("quote_source", Text),
    _at("quote_published_at", nullable=True),
    PrimaryKeyConstraint("invoice_id", "currency"),
    CheckConstraint("amount_base_units > 0", name="payment_methods_amount_positive"),
)


def _transfer_columns() -> list[Column[object]]:
    return [
        Column("currency", Text, nullable=False),
        Column("amount_base_units", BigInteger, nullable=False),
        Column("payer", Text),
        Column("slot", BigInteger, nullable=False),
        Column("commitment", Text, nullable=False),
        _at("first_seen_at"),
        Column("arrival", Text, nullable=False),
    ]


# Validated transfers to an invoice's reference, at their latest commitment.
transfers = Table(
    "transfers",
    metadata,
    Column("signature", Text, nullable=False),
    Column("invoice_id", Uuid, ForeignKey("invoices.id"), nullable=False),
    *_transfer_columns(),
    CheckConstraint("amount_base_units > 0", name="transfers_amount_positive"),
    Index("transfers_signature", "signature", unique=True),
    Index("transfers_invoice", "invoice_id"),
    Index("transfers_payer", "payer"),
)

# Transfers a fork rolled back before finality: no longer money, kept for staff.
dropped_transfers = Table(
    "dropped_transfers",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("invoice_id", Uuid, ForeignKey("invoices.id"), nullable=False),
    Column("signature", Text, nullable=False),
    *_transfer_columns(),
    Index("dropped_transfers_invoice", "invoice_id", "id"),
)

# One row per status and/or reason change.
invoice_history = Table(
    "invoice_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("invoice_id", Uuid, ForeignKey("invoices.id"), nullable=False),
    Column("from_status", Text, nullable=False),
    Column("to_status", Text, nullable=False),
    Column("from_reason", Text),
    Column("to_reason", Text),
    Column("actor", Text, nullable=False),  # "system" or "staff:<email>"
    Column("note", Text, nullable=False),
    _at("at"),
    Index("invoice_history_invoice", "invoice_id", "id"),
)

# Final money the invoice did not take (late, short, after close): staff decide.
staff_reviews = Table(
    "staff_reviews",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("invoice_id", Uuid, ForeignKey("invoices.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("message", Text, nullable=False),
    _at("at"),
    Index("staff_reviews_invoice", "invoice_id", "id"),
)

# Every candidate transaction that did not validate, with why, for staff. Not unique by
# signature: one transaction may be looked at for several references.
rejected_candidates = Table(
    "rejected_candidates",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("signature", Text, nullable=False),
    Column("invoice_id", Uuid, ForeignKey("invoices.id")),
    Column("reference", Text),
    Column("reason", Text, nullable=False),  # a stable code
    Column("detail", Text, nullable=False),
    _at("at"),
    Index("rejected_candidates_invoice", "invoice_id", "id"),
    Index("rejected_candidates_at", "at"),
)
# One verdict per transaction and reference: the watcher may look at a transaction twice
# (a push and a poll, a restart), staff should see it once.
Index(
    "rejected_candidates_once",
    rejected_candidates.c.signature,
    func.coalesce(rejected_candidates.c.reference, ""),
    unique=True,
)

# The watcher's place in each receiving account's history: the newest signature below
# which everything is finalized and handled. `until` never names a transaction a fork
# could take away, so the node can always place it.
watch_cursors = Table(
    "watch_cursors",
    metadata,
    Column("account", Text, primary_key=True),
    Column("until_signature", Text),
    Column("until_slot", BigInteger),
    _at("updated_at"),
)

# Signatures above an account's cursor the watcher has handled, at the commitment it
# handled them: a poll skips them (no second getTransaction), promotes them when they
# finalize, and notices a confirmed one a fork took away. Pruned as the cursor passes.
watched_signatures = Table(
    "watched_signatures",
    metadata,
    Column("account", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("slot", BigInteger, nullable=False),
    Column("commitment", Text, nullable=False),
    Column("outcome", Text, nullable=False),  # transfer, refund, rejected, ignored
    _at("seen_at"),
    PrimaryKeyConstraint("account", "signature"),
    Index("watched_signatures_slot", "account", "slot"),
)

# Refunds: a Solana Pay URL from the merchant to the payer, for staff to sign (the
# service never holds the merchant's key); sent when the watcher sees its reference.
refunds = Table(
    "refunds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("invoice_id", Uuid, ForeignKey("invoices.id"), nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("currency", Text, nullable=False),
    Column("amount_base_units", BigInteger, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("reference", Text, nullable=False, unique=True),
    Column("reason", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("requested_by", Text, nullable=False),
    _at("requested_at"),
    Column("status", Text, nullable=False),
    Column("url", Text, nullable=False),
    # A signature sends at most one refund, ever.
    Column("signature", Text, unique=True),
    Column("sent_amount_base_units", BigInteger),
    _at("sent_at", nullable=True),
    # Staff withdrew it before it was paid: who, when, why (payments_0003).
    Column("cancelled_by", Text),
    _at("cancelled_at", nullable=True),
    Column("cancel_note", Text),
    _at("updated_at"),
    CheckConstraint("amount_base_units > 0", name="refunds_amount_positive"),
    Index("refunds_invoice", "invoice_id", "requested_at"),
    Index("refunds_status", "status", "requested_at"),
)
