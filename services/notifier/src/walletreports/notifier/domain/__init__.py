"""The notifier's rules, with no I/O: what to tell whom, on which channel, and the life
of one notification."""

from .audience import (
    Audience,
    ToAddress,
    ToOrderOwner,
    ToStaff,
    ToUser,
    parse_audience_key,
    staff_key,
)
from .channels import Channel
from .contact import Contact
from .email import OutgoingEmail
from .errors import (
    CannotRender,
    EmailUnavailable,
    IdempotencyKeyReused,
    LinkNotOurs,
    NotificationNotFound,
    NotResendable,
    RecipientRefused,
    SendInProgress,
)
from .facts import KnownOrder, KnownSubscription
from .links import Links, plain_file_name
from .notice import (
    Composed,
    Notice,
    Recipient,
    event_fact,
    order_fact,
    refund_fact,
    subscription_fact,
    transfer_fact,
)
from .notification import (
    TRANSITIONS,
    Change,
    NoChange,
    Notification,
    NotificationStatus,
    Outcome,
    ReasonCode,
    ResendKind,
    account_mail_key,
    dedup_key,
    message_id,
)
from .preferences import Preferences
from .templates import CATEGORIES, TRANSACTIONAL_TEMPLATES, Category, TemplateName

__all__ = [
    "CATEGORIES",
    "TRANSACTIONAL_TEMPLATES",
    "TRANSITIONS",
    "Audience",
    "CannotRender",
    "Category",
    "Change",
    "Channel",
    "Composed",
    "Contact",
    "EmailUnavailable",
    "IdempotencyKeyReused",
    "KnownOrder",
    "KnownSubscription",
    "LinkNotOurs",
    "Links",
    "NoChange",
    "NotResendable",
    "Notice",
    "Notification",
    "NotificationNotFound",
    "NotificationStatus",
    "Outcome",
    "OutgoingEmail",
    "Preferences",
    "ReasonCode",
    "Recipient",
    "RecipientRefused",
    "ResendKind",
    "SendInProgress",
    "TemplateName",
    "ToAddress",
    "ToOrderOwner",
    "ToStaff",
    "ToUser",
    "account_mail_key",
    "dedup_key",
    "event_fact",
    "message_id",
    "order_fact",
    "parse_audience_key",
    "plain_file_name",
    "refund_fact",
    "staff_key",
    "subscription_fact",
    "transfer_fact",
]
