"""The state of one build: the seeded random source, the rows of every table so far, and the
transactions, which get a block, a position in it and their own range of log indexes.

Everything random comes from the one `random.Random(seed)` and is drawn in a fixed order,
and nothing iterates a set, so two builds give identical rows.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .chains import Chain, Token
from .tables import Row, Table

# The activity spans two tax years, so a report for either has data.
WINDOW_START = datetime(2023, 7, 1, tzinfo=UTC)
WINDOW_END = datetime(2025, 7, 1, tzinfo=UTC)

_LOGS_PER_TRANSACTION = 64  # log indexes are reserved per transaction, in block order


def derived_address(label: str) -> bytes:
    """A stable, random-looking address for a synthetic actor or contract."""
    return hashlib.sha256(f"address:{label}".encode()).digest()[:20]


@dataclass
class Transaction:
    chain: Chain
    block_number: int
    block_time: datetime
    index: int
    hash: bytes
    sender: bytes  # tx_from
    to: bytes  # tx_to
    _logs: int = 0
    _traces: int = 0

    @property
    def block_date(self) -> date:
        return self.block_time.date()

    @property
    def block_month(self) -> date:
        return self.block_time.date().replace(day=1)

    def log_index(self) -> int:
        """The next log's evt_index: unique in the block, ordered like the transactions."""
        if self._logs == _LOGS_PER_TRANSACTION:
            raise RuntimeError("a synthetic transaction emitted too many logs")
        self._logs += 1
        return self.index * _LOGS_PER_TRANSACTION + self._logs - 1

    def trace_address(self) -> list[int]:
        """The next internal call's trace address (the top-level call is [])."""
        self._traces += 1
        return [self._traces - 1]

    def event_columns(self, contract: bytes) -> dict[str, object]:
        """The columns every decoded event table on Dune starts with, for a new log."""
        return {
            "contract_address": contract,
            "evt_tx_hash": self.hash,
            "evt_tx_from": self.sender,
            "evt_tx_to": self.to,
            "evt_tx_index": self.index,
            "evt_index": self.log_index(),
            "evt_block_time": self.block_time,
            "evt_block_number": self.block_number,
            "evt_block_date": self.block_date,
        }


@dataclass
class World:
    seed: int
    rng: random.Random = field(init=False)
    rows: dict[Table, list[Row]] = field(default_factory=lambda: defaultdict(list))
    _transactions_in_block: dict[tuple[str, int], int] = field(default_factory=dict)
    _price_minutes: dict[tuple[str, bytes, datetime], Token] = field(default_factory=dict)
    _sequences: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def add(self, table: Table, row: Row) -> None:
        self.rows[table].append(row)

    def moment(self, after: datetime = WINDOW_START, before: datetime = WINDOW_END) -> datetime:
        seconds = int((before - after).total_seconds())
        return after + timedelta(seconds=self.rng.randrange(max(seconds, 1)))

    def moment_on(self, chain: Chain, after: datetime = WINDOW_START) -> datetime:
        """A moment in the window once `chain` (and whatever started at `after`) existed."""
        return self.moment(after=max(after, chain.launched))

    def later(self, when: datetime, min_days: float, max_days: float) -> datetime:
        """A moment some days after `when`, never past the window's end."""
        later = when + timedelta(seconds=int(self.rng.uniform(min_days, max_days) * 86_400))
        return min(later, WINDOW_END - timedelta(seconds=1))

    def transaction(self, chain: Chain, when: datetime, sender: bytes, to: bytes) -> Transaction:
        block = chain.block_at(when)
        index = self._transactions_in_block.get((chain.name, block), 0)
        self._transactions_in_block[(chain.name, block)] = index + 1
        digest = hashlib.sha256(f"tx:{chain.name}:{block}:{index}".encode()).digest()
        return Transaction(chain, block, chain.block_time(block), index, digest, sender, to)

    def next_in_sequence(self, key: str, start: int) -> int:
        """The next id of a counter (position ids): increasing, with the gaps that other
        people's ids leave."""
        value = self._sequences.get(key, start) + self.rng.randint(1, 40)
        self._sequences[key] = value
        return value

    def needs_price(self, token: Token, when: datetime) -> None:
        """Record that prices.usd must have `token` at the minute of `when`."""
        minute = when.replace(second=0, microsecond=0)
        self._price_minutes.setdefault((token.chain, token.address, minute), token)

    def price_minutes(self) -> list[tuple[Token, datetime]]:
        return [(token, minute) for (_, _, minute), token in self._price_minutes.items()]
