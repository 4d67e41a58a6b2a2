"""The Pyth on-chain rate source over real HTTP: against the localnet holding a
PriceUpdateV2 account in the published layout (written into its ledger), and against a
fake JSON-RPC server answering as Solana does, including null accounts, RPC errors, 429,
HTTP failures and a node too slow to answer. Every failure is a RateSourceError, which
`fetch_sol_quote` turns into `source_failed`; nothing here mocks httpx."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from solders.account import Account
from solders.pubkey import Pubkey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from walletreports.devkit.processes import free_port
from walletreports.devkit.testing.serving import serving
from walletreports.kit import MovableClock
from walletreports.localnet.testing import Localnet, running_localnet
from walletreports.payments.adapters.rate_sources import (
    PythOnchainSource,
    RateSourceError,
    fetch_sol_quote,
)
from walletreports.payments.adapters.rate_sources.pyth_onchain import (
    PYTH_RECEIVER_PROGRAM,
    SOL_USD_FEED_ID,
    SOL_USD_SPONSORED_ACCOUNT,
)
from walletreports.payments.domain.invoice import SolQuote
from walletreports.payments.domain.quote_policy import (
    QuotePolicy,
    QuoteUsable,
    QuoteWithdrawn,
    WithdrawReason,
)

PUBLISHED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POLICY = QuotePolicy(max_age=timedelta(seconds=60), max_confidence_ratio=Decimal("0.01"))


def price_account(
    *,
    price: int = 14_512_345_678,
    conf: int = 7_654_321,
    feed: bytes = SOL_USD_FEED_ID,
    partial: bool = False,
    discriminator: bytes | None = None,
    exponent: int = -8,
) -> bytes:
    """PriceUpdateV2 data published at PUBLISHED, 134 bytes as allocated."""
    disc = discriminator or hashlib.sha256(b"account:PriceUpdateV2").digest()[:8]
    level = struct.pack("<BB", 0, 3) if partial else struct.pack("<B", 1)
    when = int(PUBLISHED.timestamp())
    message = struct.pack("<32sqQiqqqQ", feed, price, conf, exponent, when, when - 1, price, conf)
    return (disc + bytes(32) + level + message + struct.pack("<Q", 7)).ljust(134, b"\0")


# --- against the localnet ---------------------------------------------------------------


@pytest.fixture(scope="module")
async def net() -> AsyncIterator[Localnet]:
    async with running_localnet() as running:
        yield running


async def put_account(net: Localnet, address: str, data: bytes, owner: str) -> None:
    account = Account(10**7, data, Pubkey.from_string(owner))
    await net.call(lambda chain: chain.svm.set_account(Pubkey.from_string(address), account))


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_reads_the_sol_usd_price_account_from_the_localnet(net, http):
    await put_account(net, SOL_USD_SPONSORED_ACCOUNT, price_account(), PYTH_RECEIVER_PROGRAM)
    source = PythOnchainSource(http=http, rpc_url=net.rpc_url)
    quote = await source.quote()
    assert quote.usd_per_sol == Decimal("145.12345678")
    assert quote.confidence == Decimal("0.07654321")
    assert quote.published_at == PUBLISHED and quote.source == "pyth_onchain"

    clock = MovableClock(PUBLISHED + timedelta(seconds=3))
    decision = await fetch_sol_quote(source, policy=POLICY, clock=clock)
    assert decision == QuoteUsable(
        SolQuote(Decimal("145.12345678"), Decimal("0.07654321"), "pyth_onchain", PUBLISHED)
    )
    clock.advance(timedelta(minutes=5))
    stale = await fetch_sol_quote(source, policy=POLICY, clock=clock)
    assert isinstance(stale, QuoteWithdrawn) and stale.reason is WithdrawReason.STALE


@pytest.mark.parametrize(
    ("data", "owner", "why"),
    [
        (price_account(), "11111111111111111111111111111111", "owned by"),
        (price_account(feed=bytes(32)), PYTH_RECEIVER_PROGRAM, "holds feed"),
        (price_account(partial=True), PYTH_RECEIVER_PROGRAM, "partially verified"),
        (price_account()[:133], PYTH_RECEIVER_PROGRAM, "134 bytes"),
        (price_account(discriminator=bytes(8)), PYTH_RECEIVER_PROGRAM, "discriminator"),
    ],
    ids=["wrong-owner", "wrong-feed", "partial", "wrong-size", "wrong-discriminator"],
)
async def test_refuses_a_localnet_account_that_is_not_a_verified_sol_usd_update(
    net, http, data, owner, why
):
    address = str(Pubkey.new_unique())
    await put_account(net, address, data, owner)
    source = PythOnchainSource(http=http, rpc_url=net.rpc_url, account=address)
    with pytest.raises(RateSourceError, match=why):
        await source.quote()


async def test_refuses_a_missing_localnet_account(net, http):
    source = PythOnchainSource(http=http, rpc_url=net.rpc_url, account=str(Pubkey.new_unique()))
    with pytest.raises(RateSourceError, match="does not exist"):
        await source.quote()
    decision = await fetch_sol_quote(source, policy=POLICY, clock=MovableClock(PUBLISHED))
    assert isinstance(decision, QuoteWithdrawn)
    assert decision.reason is WithdrawReason.SOURCE_FAILED


# --- against a fake JSON-RPC node ---------------------------------------------------------


def solana_account(data: bytes, owner: str = PYTH_RECEIVER_PROGRAM) -> dict[str, Any]:
    return {
        "data": [base64.b64encode(data).decode(), "base64"],
        "executable": False,
        "lamports": 2_853_600,
        "owner": owner,
        "rentEpoch": 18_446_744_073_709_551_615,
        "space": len(data),
    }


def ok(value: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "result": {"context": {"slot": 1}, "value": value}, "id": 1}


@dataclass
class FakeNode:
    """Answers every POST with `answer(request_body)`; records what it was asked."""

    answer: Callable[[dict[str, Any]], Response] = lambda _: JSONResponse(ok(None))
    requests: list[dict[str, Any]] = field(default_factory=list)
    # While set, the node holds every request until the test ends (a node too slow).
    slow: bool = False
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def endpoint(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        if self.slow:
            await self.release.wait()
        return self.answer(body)


@pytest.fixture
async def node() -> AsyncIterator[tuple[FakeNode, str]]:
    fake = FakeNode()
    app = Starlette(routes=[Route("/", fake.endpoint, methods=["POST"])])
    async with serving(app) as url:  # a Starlette app serves as well as FastAPI
        try:
            yield fake, url
        finally:
            fake.release.set()


async def test_asks_for_the_account_as_solana_rpc_expects_and_decodes_the_answer(node, http):
    fake, url = node
    fake.answer = lambda _: JSONResponse(ok(solana_account(price_account())))
    quote = await PythOnchainSource(http=http, rpc_url=url).quote()
    assert quote.usd_per_sol == Decimal("145.12345678")
    assert fake.requests == [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "getAccountInfo",
            "params": [
                SOL_USD_SPONSORED_ACCOUNT,
                {"encoding": "base64", "commitment": "confirmed"},
            ],
        }
    ]


def rpc_error(code: int, message: str) -> Callable[[dict[str, Any]], Response]:
    body = {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": 1}
    return lambda _: JSONResponse(body)


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (lambda _: JSONResponse(ok(None)), "does not exist"),
        (rpc_error(-32005, "Node is behind by 42 slots"), "RPC error: -32005 Node is behind"),
        (rpc_error(-32602, "Invalid param: WrongSize"), "-32602"),
        (lambda _: PlainTextResponse("Too many requests", status_code=429), "429"),
        (lambda _: PlainTextResponse("bad gateway", status_code=502), "HTTP 502"),
        (lambda _: PlainTextResponse("<html>oops</html>"), "not JSON"),
        (lambda _: JSONResponse([1, 2]), "not an object"),
        (lambda _: JSONResponse({"jsonrpc": "2.0", "result": {}, "id": 1}), "no result.value"),
        (lambda _: JSONResponse(ok("an account")), "not an account"),
        (
            lambda _: JSONResponse(ok({**solana_account(price_account()), "data": "AAAA"})),
            "base64",
        ),
        (
            lambda _: JSONResponse(ok({**solana_account(b""), "data": ["!!notb64", "base64"]})),
            "not valid base64",
        ),
        (
            lambda _: JSONResponse(ok({**solana_account(b""), "data": [None, "base64"]})),
            "base64 string",
        ),
        (lambda _: JSONResponse(ok(solana_account(price_account(price=1)[:100]))), "134 bytes"),
        (lambda _: JSONResponse(ok(solana_account(price_account(exponent=2**30)))), "exponent"),
    ],
    ids=[
        "null-account",
        "node-behind",
        "invalid-params",
        "429",
        "502",
        "not-json",
        "not-object",
        "no-value",
        "value-not-account",
        "data-not-pair",
        "bad-base64",
        "data-not-string",
        "short-data",
        "absurd-exponent",
    ],
)
async def test_every_failure_of_the_node_is_a_source_error(node, http, answer, why):
    fake, url = node
    fake.answer = answer
    source = PythOnchainSource(http=http, rpc_url=url)
    with pytest.raises(RateSourceError, match=why):
        await source.quote()
    decision = await fetch_sol_quote(source, policy=POLICY, clock=MovableClock(PUBLISHED))
    assert isinstance(decision, QuoteWithdrawn)
    assert decision.reason is WithdrawReason.SOURCE_FAILED


async def test_a_node_too_slow_to_answer_times_out(node, http):
    fake, url = node
    fake.slow = True
    source = PythOnchainSource(http=http, rpc_url=url, timeout=0.2)
    started = asyncio.get_running_loop().time()
    with pytest.raises(RateSourceError, match="timed out"):
        await source.quote()
    assert asyncio.get_running_loop().time() - started < 2


async def test_a_node_that_is_not_listening_is_a_source_error(http):
    source = PythOnchainSource(http=http, rpc_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(RateSourceError, match="request failed"):
        await source.quote()


async def test_quote_values_beyond_a_sane_price_reach_the_policy_not_a_crash(node, http):
    fake, url = node
    fake.answer = lambda _: JSONResponse(ok(solana_account(price_account(price=-5))))
    decision = await fetch_sol_quote(
        PythOnchainSource(http=http, rpc_url=url), policy=POLICY, clock=MovableClock(PUBLISHED)
    )
    assert isinstance(decision, QuoteWithdrawn)
    assert decision.reason is WithdrawReason.NON_POSITIVE
    fake.answer = lambda _: JSONResponse(ok(solana_account(price_account(conf=10**9))))
    decision = await fetch_sol_quote(
        PythOnchainSource(http=http, rpc_url=url), policy=POLICY, clock=MovableClock(PUBLISHED)
    )
    assert isinstance(decision, QuoteWithdrawn)
    assert decision.reason is WithdrawReason.TOO_UNCERTAIN
