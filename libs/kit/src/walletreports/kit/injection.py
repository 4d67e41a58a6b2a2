"""Handing handlers, background tasks and routes what they name.

A service's composition root (its `bootstrap`) builds its collaborators once; the kit
adds its own (`settings`, `units`, `clock`, `database`, `jetstream`). A function asks
for collaborators by naming them as parameters, as cosmicpython's bootstrap does:

    async def mark_paid(event: PaymentFinalized, uow: OrdersUnitOfWork, clock: Clock) -> None

Everything is resolved when the service starts, never per call: a function that names
something nobody provides, or annotates it with a type the provided value does not
have, stops the start with one line naming the function and the parameter.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any


class WiringError(Exception):
    """A function asks for a collaborator that is not there, or of another type."""


def collaborators_of(root: object) -> dict[str, Any]:
    """The named collaborators a composition root built: its public attributes."""
    if root is None:
        return {}
    if isinstance(root, Mapping):
        return dict(root)
    names = getattr(root, "__dataclass_fields__", None) or vars(root)
    return {name: getattr(root, name) for name in names if not name.startswith("_")}


def inject(
    fn: Callable[..., Any], available: Mapping[str, Any], *, leading: int = 0
) -> Callable[..., Any]:
    """`fn` with every parameter after the first `leading` ones bound from `available`."""
    params = list(inspect.signature(fn).parameters.values())[leading:]
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - annotations it cannot resolve are not checked
        hints = {}
    bound: dict[str, Any] = {}
    for param in params:
        if param.name not in available:
            if param.default is not inspect.Parameter.empty:
                continue
            raise WiringError(
                f"{_name(fn)} asks for {param.name!r}, which this service does not provide "
                f"(it provides: {', '.join(sorted(available))})"
            )
        value = available[param.name]
        expected = hints.get(param.name)
        if (
            isinstance(expected, type)
            and not _is_protocol(expected)
            and not isinstance(value, expected)
        ):
            raise WiringError(
                f"{_name(fn)} wants {param.name!r} as {expected.__name__}, "
                f"but this service provides a {type(value).__name__}"
            )
        bound[param.name] = value
    return functools.partial(fn, **bound) if bound else fn


def _is_protocol(cls: type) -> bool:
    return bool(getattr(cls, "_is_protocol", False))


def _name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
