"""The Slack channel: staff alerts to one incoming webhook (NOTIFIER_SLACK_WEBHOOK_URL),
as `{"text": ...}` in Slack's mrkdwn. The alert is the email's text part of the same
template (`templates/email/staff_*.txt`) in Slack's own layout (`templates/slack/`),
every printed value escaped as Slack asks (&, <, >). Users are never on it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ..domain import Channel, Composed, Recipient, TemplateName
from .rendering import TemplateSet

# The staff "address" on Slack: there is one webhook, its URL a secret kept out of rows.
SLACK_STAFF_ADDRESS = "slack-webhook"


def slack_escape(value: Any) -> str:
    """What Slack asks of text it should show as is."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackChannel:
    def __init__(self, templates: TemplateSet) -> None:
        self.templates = templates

    @property
    def channel(self) -> Channel:
        return Channel.SLACK

    def staff_addresses(self) -> tuple[str, ...]:
        return (SLACK_STAFF_ADDRESS,)

    def compose(
        self,
        *,
        notification_id: uuid.UUID,
        template: TemplateName,
        context: Mapping[str, Any],
        recipient: Recipient,
    ) -> Composed:
        values = {**context, "recipient_name": None, "can_turn_off": False}
        subject = " ".join(
            self.templates.render_block(f"{template.value}.txt", "subject", values).split()
        )
        values["subject"] = subject
        body = self.templates.render(f"{template.value}.txt", values).strip()
        return Composed(subject=subject, message_id=None, payload={"text": body})
