"""Durable consumer names are the inbox keys and JetStream's memory of what a consumer
has seen: renaming one makes a new consumer that replays the stream from the start.
They are pinned here so a rename is a deliberate act, not a refactoring accident."""

from walletreports.devstack.services import SERVICES

PINNED = {
    "orders": {
        "orders__mark_payment_received",
        "orders__note_late_payment",
        "orders__expire_unpaid_order",
        "orders__mark_paid_by_staff",
        "orders__expire_order_of_invalid_invoice",
        "orders__start_processing",
        "orders__finish_order",
        "orders__pause_intake",
        "orders__resume_intake",
    },
    "payments": {
        "payments__open_invoice",
        "payments__close_cancelled_invoice",
        "payments__refund_failed_analysis",
    },
    "dune_runner": {"dune_runner__start_analysis", "dune_runner__rerun_reopened_order"},
    "notifier": {
        "notifier__remember_new_contact",
        "notifier__update_contact",
        "notifier__remember_order",
        "notifier__tell_payment_received",
        "notifier__tell_processing_started",
        "notifier__tell_analysis_finished",
        "notifier__tell_paid_late",
        "notifier__tell_underpaid",
        "notifier__tell_refund_requested",
        "notifier__tell_refund_sent",
        "notifier__tell_subscription_activated",
        "notifier__tell_subscription_expired",
        "notifier__alert_overpaid",
        "notifier__alert_payment_rejected",
        "notifier__alert_query_failed",
        "notifier__alert_budget_threshold",
        "notifier__alert_intake_paused",
    },
}


def test_consumer_names_are_pinned():
    actual = {}
    for service in SERVICES:
        handlers = service.service().handlers
        if handlers is not None and handlers.consumers:
            actual[service.name] = set(handlers.consumers)
    assert actual == PINNED
