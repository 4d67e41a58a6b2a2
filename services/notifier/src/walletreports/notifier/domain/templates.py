"""The notifications the product sends, by template name, and the category each is in.

A category says who may turn it off. The three the user chooses in web (contracts/web.py
`NotificationPrefs`) can be turned off; `service` mail (money that did not arrive as
expected, a failed or partial order, refunds, the subscription) is about what the user
paid for and is always sent; `staff` alerts go to NOTIFIER_STAFF_EMAILS; `account` mail
(verification, password reset) carries a one-time link and comes over HTTP from web.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Category(StrEnum):
    PAYMENT_RECEIVED = "payment_received"
    PROCESSING_STARTED = "processing_started"
    REPORTS_READY = "reports_ready"
    SERVICE = "service"
    STAFF = "staff"
    ACCOUNT = "account"

    @property
    def user_may_turn_off(self) -> bool:
        return self in OPTIONAL_CATEGORIES


OPTIONAL_CATEGORIES = frozenset(
    {Category.PAYMENT_RECEIVED, Category.PROCESSING_STARTED, Category.REPORTS_READY}
)


class TemplateName(StrEnum):
    # to the user, about an order
    PAYMENT_RECEIVED = "payment_received"
    PROCESSING_STARTED = "processing_started"
    REPORTS_READY = "reports_ready"
    ORDER_PARTIAL = "order_partial"
    ORDER_FAILED = "order_failed"
    PAYMENT_LATE = "payment_late"
    PAYMENT_UNDERPAID = "payment_underpaid"
    REFUND_REQUESTED = "refund_requested"
    REFUND_SENT = "refund_sent"
    # to the user, about the subscription
    SUBSCRIPTION_ACTIVATED = "subscription_activated"
    SUBSCRIPTION_EXPIRING = "subscription_expiring"
    SUBSCRIPTION_EXPIRED = "subscription_expired"
    # to staff
    STAFF_QUERY_FAILED = "staff_query_failed"
    STAFF_BUDGET_THRESHOLD = "staff_budget_threshold"
    STAFF_INTAKE_PAUSED = "staff_intake_paused"
    STAFF_PAID_LATE = "staff_paid_late"
    STAFF_UNDERPAID = "staff_underpaid"
    STAFF_OVERPAID = "staff_overpaid"
    STAFF_PAYMENT_REJECTED = "staff_payment_rejected"
    STAFF_REFUND_TO_SIGN = "staff_refund_to_sign"
    # account mail from web (POST /v1/transactional)
    EMAIL_VERIFICATION = "email_verification"
    PASSWORD_RESET = "password_reset"

    @property
    def category(self) -> Category:
        return CATEGORIES[self]


T, C = TemplateName, Category

CATEGORIES: Mapping[TemplateName, Category] = MappingProxyType(
    {
        T.PAYMENT_RECEIVED: C.PAYMENT_RECEIVED,
        T.PROCESSING_STARTED: C.PROCESSING_STARTED,
        T.REPORTS_READY: C.REPORTS_READY,
        T.ORDER_PARTIAL: C.SERVICE,
        T.ORDER_FAILED: C.SERVICE,
        T.PAYMENT_LATE: C.SERVICE,
        T.PAYMENT_UNDERPAID: C.SERVICE,
        T.REFUND_REQUESTED: C.SERVICE,
        T.REFUND_SENT: C.SERVICE,
        T.SUBSCRIPTION_ACTIVATED: C.SERVICE,
        T.SUBSCRIPTION_EXPIRING: C.SERVICE,
        T.SUBSCRIPTION_EXPIRED: C.SERVICE,
        T.STAFF_QUERY_FAILED: C.STAFF,
        T.STAFF_BUDGET_THRESHOLD: C.STAFF,
        T.STAFF_INTAKE_PAUSED: C.STAFF,
        T.STAFF_PAID_LATE: C.STAFF,
        T.STAFF_UNDERPAID: C.STAFF,
        T.STAFF_OVERPAID: C.STAFF,
        T.STAFF_PAYMENT_REJECTED: C.STAFF,
        T.STAFF_REFUND_TO_SIGN: C.STAFF,
        T.EMAIL_VERIFICATION: C.ACCOUNT,
        T.PASSWORD_RESET: C.ACCOUNT,
    }
)

TRANSACTIONAL_TEMPLATES = frozenset(t for t, c in CATEGORIES.items() if c is C.ACCOUNT)
