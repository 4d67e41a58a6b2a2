"""The chain watcher's cycle: what is new on the merchant's receiving accounts, and what
it means for the invoices. Polls scale with the receiving accounts (three), never with
the open invoices.

Per account, one cycle:
1. `getSignaturesForAddress(account, until=cursor)` at commitment confirmed, paged with
   `before` until a page is short. The cursor is the newest signature at or below which
   everything is finalized and handled, so `until` never names a transaction a fork
   could take away. An idle cycle is exactly one call per account.
2. Oldest first, every signature not handled yet is fetched (`getTransaction`, the
   highest version we decode) and verified (verification.py), each in its own unit of
   work together with its `watched_signatures` row: a crash loses at most the one in
   flight, and a restart redoes it (verifying is idempotent). A handled signature now
   finalized is promoted from the stored transfer without fetching it again (a refund's
   is fetched at finalized: a refund is sent only on the final transaction).
3. A handled signature still only confirmed that is missing from the complete listing
   was taken away by a fork: its transfer is dropped (the invoice goes back to where it
   was) and it is forgotten.
4. The cursor moves over the oldest run of finalized, handled signatures, and the rows
   it passed are pruned.
A node that cannot decode a transaction (a newer version than we ask for) is recorded
as a rejected candidate `unsupported_version`, counted and logged; the cycle goes on.
A signature the node lists but cannot return yet is left for the next cycle (the cursor
cannot pass it).

Before its first cursor, an account's history older than the first invoice is not
ours: those signatures are marked handled without being fetched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from prometheus_client import Counter

from walletreports.kit import Clock

from ..domain import Commitment, ReceivingAccount, RejectionReason, SolQuote
from . import refunding
from .candidates import Candidate, Verdict
from .publishing import events_for
from .verification import verify
from .watch_ports import WatchedPort, WatchingUnitOfWork

log = logging.getLogger(__name__)

SIGNATURES_HANDLED = Counter(
    "payments_watcher_signatures_total", "Signatures the watcher handled", ["outcome"]
)
UNSUPPORTED = Counter(
    "payments_watcher_unsupported_transactions_total",
    "Transactions the node could not return in a version we decode",
)
# Clock skew between us and the chain's block times, for "older than the first invoice".
HISTORY_MARGIN = timedelta(minutes=5)
PAGE_LIMIT = 1000


class SignatureListing(Protocol):
    @property
    def signature(self) -> str: ...
    @property
    def slot(self) -> int: ...
    @property
    def block_time(self) -> int | None: ...
    @property
    def confirmation(self) -> Commitment: ...


class ChainReader(Protocol):
    async def signatures_for_address(
        self,
        address: str,
        *,
        until: str | None = None,
        before: str | None = None,
        limit: int = PAGE_LIMIT,
        commitment: str = "confirmed",
    ) -> Sequence[SignatureListing]: ...

    async def transaction(
        self, signature: str, *, commitment: str = "confirmed"
    ) -> dict[str, object] | None: ...


Units = Callable[[], AbstractAsyncContextManager[WatchingUnitOfWork]]


@dataclass
class CycleReport:
    listed: int = 0
    fetched: int = 0
    promoted: int = 0
    dropped: int = 0
    deferred: int = 0
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass
class ChainWatcher:
    units: Units
    chain: ChainReader
    accounts: Sequence[ReceivingAccount]
    clock: Clock
    fresh_sol_quote: Callable[[], SolQuote | None]
    unsupported: tuple[type[Exception], ...]  # the adapter's UnsupportedTransactionVersion
    merchant: str  # who must send a refund (refunding.observe_refund_transfer)
    page_limit: int = PAGE_LIMIT
    still_ours: Callable[[], bool] = lambda: True  # the lease, checked before each effect

    async def cycle(self) -> CycleReport:
        report = CycleReport()
        for account in self.accounts:
            await self._watch(account, report)
        return report

    async def _watch(self, account: ReceivingAccount, report: CycleReport) -> None:
        history_before = None
        async with self.units() as uow:
            cursor = await uow.watch.cursor(account.address)
            if cursor is None:
                await uow.watch.start(account.address, now=self.clock.now())
            watched = await uow.watch.watched(account.address)
            until = None if cursor is None else cursor.until_signature
            if until is None:  # only until the account's first cursor
                first = await uow.invoices.first_created_at()
                history_before = (first or self.clock.now()) - HISTORY_MARGIN
        listing = await self._list(account.address, until)  # newest first
        report.listed += len(listing)
        handled: set[str] = set()
        for info in reversed(listing):  # oldest first
            if not self.still_ours():
                return
            known = watched.get(info.signature)
            if known is not None:
                if await self._promote(account, info, known, report):
                    handled.add(info.signature)
                else:
                    report.deferred += 1
            elif self._before_our_time(info, history_before):
                await self._mark(account, info, "ignored")
                handled.add(info.signature)
            elif await self._fetch_and_verify(account, info, report):
                handled.add(info.signature)
            else:
                report.deferred += 1
        listed = {info.signature for info in listing}
        gone = [w for s, w in watched.items() if s not in listed and not _final(w.commitment)]
        if gone and self.still_ours():
            await self._drop(account, gone, report)
        if self.still_ours():
            await self._advance(account, listing, handled)

    async def _list(self, address: str, until: str | None) -> list[SignatureListing]:
        listing: list[SignatureListing] = []
        before: str | None = None
        while True:
            page = await self.chain.signatures_for_address(
                address, until=until, before=before, limit=self.page_limit
            )
            listing.extend(page)
            if len(page) < self.page_limit:
                return listing
            before = page[-1].signature

    async def _fetch_and_verify(
        self, account: ReceivingAccount, info: SignatureListing, report: CycleReport
    ) -> bool:
        candidate = Candidate(info.signature, info.slot, info.confirmation, account.currency)
        commitment = "finalized" if _final(info.confirmation) else "confirmed"
        try:
            result = await self.chain.transaction(info.signature, commitment=commitment)
        except self.unsupported as exc:
            UNSUPPORTED.inc()
            log.warning("transaction %s: %s", info.signature, exc)
            async with self.units() as uow:
                await uow.rejections.record(
                    signature=info.signature,
                    reason=RejectionReason.UNSUPPORTED_VERSION.value,
                    detail=str(exc),
                    at=self.clock.now(),
                )
                await self._mark_in(uow, account, info, "rejected")
            SIGNATURES_HANDLED.labels("unsupported_version").inc()
            return True
        report.fetched += 1
        if result is None:  # listed but not served yet (or just forked away)
            return False
        async with self.units() as uow:
            verdict = await verify(
                uow,
                candidate,
                result,
                now=self.clock.now(),
                fresh_sol_quote=self.fresh_sol_quote(),
                merchant=self.merchant,
            )
            await self._mark_in(uow, account, info, verdict.outcome)
        report.verdicts.append(verdict)
        SIGNATURES_HANDLED.labels(verdict.outcome).inc()
        return True

    async def _promote(
        self,
        account: ReceivingAccount,
        info: SignatureListing,
        known: WatchedPort,
        report: CycleReport,
    ) -> bool:
        """False: a refund's finalized transaction is not served yet (the next cycle)."""
        if info.confirmation.rank <= known.commitment.rank:
            return True
        final_refund = None
        if known.outcome == "refund":  # sent only at finality: judged on the final transaction
            final_refund = await self.chain.transaction(info.signature, commitment="finalized")
            if final_refund is None:
                return False
        async with self.units() as uow:
            if final_refund is not None:
                final = Candidate(info.signature, info.slot, info.confirmation, account.currency)
                await refunding.observe_final_refund(
                    uow, final, final_refund, merchant=self.merchant, now=self.clock.now()
                )
            if known.outcome == "transfer":
                invoice = await uow.invoices.by_signature(info.signature, lock=True)
                if invoice is not None:
                    seen = invoice.transfers[info.signature]
                    now = self.clock.now()
                    outcome = invoice.observe_transfer(
                        replace(seen.transfer, commitment=info.confirmation),
                        now=now,
                        fresh_sol_quote=self.fresh_sol_quote(),
                    )
                    await uow.invoices.save(invoice, now=now)
                    await uow.emit(*events_for(invoice, outcome))
            await self._mark_in(uow, account, info, known.outcome)
        report.promoted += 1
        return True

    async def _drop(
        self, account: ReceivingAccount, gone: list[WatchedPort], report: CycleReport
    ) -> None:
        async with self.units() as uow:
            now = self.clock.now()
            for watched in gone:
                if watched.outcome == "transfer":
                    invoice = await uow.invoices.by_signature(watched.signature, lock=True)
                    if invoice is not None:
                        invoice.drop_transfer(watched.signature, now=now)
                        await uow.invoices.save(invoice, now=now)
                log.warning("signature %s was taken away by a fork", watched.signature)
            await uow.watch.forget(account.address, [w.signature for w in gone])
        report.dropped += len(gone)

    async def _advance(
        self, account: ReceivingAccount, listing: list[SignatureListing], handled: set[str]
    ) -> None:
        newest_final: SignatureListing | None = None
        for info in reversed(listing):  # oldest first: the run of final, handled ones
            if info.signature not in handled or not _final(info.confirmation):
                break
            newest_final = info
        if newest_final is None:
            return
        async with self.units() as uow:
            await uow.watch.advance(
                account.address,
                signature=newest_final.signature,
                slot=newest_final.slot,
                now=self.clock.now(),
            )

    async def _mark(self, account: ReceivingAccount, info: SignatureListing, outcome: str) -> None:
        async with self.units() as uow:
            await self._mark_in(uow, account, info, outcome)

    async def _mark_in(
        self,
        uow: WatchingUnitOfWork,
        account: ReceivingAccount,
        info: SignatureListing,
        outcome: str,
    ) -> None:
        await uow.watch.mark(
            account.address,
            signature=info.signature,
            slot=info.slot,
            commitment=info.confirmation,
            outcome=outcome,
            now=self.clock.now(),
        )

    @staticmethod
    def _before_our_time(info: SignatureListing, history_before: datetime | None) -> bool:
        if history_before is None or info.block_time is None:
            return False
        return info.block_time < history_before.timestamp()


def _final(commitment: Commitment) -> bool:
    return commitment is Commitment.FINALIZED
