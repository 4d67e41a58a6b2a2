"""The localnet through the unmodified solana-py AsyncClient: its response parsers (solders)
are strict, so every call here also checks the response shape."""

from solana.rpc.commitment import Confirmed, Finalized, Processed
from solana.rpc.core import RPCException
from solana.rpc.models import TokenAccountOpts, TxOpts
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

import httpx
import pytest

from walletreports.localnet.programs import MEMO_PROGRAM, USDC_MINT, USDT_MINT
from walletreports.localnet.token_instructions import associated_token_address
from solders.instruction import Instruction


async def sol_transfer(client, payer: Keypair, to: Pubkey, lamports: int, *, v0=False, memo=None):
    blockhash = (await client.get_latest_blockhash(Confirmed)).value.blockhash
    instructions = [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to,
                                            lamports=lamports))]
    if memo:
        instructions.insert(0, Instruction(MEMO_PROGRAM, memo.encode(), []))
    message = (MessageV0.try_compile(payer.pubkey(), instructions, [], blockhash) if v0
               else Message.new_with_blockhash(instructions, payer.pubkey(), blockhash))
    tx = VersionedTransaction(message, [payer])
    return (await client.send_transaction(tx, TxOpts(preflight_commitment=Confirmed))).value


async def test_cluster_methods(client, net):
    assert (await client.is_connected())
    version = (await client.get_version()).value
    assert version.solana_core
    slot = (await client.get_slot(Processed)).value
    assert (await client.get_block_height(Processed)).value == slot
    latest = (await client.get_latest_blockhash(Finalized)).value
    # solana-py has no isBlockhashValid helper; ask over plain JSON-RPC.
    async with httpx.AsyncClient() as http:
        reply = (await http.post(net.rpc_url, json={
            "jsonrpc": "2.0", "id": 1, "method": "isBlockhashValid",
            "params": [str(latest.blockhash), {"commitment": "processed"}]})).json()
    assert reply["result"]["value"] is True
    # A blockhash stays valid 150 blocks; the finalized one is 32 slots back (or genesis).
    assert latest.last_valid_block_height == max(slot - 32, 0) + 150
    assert (await client.get_minimum_balance_for_rent_exemption(165)).value == 2039280


async def test_sol_transfer_balances_statuses_and_transaction(client, net):
    payer, to = net.wallets[1], Keypair().pubkey()
    before = (await client.get_balance(payer.pubkey(), Processed)).value
    sig = await sol_transfer(client, payer, to, 5_000_000, memo="hello")
    assert (await client.get_balance(to, Processed)).value == 5_000_000
    expected = before - 5_000_000 - 5_000  # the transfer and one signature's fee
    chain_balance = await net.call(lambda chain: chain.svm.get_balance(payer.pubkey()))
    assert (await client.get_balance(payer.pubkey(), Processed)).value == expected
    assert chain_balance == expected

    status = (await client.get_signature_statuses([sig])).value[0]
    assert status.confirmation_status.__str__().lower().endswith("processed")
    assert (await client.get_transaction(sig, commitment=Confirmed)).value is None
    await net.advance_slots(1)
    status = (await client.get_signature_statuses([sig])).value[0]
    assert "Confirmed" in str(status.confirmation_status) and status.confirmations == 1

    tx = (await client.get_transaction(sig, commitment=Confirmed)).value
    meta = tx.transaction.meta
    assert meta.err is None and meta.fee == 5_000
    keys = [str(k) for k in tx.transaction.transaction.message.account_keys]
    assert meta.pre_balances[keys.index(str(to))] == 0
    assert meta.post_balances[keys.index(str(to))] == 5_000_000
    assert any("success" in line for line in meta.log_messages)

    parsed = (await client.get_transaction(sig, "jsonParsed", Confirmed)).value
    instructions = parsed.transaction.transaction.message.instructions
    assert instructions[0].parsed == "hello"
    assert instructions[1].parsed["type"] == "transfer"
    assert instructions[1].parsed["info"]["lamports"] == 5_000_000

    raw = (await client.get_transaction(sig, "base64", Confirmed)).value
    assert raw.transaction.transaction.signatures[0] == sig

    await net.advance_slots(32)
    status = (await client.get_signature_statuses([sig])).value[0]
    assert "Finalized" in str(status.confirmation_status) and status.confirmations is None
    assert (await client.get_transaction(sig)).value is not None  # default: finalized


async def test_v0_needs_max_supported_transaction_version(client, net):
    sig = await sol_transfer(client, net.wallets[1], Keypair().pubkey(), 1_000_000, v0=True)
    await net.advance_slots(1)
    with pytest.raises(RPCException):
        await client.get_transaction(sig, commitment=Confirmed)
    tx = (await client.get_transaction(sig, commitment=Confirmed,
                                       max_supported_transaction_version=0)).value
    assert tx.transaction.version == 0


async def test_signatures_for_address_paging(client, net):
    payer, to = net.wallets[2], Keypair().pubkey()
    sigs = [await sol_transfer(client, payer, to, 1_000_000 + i) for i in range(5)]
    # processed-only transactions are not listed at confirmed commitment
    assert (await client.get_signatures_for_address(to, commitment=Confirmed)).value == []
    await net.advance_slots(1)
    listed = (await client.get_signatures_for_address(to, commitment=Confirmed)).value
    assert [e.signature for e in listed] == sigs[::-1]  # newest first
    assert all(e.err is None and e.block_time and e.slot for e in listed)
    page = (await client.get_signatures_for_address(to, before=sigs[3], limit=2,
                                                    commitment=Confirmed)).value
    assert [e.signature for e in page] == [sigs[2], sigs[1]]
    newer = (await client.get_signatures_for_address(to, until=sigs[1], commitment=Confirmed)).value
    assert [e.signature for e in newer] == [sigs[4], sigs[3], sigs[2]]
    # The index agrees with a plain scan of the ledger (not with itself, which the RPC reads).
    indexed, scanned = await net.call(lambda chain: (
        [r.signature for r in chain.index.newest_first(str(to), chain.record_at, before_seq=None,
                                                       until_seq=None, max_slot=chain.slot)],
        [r.signature for r in reversed(chain.records)
         if not r.dropped and str(to) in r.account_keys],
    ))
    assert indexed == scanned == [str(s) for s in sigs[::-1]]
    assert len(indexed) == 5


async def test_memo_in_signatures_for_address(client, net):
    to = Keypair().pubkey()
    await sol_transfer(client, net.wallets[2], to, 1_000_000, memo="inv-7")
    await net.advance_slots(1)
    [entry] = (await client.get_signatures_for_address(to, commitment=Confirmed)).value
    assert entry.memo == "[5] inv-7"


async def test_token_accounts(client, net):
    owner = net.wallets[0].pubkey()
    ata = associated_token_address(owner, USDC_MINT)
    balance = (await client.get_token_account_balance(ata)).value
    chain_amount = await net.call(
        lambda chain: int.from_bytes(bytes(chain.get_account(ata).data)[64:72], "little"))
    assert int(balance.amount) == chain_amount and balance.decimals == 6
    accounts = (await client.get_token_accounts_by_owner(owner, TokenAccountOpts(mint=USDC_MINT))).value
    assert [a.pubkey for a in accounts] == [ata]
    by_program = (await client.get_token_accounts_by_owner_json_parsed(
        owner, TokenAccountOpts(program_id=Pubkey.from_string(
            "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")))).value
    mints = {a.account.data.parsed["info"]["mint"] for a in by_program}
    assert mints == {str(USDC_MINT), str(USDT_MINT)}
    mint = (await client.get_account_info_json_parsed(USDT_MINT)).value
    assert mint.data.parsed["info"]["decimals"] == 6 and mint.data.parsed["type"] == "mint"
    many = (await client.get_multiple_accounts([USDC_MINT, Keypair().pubkey()])).value
    assert many[0] is not None and many[1] is None
    supply = (await client.get_token_supply(USDC_MINT)).value
    # Genesis mints 1,000,000 USDC to each of the 5 wallets; nothing mints more.
    assert supply.amount == str(5 * 1_000_000 * 10**6) and supply.decimals == 6
    with pytest.raises(RPCException, match="not a Token mint"):
        await client.get_token_supply(ata)
    with pytest.raises(RPCException, match="not a Token account"):
        await client.get_token_account_balance(USDC_MINT)


async def test_airdrop_fee_and_simulation(client, net):
    to = Keypair().pubkey()
    sig = (await client.request_airdrop(to, 2_000_000_000)).value
    assert isinstance(sig, Signature)
    assert (await client.get_balance(to, Processed)).value == 2_000_000_000
    payer = net.wallets[3]
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    message = MessageV0.try_compile(payer.pubkey(), [transfer(TransferParams(
        from_pubkey=payer.pubkey(), to_pubkey=to, lamports=1))], [], blockhash)
    assert (await client.get_fee_for_message(message)).value == 5_000
    tx = VersionedTransaction(message, [payer])
    simulated = (await client.simulate_transaction(tx)).value
    assert simulated.err is None and simulated.logs
    assert (await client.get_balance(to, Processed)).value == 2_000_000_000  # not applied


async def test_preflight_failure_is_an_rpc_error_and_skip_preflight_lands_it(client, net):
    payer = Keypair()
    await client.request_airdrop(payer.pubkey(), 10_000_000)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    too_much = [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(),
                                        lamports=50_000_000))]
    tx = VersionedTransaction(Message.new_with_blockhash(too_much, payer.pubkey(), blockhash),
                              [payer])
    with pytest.raises(RPCException):
        await client.send_transaction(tx)
    assert (await client.get_balance(payer.pubkey(), Processed)).value == 10_000_000
    sig = (await client.send_transaction(tx, TxOpts(skip_preflight=True))).value
    await net.advance_slots(1)
    landed = (await client.get_transaction(sig, commitment=Confirmed)).value
    assert landed.transaction.meta.err is not None  # failed on chain, fee charged
    assert (await client.get_balance(payer.pubkey(), Processed)).value == 10_000_000 - 5_000


async def test_state_save_and_load(tmp_path, client, net):
    from walletreports.localnet.chain import Chain

    to = Keypair().pubkey()
    sig = await sol_transfer(client, net.wallets[4], to, 7_000_000)
    path = tmp_path / "state.json"
    await net.call(lambda chain: chain.save(path))
    restored = Chain()
    restored.load(path)
    assert restored.svm.get_balance(to) == 7_000_000
    record = restored.record(str(sig))
    assert record is not None and restored.commitment_of(record) == "finalized"
