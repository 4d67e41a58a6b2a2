"""The notifier's own metrics (beside the kit's side_effects_total and
side_effects_unresolved for the sends as side effects)."""

from __future__ import annotations

from prometheus_client import Counter

# outcome: sent | retried (an attempt that certainly failed; tried again) | failed |
# in_doubt | queued | skipped | refused (the last three when the notification is written)
NOTIFICATIONS = Counter(
    "notifier_notifications_total", "Notifications by channel and outcome", ["channel", "outcome"]
)


def count(channel: str, outcome: str) -> None:
    NOTIFICATIONS.labels(channel, outcome).inc()
