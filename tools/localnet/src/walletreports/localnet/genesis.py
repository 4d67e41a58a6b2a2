"""Genesis: the mints, funded test wallets and faucet every localnet starts with.

Everything derives from a seed string so two localnets started with the same seed hold the
same keys and balances, and tests can be written against fixed addresses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from solders.account import Account
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey

from .programs import LAMPORTS_PER_SOL, SYSTEM_PROGRAM, TOKEN_PROGRAM, USDC_MINT, USDT_MINT
from .token_instructions import associated_token_address
from .token_layout import MINT_SIZE, TOKEN_ACCOUNT_SIZE, pack_mint, pack_token_account

DEFAULT_SEED = "walletreports-localnet"


@dataclass(frozen=True, slots=True)
class MintSpec:
    symbol: str
    address: Pubkey
    decimals: int

    @classmethod
    def parse(cls, text: str) -> "MintSpec":
        """Parse `SYMBOL:ADDRESS:DECIMALS`, the form used by --mint and LOCALNET_MINTS."""
        try:
            symbol, address, decimals = text.split(":")
            return cls(symbol, Pubkey.from_string(address), int(decimals))
        except ValueError as exc:
            raise ValueError(f"mint spec {text!r} is not SYMBOL:ADDRESS:DECIMALS") from exc


DEFAULT_MINTS = (MintSpec("USDC", USDC_MINT, 6), MintSpec("USDT", USDT_MINT, 6))


@dataclass(frozen=True, slots=True)
class GenesisConfig:
    seed: str = DEFAULT_SEED
    wallet_count: int = 5
    wallet_lamports: int = 1_000 * LAMPORTS_PER_SOL
    # Base units of every genesis mint each wallet holds (one million tokens at 6 decimals).
    wallet_token_units: int = 1_000_000 * 10**6
    extra_mints: tuple[MintSpec, ...] = field(default_factory=tuple)

    @property
    def mints(self) -> tuple[MintSpec, ...]:
        return DEFAULT_MINTS + self.extra_mints


def derive_keypair(seed: str, purpose: str) -> Keypair:
    return Keypair.from_seed(hashlib.sha256(f"{seed}/{purpose}".encode()).digest())


def wallet_keypair(seed: str, index: int) -> Keypair:
    """Funded wallet number `index` (if the localnet funds that many), derived directly."""
    if index < 0:
        raise ValueError("wallet index must be >= 0")
    return derive_keypair(seed, f"wallet/{index}")


def test_wallets(config: GenesisConfig) -> list[Keypair]:
    """The funded wallets, in order; index 0 is the default payer of the pay command."""
    return [wallet_keypair(config.seed, i) for i in range(config.wallet_count)]


def faucet_keypair(config: GenesisConfig) -> Keypair:
    """Pays requestAirdrop, so airdrops are ordinary signed transactions in the ledger."""
    return derive_keypair(config.seed, "faucet")


def merchant_keypair(config: GenesisConfig) -> Keypair:
    """The merchant payments receives for on localnet (PAYMENTS_MERCHANT_ADDRESS in make dev)."""
    return derive_keypair(config.seed, "merchant")


def mint_authority(config: GenesisConfig) -> Keypair:
    return derive_keypair(config.seed, "mint-authority")


def apply_genesis(svm: LiteSVM, config: GenesisConfig) -> list[Pubkey]:
    """Write genesis accounts into the runtime; returns every address written."""
    written: list[Pubkey] = []

    def put(address: Pubkey, account: Account) -> None:
        svm.set_account(address, account)
        written.append(address)

    wallets = test_wallets(config)
    authority = mint_authority(config).pubkey()
    mint_rent = svm.minimum_balance_for_rent_exemption(MINT_SIZE)
    token_rent = svm.minimum_balance_for_rent_exemption(TOKEN_ACCOUNT_SIZE)

    put(faucet_keypair(config).pubkey(), Account(10**9 * LAMPORTS_PER_SOL, b"", SYSTEM_PROGRAM))
    for wallet in wallets:
        put(wallet.pubkey(), Account(config.wallet_lamports, b"", SYSTEM_PROGRAM))
    for mint in config.mints:
        supply = config.wallet_token_units * len(wallets)
        put(mint.address, Account(mint_rent, pack_mint(mint.decimals, supply, authority), TOKEN_PROGRAM))
        for wallet in wallets:
            ata = associated_token_address(wallet.pubkey(), mint.address)
            data = pack_token_account(mint.address, wallet.pubkey(), config.wallet_token_units)
            put(ata, Account(token_rent, data, TOKEN_PROGRAM))
    return written
