"""Malformed requests get standard JSON-RPC error objects and the server keeps serving."""

import httpx
import pytest


async def post(net, content: bytes | str):
    async with httpx.AsyncClient() as http:
        response = await http.post(net.rpc_url, content=content,
                                   headers={"content-type": "application/json"})
    return response.json()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", -32700),
        ("[]", -32600),
        ('{"jsonrpc":"1.0","id":1,"method":"getSlot"}', -32600),
        ('{"jsonrpc":"2.0","id":1,"method":7}', -32600),
        ('{"jsonrpc":"2.0","id":1,"method":"getNothing"}', -32601),
        ('{"jsonrpc":"2.0","id":1,"method":"getBalance","params":["not-a-key"]}', -32602),
        ('{"jsonrpc":"2.0","id":1,"method":"getBalance","params":{"a":1}}', -32602),
        ('{"jsonrpc":"2.0","id":1,"method":"getBalance"}', -32602),
        ('{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["!!!"]}', -32602),
        ('{"jsonrpc":"2.0","id":1,"method":"getSignaturesForAddress",'
         '"params":["11111111111111111111111111111111",{"limit":1001}]}', -32602),
        ('{"jsonrpc":"2.0","id":1,"method":"getTransaction","params":["1111111111111111111111111111111111111111111111111111111111111111",{"commitment":"processed"}]}', -32602),
    ],
)
async def test_bad_requests_get_standard_errors(net, body, code):
    reply = await post(net, body)
    assert reply["jsonrpc"] == "2.0"
    assert reply["error"]["code"] == code
    assert reply["error"]["message"]


async def test_batch_answers_each_request(net):
    reply = await post(
        net,
        '[{"jsonrpc":"2.0","id":1,"method":"getHealth"},'
        '{"jsonrpc":"2.0","id":2,"method":"nope"},{"jsonrpc":"2.0","method":"getHealth"}]',
    )
    assert reply[0] == {"jsonrpc": "2.0", "result": "ok", "id": 1}
    assert reply[1]["error"]["code"] == -32601 and reply[1]["id"] == 2
    assert len(reply) == 2  # the notification (no id) gets no response


# ----- bad params reach no handler's internals: -32602, never -32603 ------------------

def _call(chain, method, params):
    import json

    from walletreports.localnet.rpc.dispatcher import handle_payload

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    return json.loads(handle_payload(chain, body.encode()))


@pytest.fixture(scope="module")
def chain():
    from walletreports.localnet.chain import Chain

    return Chain()


def _message_with_program_index(chain, index):
    import base64

    from solders.instruction import CompiledInstruction
    from solders.message import Message

    from walletreports.localnet.genesis import test_wallets as funded

    msg = Message.new_with_compiled_instructions(
        1, 0, 0, [funded(chain.config)[0].pubkey()], chain.latest_blockhash("processed")[0],
        [CompiledInstruction(index, b"", b"")])
    return base64.b64encode(bytes(msg)).decode()


def test_fee_for_message_with_out_of_range_program_index(chain):
    reply = _call(chain, "getFeeForMessage", [_message_with_program_index(chain, 7)])
    assert reply["error"]["code"] == -32602


@pytest.mark.parametrize("value", ["zz", "0OIl", 5, None])
def test_is_blockhash_valid_with_junk(chain, value):
    assert _call(chain, "isBlockhashValid", [value])["error"]["code"] == -32602


def _signed_payment(chain):
    import base64

    from solders.message import Message
    from solders.system_program import TransferParams, transfer
    from solders.transaction import VersionedTransaction

    from walletreports.localnet.genesis import test_wallets as funded

    payer, payee = funded(chain.config)[:2]
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=payee.pubkey(),
                                 lamports=1))
    msg = Message.new_with_blockhash([ix], payer.pubkey(), chain.latest_blockhash("processed")[0])
    return base64.b64encode(bytes(VersionedTransaction(msg, [payer]))).decode()


@pytest.mark.parametrize("accounts", [
    5, "x", [1], {"addresses": 5}, {"addresses": "abc"},
    {"addresses": ["11111111111111111111111111111111"] * 101},
    {"addresses": ["11111111111111111111111111111111"], "encoding": "bogus"},
    {"addresses": ["11111111111111111111111111111111"], "encoding": 5},
    {"addresses": ["11111111111111111111111111111111"], "encoding": "base58"},
])
def test_simulate_accounts_config_is_checked(chain, accounts):
    reply = _call(chain, "simulateTransaction",
                  [_signed_payment(chain), {"encoding": "base64", "accounts": accounts}])
    assert reply["error"]["code"] == -32602, reply


def test_advance_slots_is_capped(chain):
    reply = _call(chain, "localnet_advanceSlots", [10**9])
    assert reply["error"]["code"] == -32602
    assert "10000" in reply["error"]["message"]


def test_mint_to_checked_without_decimals_is_partially_decoded():
    from walletreports.localnet.parsed_instructions import parse_instruction
    from walletreports.localnet.programs import TOKEN_PROGRAM

    accounts = ["A", "B", "C"]
    parsed = parse_instruction(str(TOKEN_PROGRAM), accounts, bytes([14]) + (5).to_bytes(8, "little"),
                               1)
    assert "parsed" not in parsed and parsed["accounts"] == accounts


def _junk_params():
    import base64

    import base58

    key = "11111111111111111111111111111111"
    sig = "1" * 64
    junk_values = [None, 5, -1, 1.5, 10**30, True, "zz", "!!!", "0OIl", "", [], [1], {},
                   {"a": 1}, "A" * 5000, base64.b64encode(b"\x01" * 1300).decode(),
                   base58.b58encode(b"\x01" * 1300).decode(), "AAAA"]
    configs = [5, "x", [1], {"commitment": 5}, {"commitment": "nope"}, {"encoding": 5},
               {"encoding": ["x"]}, {"encoding": "bogus"}, {"encoding": "base58"},
               {"encoding": "base64"}, {"minContextSlot": "x"}, {"minContextSlot": -1},
               {"dataSlice": "x"}, {"dataSlice": {"offset": -5, "length": 3}},
               {"dataSlice": {"offset": 1.5, "length": "3"}}, {"limit": 10**100},
               {"limit": "5"}, {"before": 5}, {"until": "xx"}, {"filters": 5},
               {"filters": [{"memcmp": 5}]}, {"filters": [{"dataSize": "x"}]},
               {"maxSupportedTransactionVersion": -1}, {"accounts": 5},
               {"accounts": {"addresses": 5}}, {"accounts": {"addresses": [1]}},
               {"searchTransactionHistory": 5}, {"mint": 5}, {"programId": 5}]
    cases = [[]]
    cases += [[v] for v in junk_values]
    cases += [[key, c] for c in configs]
    cases += [[sig, c] for c in configs]
    cases += [[[key, 5]], [[sig, 5]], [key, {"mint": 5}], [key, {"foo": key}], [key, [1]],
              [key, {"mint": key}, "bad"], [key, 1.5], [key, 10**30], [key, -1], [sig, 10**9],
              [[key] * 1000], [[sig] * 1000], [key, {"programId": key}, {"encoding": 5}],
              ["AAAA", {"encoding": "base64", "skipPreflight": True}]]
    return cases


def test_junk_params_never_get_internal_error(chain):
    """Every registered method, every kind of junk (wrong types, bad base58/base64,
    oversized input, transactions that fail sanitize): a client error, never -32603."""
    from solders.instruction import CompiledInstruction
    from solders.message import Message

    from walletreports.localnet.rpc.registry import METHODS

    import base64

    from solders.signature import Signature
    from solders.transaction import VersionedTransaction

    from walletreports.localnet.genesis import test_wallets as funded

    bh = chain.latest_blockhash("processed")[0]
    payer = funded(chain.config)[0].pubkey()
    unsanitary = [
        VersionedTransaction.populate(
            Message.new_with_compiled_instructions(0, 0, 0, [payer], bh, []), []),
        VersionedTransaction.populate(
            Message.new_with_compiled_instructions(1, 0, 0, [], bh, []), [Signature.default()]),
        VersionedTransaction.populate(
            Message.new_with_compiled_instructions(1, 0, 0, [payer], bh,
                                                   [CompiledInstruction(7, b"", b"")]),
            [Signature.default()]),
    ]
    cases = _junk_params()
    for tx in unsanitary:
        encoded = base64.b64encode(bytes(tx)).decode()
        message = base64.b64encode(bytes(tx.message)).decode()
        cases += [[encoded, {"encoding": "base64"}],
                  [encoded, {"encoding": "base64", "skipPreflight": True}],
                  [encoded, {"encoding": "base64", "replaceRecentBlockhash": True}], [message]]
    cases.append([_message_with_program_index(chain, 7)])
    internal = []
    for method in sorted(METHODS):
        for params in cases:
            reply = _call(chain, method, params)
            if "error" in reply and reply["error"]["code"] == -32603:
                internal.append((method, params))
    assert not internal, internal[:20]


@pytest.mark.parametrize("data_slice", [
    {"offset": -5, "length": 3}, {"offset": 0, "length": -1}, {"offset": 1.5, "length": 3},
    {"offset": "0", "length": 3}, {"offset": True, "length": 3}, {"offset": 0}, "x",
])
def test_bad_data_slice_is_refused_not_read_from_the_end(chain, data_slice):
    from walletreports.localnet.programs import USDC_MINT

    reply = _call(chain, "getAccountInfo",
                  [str(USDC_MINT), {"encoding": "base64", "dataSlice": data_slice}])
    assert reply["error"]["code"] == -32602, reply
    assert "dataSlice" in reply["error"]["message"]


def test_base58_limit_is_on_the_returned_slice(chain):
    from walletreports.localnet.genesis import test_wallets as funded
    from walletreports.localnet.programs import USDC_MINT
    from walletreports.localnet.token_instructions import associated_token_address

    ata = str(associated_token_address(funded(chain.config)[0].pubkey(), USDC_MINT))  # 165 bytes
    whole = _call(chain, "getAccountInfo", [ata, {"encoding": "base58"}])
    assert whole["error"]["code"] == -32602 and "base 58" in whole["error"]["message"]
    # A token account's first 32 bytes are its mint.
    head = _call(chain, "getAccountInfo",
                 [ata, {"encoding": "base58", "dataSlice": {"offset": 0, "length": 32}}])
    assert head["result"]["value"]["data"] == [str(USDC_MINT), "base58"]
