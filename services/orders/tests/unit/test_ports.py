"""The fakes and the real adapters offer the use cases the same calls (the ports).

A type checker proves this once mypy runs over orders; until then this compares the
signatures, so a real repository changed without its port (or a fake drifting from
the real thing) fails here instead of in production or in a misleading unit test.
"""

from __future__ import annotations

import inspect
from typing import Any, cast

import pytest

from walletreports.orders.adapters.unit_of_work import OrdersUnitOfWork
from walletreports.orders.service_layer import ports

from .fakes import FakeUnitOfWork

PORT = ports.OrdersUnitOfWorkPort


def _repositories() -> dict[str, type]:
    """Each repository the unit of work port offers, by attribute, with its port."""
    return {
        name: inspect.get_annotations(value.fget, eval_str=True)["return"]
        for name, value in vars(PORT).items()
        if isinstance(value, property) and value.fget is not None
    }


def _calls(port: type) -> list[str]:
    return [name for name, value in vars(port).items() if inspect.iscoroutinefunction(value)]


def _shape(function: Any) -> list[tuple[str, Any, Any]]:
    # Names, kinds and defaults: what decides whether a use case's call works.
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_port_names_every_repository_a_use_case_reaches():
    assert _repositories() == {
        "orders": ports.OrderRepositoryPort,
        "subscriptions": ports.SubscriptionRepositoryPort,
        "intake": ports.IntakePort,
        "idempotency": ports.IdempotencyPort,
    }


# Built, never used: the real repositories only keep the session they are given.
REAL = OrdersUnitOfWork(cast(Any, None), cast(Any, None))


@pytest.mark.parametrize("uow", [REAL, FakeUnitOfWork()], ids=lambda u: type(u).__name__)
def test_real_and_fake_units_of_work_take_the_calls_of_the_ports(uow: Any):
    for attribute, port in _repositories().items():
        implementation = type(getattr(uow, attribute))
        assert _calls(port), port
        for call in _calls(port):
            where = f"{implementation.__name__}.{call}"
            method = getattr(implementation, call, None)
            assert inspect.iscoroutinefunction(method), where
            assert _shape(method) == _shape(getattr(port, call)), where
    assert inspect.iscoroutinefunction(type(uow).emit)
    assert _shape(type(uow).emit) == _shape(PORT.emit)
