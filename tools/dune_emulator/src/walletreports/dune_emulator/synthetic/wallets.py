"""The wallets tests can rely on: a handful with rich activity, and one with none.

Each rich wallet's `expected_rows` is a literal, not a count of what the generator happened
to make: the generator builds exactly that many rows the wallet is party to (trades it took
or signed, liquidity events it signed or received from, transfers into or out of it), and
the emulator's tests hold every report query to these numbers. Addresses are lower-case
hex, valid without an EIP-55 checksum; the queries match them in any letter case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class SyntheticWallet:
    address: str  # 0x-prefixed, lower-case
    label: str
    chains: tuple[str, ...]  # where it is active
    expected_rows: Mapping[str, int]  # report name -> rows its query returns for this wallet
    usd_scale: float = 1.0  # how large its trades and positions are, relative to a typical user

    @property
    def address_bytes(self) -> bytes:
        return bytes.fromhex(self.address.removeprefix("0x"))


def _rows(defi_trades: int, lp_events: int, transfers: int) -> Mapping[str, int]:
    return MappingProxyType(
        {"defi_trades": defi_trades, "lp_events": lp_events, "transfers": transfers}
    )


DEFI_POWER_USER = SyntheticWallet(
    address="0xf67d0c3fa7a7f0de36bb0b8cd7ec00924e92b6e8",
    label="defi_power_user",
    chains=("ethereum", "arbitrum", "base", "optimism"),
    expected_rows=_rows(defi_trades=160, lp_events=30, transfers=480),
    usd_scale=4.0,
)
LP_FARMER = SyntheticWallet(
    address="0x2f8f97144df0c0c707a1d56a9d01f838cba76f9a",
    label="lp_farmer",
    chains=("ethereum", "arbitrum"),
    expected_rows=_rows(defi_trades=36, lp_events=84, transfers=380),
    usd_scale=8.0,
)
CASUAL_HOLDER = SyntheticWallet(
    address="0x4a7d70cecc51be9190df9c937cfbb30e881a3ffa",
    label="casual_holder",
    chains=("ethereum",),
    expected_rows=_rows(defi_trades=10, lp_events=3, transfers=120),
    usd_scale=0.5,
)
L2_NATIVE = SyntheticWallet(
    address="0x38ae1795c20e710fafca775d6299b624fffe1231",
    label="l2_native",
    chains=("arbitrum", "base", "optimism"),
    expected_rows=_rows(defi_trades=96, lp_events=18, transfers=330),
)

RICH_WALLETS: tuple[SyntheticWallet, ...] = (DEFI_POWER_USER, LP_FARMER, CASUAL_HOLDER, L2_NATIVE)

# Appears in no table at all: every report is empty for it.
EMPTY_WALLET = "0xe3414cfd4dd6d6f06554967cf5136465c3c2f45f"
