"""SOL/USD from Pyth's sponsored on-chain price feed account, read keyless over Solana
JSON-RPC (`getAccountInfo`, base64) through the RPC endpoint the service already uses.

Pyth keeps this account updated on mainnet (a `PriceUpdateV2` of the Pyth Solana
Receiver program, see `pyth_layout`). Every doubt is a `RateSourceError`, which the
caller turns into `source_failed`: an RPC error, timeout or 429; a missing account; an
owner other than the receiver program (anyone can create an account with these bytes,
only the receiver can own one); another size or discriminator; a feed other than
SOL/USD; and a Partial verification (fewer Wormhole guardian signatures than a quorum).
Freshness and confidence are judged later, by `domain.quote_policy`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

import httpx

from walletreports.payments.domain.quote_policy import RawQuote

from .base import RateSourceError
from .pyth_layout import PriceUpdateLayoutError, PriceUpdateV2, decode_price_update_v2, scaled

__all__ = [
    "PYTH_RECEIVER_PROGRAM",
    "SOL_USD_FEED_ID",
    "SOL_USD_SPONSORED_ACCOUNT",
    "PythOnchainSource",
]

PYTH_RECEIVER_PROGRAM = "rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ"
# Mainnet: Pyth's sponsored SOL/USD price feed account (shard 0) and the SOL/USD feed id.
SOL_USD_SPONSORED_ACCOUNT = "7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE"
# Pyth exponents are small negatives (SOL/USD: -8); one far outside this is a lie that
# would only overflow arithmetic downstream.
MAX_ABS_EXPONENT = 18
SOL_USD_FEED_ID = bytes.fromhex("ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d")


class PythOnchainSource:
    """Reads `account` from `rpc_url` with the injected `http` client (whose lifetime the
    composition root owns), each call bounded by `timeout` seconds."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        rpc_url: str,
        account: str = SOL_USD_SPONSORED_ACCOUNT,
        feed_id: bytes = SOL_USD_FEED_ID,
        timeout: float = 5.0,
        commitment: str = "confirmed",
        name: str = "pyth_onchain",
    ) -> None:
        if len(feed_id) != 32:
            raise ValueError("a Pyth feed id is 32 bytes")
        self._http = http
        self._rpc_url = rpc_url
        self._account = account
        self._feed_id = feed_id
        self._timeout = timeout
        self._commitment = commitment
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    async def quote(self) -> RawQuote:
        value = await self._account_info()
        update = _decode(value, self._account)
        if update.feed_id != self._feed_id:
            raise RateSourceError(
                f"account {self._account} holds feed {update.feed_id.hex()}, "
                f"not {self._feed_id.hex()}"
            )
        if not update.fully_verified:
            raise RateSourceError(
                f"account {self._account} holds a partially verified update "
                f"({update.num_signatures} signatures)"
            )
        if abs(update.exponent) > MAX_ABS_EXPONENT:
            raise RateSourceError(f"account {self._account} has exponent {update.exponent}")
        try:
            published_at = datetime.fromtimestamp(update.publish_time, UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise RateSourceError(f"publish_time {update.publish_time} is not a time") from error
        return RawQuote(
            usd_per_sol=scaled(update.price, update.exponent),
            confidence=scaled(update.conf, update.exponent),
            published_at=published_at,
            source=self._name,
        )

    async def _account_info(self) -> dict[str, Any]:
        """The RPC's `result.value` for the account; missing or any failure raises."""
        request = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "getAccountInfo",
            "params": [self._account, {"encoding": "base64", "commitment": self._commitment}],
        }
        try:
            response = await self._http.post(self._rpc_url, json=request, timeout=self._timeout)
        except httpx.TimeoutException as error:
            raise RateSourceError(f"RPC timed out after {self._timeout}s") from error
        except httpx.HTTPError as error:
            raise RateSourceError(f"RPC request failed: {error!r}") from error
        if response.status_code == 429:
            raise RateSourceError("RPC rate limited the request (HTTP 429)")
        if response.status_code != 200:
            raise RateSourceError(f"RPC answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise RateSourceError("RPC answered with something that is not JSON") from error
        if not isinstance(body, dict):
            raise RateSourceError("RPC answered with a JSON value that is not an object")
        if body.get("error") is not None:
            raise RateSourceError(f"RPC error: {_describe(body['error'])}")
        result = body.get("result")
        if not isinstance(result, dict) or "value" not in result:
            raise RateSourceError("RPC answer has no result.value")
        value = result["value"]
        if value is None:
            raise RateSourceError(f"account {self._account} does not exist")
        if not isinstance(value, dict):
            raise RateSourceError("RPC result.value is not an account")
        return value


def _describe(error: object) -> str:
    if isinstance(error, dict):
        return f"{error.get('code')} {error.get('message')}"
    return repr(error)


def _decode(value: dict[str, Any], account: str) -> PriceUpdateV2:
    owner = value.get("owner")
    if owner != PYTH_RECEIVER_PROGRAM:
        raise RateSourceError(
            f"account {account} is owned by {owner}, not the Pyth receiver {PYTH_RECEIVER_PROGRAM}"
        )
    data = value.get("data")
    if not (isinstance(data, list) and len(data) == 2 and data[1] == "base64"):
        raise RateSourceError(f"account {account} data is not [<base64>, 'base64']")
    if not isinstance(data[0], str):
        raise RateSourceError(f"account {account} data is not a base64 string")
    try:
        raw = base64.b64decode(data[0], validate=True)
    except (binascii.Error, ValueError) as error:
        raise RateSourceError(f"account {account} data is not valid base64") from error
    try:
        return decode_price_update_v2(raw)
    except PriceUpdateLayoutError as error:
        raise RateSourceError(f"account {account}: {error}") from error
