"""The test wallet pays Solana Pay URLs; a payment is found by reference and its amount
read from pre/post token balances, as the payments watcher will do."""

from decimal import Decimal

import pytest
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from walletreports.localnet.pay import CreateTransferError
from walletreports.localnet.programs import MEMO_PROGRAM, USDC_MINT, USDT_MINT
from walletreports.localnet.token_instructions import associated_token_address


async def pay(net, url, **bad):
    """net.pay returns signature strings; solana-py wants Signature objects."""
    return [Signature.from_string(s) for s in await net.pay(url, **bad)]


def invoice(recipient: Pubkey, reference: Pubkey, amount="12.5", mint=USDC_MINT, memo="inv-1"):
    token = f"&spl-token={mint}" if mint else ""
    return (f"solana:{recipient}?amount={amount}{token}&reference={reference}"
            f"&label=Wallet%20Reports&message=Tax%20report&memo={memo}")


def received(tx, owner: Pubkey, mint: Pubkey) -> int:
    """Base units `owner` gained in `mint`: post minus pre token balance of its account."""
    meta = tx.transaction.meta

    def amount(balances):
        return sum(int(b.ui_token_amount.amount) for b in balances
                   if b.owner == owner and b.mint == mint)

    return amount(meta.post_token_balances) - amount(meta.pre_token_balances)


async def find_by_reference(client, reference: Pubkey):
    entries = (await client.get_signatures_for_address(reference, commitment=Confirmed)).value
    return [e.signature for e in entries]


async def test_payment_found_by_reference_with_amount_from_token_balances(client, net):
    merchant, reference = Keypair().pubkey(), Keypair().pubkey()
    [sig] = await pay(net, invoice(merchant, reference))
    await net.advance_slots(1)
    assert await find_by_reference(client, reference) == [sig]
    tx = (await client.get_transaction(sig, "jsonParsed", Confirmed,
                                       max_supported_transaction_version=0)).value
    assert tx.transaction.meta.err is None
    assert received(tx, merchant, USDC_MINT) == 12_500_000
    assert received(tx, net.payer.pubkey(), USDC_MINT) == -12_500_000
    instructions = tx.transaction.transaction.message.instructions
    # recipient ATA created first, memo second to last, transferChecked last
    assert instructions[0].parsed["type"] == "createIdempotent"
    assert instructions[-2].program_id == MEMO_PROGRAM and instructions[-2].parsed == "inv-1"
    transfer = instructions[-1].parsed
    assert transfer["type"] == "transferChecked"
    assert transfer["info"]["destination"] == str(associated_token_address(merchant, USDC_MINT))
    assert transfer["info"]["signers"] == [str(reference)]  # references ride as extra keys
    chain_units = await net.call(lambda chain: int.from_bytes(bytes(chain.get_account(
        associated_token_address(merchant, USDC_MINT)).data)[64:72], "little"))
    assert chain_units == 12_500_000


async def test_reference_is_read_only_non_signer_and_memo_has_no_keys(client, net):
    merchant, reference = Keypair().pubkey(), Keypair().pubkey()
    [sig] = await pay(net, invoice(merchant, reference, mint=None, amount="0.01"))
    await net.advance_slots(1)
    tx = (await client.get_transaction(sig, commitment=Confirmed)).value
    message = tx.transaction.transaction.message
    keys = message.account_keys
    index = keys.index(reference)
    header = message.header
    assert index >= header.num_required_signatures
    assert index >= len(keys) - header.num_readonly_unsigned_accounts
    memo_ix, transfer_ix = message.instructions[-2], message.instructions[-1]
    assert keys[memo_ix.program_id_index] == MEMO_PROGRAM and list(memo_ix.accounts) == []
    assert index in list(transfer_ix.accounts)
    assert tx.transaction.meta.post_balances[keys.index(merchant)] == 10_000_000


async def test_bad_payments(client, net):
    merchant = Keypair().pubkey()
    ref = Keypair().pubkey()
    url = invoice(merchant, ref, amount="10")
    less, = await pay(net, url, amount=Decimal("9.99"))
    more, = await pay(net, url, amount=Decimal("10.01"))
    wrong_mint, = await pay(net, url, mint=USDT_MINT)
    other = Keypair().pubkey()
    wrong_recipient, = await pay(net, url, recipient=other)
    no_ref, = await pay(net, url, drop_references=True)
    no_memo, = await pay(net, url, omit_memo=True)
    changed_memo, = await pay(net, url, memo="inv-2")
    failing, = await pay(net, url, fail=True)
    twice = await pay(net, url, times=2)
    v0, = await pay(net, url, version=0)
    ref_b = Keypair().pubkey()
    shared, = await pay(net, url, extra_references=[ref_b])
    await net.advance_slots(1)

    found = set(await find_by_reference(client, ref))
    assert no_ref not in found
    assert {less, more, wrong_mint, wrong_recipient, no_memo, changed_memo, failing, *twice,
            v0, shared} <= found
    assert len(set(twice)) == 2
    assert await find_by_reference(client, ref_b) == [shared]  # one signature, two invoices

    async def get(sig):
        return (await client.get_transaction(sig, "jsonParsed", Confirmed,
                                             max_supported_transaction_version=0)).value

    assert received(await get(less), merchant, USDC_MINT) == 9_990_000
    assert received(await get(more), merchant, USDC_MINT) == 10_010_000
    assert received(await get(wrong_mint), merchant, USDC_MINT) == 0
    assert received(await get(wrong_mint), merchant, USDT_MINT) == 10_000_000
    assert received(await get(wrong_recipient), merchant, USDC_MINT) == 0
    assert received(await get(wrong_recipient), other, USDC_MINT) == 10_000_000
    failed = await get(failing)
    assert failed.transaction.meta.err is not None
    assert received(failed, merchant, USDC_MINT) == 0
    memos = {e.signature: e.memo for e in
             (await client.get_signatures_for_address(ref, commitment=Confirmed)).value}
    assert memos[no_memo] is None and memos[changed_memo] == "[5] inv-2"
    assert memos[less] == "[5] inv-1"
    assert (await get(v0)).transaction.version == 0


async def test_amount_with_too_many_decimals_is_refused_like_create_transfer(net):
    with pytest.raises(CreateTransferError):
        await pay(net, invoice(Keypair().pubkey(), Keypair().pubkey(), amount="1.0000001"))


async def test_fork_rolls_back_a_confirmed_payment(client, net):
    merchant, reference = Keypair().pubkey(), Keypair().pubkey()
    ata = associated_token_address(merchant, USDC_MINT)
    [sig] = await pay(net, invoice(merchant, reference, amount="3"), fork=True)
    await net.advance_slots(1)
    status = (await client.get_signature_statuses([sig])).value[0]
    assert "Confirmed" in str(status.confirmation_status)
    assert await find_by_reference(client, reference) == [sig]
    await net.advance_slots(1)  # the scheduled fork drops it two slots after landing
    assert (await client.get_signature_statuses([sig])).value == [None]
    assert await find_by_reference(client, reference) == []
    assert (await client.get_account_info(ata)).value is None
    await net.advance_slots(32)
    assert (await client.get_transaction(sig)).value is None


async def test_dropping_one_payment_keeps_later_ones(client, net):
    merchant = Keypair().pubkey()
    await pay(net, invoice(merchant, Keypair().pubkey(), amount="5"))  # creates the ATA
    await net.advance_slots(32)
    first, second = Keypair().pubkey(), Keypair().pubkey()
    [a] = await pay(net, invoice(merchant, first, amount="1"))
    [b] = await pay(net, invoice(merchant, second, amount="2"))
    await net.advance_slots(1)
    await net.drop_transaction(a)
    await net.advance_slots(1)
    assert await find_by_reference(client, first) == []
    assert await find_by_reference(client, second) == [b]
    balance = (await client.get_token_account_balance(
        associated_token_address(merchant, USDC_MINT))).value
    assert balance.amount == "7000000"


async def test_replayed_payment_that_depended_on_a_dropped_one_fails(client, net):
    merchant = Keypair().pubkey()
    [a] = await pay(net, invoice(merchant, Keypair().pubkey(), amount="1"))  # creates the ATA
    [b] = await pay(net, invoice(merchant, Keypair().pubkey(), amount="2"))  # assumes it
    await net.advance_slots(1)
    await net.drop_transaction(a)
    status = (await client.get_signature_statuses([b])).value[0]
    assert status is not None and status.err is not None  # on the surviving fork b fails
