"""The index behind getSignaturesForAddress: for each address, the ledger positions of
every transaction that named it, in execution order.

Appends are O(1) and a lookup is a bisect plus a walk of at most `limit` entries, which is
what keeps the lookup fast with hundreds of thousands of transactions on one address.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator

from .records import TransactionRecord


class AddressIndex:
    def __init__(self) -> None:
        self._by_address: dict[str, list[int]] = {}

    def add(self, record: TransactionRecord) -> None:
        index = self._by_address
        for key in dict.fromkeys(record.account_keys):  # a key may repeat in v0 lookups
            positions = index.get(key)
            if positions is None:
                index[key] = [record.seq]
            else:
                positions.append(record.seq)

    def remove(self, record: TransactionRecord) -> None:
        for key in dict.fromkeys(record.account_keys):
            positions = self._by_address.get(key)
            if positions:
                at = bisect_left(positions, record.seq)
                if at < len(positions) and positions[at] == record.seq:
                    del positions[at]

    def newest_first(
        self,
        address: str,
        record_at: Callable[[int], TransactionRecord],
        *,
        before_seq: int | None,
        until_seq: int | None,
        max_slot: int,
    ) -> Iterator[TransactionRecord]:
        """Records naming `address`, newest first, strictly older than `before_seq` and
        strictly newer than `until_seq`, skipping those above the commitment's slot."""
        positions = self._by_address.get(address)
        if not positions:
            return
        start = len(positions) if before_seq is None else bisect_left(positions, before_seq)
        for i in range(start - 1, -1, -1):
            seq = positions[i]
            if until_seq is not None and seq <= until_seq:
                return
            record = record_at(seq)
            if record.slot > max_slot:
                continue
            yield record
