"""PubSub through solana-py's websocket client (solders parses every notification)."""

import asyncio

from solana.rpc.commitment import Confirmed, Processed
from solana.rpc.websocket_api import SolanaWsClient
from solders.keypair import Keypair
from solders.rpc.config import RpcTransactionLogsFilterMentions
from solders.signature import Signature


def url(recipient, reference, amount="1"):
    return f"solana:{recipient}?amount={amount}&reference={reference}"


async def next_notification(ws, timeout=5):
    return await asyncio.wait_for(ws.recv(), timeout)


async def test_logs_mentions_and_signature_subscriptions(net):
    merchant, reference = Keypair().pubkey(), Keypair().pubkey()
    async with SolanaWsClient(net.ws_url) as ws:
        await ws.logs_subscribe(filter_=RpcTransactionLogsFilterMentions(merchant),
                                commitment=Confirmed)
        [sig] = await net.pay(url(merchant, reference))
        await net.advance_slots(1)
        note = await next_notification(ws)
        assert str(note.result.value.signature) == sig
        assert note.result.value.err is None and note.result.value.logs

        await ws.signature_subscribe(signature=Signature.from_string(sig), commitment=Confirmed)
        done = await next_notification(ws)  # already confirmed: answered at once
        assert done.result.value.err is None


async def test_signature_subscription_waits_for_commitment(net):
    async with SolanaWsClient(net.ws_url) as ws:
        [sig] = await net.pay(url(Keypair().pubkey(), Keypair().pubkey()))
        await ws.signature_subscribe(signature=Signature.from_string(sig), commitment="finalized")
        await net.advance_slots(31)
        await ws.slot_subscribe()  # a marker: its first notification proves ordering
        await net.advance_slots(1)
        first = await next_notification(ws)
        second = await next_notification(ws)
        # finality is reached in the slot-32 step, before that slot is announced
        assert type(first).__name__ == "SignatureNotification"
        assert first.result.value.err is None
        assert type(second).__name__ == "SlotNotification"


async def test_account_and_slot_subscriptions(net):
    merchant = Keypair().pubkey()
    async with SolanaWsClient(net.ws_url) as ws:
        await ws.account_subscribe(pubkey=merchant, commitment=Processed)
        await net.pay(url(merchant, Keypair().pubkey(), amount="0.5"))
        note = await next_notification(ws)
        assert note.result.value.lamports == 500_000_000
    async with SolanaWsClient(net.ws_url) as ws:
        await ws.slot_subscribe()
        slot = await net.advance_slots(1)
        note = await next_notification(ws)
        assert note.result.slot == slot and note.result.parent == slot - 1
