"""What consumers count, shared by the consumer and the group committer."""

from prometheus_client import Counter

# outcome: handled / duplicate / failed (retried) / rejected (dead-lettered) / refused
# (a DomainError: recorded, acknowledged, not retried).
HANDLED = Counter("events_handled_total", "Events taken off the bus", ["consumer", "outcome"])
