"""A payment in a mint the invoice does not accept never reaches a receiving account, so
the watcher cannot see it; the invoice expires, and its last per-reference look finds
the transaction and records it for staff as `wrong_mint`. Its own localnet, with one
more mint than USDC and USDT."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from solders.keypair import Keypair

from walletreports.localnet.genesis import GenesisConfig, MintSpec
from walletreports.localnet.testing import Localnet
from walletreports.localnet.testing import localnet as start_localnet

from .watching import WatchedPayments

OTHER_MINT = Keypair().pubkey()


@pytest.fixture(scope="module")
def localnet() -> Iterator[Localnet]:
    genesis = GenesisConfig(extra_mints=(MintSpec("FAKE", OTHER_MINT, 6),))
    with start_localnet(genesis=genesis) as net:
        yield net


async def test_a_payment_in_another_mint_is_found_at_expiry_as_wrong_mint(
    watched: WatchedPayments,
):
    invoice = await watched.open_invoice("25.00")
    signature = await watched.pay(invoice, "USDC", mint=OTHER_MINT)
    await watched.net.advance_slots(1)

    watched.clock.advance(timedelta(minutes=16))
    expired = await watched.until_invoice(invoice["invoice_id"], status="expired")

    assert expired["transfers"] == []
    [row] = await watched.until_rejected(signature)
    assert row["reason"] == "wrong_mint" and str(row["invoice_id"]) == invoice["invoice_id"]
