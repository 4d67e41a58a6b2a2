"""tokens.transfers: every native-coin and ERC-20 movement, with Dune's enrichment (symbol,
amount in display units, hourly USD price and value), plus wallets' everyday transfers.

Swaps and liquidity events record their own token movements through `move`, so a trade in
dex.trades and its transfers share one transaction; `everyday` adds the rest: exchange
withdrawals and deposits, payments to and from other people, airdropped spam from tokens
Dune does not know, and zero-value "address poisoning" transfers from look-alike addresses.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from .chains import NATIVE_ADDRESS, Chain, Token, address
from .prices import price_on_dune, raw_amount
from .tables import (
    BIGINT,
    BIGINT_LIST,
    BLOB,
    DATE,
    DOUBLE,
    INTEGER,
    TIMESTAMPTZ,
    UINT256,
    VARCHAR,
    Table,
)
from .world import Transaction, World, derived_address

TOKENS_TRANSFERS = Table(
    "tokens.transfers",
    (
        ("unique_key", VARCHAR),
        ("blockchain", VARCHAR),
        ("block_month", DATE),
        ("block_date", DATE),
        ("block_time", TIMESTAMPTZ),
        ("block_number", BIGINT),
        ("tx_hash", BLOB),
        ("evt_index", BIGINT),
        ("trace_address", BIGINT_LIST),
        ("token_standard", VARCHAR),
        ("tx_from", BLOB),
        ("tx_to", BLOB),
        ("tx_index", INTEGER),
        ("from", BLOB),
        ("to", BLOB),
        ("contract_address", BLOB),
        ("symbol", VARCHAR),
        ("amount_raw", UINT256),
        ("amount", DOUBLE),
        ("price_usd", DOUBLE),
        ("amount_usd", DOUBLE),
    ),
)

EXCHANGE_HOT_WALLETS = (
    address("0xa9d1e08c7793af67e9d92fe308d5697fb81d3e43"),  # Coinbase 10
    address("0x28c6c06298d514db089934071355e5743bf21d60"),  # Binance 14
    address("0x267be1c1d684f78cb4f6a176c4911b741e4ffdc0"),  # Kraken 4
)


def move(
    world: World,
    tx: Transaction,
    token: Token,
    sender: bytes,
    receiver: bytes,
    amount_raw: int,
    *,
    top_level: bool = False,
) -> None:
    """Record one transfer in `tx`: a Transfer log for an ERC-20, a call for the native coin
    (`top_level`: the transaction's own value, trace address [])."""
    native = token.address == NATIVE_ADDRESS
    evt_index = None if native else tx.log_index()
    trace_address = ([] if top_level else tx.trace_address()) if native else None
    amount = amount_raw / 10**token.decimals if token.listed else None
    # Dune values transfers at the hour's price.
    price = price_on_dune(token, tx.block_time.replace(minute=0, second=0))
    key = f"{tx.chain.name}:{tx.block_number}:{tx.index}:{evt_index}:{trace_address}"
    world.add(
        TOKENS_TRANSFERS,
        {
            "unique_key": hashlib.sha256(key.encode()).hexdigest()[:32],
            "blockchain": tx.chain.name,
            "block_month": tx.block_month,
            "block_date": tx.block_date,
            "block_time": tx.block_time,
            "block_number": tx.block_number,
            "tx_hash": tx.hash,
            "evt_index": evt_index,
            "trace_address": trace_address,
            "token_standard": "native" if native else "erc20",
            "tx_from": tx.sender,
            "tx_to": tx.to,
            "tx_index": tx.index,
            "from": sender,
            "to": receiver,
            "contract_address": token.address,
            "symbol": token.symbol if token.listed else None,
            "amount_raw": amount_raw,
            "amount": amount,
            "price_usd": price,
            "amount_usd": None if price is None or amount is None else amount * price,
        },
    )


def transfers_of(world: World, wallet: bytes) -> int:
    """How many transfers so far move tokens into or out of `wallet`."""
    rows = world.rows[TOKENS_TRANSFERS]
    return sum(1 for row in rows if wallet in (row["from"], row["to"]))


def spam_token(chain: Chain) -> Token:
    return Token(chain.name, "SPAM", derived_address(f"spam:{chain.name}"), 18, None, listed=False)


_KINDS = ("exchange_in", "exchange_out", "pay", "paid", "spam", "poison")
_KIND_WEIGHTS = (30, 15, 25, 15, 10, 5)


def everyday(
    world: World, wallet: bytes, chains: Sequence[Chain], count: int, people: Sequence[bytes]
) -> None:
    """Exactly `count` transfers into or out of `wallet`, one per transaction."""
    rng = world.rng
    for _ in range(count):
        chain = rng.choice(chains)
        kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
        token, sender, receiver, signer = _parties(world, chain, kind, wallet, people)
        native = token.address == NATIVE_ADDRESS
        # A native transfer is the transaction's own value; an ERC-20 one calls the token.
        tx = world.transaction(
            chain, world.moment_on(chain), signer, receiver if native else token.address
        )
        usd = math.exp(rng.uniform(math.log(20), math.log(15_000)))
        amount_raw = 0 if kind == "poison" else raw_amount(token, usd, tx.block_time)
        move(world, tx, token, sender, receiver, amount_raw, top_level=native)


def _parties(
    world: World, chain: Chain, kind: str, wallet: bytes, people: Sequence[bytes]
) -> tuple[Token, bytes, bytes, bytes]:
    """(token, from, to, tx_from) of one everyday transfer of `kind`."""
    rng = world.rng
    token = rng.choice((chain.native, chain.native, *chain.tokens[:3]))
    if kind == "exchange_in":
        exchange = rng.choice(EXCHANGE_HOT_WALLETS)
        return token, exchange, wallet, exchange
    if kind == "exchange_out":
        return token, wallet, derived_address(f"exchange-deposit:{wallet.hex()}"), wallet
    if kind == "pay":
        return token, wallet, rng.choice(people), wallet
    if kind == "paid":
        payer = rng.choice(people)
        return token, payer, wallet, payer
    if kind == "spam":
        spammer = derived_address(f"spammer:{rng.randrange(8)}")
        return spam_token(chain), spammer, wallet, spammer
    # poison: from an address that looks like the wallet at a glance (same first and last
    # bytes), worth nothing, hoping the owner copies it from the history later.
    lookalike = wallet[:2] + rng.randbytes(16) + wallet[-2:]
    return chain.token("USDC"), lookalike, wallet, lookalike
