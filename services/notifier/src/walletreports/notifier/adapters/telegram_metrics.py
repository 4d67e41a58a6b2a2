"""The Telegram bot's updates, as metrics (beside the sends' notifier_notifications_total):

- notifier_telegram_updates_total{source,outcome}: each update handled, by how it came
  (webhook, polling) and what it did (linked, token_used, token_expired, token_unknown,
  not_a_link; ignored: no chat in it; duplicate: handled already; with polling also
  failed: not handled now, asked for again).
- notifier_telegram_poll_errors_total{kind}: getUpdates (and removing a webhook at start)
  failing, by BotApiError kind (network, timeout, server_error, rate_limited, conflict,
  unauthorized, refused, invalid_answer).
- notifier_telegram_poll_failures_in_a_row, notifier_telegram_poll_last_success_timestamp_seconds:
  for an alert on a poller that keeps failing (now minus the latter is its lag).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

UPDATES = Counter(
    "notifier_telegram_updates_total", "Telegram updates handled", ["source", "outcome"]
)
POLL_ERRORS = Counter(
    "notifier_telegram_poll_errors_total", "Telegram long polling failures by kind", ["kind"]
)
POLL_FAILURES_IN_A_ROW = Gauge(
    "notifier_telegram_poll_failures_in_a_row", "getUpdates failures since the last success"
)
POLL_LAST_SUCCESS = Gauge(
    "notifier_telegram_poll_last_success_timestamp_seconds", "When getUpdates last answered"
)


def count_update(source: str, outcome: str) -> None:
    UPDATES.labels(source, outcome).inc()
