"""The watcher's cycle on fakes: what it asks the chain, in which order, and where its
cursors go. Transactions here match no invoice (they are rejected candidates): the
cycle's bookkeeping is what is under test; verifying is tested on the localnet."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from walletreports.kit import MovableClock
from walletreports.payments.domain import Commitment, Currency, ReceivingAccount
from walletreports.payments.service_layer.watching import ChainWatcher

C, F = Commitment.CONFIRMED, Commitment.FINALIZED
ACCOUNT = ReceivingAccount("Acct1111111111111111111111111111111111111111", Currency.USDC)
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Listed:
    signature: str
    slot: int
    confirmation: Commitment
    block_time: int | None = None


class Unsupported(Exception):
    pass


class FakeChain:
    """One account's history, newest first, answered as a node pages it."""

    def __init__(self) -> None:
        self.history: list[Listed] = []
        self.calls: list[tuple[str, Any]] = []
        self.missing: set[str] = set()  # listed, but getTransaction answers null
        self.unsupported: set[str] = set()

    def land(self, signature: str, slot: int, commitment: Commitment = C, **kw: Any) -> None:
        self.history.insert(0, Listed(signature, slot, commitment, **kw))

    def finalize(self, *signatures: str) -> None:
        self.history = [
            Listed(h.signature, h.slot, F, h.block_time) if h.signature in signatures else h
            for h in self.history
        ]

    def fork_away(self, signature: str) -> None:
        self.history = [h for h in self.history if h.signature != signature]

    async def signatures_for_address(
        self,
        address: str,
        *,
        until: str | None = None,
        before: str | None = None,
        limit: int = 1000,
        commitment: str = "confirmed",
    ) -> Sequence[Listed]:
        self.calls.append(("list", (until, before, limit)))
        names = [h.signature for h in self.history]
        start = names.index(before) + 1 if before in names else 0
        end = names.index(until) if until in names else len(names)
        return self.history[start:end][:limit]

    async def transaction(self, signature: str, *, commitment: str = "confirmed") -> Any:
        self.calls.append(("get", signature))
        if signature in self.unsupported:
            raise Unsupported(f"Transaction version (1) is not supported: {signature}")
        if signature in self.missing:
            return None
        return {"slot": 1}  # unreadable as a payment: a rejected candidate

    def fetched(self) -> list[str]:
        return [arg for kind, arg in self.calls if kind == "get"]


@dataclass
class Watched:
    signature: str
    slot: int
    commitment: Commitment
    outcome: str


@dataclass
class Cursor:
    account: str
    until_signature: str | None = None
    until_slot: int | None = None


@dataclass
class Store:
    cursors: dict[str, Cursor] = field(default_factory=dict)
    watched: dict[str, dict[str, Watched]] = field(default_factory=dict)
    rejections: list[dict[str, Any]] = field(default_factory=list)


class FakeWatch:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def cursor(self, account: str) -> Cursor | None:
        return self.store.cursors.get(account)

    async def start(self, account: str, *, now: datetime) -> None:
        self.store.cursors.setdefault(account, Cursor(account))

    async def advance(self, account: str, *, signature: str, slot: int, now: datetime) -> None:
        self.store.cursors[account] = Cursor(account, signature, slot)
        rows = self.store.watched.get(account, {})
        for name in [s for s, w in rows.items() if w.slot <= slot]:
            del rows[name]

    async def watched(self, account: str) -> Mapping[str, Watched]:
        return dict(self.store.watched.get(account, {}))

    async def mark(
        self,
        account: str,
        *,
        signature: str,
        slot: int,
        commitment: Commitment,
        outcome: str,
        now: datetime,
    ) -> None:
        self.store.watched.setdefault(account, {})[signature] = Watched(
            signature, slot, commitment, outcome
        )

    async def forget(self, account: str, signatures: Iterable[str]) -> None:
        for name in signatures:
            self.store.watched.get(account, {}).pop(name, None)


class NoInvoices:
    async def get(self, invoice_id: uuid.UUID, *, lock: bool = False) -> None:
        return None

    async def by_references(self, references: Iterable[str], *, lock: bool = False) -> list[Any]:
        return []

    async def by_signature(self, signature: str, *, lock: bool = False) -> None:
        return None

    async def first_created_at(self) -> datetime | None:
        return START

    async def method_urls(self, invoice_id: uuid.UUID) -> dict[str, str]:
        return {}

    async def save(self, invoice: Any, *, now: datetime) -> None:
        raise AssertionError("nothing to save")


class FakeRejections:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, **row: Any) -> None:
        self.store.rejections.append(row)


class FakeUow:
    def __init__(self, store: Store) -> None:
        self.watch = FakeWatch(store)
        self.rejections = FakeRejections(store)
        self.invoices = NoInvoices()
        self.refunds = NoRefunds()

    async def emit(self, *events: Any) -> None:
        raise AssertionError("nothing to publish")


class NoRefunds:
    async def by_references(self, references: Iterable[str], *, lock: bool = False) -> list[Any]:
        return []


def watcher(chain: FakeChain, store: Store, **kw: Any) -> ChainWatcher:
    @asynccontextmanager
    async def units():  # type: ignore[no-untyped-def]
        yield FakeUow(store)

    defaults: dict[str, Any] = {
        "units": units,
        "chain": chain,
        "accounts": [ACCOUNT],
        "clock": MovableClock(START + timedelta(minutes=1)),
        "fresh_sol_quote": lambda: None,
        "unsupported": (Unsupported,),
    }
    fields = ChainWatcher.__dataclass_fields__
    if "merchant" in fields:
        defaults["merchant"] = "Merchant111111111111111111111111111111111111"
    return ChainWatcher(**{**defaults, **kw})


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain()


@pytest.fixture
def store() -> Store:
    return Store()


async def test_an_idle_cycle_is_one_call_per_account(chain, store):
    accounts = [
        ACCOUNT,
        ReceivingAccount("B" * 44, Currency.USDT),
        ReceivingAccount("C" * 44, Currency.SOL),
    ]
    await watcher(chain, store, accounts=accounts).cycle()
    chain.calls.clear()

    await watcher(chain, store, accounts=accounts).cycle()

    assert [kind for kind, _ in chain.calls] == ["list", "list", "list"]


async def test_new_signatures_are_fetched_once_oldest_first(chain, store):
    for n, sig in enumerate(["s1", "s2", "s3"], start=10):
        chain.land(sig, n)

    report = await watcher(chain, store).cycle()
    await watcher(chain, store).cycle()

    assert chain.fetched() == ["s1", "s2", "s3"]
    assert report.fetched == 3 and len(store.rejections) == 3


async def test_the_cursor_moves_only_over_finalized_handled_signatures(chain, store):
    chain.land("s1", 10, F)
    chain.land("s2", 11, F)
    chain.land("s3", 12, C)
    chain.land("s4", 13, F)  # finalized above a confirmed one: the cursor waits

    await watcher(chain, store).cycle()
    assert store.cursors[ACCOUNT.address].until_signature == "s2"
    assert set(store.watched[ACCOUNT.address]) == {"s3", "s4"}

    chain.finalize("s3")
    chain.calls.clear()
    report = await watcher(chain, store).cycle()

    assert chain.calls[0] == ("list", ("s2", None, 1000))  # until the cursor
    assert chain.fetched() == []  # promoted, not fetched again
    assert report.promoted == 1
    assert store.cursors[ACCOUNT.address].until_signature == "s4"
    assert store.watched[ACCOUNT.address] == {}  # pruned as the cursor passed


async def test_a_confirmed_signature_a_fork_took_away_is_forgotten(chain, store):
    chain.land("s1", 10, C)
    await watcher(chain, store).cycle()
    chain.fork_away("s1")

    report = await watcher(chain, store).cycle()

    assert report.dropped == 1 and store.watched[ACCOUNT.address] == {}


async def test_long_histories_are_paged_with_before(chain, store):
    for n in range(5):
        chain.land(f"s{n}", 10 + n, F)

    await watcher(chain, store, page_limit=2).cycle()

    lists = [arg for kind, arg in chain.calls if kind == "list"]
    assert lists == [(None, None, 2), (None, "s3", 2), (None, "s1", 2)]
    assert chain.fetched() == ["s0", "s1", "s2", "s3", "s4"]
    assert store.cursors[ACCOUNT.address].until_signature == "s4"


async def test_a_signature_the_node_cannot_return_yet_holds_the_cursor(chain, store):
    chain.land("s1", 10, F)
    chain.land("s2", 11, F)
    chain.land("s3", 12, F)
    chain.missing.add("s2")

    report = await watcher(chain, store).cycle()

    assert report.deferred == 1
    assert store.cursors[ACCOUNT.address].until_signature == "s1"
    chain.missing.clear()
    chain.calls.clear()
    await watcher(chain, store).cycle()
    assert chain.fetched() == ["s2"]
    assert store.cursors[ACCOUNT.address].until_signature == "s3"


async def test_an_unsupported_transaction_version_is_recorded_not_fatal(chain, store):
    chain.land("s1", 10, F)
    chain.land("s2", 11, F)
    chain.unsupported.add("s1")

    await watcher(chain, store).cycle()

    [unsupported] = [r for r in store.rejections if r["signature"] == "s1"]
    assert unsupported["reason"] == "unsupported_version"
    assert "not supported" in unsupported["detail"]
    assert store.cursors[ACCOUNT.address].until_signature == "s2"


async def test_history_from_before_the_first_invoice_is_not_fetched(chain, store):
    old = int((START - timedelta(hours=1)).timestamp())
    chain.land("old", 5, F, block_time=old)
    chain.land("new", 6, F, block_time=int(START.timestamp()))

    await watcher(chain, store).cycle()

    assert chain.fetched() == ["new"]
    assert store.cursors[ACCOUNT.address].until_signature == "new"


async def test_a_watcher_that_lost_its_lease_does_nothing_more(chain, store):
    chain.land("s1", 10, F)

    await watcher(chain, store, still_ours=lambda: False).cycle()

    assert chain.fetched() == [] and store.rejections == []
    assert store.cursors[ACCOUNT.address].until_signature is None
