"""The payments composition root: what the service builds once at start, beside what
the kit provides (settings, units, clock, database, jetstream).

`terms` are the merchant's invoice terms from the settings (checked there at start). The
SOL rate source will be built here too, and handed to the invoice handler by name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from walletreports.kit import Platform

from .service_layer.terms import InvoiceTerms
from .settings import PaymentsSettings


@dataclass(frozen=True)
class PaymentsCollaborators:
    terms: InvoiceTerms


@asynccontextmanager
async def bootstrap(platform: Platform[PaymentsSettings]) -> AsyncIterator[PaymentsCollaborators]:
    yield PaymentsCollaborators(terms=InvoiceTerms.from_settings(platform.settings))
