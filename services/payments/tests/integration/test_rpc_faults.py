"""`SolanaRpc` against a fake JSON-RPC node over real HTTP, answering as a node (or the
provider in front of it) does when things go wrong: 429 with Retry-After, 5xx, no answer
in time, bodies that are not JSON or not JSON-RPC, JSON-RPC error objects (the -32015
unsupported transaction version among them) and results of the wrong shape.

Each is one exception class with a message naming the method and the problem, and each
moves the metrics and the client's own `calls`. Nothing here mocks httpx; the real node
is covered by test_solana_rpc.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from solders.keypair import Keypair
from solders.signature import Signature
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from walletreports.devkit.processes import free_port
from walletreports.devkit.testing.serving import serving
from walletreports.payments.adapters.solana_rpc import (
    RpcAnswerInvalid,
    RpcError,
    RpcRefused,
    RpcUnavailable,
    SignatureInfo,
    SolanaRpc,
    UnsupportedTransactionVersion,
)
from walletreports.payments.domain import Commitment

Answer = Callable[[dict[str, Any]], Response]

ADDRESS = str(Keypair().pubkey())
SIGNATURE = str(Signature.new_unique())
UNSUPPORTED_VERSION_MESSAGE = (
    "Transaction version (1) is not supported by the requesting client. Please try the "
    'request again with the following configuration parameter: "maxSupportedTransactionVersion": 0'
)


@dataclass
class FakeNode:
    """Answers every POST with `answer(request)`; records the requests. While `hang` is
    set, it holds each request until the test ends (a node too slow to answer)."""

    answer: Answer = field(default_factory=lambda: result([]))
    requests: list[dict[str, Any]] = field(default_factory=list)
    hang: bool = False
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def endpoint(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        if self.hang:
            await self.release.wait()
        return self.answer(body)


def result(value: object) -> Answer:
    return lambda request: JSONResponse({"jsonrpc": "2.0", "result": value, "id": request["id"]})


def rpc_error(code: int, message: str) -> Answer:
    return lambda request: JSONResponse(
        {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": request["id"]}
    )


def body(content: object) -> Answer:
    return lambda _: JSONResponse(content)


def http_status(status: int, text: str = "", headers: dict[str, str] | None = None) -> Answer:
    return lambda _: PlainTextResponse(text, status_code=status, headers=headers)


def entry(**fields: object) -> dict[str, object]:
    """A getSignaturesForAddress entry as a node writes it, with `fields` replaced
    (a value of `...` removes the field)."""
    good: dict[str, object] = {
        "signature": SIGNATURE,
        "slot": 311_000_123,
        "err": None,
        "memo": None,
        "blockTime": 1_735_000_000,
        "confirmationStatus": "confirmed",
    }
    good.update(fields)
    return {name: value for name, value in good.items() if value is not ...}


@pytest.fixture(scope="module")
async def served_node() -> AsyncIterator[tuple[FakeNode, str]]:
    """One server for the module (starting uvicorn per test would dominate the run)."""
    fake = FakeNode()
    app = Starlette(routes=[Route("/", fake.endpoint, methods=["POST"])])
    async with serving(app) as url:  # a Starlette app serves as well as FastAPI
        yield fake, url


@pytest.fixture
async def node(served_node: tuple[FakeNode, str]) -> AsyncIterator[tuple[FakeNode, str]]:
    """The module's node, answering `[]` to everything until the test says otherwise."""
    fake, url = served_node
    fake.answer, fake.hang, fake.release = result([]), False, asyncio.Event()
    fake.requests.clear()
    try:
        yield fake, url
    finally:
        fake.release.set()  # lets a held request end before the server stops


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


SIGNATURES, TRANSACTION, SLOT = "getSignaturesForAddress", "getTransaction", "getSlot"
# One call of each JSON-RPC method, as the watcher makes it.
CALLS: dict[str, Callable[[SolanaRpc], Awaitable[object]]] = {
    SIGNATURES: lambda rpc: rpc.signatures_for_address(ADDRESS),
    TRANSACTION: lambda rpc: rpc.transaction(SIGNATURE),
    SLOT: lambda rpc: rpc.slot(),
}


# --- what a good answer looks like, and what is asked --------------------------------


async def test_asks_as_a_solana_node_expects_and_reads_good_answers(
    node: tuple[FakeNode, str], http: httpx.AsyncClient
) -> None:
    fake, url = node
    rpc = SolanaRpc(http=http, rpc_url=url)
    fake.answer = result([entry(), entry(blockTime=None, err={"InstructionError": [0, "X"]})])
    infos = await rpc.signatures_for_address(ADDRESS, until=SIGNATURE, limit=10)
    assert infos == [
        SignatureInfo(SIGNATURE, 311_000_123, None, 1_735_000_000, Commitment.CONFIRMED),
        SignatureInfo(
            SIGNATURE, 311_000_123, {"InstructionError": [0, "X"]}, None, Commitment.CONFIRMED
        ),
    ]
    fake.answer = result([entry(confirmationStatus="finalized")])
    [info] = await rpc.signatures_for_address(ADDRESS, before=SIGNATURE, commitment="finalized")
    assert info.confirmation is Commitment.FINALIZED
    fake.answer = result({"slot": 5, "meta": {}, "transaction": {}})
    assert await rpc.transaction(SIGNATURE) == {"slot": 5, "meta": {}, "transaction": {}}
    fake.answer = result(None)
    assert await rpc.transaction(SIGNATURE) is None
    fake.answer = result(311_000_200)
    assert await rpc.slot() == 311_000_200

    jsonparsed_v0 = {
        "encoding": "jsonParsed",
        "maxSupportedTransactionVersion": 0,
        "commitment": "confirmed",
    }
    assert [(r["method"], r["params"]) for r in fake.requests] == [
        (
            "getSignaturesForAddress",
            [ADDRESS, {"commitment": "confirmed", "limit": 10, "until": SIGNATURE}],
        ),
        (
            "getSignaturesForAddress",
            [ADDRESS, {"commitment": "finalized", "limit": 1000, "before": SIGNATURE}],
        ),
        ("getTransaction", [SIGNATURE, jsonparsed_v0]),
        ("getTransaction", [SIGNATURE, jsonparsed_v0]),
        ("getSlot", [{"commitment": "confirmed"}]),
    ]
    assert all(r["jsonrpc"] == "2.0" for r in fake.requests)
    assert len({r["id"] for r in fake.requests}) == len(fake.requests)  # one id per request
    assert rpc.calls == {"getSignaturesForAddress": 2, "getTransaction": 2, "getSlot": 1}


async def test_a_limit_no_node_accepts_is_refused_before_asking(http: httpx.AsyncClient) -> None:
    rpc = SolanaRpc(http=http, rpc_url=f"http://127.0.0.1:{free_port()}")
    for limit in (0, 1001):
        with pytest.raises(ValueError, match="limit"):
            await rpc.signatures_for_address(ADDRESS, limit=limit)
    assert rpc.calls == {}


# --- every failure, its class, its message, its metrics ------------------------------

FAULTS: list[tuple[str, Answer, str, type[RpcError], str, str]] = [
    # id, answer, method called, exception class, message pattern, metric kind
    (
        "http-503",
        http_status(503, "Service Unavailable"),
        SIGNATURES,
        RpcUnavailable,
        "getSignaturesForAddress: the node answered HTTP 503",
        "unavailable",
    ),
    (
        "http-502",
        http_status(502, "<html>Bad Gateway</html>"),
        TRANSACTION,
        RpcUnavailable,
        "getTransaction: the node answered HTTP 502",
        "unavailable",
    ),
    (
        "http-429",
        http_status(429, "Too Many Requests"),
        SIGNATURES,
        RpcUnavailable,
        r"rate limited \(HTTP 429\)",
        "rate_limited",
    ),
    (
        "http-403",
        http_status(403, "invalid api key"),
        SLOT,
        RpcAnswerInvalid,
        "getSlot: the node answered HTTP 403: invalid api key",
        "invalid_answer",
    ),
    (
        "not-json",
        http_status(200, "<html>maintenance</html>"),
        SIGNATURES,
        RpcAnswerInvalid,
        "getSignaturesForAddress: the answer is not JSON: <html>maintenance",
        "invalid_answer",
    ),
    (
        "not-an-object",
        body([1, 2]),
        SIGNATURES,
        RpcAnswerInvalid,
        "not a JSON-RPC 2.0 response",
        "invalid_answer",
    ),
    (
        "no-jsonrpc-version",
        lambda request: JSONResponse({"result": [], "id": request["id"]}),
        SIGNATURES,
        RpcAnswerInvalid,
        "not a JSON-RPC 2.0 response",
        "invalid_answer",
    ),
    (
        "other-request-id",
        body({"jsonrpc": "2.0", "result": [], "id": 999_999}),
        SIGNATURES,
        RpcAnswerInvalid,
        "to request id 999999, not",
        "invalid_answer",
    ),
    (
        "neither-result-nor-error",
        lambda request: JSONResponse({"jsonrpc": "2.0", "id": request["id"]}),
        TRANSACTION,
        RpcAnswerInvalid,
        "neither a result nor an error",
        "invalid_answer",
    ),
    (
        "error-not-an-object",
        lambda request: JSONResponse({"jsonrpc": "2.0", "error": "busy", "id": request["id"]}),
        TRANSACTION,
        RpcAnswerInvalid,
        "not a JSON-RPC error object",
        "invalid_answer",
    ),
    (
        "error-without-code",
        lambda request: JSONResponse(
            {"jsonrpc": "2.0", "error": {"message": "oops"}, "id": request["id"]}
        ),
        TRANSACTION,
        RpcAnswerInvalid,
        "no integer code",
        "invalid_answer",
    ),
    (
        "invalid-params",
        rpc_error(-32602, "Invalid param: WrongSize"),
        TRANSACTION,
        RpcRefused,
        "getTransaction: the node refused with -32602: Invalid param: WrongSize",
        "refused",
    ),
    (
        "unsupported-version",
        rpc_error(-32015, UNSUPPORTED_VERSION_MESSAGE),
        TRANSACTION,
        UnsupportedTransactionVersion,
        r"getTransaction: the node refused with -32015: Transaction version \(1\)",
        "unsupported_version",
    ),
    (
        "unsupported-version-other-code",
        rpc_error(-32000, UNSUPPORTED_VERSION_MESSAGE),
        TRANSACTION,
        UnsupportedTransactionVersion,
        r"-32000: Transaction version \(1\) is not supported",
        "unsupported_version",
    ),
    (
        "node-behind",
        rpc_error(-32005, "Node is behind by 42 slots"),
        SIGNATURES,
        RpcUnavailable,
        r"cannot answer now \(-32005: Node is behind by 42 slots\)",
        "unavailable",
    ),
    (
        "min-context-slot",
        rpc_error(-32016, "Minimum context slot has not been reached"),
        SLOT,
        RpcUnavailable,
        "getSlot: the node cannot answer now",
        "unavailable",
    ),
    (
        "rate-limited-in-body",
        rpc_error(-32429, "rate limit exceeded"),
        SIGNATURES,
        RpcUnavailable,
        r"rate limited \(-32429: rate limit exceeded\)",
        "rate_limited",
    ),
    (
        "signatures-not-a-list",
        result({"value": []}),
        SIGNATURES,
        RpcAnswerInvalid,
        "getSignaturesForAddress: the result is a dict, not a list of signatures",
        "invalid_answer",
    ),
    (
        "entry-not-an-object",
        result([entry(), "5h6x…"]),
        SIGNATURES,
        RpcAnswerInvalid,
        "signature entry 1 is a str, not an object",
        "invalid_answer",
    ),
    (
        "signature-missing",
        result([entry(signature=...)]),
        SIGNATURES,
        RpcAnswerInvalid,
        "signature entry 0 has no signature",
        "invalid_answer",
    ),
    (
        "signature-not-base58",
        result([entry(signature="not-a-signature")]),
        SIGNATURES,
        RpcAnswerInvalid,
        "signature 'not-a-signature' is not a signature",
        "invalid_answer",
    ),
    (
        "slot-a-string",
        result([entry(slot="311000123")]),
        SIGNATURES,
        RpcAnswerInvalid,
        "slot '311000123' is not a slot number",
        "invalid_answer",
    ),
    (
        "slot-negative",
        result([entry(slot=-1)]),
        SIGNATURES,
        RpcAnswerInvalid,
        "slot -1 is not a slot number",
        "invalid_answer",
    ),
    (
        "slot-a-bool",
        result([entry(slot=True)]),
        SIGNATURES,
        RpcAnswerInvalid,
        "slot True is not a slot number",
        "invalid_answer",
    ),
    (
        "err-missing",
        result([entry(err=...)]),
        SIGNATURES,
        RpcAnswerInvalid,
        "signature entry 0 has no err",
        "invalid_answer",
    ),
    (
        "block-time-a-float",
        result([entry(blockTime=1.5)]),
        SIGNATURES,
        RpcAnswerInvalid,
        "blockTime 1.5 is not a unix time",
        "invalid_answer",
    ),
    (
        "confirmation-unknown",
        result([entry(), entry(confirmationStatus="rooted")]),
        SIGNATURES,
        RpcAnswerInvalid,
        "signature entry 1 .*confirmationStatus 'rooted' is unknown",
        "invalid_answer",
    ),
    (
        "confirmation-missing",
        result([entry(confirmationStatus=...)]),
        SIGNATURES,
        RpcAnswerInvalid,
        "has no confirmationStatus",
        "invalid_answer",
    ),
    (
        "confirmation-processed",
        result([entry(confirmationStatus="processed")]),
        SIGNATURES,
        RpcAnswerInvalid,
        "confirmationStatus 'processed' in an answer at confirmed",
        "invalid_answer",
    ),
    (
        "transaction-not-an-object",
        result("AQAB…"),
        TRANSACTION,
        RpcAnswerInvalid,
        "getTransaction: the result is a str, neither a transaction nor null",
        "invalid_answer",
    ),
    (
        "slot-result-a-string",
        result("311000200"),
        SLOT,
        RpcAnswerInvalid,
        "getSlot: the result '311000200' is not a slot number",
        "invalid_answer",
    ),
]


@pytest.mark.parametrize(
    ("answer", "method", "error_class", "message", "kind"),
    [fault[1:] for fault in FAULTS],
    ids=[fault[0] for fault in FAULTS],
)
async def test_each_failure_is_its_error_class_and_is_counted(
    node: tuple[FakeNode, str],
    http: httpx.AsyncClient,
    answer: Answer,
    method: str,
    error_class: type[RpcError],
    message: str,
    kind: str,
) -> None:
    fake, url = node
    fake.answer = answer
    rpc = SolanaRpc(http=http, rpc_url=url)
    calls = sample("payments_rpc_calls_total", method=method)
    errors = sample("payments_rpc_errors_total", method=method, kind=kind)
    timed = sample("payments_rpc_call_seconds_count", method=method)

    with pytest.raises(error_class, match=message) as raised:
        await CALLS[method](rpc)

    assert type(raised.value) is error_class  # not merely a subclass of it
    assert raised.value.method == method and raised.value.kind == kind
    assert rpc.calls == {method: 1}
    assert sample("payments_rpc_calls_total", method=method) == calls + 1
    assert sample("payments_rpc_errors_total", method=method, kind=kind) == errors + 1
    assert sample("payments_rpc_call_seconds_count", method=method) == timed + 1


# --- what the watcher reads off an error ----------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_in_seconds_is_carried(
    node: tuple[FakeNode, str], http: httpx.AsyncClient, status: int
) -> None:
    fake, url = node
    fake.answer = http_status(status, "slow down", {"Retry-After": "7"})
    with pytest.raises(RpcUnavailable) as raised:
        await SolanaRpc(http=http, rpc_url=url).signatures_for_address(ADDRESS)
    assert raised.value.retry_after == 7.0
    assert raised.value.rate_limited is (status == 429)


async def test_retry_after_as_an_http_date_is_carried_in_seconds(
    node: tuple[FakeNode, str], http: httpx.AsyncClient
) -> None:
    fake, url = node
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    fake.answer = http_status(429, "slow down", {"Retry-After": when})
    with pytest.raises(RpcUnavailable) as raised:
        await SolanaRpc(http=http, rpc_url=url).slot()
    assert raised.value.retry_after is not None
    assert 100 < raised.value.retry_after <= 120


@pytest.mark.parametrize("header", [None, "soon", "-5", "nan"], ids=str)
async def test_a_missing_or_unreadable_retry_after_is_none(
    node: tuple[FakeNode, str], http: httpx.AsyncClient, header: str | None
) -> None:
    fake, url = node
    fake.answer = http_status(429, "slow down", None if header is None else {"Retry-After": header})
    with pytest.raises(RpcUnavailable) as raised:
        await SolanaRpc(http=http, rpc_url=url).slot()
    assert raised.value.retry_after is None and raised.value.rate_limited


async def test_the_refusal_carries_the_nodes_code_and_message(
    node: tuple[FakeNode, str], http: httpx.AsyncClient
) -> None:
    fake, url = node
    fake.answer = rpc_error(-32602, "Invalid param: WrongSize")
    with pytest.raises(RpcRefused) as refused:
        await SolanaRpc(http=http, rpc_url=url).transaction(SIGNATURE)
    assert (refused.value.code, refused.value.message) == (-32602, "Invalid param: WrongSize")


@pytest.mark.parametrize(
    ("code", "message", "version"),
    [
        (-32015, UNSUPPORTED_VERSION_MESSAGE, 1),
        (-32000, UNSUPPORTED_VERSION_MESSAGE.replace("(1)", "(2)"), 2),
        (-32015, "Transaction version is not supported", None),
    ],
    ids=["node", "message-only", "code-only"],
)
async def test_an_unsupported_version_names_the_version_when_it_can(
    node: tuple[FakeNode, str],
    http: httpx.AsyncClient,
    code: int,
    message: str,
    version: int | None,
) -> None:
    fake, url = node
    fake.answer = rpc_error(code, message)
    with pytest.raises(UnsupportedTransactionVersion) as raised:
        await SolanaRpc(http=http, rpc_url=url).transaction(SIGNATURE)
    assert isinstance(raised.value, RpcRefused)  # a refusal like any other, if not handled
    assert (raised.value.code, raised.value.version) == (code, version)


async def test_an_entry_weaker_than_the_commitment_asked_is_invalid(
    node: tuple[FakeNode, str], http: httpx.AsyncClient
) -> None:
    fake, url = node
    fake.answer = result([entry(confirmationStatus="finalized"), entry()])
    rpc = SolanaRpc(http=http, rpc_url=url)
    with pytest.raises(RpcAnswerInvalid, match=r"entry 1 .*'confirmed' in an answer at finalized"):
        await rpc.signatures_for_address(ADDRESS, commitment="finalized")


async def test_more_entries_than_the_limit_is_invalid(
    node: tuple[FakeNode, str], http: httpx.AsyncClient
) -> None:
    fake, url = node
    fake.answer = result([entry(), entry(), entry()])
    with pytest.raises(RpcAnswerInvalid, match="3 signatures, more than the limit 2"):
        await SolanaRpc(http=http, rpc_url=url).signatures_for_address(ADDRESS, limit=2)


# --- no answer at all -------------------------------------------------------------------


async def test_a_node_too_slow_to_answer_is_unavailable_after_the_timeout(
    node: tuple[FakeNode, str], http: httpx.AsyncClient
) -> None:
    fake, url = node
    fake.hang = True
    rpc = SolanaRpc(http=http, rpc_url=url, timeout=0.2)
    errors = sample("payments_rpc_errors_total", method=TRANSACTION, kind="unavailable")
    started = asyncio.get_running_loop().time()
    with pytest.raises(RpcUnavailable, match=r"getTransaction: no answer within 0\.2s"):
        await rpc.transaction(SIGNATURE)
    assert asyncio.get_running_loop().time() - started < 5  # bounded, not hung
    assert sample("payments_rpc_errors_total", method=TRANSACTION, kind="unavailable") == (
        errors + 1
    )
    assert rpc.calls == {TRANSACTION: 1}


async def test_a_node_that_is_not_listening_is_unavailable(http: httpx.AsyncClient) -> None:
    rpc = SolanaRpc(http=http, rpc_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(RpcUnavailable, match="getSlot: request failed: ConnectError") as raised:
        await rpc.slot()
    assert raised.value.retry_after is None and not raised.value.rate_limited
    assert rpc.calls == {SLOT: 1}
