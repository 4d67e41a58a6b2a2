"""The Solana JSON-RPC calls the chain watcher makes, over HTTP, each answer checked.

- `signatures_for_address`: `getSignaturesForAddress`, newest first, as `SignatureInfo`s
  (every field of every entry checked; the watcher pages with `until=` its cursor).
- `transaction`: `getTransaction` in jsonParsed with `maxSupportedTransactionVersion` 0,
  returned raw; only the JSON-RPC envelope is checked here, the content is judged by the
  domain's `read_transaction`.
- `slot`: `getSlot`, for readiness.

An answer is untrusted input, so every doubt is an `RpcError` subclass and never a
KeyError or TypeError:
- `RpcUnavailable`: worth asking again later (no connection, a timeout, HTTP 5xx or 429,
  a node that says it is rate limiting, unhealthy or behind); `retry_after` carries a
  Retry-After header when the node sent one.
- `RpcAnswerInvalid`: not JSON, not a JSON-RPC 2.0 response to this request, or a
  result of the wrong shape.
- `RpcRefused`: the node answered with a JSON-RPC error object (`code`, `message`);
  `UnsupportedTransactionVersion` is the one that says the transaction is of a version
  newer than the one we asked for.

There is no retry loop here: one method call is one HTTP request. The watcher backs off
on `RpcUnavailable` and asks again next cycle; retrying inside as well would multiply the
load on a node that is already refusing it and hide the outage from that back-off.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeGuard, TypeVar

import httpx
from prometheus_client import Counter, Histogram
from solders.signature import Signature

from ..domain.invoice_states import Commitment

__all__ = [
    "MAX_SIGNATURES_PER_CALL",
    "MAX_SUPPORTED_TRANSACTION_VERSION",
    "UNSUPPORTED_TRANSACTION_VERSION_CODE",
    "RpcAnswerInvalid",
    "RpcError",
    "RpcRefused",
    "RpcUnavailable",
    "SignatureInfo",
    "SolanaRpc",
    "UnsupportedTransactionVersion",
]

T = TypeVar("T")

CALLS = Counter("payments_rpc_calls_total", "Solana JSON-RPC calls made", ["method"])
# kind: unavailable, rate_limited, invalid_answer, refused, unsupported_version.
ERRORS = Counter(
    "payments_rpc_errors_total", "Solana JSON-RPC calls that failed", ["method", "kind"]
)
CALL_SECONDS = Histogram(
    "payments_rpc_call_seconds", "Time one Solana JSON-RPC call took, failures included", ["method"]
)

# A node refuses a getSignaturesForAddress limit above this (-32602).
MAX_SIGNATURES_PER_CALL = 1000
# The highest transaction version `read_transaction` decodes; a node answers a newer one
# with -32015 rather than in a shape we would misread.
MAX_SUPPORTED_TRANSACTION_VERSION = 0

UNSUPPORTED_TRANSACTION_VERSION_CODE = -32015
_UNSUPPORTED_VERSION_TEXT = re.compile(
    r"Transaction version \((\d+)\) is not supported by the requesting client"
)
# JSON-RPC errors that say "not now" rather than "no": the node is unhealthy (behind the
# cluster), has not reached the slot or block status asked about yet, cannot reach its
# long-term storage, or failed internally. Asking again later is the right answer to each.
_BUSY_CODES = frozenset({-32005, -32014, -32016, -32019, -32603})
# Hosted RPC providers rate limit in the body too (HTTP 200 with one of these codes).
_RATE_LIMITED_CODES = frozenset({429, -32429})
_COMMITMENTS = {level.value: level for level in Commitment}
# How much of an unexpected body goes into an error message (enough to recognise it).
_SNIPPET = 200


class RpcError(Exception):
    """A call produced no usable answer; the message names the JSON-RPC method and why."""

    kind: str

    def __init__(self, problem: str, *, method: str) -> None:
        super().__init__(f"{method}: {problem}")
        self.method = method
        self.problem = problem


class RpcUnavailable(RpcError):
    """The node could not answer now; ask again later, not before `retry_after` seconds
    when it said so (a Retry-After header)."""

    def __init__(
        self,
        problem: str,
        *,
        method: str,
        retry_after: float | None = None,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(problem, method=method)
        self.retry_after = retry_after
        self.rate_limited = rate_limited
        self.kind = "rate_limited" if rate_limited else "unavailable"


class RpcAnswerInvalid(RpcError):
    """The answer is not a JSON-RPC 2.0 response to the request, or not of its shape."""

    kind = "invalid_answer"


class RpcRefused(RpcError):
    """The node answered with a JSON-RPC error object; `code` and `message` are its."""

    kind = "refused"

    def __init__(self, code: int, message: str, *, method: str, data: object = None) -> None:
        super().__init__(f"the node refused with {code}: {message}", method=method)
        self.code = code
        self.message = message
        self.data = data


class UnsupportedTransactionVersion(RpcRefused):
    """The transaction is of a version newer than `MAX_SUPPORTED_TRANSACTION_VERSION`;
    `version` is the one the node named, when its message could be read."""

    kind = "unsupported_version"

    def __init__(
        self,
        code: int,
        message: str,
        *,
        method: str,
        data: object = None,
        version: int | None = None,
    ) -> None:
        super().__init__(code, message, method=method, data=data)
        self.version = version


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    """One getSignaturesForAddress entry: `err` None when the transaction succeeded."""

    signature: str
    slot: int
    err: object | None
    block_time: int | None
    confirmation: Commitment


class _BadShape(Exception):
    """A result does not have the shape its method promises; becomes RpcAnswerInvalid."""


class SolanaRpc:
    """JSON-RPC over the injected `http` client (whose lifetime the composition root
    owns) to `rpc_url`, each call bounded by `timeout` seconds from request to body.

    `calls` counts the calls made per JSON-RPC method, failed ones included, so a
    benchmark can read calls per cycle without scraping the metrics."""

    def __init__(self, *, http: httpx.AsyncClient, rpc_url: str, timeout: float = 5.0) -> None:
        self._http = http
        self._rpc_url = rpc_url
        self._timeout = timeout
        self._ids = itertools.count(1)
        self.calls: collections.Counter[str] = collections.Counter()

    async def signatures_for_address(
        self,
        address: str,
        *,
        until: str | None = None,
        before: str | None = None,
        limit: int = MAX_SIGNATURES_PER_CALL,
        commitment: str = "confirmed",
    ) -> list[SignatureInfo]:
        """Signatures of transactions that mention `address`, newest first: those older
        than `before` (when given) and newer than `until` (when given), at most `limit`."""
        if not 1 <= limit <= MAX_SIGNATURES_PER_CALL:
            raise ValueError(f"limit must be 1..{MAX_SIGNATURES_PER_CALL}, not {limit}")
        at_least = Commitment(commitment)
        config: dict[str, object] = {"commitment": at_least.value, "limit": limit}
        if until is not None:
            config["until"] = until
        if before is not None:
            config["before"] = before
        return await self._call(
            "getSignaturesForAddress",
            [address, config],
            lambda result: _signature_infos(result, limit=limit, at_least=at_least),
        )

    async def transaction(
        self, signature: str, *, commitment: str = "confirmed"
    ) -> dict[str, object] | None:
        """The raw jsonParsed getTransaction result, or None when the node does not have
        the transaction at `commitment` (not landed, not yet confirmed, or forked away)."""
        config = {
            "encoding": "jsonParsed",
            "maxSupportedTransactionVersion": MAX_SUPPORTED_TRANSACTION_VERSION,
            "commitment": Commitment(commitment).value,
        }
        return await self._call("getTransaction", [signature, config], _transaction)

    async def slot(self, commitment: str = "confirmed") -> int:
        """The node's slot at `commitment`."""
        return await self._call(
            "getSlot", [{"commitment": Commitment(commitment).value}], _slot_number
        )

    async def _call(self, method: str, params: list[object], read: Callable[[Any], T]) -> T:
        """One request: counted, timed, and every failure counted by its kind."""
        self.calls[method] += 1
        CALLS.labels(method).inc()
        started = time.perf_counter()
        try:
            result = await self._result(method, params)
            try:
                return read(result)
            except _BadShape as error:
                raise RpcAnswerInvalid(str(error), method=method) from error
        except RpcError as error:
            ERRORS.labels(method, error.kind).inc()
            raise
        finally:
            CALL_SECONDS.labels(method).observe(time.perf_counter() - started)

    async def _result(self, method: str, params: list[object]) -> Any:
        """The `result` of a JSON-RPC 2.0 response to this request, or the error it is."""
        request_id = next(self._ids)
        request = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        try:
            # httpx's timeout bounds each read; this bounds the whole exchange, so a node
            # trickling bytes cannot hold a watcher cycle either.
            async with asyncio.timeout(self._timeout):
                response = await self._http.post(self._rpc_url, json=request, timeout=self._timeout)
        except (TimeoutError, httpx.TimeoutException) as error:
            raise RpcUnavailable(f"no answer within {self._timeout}s", method=method) from error
        except httpx.HTTPError as error:
            raise RpcUnavailable(f"request failed: {error!r}", method=method) from error
        status = response.status_code
        if status == 429:
            raise RpcUnavailable(
                "rate limited (HTTP 429)",
                method=method,
                retry_after=_retry_after(response),
                rate_limited=True,
            )
        if status >= 500:
            raise RpcUnavailable(
                f"the node answered HTTP {status}",
                method=method,
                retry_after=_retry_after(response),
            )
        if status != 200:
            raise RpcAnswerInvalid(
                f"the node answered HTTP {status}: {_snippet(response.text)}", method=method
            )
        try:
            body = response.json()
        except ValueError as error:  # JSONDecodeError, or bytes that are not text
            raise RpcAnswerInvalid(
                f"the answer is not JSON: {_snippet(response.text)}", method=method
            ) from error
        return _envelope_result(body, request_id=request_id, method=method)


def _envelope_result(body: object, *, request_id: int, method: str) -> Any:
    if not isinstance(body, dict) or body.get("jsonrpc") != "2.0":
        raise RpcAnswerInvalid("the answer is not a JSON-RPC 2.0 response", method=method)
    answered_id = body.get("id")
    if not _is_int(answered_id) or answered_id != request_id:
        raise RpcAnswerInvalid(
            f"the answer is to request id {answered_id!r}, not {request_id}", method=method
        )
    # `"error": null` beside a result is out of spec but harmless; it is no error.
    if body.get("error") is not None:
        raise _refusal(body["error"], method=method)
    if "result" not in body:
        raise RpcAnswerInvalid("the answer has neither a result nor an error", method=method)
    return body["result"]


def _refusal(error: object, *, method: str) -> RpcError:
    if not isinstance(error, dict):
        return RpcAnswerInvalid(
            f"the error {error!r} is not a JSON-RPC error object", method=method
        )
    code, message, data = error.get("code"), error.get("message"), error.get("data")
    if not _is_int(code) or not isinstance(message, str):
        return RpcAnswerInvalid(
            f"the error {_snippet(repr(error))} has no integer code and text message",
            method=method,
        )
    if code in _RATE_LIMITED_CODES:
        return RpcUnavailable(f"rate limited ({code}: {message})", method=method, rate_limited=True)
    if code in _BUSY_CODES:
        return RpcUnavailable(f"the node cannot answer now ({code}: {message})", method=method)
    version_text = _UNSUPPORTED_VERSION_TEXT.search(message)
    if code == UNSUPPORTED_TRANSACTION_VERSION_CODE or version_text is not None:
        return UnsupportedTransactionVersion(
            code,
            message,
            method=method,
            data=data,
            version=int(version_text.group(1)) if version_text is not None else None,
        )
    return RpcRefused(code, message, method=method, data=data)


def _signature_infos(result: object, *, limit: int, at_least: Commitment) -> list[SignatureInfo]:
    if not isinstance(result, list):
        raise _BadShape(f"the result is {_type_name(result)}, not a list of signatures")
    if len(result) > limit:
        raise _BadShape(f"the result has {len(result)} signatures, more than the limit {limit}")
    return [_signature_info(entry, index, at_least) for index, entry in enumerate(result)]


def _signature_info(entry: object, index: int, at_least: Commitment) -> SignatureInfo:
    where = f"signature entry {index}"
    if not isinstance(entry, dict):
        raise _BadShape(f"{where} is {_type_name(entry)}, not an object")
    for name in ("signature", "slot", "err", "blockTime", "confirmationStatus"):
        if name not in entry:
            raise _BadShape(f"{where} has no {name}")
    signature = entry["signature"]
    if not isinstance(signature, str) or not _is_signature(signature):
        raise _BadShape(f"{where}: signature {_snippet(repr(signature))} is not a signature")
    slot = entry["slot"]
    if not _is_int(slot) or slot < 0:
        raise _BadShape(f"{where} ({signature}): slot {slot!r} is not a slot number")
    block_time = entry["blockTime"]
    if block_time is not None and not _is_int(block_time):
        raise _BadShape(f"{where} ({signature}): blockTime {block_time!r} is not a unix time")
    return SignatureInfo(
        signature=signature,
        slot=slot,
        err=entry["err"],
        block_time=block_time,
        confirmation=_confirmation(entry["confirmationStatus"], at_least, f"{where} ({signature})"),
    )


def _confirmation(status: object, at_least: Commitment, where: str) -> Commitment:
    level = _COMMITMENTS.get(status) if isinstance(status, str) else None
    if level is None:
        raise _BadShape(f"{where}: confirmationStatus {_snippet(repr(status))} is unknown")
    # Asked at confirmed or finalized, a node lists nothing weaker; a weaker status is a
    # lie the watcher must not act on.
    if level.rank < at_least.rank:
        raise _BadShape(
            f"{where}: confirmationStatus {level.value!r} in an answer at {at_least.value}"
        )
    return level


def _transaction(result: object) -> dict[str, object] | None:
    if result is not None and not isinstance(result, dict):
        raise _BadShape(f"the result is {_type_name(result)}, neither a transaction nor null")
    return result


def _slot_number(result: object) -> int:
    if not _is_int(result) or result < 0:
        raise _BadShape(f"the result {_snippet(repr(result))} is not a slot number")
    return result


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delay-seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass  # not a number: maybe an HTTP date
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": the date is in UTC, its source unknown
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass; JSON true is no number.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_signature(text: str) -> bool:
    try:
        Signature.from_string(text)
    except ValueError:
        return False
    return True


def _type_name(value: object) -> str:
    return "null" if value is None else f"a {type(value).__name__}"


def _snippet(text: str) -> str:
    return text if len(text) <= _SNIPPET else f"{text[:_SNIPPET]}…"
