"""Events and addresses tests often need."""

import uuid
from urllib.parse import urlparse

from walletreports.contracts.web import UserRegistered


def user_registered() -> UserRegistered:
    return UserRegistered(user_id=uuid.uuid4(), email=f"{uuid.uuid4().hex[:8]}@example.com", display_name="Probe")


def host_port(nats_url: str) -> tuple[str, int]:
    parsed = urlparse(nats_url.split(",")[0])
    return parsed.hostname or "127.0.0.1", parsed.port or 4222
