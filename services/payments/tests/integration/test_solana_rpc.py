"""`SolanaRpc` against the real localnet: the watcher's three calls over real JSON-RPC.

The localnet's manual clock makes the commitment steps exact: a payment is processed in
its slot, confirmed one slot later and finalized 32 slots after its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from walletreports.localnet.testing import Localnet, running_localnet
from walletreports.payments.adapters.solana_rpc import SignatureInfo, SolanaRpc
from walletreports.payments.domain import Commitment, Currency, build_transfer_request_url
from walletreports.payments.domain.money import LAMPORTS_PER_SOL
from walletreports.payments.domain.parsed_transaction import read_transaction

FINALITY_SLOTS = 32


@pytest.fixture(scope="module")
async def net() -> AsyncIterator[Localnet]:
    async with running_localnet() as running:
        yield running


@pytest.fixture
async def rpc(net: Localnet) -> AsyncIterator[SolanaRpc]:
    async with httpx.AsyncClient() as http:
        yield SolanaRpc(http=http, rpc_url=net.rpc_url)


async def pay_sol(net: Localnet, recipient: Pubkey, **bad: Any) -> list[str]:
    """Pay 0.01 SOL to `recipient` from the localnet's payer, with a fresh reference."""
    url = build_transfer_request_url(
        recipient=recipient,
        currency=Currency.SOL,
        amount_base_units=LAMPORTS_PER_SOL // 100,
        references=[Keypair().pubkey()],
        memo="inv-rpc",
    )
    return await net.pay(url, **bad)


async def test_a_payment_is_listed_at_confirmed_then_finalized(
    net: Localnet, rpc: SolanaRpc
) -> None:
    merchant = str(net.wallets[1].pubkey())
    [signature] = await pay_sol(net, net.wallets[1].pubkey())
    # Processed only: getSignaturesForAddress at confirmed does not list it yet.
    assert signature not in [i.signature for i in await rpc.signatures_for_address(merchant)]

    await net.advance_slots(1)
    [newest, *_] = await rpc.signatures_for_address(merchant)
    assert newest.signature == signature
    assert newest.confirmation is Commitment.CONFIRMED
    assert newest.err is None
    assert newest.slot == await net.slot() - 1
    assert newest.block_time is None or isinstance(newest.block_time, int)
    finalized = await rpc.signatures_for_address(merchant, commitment="finalized")
    assert signature not in [i.signature for i in finalized]

    await net.advance_slots(FINALITY_SLOTS - 2)
    [newest, *_] = await rpc.signatures_for_address(merchant)
    assert newest.confirmation is Commitment.CONFIRMED  # 31 slots old

    await net.advance_slots(1)
    [newest, *_] = await rpc.signatures_for_address(merchant)
    assert newest == SignatureInfo(
        signature=signature,
        slot=newest.slot,
        err=None,
        block_time=newest.block_time,
        confirmation=Commitment.FINALIZED,
    )
    [newest_finalized, *_] = await rpc.signatures_for_address(merchant, commitment="finalized")
    assert newest_finalized == newest

    assert await rpc.signatures_for_address(merchant, until=signature) == []
    assert signature not in [
        i.signature for i in await rpc.signatures_for_address(merchant, before=signature)
    ]
    assert rpc.calls["getSignaturesForAddress"] == 8


async def test_limit_before_and_until_page_through_newest_first(
    net: Localnet, rpc: SolanaRpc
) -> None:
    merchant = Keypair().pubkey()
    paid = await pay_sol(net, merchant, times=3)
    await net.advance_slots(1)
    address = str(merchant)
    everything = [i.signature for i in await rpc.signatures_for_address(address)]
    assert sorted(everything) == sorted(paid)

    first_page = [i.signature for i in await rpc.signatures_for_address(address, limit=2)]
    rest = [i.signature for i in await rpc.signatures_for_address(address, before=first_page[-1])]
    assert first_page + rest == everything
    since_oldest = await rpc.signatures_for_address(address, until=everything[-1])
    assert [i.signature for i in since_oldest] == everything[:-1]


async def test_failed_transaction_is_listed_with_its_error(net: Localnet, rpc: SolanaRpc) -> None:
    merchant = Keypair().pubkey()
    [signature] = await pay_sol(net, merchant, fail=True)
    await net.advance_slots(1)
    [info] = await rpc.signatures_for_address(str(merchant))
    assert info.signature == signature
    assert info.err is not None


@pytest.mark.parametrize("version", [None, 0], ids=["legacy", "v0"])
async def test_transaction_returns_the_jsonparsed_result(
    net: Localnet, rpc: SolanaRpc, version: int | None
) -> None:
    [signature] = await pay_sol(net, Keypair().pubkey(), version=version)
    assert await rpc.transaction(signature) is None  # processed only, not yet confirmed
    await net.advance_slots(1)

    result = await rpc.transaction(signature)
    assert result is not None
    assert isinstance(result["meta"], dict)
    assert isinstance(result["transaction"], dict)
    # What the watcher does next: the domain reads the very same result.
    assert read_transaction(result).signatures[0] == signature
    assert await rpc.transaction(signature, commitment="finalized") is None
    assert rpc.calls["getTransaction"] == 3


async def test_an_unknown_signature_is_none(rpc: SolanaRpc) -> None:
    assert await rpc.transaction(str(Signature.new_unique())) is None


async def test_slot_follows_the_commitment(net: Localnet, rpc: SolanaRpc) -> None:
    await net.advance_slots(FINALITY_SLOTS + 1)
    confirmed = await rpc.slot()
    finalized = await rpc.slot("finalized")
    assert confirmed <= await net.slot()
    assert finalized < confirmed
    await net.advance_slots(3)
    assert await rpc.slot() == confirmed + 3
    assert rpc.calls["getSlot"] == 3
