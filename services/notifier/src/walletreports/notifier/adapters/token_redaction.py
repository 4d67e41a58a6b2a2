"""The bot token out of the logs. The Bot API takes it in the URL path
(`/bot<token>/sendMessage`), and httpx logs every request's URL at INFO (python-telegram-bot
sends through httpx too), so without this each send would write the token to the log."""

from __future__ import annotations

import logging

# The logger httpx writes "HTTP Request: POST <url> ..." to.
HTTPX_LOGGER = "httpx"


class TokenRedaction(logging.Filter):
    def __init__(self, secret: str, *, shown_as: str = "<bot-token>") -> None:
        super().__init__()
        self.secret = secret
        self.shown_as = shown_as

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg = message.replace(self.secret, self.shown_as)
            record.args = None
        return True

    def install(self, logger_name: str = HTTPX_LOGGER) -> None:
        logging.getLogger(logger_name).addFilter(self)

    def remove(self, logger_name: str = HTTPX_LOGGER) -> None:
        logging.getLogger(logger_name).removeFilter(self)
