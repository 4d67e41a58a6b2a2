"""The notifier database. Only this service reads or writes it.

- contacts: who to write to, as web last told us;
- known_orders / known_subscriptions: what other services' events said of an order
  (whose it is, its wallet) and a subscription (when it ends), so events that name only
  the order can be addressed and the reminder before a subscription ends can be sent;
- notifications: one row per fact x template x channel x recipient (`key`, UNIQUE: a
  fact that comes again finds its row and sends nothing), written before its send; the
  send itself is a row of the kit's side_effects (kind `notifier.<channel>`, key = the
  notification's id), which says how far it got.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from walletreports.kit import kit_tables

from ..domain import NotificationStatus

metadata = MetaData()
outbox, inbox, side_effects = kit_tables(metadata)

# Who to write to, as web last told us. `as_of` is the occurred_at of the event the
# row reflects, so an older event arriving late never overwrites a newer one.
contacts = Table(
    "contacts",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("email", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("is_staff", Boolean, nullable=False),
    Column("notify_payment_received", Boolean, nullable=False),
    Column("notify_processing_started", Boolean, nullable=False),
    Column("notify_reports_ready", Boolean, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
    # The Telegram chat the user linked (one user per chat), and when; kept by the
    # notifier alone (web's events never touch them).
    Column("telegram_chat_id", BigInteger, unique=True),
    Column("telegram_linked_at", DateTime(timezone=True)),
)

# One-time tokens of the bot's deep link: only their SHA-256 is kept.
telegram_link_tokens = Table(
    "telegram_link_tokens",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("chat_id", BigInteger),
)

# Every update the bot received, once (Telegram resends an update it got no 200 for),
# with what it did: linked, or why not.
telegram_updates = Table(
    "telegram_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True),
    Column("chat_id", BigInteger),
    Column("user_id", Uuid),
    Column("outcome", Text, nullable=False),
    Column("reason", Text),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

known_orders = Table(
    "known_orders",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("product", Text),
    Column("wallet_address", Text),
    Column("description", Text),
    Column("price_usd", Numeric(12, 2)),
    Column("paid_via", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

known_subscriptions = Table(
    "known_subscriptions",
    metadata,
    Column("subscription_id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("plan", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("reports_included", Integer, nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    # What the reminder sweep reads: running subscriptions not reminded yet, by end.
    Index(
        "known_subscriptions_to_remind",
        "expires_at",
        postgresql_where=text("ended_at IS NULL AND reminded_at IS NULL"),
    ),
)

STATUSES = tuple(s.value for s in NotificationStatus)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("key", Text, nullable=False, unique=True),
    Column("fact", Text, nullable=False),
    Column("template", Text, nullable=False),
    Column("channel", Text, nullable=False),
    # The recipient as the fact names them: user:<id>, owner:<order id>, staff:<address>,
    # address:<address> (account mail).
    Column("audience", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("reason_code", Text),
    Column("reason", Text),
    Column("user_id", Uuid),
    Column("order_id", Uuid),
    Column("event_id", Uuid),
    Column("event_subject", Text),
    Column("recipient", Text),
    Column("subject", Text),
    Column("message_id", Text),
    # The template's facts, for a resend composed afresh; NULL for account mail, whose
    # link is a secret that is never stored.
    Column("context", JSONB(none_as_null=True)),
    # Account mail: SHA-256 of template and recipient, to tell a replay from a reused key.
    Column("fingerprint", Text),
    Column("correlation_id", Text),
    Column("resends", Integer, nullable=False, server_default=text("0")),
    Column("last_resent_by", Text),
    Column("last_resent_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    CheckConstraint(
        f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="notifications_status"
    ),
    # The console's list (newest first) and its filters.
    Index("notifications_created", "created_at", "id"),
    Index("notifications_status", "status", "created_at"),
    Index("notifications_template", "template", "created_at"),
    Index("notifications_order", "order_id"),
    Index("notifications_user", "user_id"),
    Index("notifications_recipient", "recipient"),
)

# Long polling (NOTIFIER_TELEGRAM_UPDATES=polling): per bot, the offset getUpdates goes
# on from (the last handled update_id + 1), written in the transaction that handled
# that update, so a restart neither skips an update nor handles one twice; and when it
# last moved (Telegram may number updates afresh after a week without any).
telegram_poll_offsets = Table(
    "telegram_poll_offsets",
    metadata,
    Column("bot_id", BigInteger, primary_key=True),
    Column("next_update_id", BigInteger, nullable=False),
    Column("advanced_at", DateTime(timezone=True), nullable=False),
)
