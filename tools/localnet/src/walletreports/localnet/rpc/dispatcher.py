"""JSON-RPC 2.0 over the method table: parsing, batches, and error objects.

Bad input of any kind becomes a standard error response; only a bug in a handler becomes
-32603, and even that is reported, not raised, so the server never drops a connection.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from ..chain import Chain
from ..rpc_errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RpcError,
)
from . import account_methods, cluster_methods, localnet_methods, transaction_methods  # noqa: F401
from .registry import METHODS

log = logging.getLogger(__name__)


def _error(request_id: Any, error: RpcError) -> dict:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


def _valid_id(request: dict) -> Any:
    request_id = request.get("id")
    return request_id if isinstance(request_id, (str, int, type(None))) and not isinstance(
        request_id, bool) else None


def handle_request(chain: Chain, request: Any) -> dict | None:
    """One request object in, one response object out (None for a notification)."""
    if not isinstance(request, dict):
        return _error(None, RpcError(INVALID_REQUEST, "Invalid request"))
    request_id = _valid_id(request)
    method = request.get("method")
    if request.get("jsonrpc") != "2.0" or not isinstance(method, str):
        return _error(request_id, RpcError(INVALID_REQUEST, "Invalid request"))
    params = request.get("params", [])
    if params is None:
        params = []
    is_notification = "id" not in request
    handler = METHODS.get(method)
    try:
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, "Method not found")
        if not isinstance(params, list):
            raise RpcError(-32602, "Invalid params: params must be an array")
        result = handler(chain, params)
    except RpcError as error:
        return None if is_notification else _error(request_id, error)
    except Exception:
        log.exception("internal error in %s", method)
        return None if is_notification else _error(
            request_id, RpcError(INTERNAL_ERROR, "Internal error"))
    if is_notification:
        return None
    return {"jsonrpc": "2.0", "result": result, "id": request_id}


def handle_payload(chain: Chain, body: bytes) -> bytes | None:
    """A raw HTTP body in, the response body out (None when there is nothing to send)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return orjson.dumps(_error(None, RpcError(PARSE_ERROR, "Parse error")))
    if isinstance(payload, list):
        if not payload:
            return orjson.dumps(_error(None, RpcError(INVALID_REQUEST, "Invalid request")))
        responses = [r for r in (handle_request(chain, item) for item in payload) if r]
        return orjson.dumps(responses) if responses else None
    response = handle_request(chain, payload)
    return orjson.dumps(response) if response is not None else None
