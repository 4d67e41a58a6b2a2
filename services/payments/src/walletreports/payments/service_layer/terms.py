"""The merchant's terms every new invoice is opened with, read once from the settings.

A value object, so use cases take the terms and not the whole settings (their unit
tests build one by hand), and a change of configuration applies to new invoices only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from ..settings import PaymentsSettings


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    merchant: str  # the owner wallet Solana Pay URLs name as recipient
    label: str
    expiry: timedelta
    monitoring_window: timedelta
    tolerance_percent: Decimal

    @classmethod
    def from_settings(cls, settings: PaymentsSettings) -> InvoiceTerms:
        return cls(
            merchant=settings.merchant_address,
            label=settings.label,
            expiry=settings.invoice_expiry,
            monitoring_window=settings.monitoring_window,
            tolerance_percent=settings.tolerance_percent,
        )
