"""Every error the orders domain raises, each with a stable `code` for API clients.

They belong to the kit's one error family (walletreports.kit.errors), whose kinds are
all the edges need: InvalidInput -> 422, Conflict -> 409, Forbidden -> 403 over HTTP,
and for event handlers every one of them is a refusal for good (recorded and
acknowledged, never retried in a loop).
"""

from __future__ import annotations

# Re-exported: the domain's errors and the kinds they are, from one module.
from walletreports.kit.errors import Conflict as Conflict
from walletreports.kit.errors import DomainError as DomainError
from walletreports.kit.errors import Forbidden as Forbidden
from walletreports.kit.errors import InvalidInput as InvalidInput


class InvalidWalletAddress(InvalidInput):
    code = "invalid_wallet_address"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="wallet_address")


class InvalidRiskScore(InvalidInput):
    code = "invalid_risk_score"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="risk_score")


class InvalidTokensUsed(InvalidInput):
    code = "invalid_tokens_used"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="tokens_used")


class UnknownProduct(InvalidInput):
    code = "unknown_product"

    def __init__(self, product: str, known: list[str]) -> None:
        super().__init__(
            f"unknown product {product!r}; known products: {', '.join(sorted(known))}",
            field="product",
        )
        self.product = product


class InvalidOrderRequest(InvalidInput):
    """A field that does not fit the product (e.g. a wallet address on a subscription)."""

    code = "invalid_order_request"


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, from_status: str, to_status: str, why: str | None = None) -> None:
        message = f"order cannot go from {from_status} to {to_status}"
        if why:
            message = f"{message}: {why}"
        super().__init__(message, field="status")
        self.from_status = from_status
        self.to_status = to_status


class StaffOnlyAction(Forbidden):
    code = "staff_only"

    def __init__(self, action: str, actor: str) -> None:
        super().__init__(f"{action} is a staff action; {actor} is not staff")
        self.action = action


class NotOrderOwner(Forbidden):
    code = "not_order_owner"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} belongs to another user")


class CatalogConfigError(ValueError):
    """The catalog file is unusable. Raised at startup, so the service refuses to run."""

    code = "invalid_catalog_config"
