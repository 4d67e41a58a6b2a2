from __future__ import annotations

import pytest

from walletreports.orders.domain import errors


@pytest.mark.parametrize(
    ("error", "code", "family"),
    [
        (errors.InvalidWalletAddress("x"), "invalid_wallet_address", errors.InvalidInput),
        (errors.InvalidRiskScore("x"), "invalid_risk_score", errors.InvalidInput),
        (errors.InvalidTokensUsed("x"), "invalid_tokens_used", errors.InvalidInput),
        (errors.UnknownProduct("gold", ["wallet_report"]), "unknown_product", errors.InvalidInput),
        (errors.InvalidOrderRequest("x"), "invalid_order_request", errors.InvalidInput),
        (
            errors.IllegalTransition("completed", "processing"),
            "illegal_transition",
            errors.Conflict,
        ),
        (errors.StaffOnlyAction("re-opening", "system"), "staff_only", errors.Forbidden),
        (errors.NotOrderOwner("o-1"), "not_order_owner", errors.Forbidden),
    ],
)
def test_each_error_has_a_stable_code_and_an_http_family(error, code, family):
    assert error.code == code
    assert isinstance(error, family)
    assert isinstance(error, errors.DomainError)
    assert error.as_dict()["code"] == code
    assert error.as_dict()["message"] == str(error)


def test_illegal_transition_names_both_statuses_and_why():
    error = errors.IllegalTransition("completed", "processing", "it already finished")
    assert error.from_status == "completed" and error.to_status == "processing"
    assert str(error) == "order cannot go from completed to processing: it already finished"


def test_unknown_product_lists_what_exists():
    error = errors.UnknownProduct("gold", ["wallet_report", "subscription_monthly"])
    assert str(error) == (
        "unknown product 'gold'; known products: subscription_monthly, wallet_report"
    )
    assert error.as_dict()["field"] == "product"


def test_catalog_config_error_is_not_a_request_error():
    # Startup failure, not something to answer an HTTP request with.
    assert not issubclass(errors.CatalogConfigError, errors.DomainError)
