"""The test wallet: pays Solana Pay transfer-request URLs the way a spec-following wallet
does, with switches for the malformed payments the payments service must reject."""

from .transfer_request import TransferRequest, parse_transfer_request
from .wallet import BadPayment, CreateTransferError, pay_transfer_request

__all__ = [
    "BadPayment",
    "CreateTransferError",
    "TransferRequest",
    "parse_transfer_request",
    "pay_transfer_request",
]
