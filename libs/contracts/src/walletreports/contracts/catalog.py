"""The event catalog: every event class by subject, and strict parsing off the wire."""

from __future__ import annotations

from pydantic import ValidationError

from . import dune_runner, orders, payments, web
from .base import Event

PRODUCERS = ("web", "orders", "payments", "dune_runner")


def _collect() -> dict[str, type[Event]]:
    found: dict[str, type[Event]] = {}
    for module in (web, orders, payments, dune_runner):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Event) and "subject" in value.__dict__:
                if value.subject in found:
                    raise TypeError(f"two events claim subject {value.subject!r}")
                found[value.subject] = value
    return found


EVENTS: dict[str, type[Event]] = _collect()


class InvalidEvent(ValueError):
    """An event off the wire that cannot be understood; the message names the problem."""


def event_class(subject: str) -> type[Event]:
    try:
        return EVENTS[subject]
    except KeyError:
        raise InvalidEvent(f"unknown event subject {subject!r}") from None


def parse_event(subject: str, body: bytes | str) -> Event:
    cls = event_class(subject)
    try:
        return cls.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidEvent(f"{subject} is malformed: {problems}") from None
