"""Who caused a change, as recorded in an order's history ("system", "staff:<email>")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    SYSTEM = "system"
    STAFF = "staff"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    # Staff email or user id; None for the system.
    identity: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is ActorKind.SYSTEM) != (self.identity is None):
            raise ValueError("the system has no identity; staff and users must have one")
        if self.identity is not None and not self.identity.strip():
            raise ValueError(f"{self.kind} actor needs a non-empty identity")

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @classmethod
    def staff(cls, email: str) -> Actor:
        return cls(ActorKind.STAFF, email)

    @classmethod
    def user(cls, user_id: uuid.UUID) -> Actor:
        return cls(ActorKind.USER, str(user_id))

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.STAFF

    def __str__(self) -> str:
        return self.kind.value if self.identity is None else f"{self.kind.value}:{self.identity}"


SYSTEM = Actor.system()
