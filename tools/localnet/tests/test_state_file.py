"""A ledger saved with --state and loaded at the next start serves like a running one."""

import json

import pytest
from solders.keypair import Keypair
from solders.message import Message
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from walletreports.localnet.chain import Chain
from walletreports.localnet.genesis import test_wallets as funded_wallets
from walletreports.localnet.rpc.dispatcher import handle_payload


def call(chain, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    return json.loads(handle_payload(chain, body.encode()))


def pay_once(chain):
    payer = funded_wallets(chain.config)[0]
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(),
                                 lamports=1_000_000))
    message = Message.new_with_blockhash([ix], payer.pubkey(),
                                         chain.latest_blockhash("processed")[0])
    return chain.send(VersionedTransaction(message, [payer]))


@pytest.fixture
def saved(tmp_path):
    chain = Chain()
    for _ in range(40):
        chain.advance_slot()
    signature = pay_once(chain)
    path = tmp_path / "state.json"
    chain.save(path)
    return path, chain.slot, signature


@pytest.mark.parametrize("level", ["processed", "confirmed", "finalized"])
def test_loaded_ledger_has_a_blockhash_at_every_commitment(saved, level):
    path, saved_slot, _ = saved
    restored = Chain()
    restored.load(path)
    reply = call(restored, "getLatestBlockhash", [{"commitment": level}])
    assert "error" not in reply, reply
    slot = {"processed": saved_slot + 32, "confirmed": saved_slot + 31,
            "finalized": saved_slot}[level]
    assert reply["result"]["context"]["slot"] == slot
    assert reply["result"]["value"]["lastValidBlockHeight"] == slot + 150


def test_loaded_ledger_keeps_block_times_and_takes_new_payments(saved):
    path, saved_slot, signature = saved
    restored = Chain()
    restored.load(path)
    record = restored.record(signature)
    assert restored.block_time(saved_slot) == record.block_time
    assert restored.record(pay_once(restored)) is not None
