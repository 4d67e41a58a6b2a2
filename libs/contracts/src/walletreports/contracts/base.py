"""What every event on the bus carries, and how its subject is spelled.

Subjects are versioned (`orders.order.created.v1`): a breaking change to an event is a
new class with a new version, never an edit of the old one (the schema snapshot test
enforces that). On the wire a deployment-wide namespace is put in front
(`wr.orders.order.created.v1`) so that separate deployments, or separate test runs,
can share one NATS server without seeing each other's events.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Unpack

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _must_be_aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a timezone (UTC)")
    return value.astimezone(UTC)


AwareDatetime = Annotated[datetime, AfterValidator(_must_be_aware)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of every event. Subclasses set `subject` (without namespace) and `producer`.

    Unknown fields are ignored (a tolerant reader): during a rolling deploy a producer
    may already send an optional field its consumers do not know yet, and refusing the
    event there would lose it. Removing or retyping a field is what needs a new .vN.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    subject: ClassVar[str]
    producer: ClassVar[str]

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    # The order id wherever there is one, so one order's story can be followed
    # through every service's logs.
    correlation_id: str | None = None

    def __init_subclass__(cls, **kwargs: Unpack[ConfigDict]) -> None:
        super().__init_subclass__(**kwargs)
        subject = cls.__dict__.get("subject")
        if subject is not None:
            producer = subject.split(".", 1)[0]
            if cls.__dict__.get("producer", producer) != producer:
                raise TypeError(
                    f"{cls.__name__}: subject {subject!r} does not start with its producer"
                )
            cls.producer = producer
            if not subject.rsplit(".", 1)[-1].startswith("v"):
                raise TypeError(
                    f"{cls.__name__}: subject {subject!r} must end in a version like .v1"
                )


def wire_subject(namespace: str, subject: str) -> str:
    return f"{namespace}.{subject}"


def stream_name(namespace: str, producer: str) -> str:
    """One JetStream stream per producing service, e.g. WR_ORDERS."""
    return f"{namespace}_{producer}".upper().replace(".", "_").replace("-", "_")


def stream_subjects(namespace: str, producer: str) -> list[str]:
    return [f"{namespace}.{producer}.>"]
