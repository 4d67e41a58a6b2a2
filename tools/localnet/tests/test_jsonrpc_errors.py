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
                               1, lambda mint: 6)
    assert "parsed" not in parsed and parsed["accounts"] == accounts
