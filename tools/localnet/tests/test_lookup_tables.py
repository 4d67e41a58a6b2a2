"""v0 transactions load keys from address lookup tables as a node does: a real table
works, and naming any other account is the sender's error (-32002 / a simulation err),
never -32603."""

import base64
import json

import pytest
from solders.account import Account
from solders.address_lookup_table_account import ID as ALT_PROGRAM
from solders.instruction import CompiledInstruction
from solders.keypair import Keypair
from solders.message import MessageAddressTableLookup, MessageHeader, MessageV0
from solders.transaction import VersionedTransaction

from walletreports.localnet.chain import Chain
from walletreports.localnet.genesis import test_wallets as funded_wallets
from walletreports.localnet.programs import SYSTEM_PROGRAM, USDC_MINT
from walletreports.localnet.rpc.dispatcher import handle_payload
from walletreports.localnet.token_instructions import associated_token_address

# A lookup table account: ProgramState::LookupTable, active (deactivation slot u64::MAX),
# no authority, padded to the 56-byte meta, then the addresses.
_TABLE_META = (1).to_bytes(4, "little") + b"\xff" * 8 + bytes(8 + 1 + 1 + 32 + 2)


def call(chain, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    return json.loads(handle_payload(chain, body.encode()))


@pytest.fixture
def chain():
    return Chain()


def v0_transfer_through(chain, table, writable_index):
    """A SOL transfer (System instruction 2) whose recipient is loaded from `table` at
    `writable_index`."""
    payer = funded_wallets(chain.config)[0]
    message = MessageV0(
        MessageHeader(1, 0, 1), [payer.pubkey(), SYSTEM_PROGRAM],
        chain.latest_blockhash("processed")[0],
        [CompiledInstruction(1, (2).to_bytes(4, "little") + (10**6).to_bytes(8, "little"),
                             bytes([0, 2]))],
        [MessageAddressTableLookup(table, bytes([writable_index]), b"")])
    return base64.b64encode(bytes(VersionedTransaction(message, [payer]))).decode()


def test_a_real_lookup_table_loads_its_addresses(chain):
    recipient, table = Keypair().pubkey(), Keypair().pubkey()
    chain.svm.set_account(table, Account(10**9, _TABLE_META + bytes(recipient), ALT_PROGRAM))
    chain.advance_slot()  # addresses extended in the current slot are not usable yet
    reply = call(chain, "sendTransaction", [v0_transfer_through(chain, table, 0),
                                            {"encoding": "base64"}])
    assert "result" in reply, reply
    assert chain.svm.get_balance(recipient) == 10**6
    assert chain.record(reply["result"]).loaded_writable == [str(recipient)]


@pytest.mark.parametrize(("table_kind", "index", "err"), [
    ("token account", 0, "InvalidAddressLookupTableOwner"),
    ("token account", 3, "InvalidAddressLookupTableOwner"),  # a 13-byte tail, not an address
    ("malformed table", 0, "InvalidAddressLookupTableData"),
    ("missing", 0, "AddressLookupTableNotFound"),
    ("real table", 1, "InvalidAddressLookupTableIndex"),
])
def test_a_bad_lookup_table_is_the_senders_error(chain, table_kind, index, err):
    payer = funded_wallets(chain.config)[0]
    if table_kind == "token account":  # 165 bytes owned by the token program
        table = associated_token_address(payer.pubkey(), USDC_MINT)
    else:
        table = Keypair().pubkey()
        data = {"malformed table": b"\x01" * 60,
                "real table": _TABLE_META + bytes(Keypair().pubkey())}.get(table_kind)
        if data is not None:
            chain.svm.set_account(table, Account(10**9, data, ALT_PROGRAM))
    chain.advance_slot()
    encoded = v0_transfer_through(chain, table, index)

    sent = call(chain, "sendTransaction", [encoded, {"encoding": "base64"}])
    assert sent["error"]["code"] == -32002, sent
    assert sent["error"]["data"]["err"] == err
    simulated = call(chain, "simulateTransaction", [encoded, {"encoding": "base64"}])
    assert simulated["result"]["value"]["err"] == err, simulated
    skipped = call(chain, "sendTransaction", [encoded, {"encoding": "base64",
                                                        "skipPreflight": True}])
    assert chain.record(skipped["result"]) is None  # never landed
