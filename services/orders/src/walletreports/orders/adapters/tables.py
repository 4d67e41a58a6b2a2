"""The orders database. Only this service reads or writes it.

Money: USD as NUMERIC(12, 2) (Decimal in Python), crypto as BIGINT base units.
Statuses are text matching the domain's enums; the domain decides which are legal.
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
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from walletreports.kit import kit_tables

metadata = MetaData()
outbox, inbox, side_effects = kit_tables(metadata)

Usd = Numeric(12, 2)

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    # A copy of web's user email at order time, only so staff can search by it.
    Column("user_email", Text, nullable=False),
    Column("product", Text, nullable=False),
    Column("product_kind", Text, nullable=False),
    Column("wallet_address", Text),  # EIP-55 checksummed; NULL for plan orders
    Column("status", Text, nullable=False),
    # The price as quoted when the order was placed (never recomputed later).
    Column("list_price_usd", Usd, nullable=False),
    Column("discount_usd", Usd, nullable=False),
    Column("price_usd", Usd, nullable=False),
    Column("price_note", Text, nullable=False),
    Column("payment_required", Boolean, nullable=False),
    Column("paid_via", Text),
    Column("covered_by_subscription_id", Uuid),
    # A plan order's terms as sold (duration, reports, discount), so activating it later
    # gives the user what they paid for even if the catalog changed in between.
    Column("plan_terms", JSONB),
    # The payment the order took (one at most); money it did not take is in payment_issues.
    Column("payment_currency", Text),
    Column("payment_base_units", BigInteger),
    Column("payment_signature", Text),
    Column("payment_invoice_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("payment_due_by", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("payment_base_units >= 0", name="orders_payment_not_negative"),
    Index("orders_user_created", "user_id", "created_at"),
    Index("orders_status_created", "status", "created_at"),
    Index("orders_created", "created_at"),
    Index("orders_wallet_lower", func.lower(text("wallet_address"))),
    Index("orders_email_lower", func.lower(text("user_email"))),
)

# One row per status change, plus the creation row (from_status NULL).
order_history = Table(
    "order_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("order_id", Uuid, ForeignKey("orders.id"), nullable=False),
    Column("from_status", Text),
    Column("to_status", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),  # "system", "staff:<email>", "user:<id>"
    Column("at", DateTime(timezone=True), nullable=False),
    Index("order_history_order", "order_id", "id"),
)

# Money that arrived but that the order did not take (late, twice, after cancel):
# staff accept it (mark paid) or refund it through payments. One row per on-chain
# transfer (signature) and order: the same payment reported again is not a new issue.
payment_issues = Table(
    "payment_issues",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("order_id", Uuid, ForeignKey("orders.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("order_status", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("amount_base_units", BigInteger, nullable=False),
    Column("signature", Text),
    Column("invoice_id", Uuid),
    Column("message", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount_base_units >= 0", name="payment_issues_amount_not_negative"),
    Index("payment_issues_order", "order_id", "id"),
    Index("payment_issues_order_signature", "order_id", "signature", unique=True),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("plan", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("reports_included", Integer, nullable=False),
    Column("reports_used", Integer, nullable=False),
    Column("report_discount_percent", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("reports_used BETWEEN 0 AND reports_included", name="subscriptions_usage"),
    # Buying again while active extends the one subscription; never two at once.
    Index(
        "subscriptions_one_active",
        "user_id",
        unique=True,
        postgresql_where=text("status = 'active'"),
    ),
    Index("subscriptions_due", "expires_at", postgresql_where=text("status = 'active'")),
    Index("subscriptions_user", "user_id", "expires_at"),
)

# Stripe-style idempotency for POST /v1/orders: the first successful response is kept and
# replayed; the row commits with the order it created, so failures keep nothing.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),  # sha256 hex of the request
    Column("response_status", Integer),  # NULL only inside the creating transaction
    Column("response_body", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("idempotency_keys_created", "created_at"),
)

# Whether dune_runner takes new work, as its last intake event said (one row, id 1).
intake_state = Table(
    "intake_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paused", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    # occurred_at of the event this reflects: an older event arriving late is ignored.
    Column("as_of", DateTime(timezone=True), nullable=False),
    CheckConstraint("id = 1", name="intake_state_single_row"),
)
