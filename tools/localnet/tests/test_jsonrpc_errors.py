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
