from decimal import Decimal

import pytest

from walletreports.localnet.pay.transfer_request import (
    InvalidTransferRequest,
    parse_transfer_request,
)

RECIPIENT = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
REF1 = "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuqnUgvoz"
REF2 = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"


def test_parses_every_field_percent_decoded():
    request = parse_transfer_request(
        f"solana:{RECIPIENT}?amount=0.01&spl-token={USDC}&reference={REF1}&reference={REF2}"
        "&label=Michael&message=Thanks%20for%20all%20the%20fish&memo=OrderId12345"
    )
    assert str(request.recipient) == RECIPIENT
    assert request.amount == Decimal("0.01")
    assert str(request.spl_token) == USDC
    assert [str(r) for r in request.references] == [REF1, REF2]
    assert request.message == "Thanks for all the fish"
    assert request.memo == "OrderId12345"


@pytest.mark.parametrize("amount", ["1e3", "-1", ".5", "1,5", "abc"])
def test_rejects_amounts_that_are_not_plain_decimals(amount):
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request(f"solana:{RECIPIENT}?amount={amount}")


def test_rejects_other_schemes_and_bad_keys():
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request(f"bitcoin:{RECIPIENT}")
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request("solana:notakey?amount=1")
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request(f"solana:{RECIPIENT}?reference=nope")
