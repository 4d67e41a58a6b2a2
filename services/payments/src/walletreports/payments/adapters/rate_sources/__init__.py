"""SOL/USD rate sources behind one interface (`RateSource`), and `fetch_sol_quote`, which
turns whatever a source does (a quote, or a `RateSourceError`) into a `QuoteDecision`.

- `fixed.FixedRateSource`: a configured USD per SOL (localnet and tests).
- `pyth_onchain.PythOnchainSource`: Pyth's sponsored SOL/USD `PriceUpdateV2` account,
  read keyless over the Solana JSON-RPC the service already uses.
- `board.QuoteBoard`: the latest quote, refreshed in the background, judged when an
  invoice opens (no network call inside a consumer's transaction).
"""

from .base import RateSource, RateSourceError
from .board import QuoteBoard
from .fixed import FixedRateSource
from .pyth_onchain import PythOnchainSource
from .quoting import fetch_sol_quote

__all__ = [
    "FixedRateSource",
    "PythOnchainSource",
    "QuoteBoard",
    "RateSource",
    "RateSourceError",
    "fetch_sol_quote",
]
