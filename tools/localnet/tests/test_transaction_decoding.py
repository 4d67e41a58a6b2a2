"""sendTransaction / simulateTransaction refuse malformed or oversized transactions with
-32602 and a message that says why, as a node does, never -32603."""

import base64
import json
import logging

import base58
import pytest
from solders.instruction import CompiledInstruction
from solders.message import Message
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from walletreports.localnet.chain import Chain
from walletreports.localnet.genesis import test_wallets as funded_wallets
from walletreports.localnet.rpc.dispatcher import handle_payload


@pytest.fixture(scope="module")
def chain():
    return Chain()


def call(chain, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    return json.loads(handle_payload(chain, body.encode()))


def b64(tx) -> str:
    return base64.b64encode(bytes(tx)).decode()


def zero_signatures(chain):
    payer = funded_wallets(chain.config)[0].pubkey()
    msg = Message.new_with_compiled_instructions(0, 0, 0, [payer],
                                                 chain.latest_blockhash("processed")[0], [])
    return VersionedTransaction.populate(msg, [])


def zero_account_keys(chain):
    msg = Message.new_with_compiled_instructions(1, 0, 0, [],
                                                 chain.latest_blockhash("processed")[0], [])
    return VersionedTransaction.populate(msg, [Signature.default()])


def program_index_out_of_range(chain):
    payer = funded_wallets(chain.config)[0].pubkey()
    msg = Message.new_with_compiled_instructions(
        1, 0, 0, [payer], chain.latest_blockhash("processed")[0],
        [CompiledInstruction(7, b"", b"")])
    return VersionedTransaction.populate(msg, [Signature.default()])


@pytest.mark.parametrize("method", ["sendTransaction", "simulateTransaction"])
@pytest.mark.parametrize("build", [zero_signatures, zero_account_keys,
                                   program_index_out_of_range])
@pytest.mark.parametrize("skip_preflight", [False, True])
def test_unsanitary_transactions_are_invalid_params(chain, method, build, skip_preflight):
    reply = call(chain, method, [b64(build(chain)),
                                 {"encoding": "base64", "skipPreflight": skip_preflight}])
    assert reply["error"]["code"] == -32602, reply
    assert reply["error"]["message"].startswith("invalid transaction")


@pytest.mark.parametrize("method", ["sendTransaction", "simulateTransaction"])
@pytest.mark.parametrize(("encoded", "encoding"), [
    (base58.b58encode(b"\x01" * 1300).decode(), "base58"),
    (base64.b64encode(b"\x01" * 1300).decode(), "base64"),
    ("1" * 1600, "base58"),  # short enough encoded, but decodes to leading zero bytes only
])
def test_oversized_transactions_are_refused_before_decoding(chain, method, encoded, encoding,
                                                            caplog):
    caplog.set_level(logging.ERROR)
    reply = call(chain, method, [encoded, {"encoding": encoding}])
    assert reply["error"]["code"] == -32602, reply
    # Every decode failure starts "invalid transaction"; these must fail on size.
    assert reply["error"]["message"].startswith("invalid transaction")
    assert "too large" in reply["error"]["message"], reply


@pytest.mark.parametrize("encoding", ["base58", "base64"])
def test_encoded_size_limit_is_checked_first(chain, encoding):
    reply = call(chain, "sendTransaction", ["A" * 5000, {"encoding": encoding}])
    assert reply["error"]["code"] == -32602
    assert "encoded" in reply["error"]["message"] and "too large" in reply["error"]["message"]


def test_raw_size_limit(chain):
    reply = call(chain, "sendTransaction",
                 [base64.b64encode(b"\x01" * 1233).decode(), {"encoding": "base64"}])
    assert reply["error"]["code"] == -32602
    assert "decoded base64 too large: 1233" in reply["error"]["message"]


@pytest.mark.parametrize("encoding", [5, ["x"], "json"])
def test_bad_encoding_is_invalid_params(chain, encoding):
    reply = call(chain, "sendTransaction", ["AAAA", {"encoding": encoding}])
    assert reply["error"]["code"] == -32602


@pytest.mark.parametrize("v0", [False, True])
def test_json_parsed_account_keys_say_which_are_writable(v0):
    from solders.instruction import AccountMeta, Instruction
    from solders.keypair import Keypair
    from solders.message import MessageV0

    from walletreports.localnet.programs import TOKEN_PROGRAM, USDC_MINT
    from walletreports.localnet.token_instructions import (
        associated_token_address,
        transfer_checked,
    )
    from walletreports.localnet.transaction_encoding import encode_transaction

    chain = Chain()
    payer, payee = funded_wallets(chain.config)[:2]
    source = associated_token_address(payer.pubkey(), USDC_MINT)
    destination = associated_token_address(payee.pubkey(), USDC_MINT)
    reference = Keypair().pubkey()
    ix = transfer_checked(source, USDC_MINT, destination, payer.pubkey(), 1, 6)
    ix = Instruction(ix.program_id, ix.data,
                     list(ix.accounts) + [AccountMeta(reference, False, False)])
    blockhash = chain.latest_blockhash("processed")[0]
    message = (MessageV0.try_compile(payer.pubkey(), [ix], [], blockhash) if v0
               else Message.new_with_blockhash([ix], payer.pubkey(), blockhash))
    signature = chain.send(VersionedTransaction(message, [payer]))
    parsed = encode_transaction(chain.record(signature), "jsonParsed", 0)
    writable = {k["pubkey"]: k["writable"] for k in parsed["transaction"]["message"]["accountKeys"]}
    assert writable == {str(payer.pubkey()): True, str(source): True, str(destination): True,
                        str(USDC_MINT): False, str(reference): False, str(TOKEN_PROGRAM): False}
