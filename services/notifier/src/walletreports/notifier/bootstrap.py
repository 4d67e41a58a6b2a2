"""The notifier composition root: what the service builds once at start, beside what the
kit provides (settings, units, clock, database, jetstream).

- `links`: the product's pages, from NOTIFIER_PUBLIC_BASE_URL.
- `channels`: every channel this deployment runs, by name (today email: its templates,
  identity and staff addresses, adapters.email_channel). A channel is added here: its
  ChannelPort (how it composes, who staff are on it), its sender, and its performer
  registered for `channel.effect_kind`.
- `email_sender`: SMTP (adapters.smtp_sender) or the console (development); the
  `notifier.email` performer sends with it, and so does account mail.
- `telegram`: with NOTIFIER_TELEGRAM_BOT_TOKEN, the Telegram channel (templates/telegram,
  its `notifier.telegram` performer, and `notifier.telegram_reply` for the bot's answers
  to updates) and what linking and the webhook need (`TelegramConfig`); None otherwise.
  The token is redacted from httpx's request log lines (it is in every Bot API URL).
- `telegram_poller`: with NOTIFIER_TELEGRAM_UPDATES=polling, the long poller that the
  one-replica task entrypoints.telegram_polling runs; None otherwise.
- with NOTIFIER_SLACK_WEBHOOK_URL, the Slack channel (staff alerts, `notifier.slack`).
- `rules`: how old an event may be and still be mailed.
- `dev_mailbox`: the dev SMTP sink's Maildir reader, or None (NOTIFIER_DEV_MAILBOX_DIR).
- readiness checks, each answer kept a few seconds (CachedProbe) so probes do not each
  open a connection: `smtp` (a connect and EHLO; the smtp backend only); `telegram`
  (getMe answers for the token, as the bot NOTIFIER_TELEGRAM_BOT_USERNAME names); `slack`
  (the webhook's host resolves and takes a TCP and TLS connection: an incoming webhook
  has no call that does not post, so whether it is still valid shows on a send only).
  `telegram` and `slack` are optional (kit: required=False): when they fail the replica
  is degraded, not unready, since email and account mail still go out.
- sends: NOTIFIER_SEND_CONCURRENCY at once (platform.perform_at_once), all channels.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Literal

from walletreports.kit import EffectPolicy, Platform

from .adapters import telegram_bot
from .adapters.console_sender import ConsoleSender
from .adapters.dev_mailbox import DevMailbox
from .adapters.email_channel import EmailChannel, EmailIdentity
from .adapters.performers import (
    EmailPerformer,
    SlackPerformer,
    TelegramPerformer,
    TelegramReplyPerformer,
)
from .adapters.rendering import TemplateSet
from .adapters.slack_channel import SlackChannel, slack_escape
from .adapters.slack_webhook import TIMEOUT_SECONDS as SLACK_TIMEOUT_SECONDS
from .adapters.slack_webhook import SlackWebhook
from .adapters.smtp_sender import SmtpConfig, SmtpSender
from .adapters.telegram_bot_api import BotApi
from .adapters.telegram_channel import TelegramChannel
from .adapters.token_redaction import TokenRedaction
from .domain import Channel, Links
from .entrypoints.telegram_polling import TelegramPoller
from .service_layer.notifying import DeliveryRules
from .service_layer.ports import ChannelPort, EmailSender
from .service_layer.telegram_linking import REPLY_KIND
from .settings import NotifierSettings

__all__ = ["NotifierCollaborators", "TelegramConfig", "bootstrap"]

PRODUCT_NAME = "Wallet Reports"
READINESS_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class TelegramConfig:
    bot_username: str
    link_ttl: timedelta
    updates: Literal["webhook", "polling"] = "webhook"
    # Required with the webhook; None when polling without one configured.
    webhook_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class NotifierCollaborators:
    links: Links
    channels: Mapping[Channel, ChannelPort]
    email_sender: EmailSender
    rules: DeliveryRules
    dev_mailbox: DevMailbox | None
    telegram: TelegramConfig | None
    telegram_poller: TelegramPoller | None = None


def smtp_config(settings: NotifierSettings) -> SmtpConfig:
    password = settings.smtp_password
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=None if password is None else password.get_secret_value(),
        timeout_seconds=settings.smtp_timeout_seconds,
        validate_certs=settings.smtp_validate_certs,
        keep_open_seconds=settings.smtp_keep_open_seconds,
        local_hostname=EmailIdentity(settings.email_from).domain,
    )


def send_policy(
    settings: NotifierSettings, longest_send_seconds: float, *, safe_to_repeat: bool = False
) -> EffectPolicy:
    return EffectPolicy(
        # Above the longest send, so the runner never cancels one under way.
        timeout_seconds=longest_send_seconds + 5,
        max_attempts=settings.send_max_attempts,
        safe_to_repeat=safe_to_repeat,
        backoff_base_seconds=settings.send_retry_seconds,
        backoff_max_seconds=settings.send_retry_max_seconds,
    )


class CachedProbe:
    """A readiness probe's answer ("ok" or what is wrong), asked again only after
    `seconds`: /readyz is asked often, by every probe of every orchestrator."""

    def __init__(
        self, probe: Callable[[], Awaitable[str]], seconds: float = READINESS_CACHE_SECONDS
    ) -> None:
        self.probe = probe
        self.seconds = seconds
        self._answer: tuple[float, str] | None = None

    async def __call__(self) -> str:
        now = time.monotonic()
        if self._answer is None or now - self._answer[0] > self.seconds:
            self._answer = (now, await self.probe())
        return self._answer[1]


@contextlib.asynccontextmanager
async def bootstrap(platform: Platform[NotifierSettings]) -> AsyncIterator[NotifierCollaborators]:
    settings = platform.settings
    links = Links(settings.public_base_url)
    email = EmailChannel(
        TemplateSet(Channel.EMAIL, links=links, product_name=PRODUCT_NAME),
        identity=EmailIdentity(settings.email_from, settings.email_reply_to),
        staff=settings.staff_emails,
        links=links,
    )
    sender: EmailSender
    if settings.email_backend == "console":
        sender, longest = ConsoleSender(), 5.0
    else:
        config = smtp_config(settings)
        sender, longest = SmtpSender(config), config.longest_send_seconds
        platform.add_readiness_check("smtp", CachedProbe(sender.probe))
    platform.add_performer(
        Channel.EMAIL.effect_kind,
        EmailPerformer(sender, clock=platform.clock, policy=send_policy(settings, longest)),
    )
    platform.perform_at_once(settings.send_concurrency)
    channels: dict[Channel, ChannelPort] = {Channel.EMAIL: email}
    telegram: TelegramConfig | None = None
    poller: TelegramPoller | None = None
    async with contextlib.AsyncExitStack() as stack:
        if isinstance(sender, SmtpSender):
            stack.push_async_callback(sender.close)  # QUIT the kept sessions
        token = settings.telegram_bot_token
        if token is not None:
            redaction = TokenRedaction(token.get_secret_value())
            redaction.install()
            stack.callback(redaction.remove)
            bot_sender = telegram_bot.BotSender(
                telegram_bot.bot(token.get_secret_value(), settings.telegram_api_url)
            )
            stack.push_async_callback(bot_sender.close)
            # Its own client: a long poll must not hold a connection a send waits for.
            api = BotApi(token.get_secret_value(), settings.telegram_api_url)
            stack.push_async_callback(api.close)
            channels[Channel.TELEGRAM] = TelegramChannel(
                TemplateSet(Channel.TELEGRAM, links=links, product_name=PRODUCT_NAME)
            )
            policy = send_policy(settings, telegram_bot.LONGEST_SEND_SECONDS)
            platform.add_performer(
                Channel.TELEGRAM.effect_kind,
                TelegramPerformer(bot_sender, clock=platform.clock, policy=policy),
            )
            platform.add_performer(REPLY_KIND, TelegramReplyPerformer(bot_sender, policy=policy))
            secret = settings.telegram_webhook_token
            assert settings.telegram_bot_username is not None  # settings insist
            telegram = TelegramConfig(
                bot_username=settings.telegram_bot_username.lstrip("@"),
                link_ttl=settings.telegram_link_ttl,
                updates=settings.telegram_updates,
                webhook_secret=None if secret is None else secret.get_secret_value(),
            )
            platform.add_readiness_check(
                "telegram",
                CachedProbe(functools.partial(api.probe, telegram.bot_username)),
                required=False,  # email still goes out without it: degraded, not down
            )
            bot_id = settings.telegram_bot_id
            if settings.telegram_updates == "polling" and bot_id is not None:
                poller = TelegramPoller(
                    api,
                    units=platform.units,
                    clock=platform.clock,
                    bot_id=bot_id,
                    timeout_seconds=settings.telegram_poll_timeout_seconds,
                    retry_seconds=settings.telegram_poll_retry_seconds,
                )
        slack_url = settings.slack_webhook_url
        if slack_url is not None:
            slack = SlackWebhook(slack_url.get_secret_value())
            stack.push_async_callback(slack.close)
            platform.add_readiness_check("slack", CachedProbe(slack.probe), required=False)
            channels[Channel.SLACK] = SlackChannel(
                TemplateSet(
                    Channel.SLACK,
                    links=links,
                    product_name=PRODUCT_NAME,
                    also_from=Channel.EMAIL,
                    finalize=slack_escape,
                )
            )
            platform.add_performer(
                Channel.SLACK.effect_kind,
                SlackPerformer(
                    slack,
                    clock=platform.clock,
                    policy=send_policy(settings, SLACK_TIMEOUT_SECONDS, safe_to_repeat=True),
                ),
            )
        mailbox_dir = settings.dev_mailbox_dir
        yield NotifierCollaborators(
            links=links,
            channels=MappingProxyType(channels),
            email_sender=sender,
            rules=DeliveryRules(max_event_age=settings.max_event_age),
            dev_mailbox=None if mailbox_dir is None else DevMailbox(mailbox_dir),
            telegram=telegram,
            telegram_poller=poller,
        )
