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
    "notifier": {"notifier__remember_new_contact", "notifier__update_contact"},
}


def test_consumer_names_are_pinned():
    actual = {}
    for service in SERVICES:
        handlers = service.service().handlers
        if handlers is not None and handlers.consumers:
            actual[service.name] = set(handlers.consumers)
    assert actual == PINNED
