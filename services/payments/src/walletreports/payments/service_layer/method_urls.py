"""The Solana Pay URL for each method of a new invoice, and the contract's view of it."""

from __future__ import annotations

from walletreports.contracts.payments import PaymentMethodQuote

from ..domain import Currency, Invoice, PaymentMethod, build_transfer_request_url
from .terms import InvoiceTerms


def invoice_memo(invoice: Invoice) -> str:
    """The SPL Memo every payment of the invoice carries (a wallet adds it from the URL):
    a second check beside the reference, and what a block explorer shows. Public on
    chain, so nothing about the user is in it."""
    return f"invoice:{invoice.id}"


def transfer_url(invoice: Invoice, method: PaymentMethod, terms: InvoiceTerms, message: str) -> str:
    """Recipient the merchant's owner wallet, the exact amount, the invoice's reference
    and memo."""
    return build_transfer_request_url(
        recipient=terms.merchant,
        currency=Currency(method.currency),
        amount_base_units=method.amount_base_units,
        references=[invoice.reference],
        label=terms.label,
        message=message,
        memo=invoice_memo(invoice),
    )


def method_quote(method: PaymentMethod, url: str) -> PaymentMethodQuote:
    currency = Currency(method.currency)
    return PaymentMethodQuote(
        currency=method.currency,
        mint=None if currency.mint is None else str(currency.mint),
        decimals=currency.decimals,
        amount_base_units=method.amount_base_units,
        url=url,
    )
