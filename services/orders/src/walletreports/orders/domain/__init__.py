"""The orders domain: pure rules, no I/O. Time comes in as `now`; nothing reads a clock.

Modules, one purpose each:
- `errors`          domain errors with stable codes (422 / 409 / 403 families)
- `state_machine`   statuses, the transition table, events per transition
- `order`           the Order aggregate and its named transitions
- `actor`           who made a change (system / staff:<email> / user:<id>)
- `wallet_address`  EVM address validation (EIP-55)
- `catalog`         products and fee schedule from catalog.toml
- `money`           USD Decimal and base-unit helpers
- `fee_model`       the second seed's SOL audit fee, exact lamports
- `pricing`         USD order price with subscription coverage / discount
- `subscription`    plans bought: activation, extension, usage, expiry
- `placement`       place_order: validate + price + cover, for POST /v1/orders
- `billing`         a user's billing view
"""

from .actor import SYSTEM, Actor, ActorKind
from .billing import BillingSummary, OrderLine, PaymentLine, SubscriptionView, billing_summary
from .catalog import (
    AuditFeeSchedule,
    Catalog,
    ReportProduct,
    SubscriptionPlan,
    load_catalog,
    parse_catalog,
)
from .errors import (
    CatalogConfigError,
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    InvalidOrderRequest,
    InvalidRiskScore,
    InvalidTokensUsed,
    InvalidWalletAddress,
    NotOrderOwner,
    StaffOnlyAction,
    UnknownProduct,
)
from .fee_model import AuditFee, calculate_audit_fee, parse_risk_score
from .money import Currency, lamports_to_sol, usd
from .order import (
    AlreadyPast,
    Order,
    PaidVia,
    PaymentIssueKind,
    PaymentNeedsReview,
    PaymentReceipt,
    StatusChange,
    TransitionResult,
)
from .placement import PlacedOrder, place_order
from .pricing import OrderPrice, price_order
from .state_machine import (
    ALLOWED_TRANSITIONS,
    FINISHED,
    OrderEventName,
    OrderStatus,
    is_allowed,
    status_for_analysis_outcome,
)
from .subscription import (
    Subscription,
    SubscriptionActivation,
    SubscriptionStatus,
    activate_subscription,
    subscriptions_to_expire,
)
from .wallet_address import validate_wallet_address

__all__ = [
    "ALLOWED_TRANSITIONS",
    "FINISHED",
    "SYSTEM",
    "Actor",
    "ActorKind",
    "AlreadyPast",
    "AuditFee",
    "AuditFeeSchedule",
    "BillingSummary",
    "Catalog",
    "CatalogConfigError",
    "Conflict",
    "Currency",
    "DomainError",
    "Forbidden",
    "IllegalTransition",
    "InvalidInput",
    "InvalidOrderRequest",
    "InvalidRiskScore",
    "InvalidTokensUsed",
    "InvalidWalletAddress",
    "NotOrderOwner",
    "Order",
    "OrderEventName",
    "OrderLine",
    "OrderPrice",
    "OrderStatus",
    "PaidVia",
    "PaymentIssueKind",
    "PaymentLine",
    "PaymentNeedsReview",
    "PaymentReceipt",
    "PlacedOrder",
    "ReportProduct",
    "StaffOnlyAction",
    "StatusChange",
    "Subscription",
    "SubscriptionActivation",
    "SubscriptionPlan",
    "SubscriptionStatus",
    "SubscriptionView",
    "TransitionResult",
    "UnknownProduct",
    "activate_subscription",
    "billing_summary",
    "calculate_audit_fee",
    "is_allowed",
    "lamports_to_sol",
    "load_catalog",
    "parse_catalog",
    "parse_risk_score",
    "place_order",
    "price_order",
    "status_for_analysis_outcome",
    "subscriptions_to_expire",
    "usd",
    "validate_wallet_address",
]
