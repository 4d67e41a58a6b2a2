"""The one interface every SOL/USD rate source implements, and the one error it raises.

A source only reads: it returns the quote as published (`RawQuote`) and never judges it;
`domain.quote_policy` decides whether it is fresh and certain enough. Anything that keeps
a source from quoting (network, RPC error, 429, a missing or malformed account) is a
`RateSourceError`, which the caller turns into `source_failed`: SOL is withdrawn from that
invoice rather than priced at a made-up rate.
"""

from __future__ import annotations

from typing import Protocol

from walletreports.payments.domain.quote_policy import RawQuote

__all__ = ["RateSource", "RateSourceError", "RawQuote"]


class RateSourceError(Exception):
    """The source could not produce a quote; the message says why, for the log line."""


class RateSource(Protocol):
    """A SOL/USD rate source; `name` is what invoices record as the quote's source."""

    @property
    def name(self) -> str: ...

    async def quote(self) -> RawQuote:
        """The current USD per SOL as the source publishes it; raises `RateSourceError`."""
        ...
