"""The PubSub websocket endpoint (default port 8900): subscribe/unsubscribe methods only,
as on a real node."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .rpc.params import (
    account_encoding,
    commitment,
    config_at,
    positional,
    pubkey,
    signature,
)
from .rpc_errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RpcError,
    invalid_params,
)
from .subscriptions import Send, Subscription, SubscriptionHub

log = logging.getLogger(__name__)


def _subscribe(hub: SubscriptionHub, method: str, params: list, send: Send) -> Subscription:
    if method == "logsSubscribe":
        log_filter = positional(params, 0, "filter")
        config = config_at(params, 1)
        mentions = None
        if isinstance(log_filter, dict) and "mentions" in log_filter:
            addresses = log_filter["mentions"]
            if not isinstance(addresses, list) or len(addresses) != 1:
                raise invalid_params("Invalid Request: Only 1 address supported")
            mentions = str(pubkey(addresses[0]))
        elif log_filter not in ("all", "allWithVotes"):
            raise invalid_params("Invalid params: filter must be all, allWithVotes or mentions")
        return hub.add("logs", send, commitment=commitment(config), mentions=mentions)
    if method == "signatureSubscribe":
        sig = signature(positional(params, 0, "signature"))
        config = config_at(params, 1)
        return hub.add("signature", send, commitment=commitment(config), signature=sig,
                       received_notification=bool(config.get("enableReceivedNotification")))
    if method == "accountSubscribe":
        address = pubkey(positional(params, 0, "pubkey"))
        config = config_at(params, 1)
        encoding = account_encoding(config, "base64")
        if encoding in ("base58", "binary"):
            # Base58 only encodes accounts up to 128 bytes; a notification for a larger
            # one could not be sent, so refuse here rather than fail at delivery time.
            raise invalid_params("Invalid params: base58 encoding is not supported for "
                                 "accountSubscribe; use base64, base64+zstd or jsonParsed")
        return hub.add("account", send, commitment=commitment(config), account=address,
                       encoding=encoding)
    if method == "slotSubscribe":
        return hub.add("slot", send)
    raise RpcError(METHOD_NOT_FOUND, "Method not found")


_UNSUBSCRIBE = {
    "logsUnsubscribe": "logs",
    "signatureUnsubscribe": "signature",
    "accountUnsubscribe": "account",
    "slotUnsubscribe": "slot",
}


def handle_message(hub: SubscriptionHub, text: str | bytes, send: Send) -> None:
    try:
        request = orjson.loads(text)
    except orjson.JSONDecodeError:
        send({"jsonrpc": "2.0", "error": {"code": PARSE_ERROR, "message": "Parse error"},
              "id": None})
        return
    if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(
        request.get("method"), str
    ):
        send({"jsonrpc": "2.0", "error": {"code": INVALID_REQUEST, "message": "Invalid request"},
              "id": request.get("id") if isinstance(request, dict) else None})
        return
    request_id: Any = request.get("id")
    method = request["method"]
    params = request.get("params") or []
    try:
        if not isinstance(params, list):
            raise invalid_params("Invalid params: params must be an array")
        if method in _UNSUBSCRIBE:
            sub_id = positional(params, 0, "subscription")
            if not isinstance(sub_id, int) or not hub.remove(sub_id, _UNSUBSCRIBE[method]):
                raise invalid_params("Invalid subscription id.")
            send({"jsonrpc": "2.0", "result": True, "id": request_id})
            return
        sub = _subscribe(hub, method, params, send)
    except RpcError as error:
        send({"jsonrpc": "2.0", "error": error.to_json(), "id": request_id})
        return
    except Exception:
        log.exception("internal error in %s", method)
        send({"jsonrpc": "2.0", "error": {"code": INTERNAL_ERROR, "message": "Internal error"},
              "id": request_id})
        return
    send({"jsonrpc": "2.0", "result": sub.id, "id": request_id})
    hub.catch_up(sub)


def connection_handler(hub: SubscriptionHub):
    async def handle(connection: ServerConnection) -> None:
        outbox: asyncio.Queue[dict] = asyncio.Queue()
        send: Send = outbox.put_nowait

        async def pump() -> None:
            while True:
                message = await outbox.get()
                await connection.send(orjson.dumps(message).decode())

        writer = asyncio.create_task(pump())
        try:
            async for text in connection:
                handle_message(hub, text, send)
        except ConnectionClosed:
            pass
        finally:
            hub.remove_client(send)
            writer.cancel()

    return handle
