"""Account reads: balances, account data, token accounts, and the airdrop faucet.

Reads return the latest executed state whatever the commitment asked for: the localnet
keeps one bank, not one per commitment level (the context slot does follow commitment).
"""

from __future__ import annotations

from solders.pubkey import Pubkey

from ..account_encoding import encode_account
from ..chain import Chain, TransactionRejected
from ..programs import TOKEN_PROGRAMS
from ..rpc_errors import invalid_params
from ..token_layout import (
    is_mint,
    is_token_account,
    ui_token_amount,
    unpack_mint,
    unpack_token_account,
)
from .params import (
    account_encoding,
    array,
    commitment,
    config_at,
    context_slot,
    integer,
    positional,
    pubkey,
    with_context,
)
from .registry import rpc_method

MAX_MULTIPLE_ACCOUNTS = 100
MAX_AIRDROP_LAMPORTS = 1_000_000 * 1_000_000_000


def _encoded(chain: Chain, address: Pubkey, config: dict, encoding: str) -> dict | None:
    account = chain.get_account(address)
    if account is None:
        return None
    return encode_account(account, encoding, config.get("dataSlice"), chain.decimals.get)


@rpc_method("getBalance")
def get_balance(chain: Chain, params: list) -> dict:
    address = pubkey(positional(params, 0, "pubkey"))
    config = config_at(params, 1)
    slot = context_slot(chain, config, commitment(config))
    return with_context(slot, chain.svm.get_balance(address) or 0)


@rpc_method("getAccountInfo")
def get_account_info(chain: Chain, params: list) -> dict:
    address = pubkey(positional(params, 0, "pubkey"))
    config = config_at(params, 1)
    slot = context_slot(chain, config, commitment(config))
    return with_context(slot, _encoded(chain, address, config, account_encoding(config, "binary")))


@rpc_method("getMultipleAccounts")
def get_multiple_accounts(chain: Chain, params: list) -> dict:
    addresses = array(positional(params, 0, "pubkeys"), "pubkeys", MAX_MULTIPLE_ACCOUNTS)
    config = config_at(params, 1)
    encoding = account_encoding(config, "base64")
    slot = context_slot(chain, config, commitment(config))
    keys = [pubkey(a) for a in addresses]
    return with_context(slot, [_encoded(chain, key, config, encoding) for key in keys])


def _token_program_data(chain: Chain, params: list, is_kind, what: str) -> tuple[int, bytes]:
    """The context slot and the data of the account named by params[0], which must be a
    Token program `what` ("account" or "mint")."""
    address = pubkey(positional(params, 0, "pubkey"))
    config = config_at(params, 1)
    slot = context_slot(chain, config, commitment(config))
    account = chain.get_account(address)
    data = bytes(account.data) if account else b""
    if account is None or not is_kind(account.owner, data):
        raise invalid_params(f"Invalid param: not a Token {what}")
    return slot, data


@rpc_method("getTokenAccountBalance")
def get_token_account_balance(chain: Chain, params: list) -> dict:
    slot, data = _token_program_data(chain, params, is_token_account, "account")
    state = unpack_token_account(data)
    return with_context(slot, ui_token_amount(state.amount, chain.decimals.get(state.mint)))


@rpc_method("getTokenSupply")
def get_token_supply(chain: Chain, params: list) -> dict:
    slot, data = _token_program_data(chain, params, is_mint, "mint")
    mint = unpack_mint(data)
    return with_context(slot, ui_token_amount(mint.supply, mint.decimals))


_FILTER_SHAPE = 'Invalid params: filter must be {"mint": ...} or {"programId": ...}'


@rpc_method("getTokenAccountsByOwner")
def get_token_accounts_by_owner(chain: Chain, params: list) -> dict:
    owner = pubkey(positional(params, 0, "owner"))
    token_filter = positional(params, 1, "filter")
    if not isinstance(token_filter, dict) or len(token_filter) != 1:
        raise invalid_params(_FILTER_SHAPE)
    [(kind, value)] = token_filter.items()
    mint = None
    if kind == "programId":
        program = pubkey(value)
        if program not in TOKEN_PROGRAMS:
            raise invalid_params("Invalid param: unrecognized Token program id")
    elif kind == "mint":
        mint = pubkey(value)
        mint_account = chain.get_account(mint)
        if mint_account is None or mint_account.owner not in TOKEN_PROGRAMS:
            raise invalid_params("Invalid param: could not find mint")
        program = mint_account.owner
    else:
        raise invalid_params(_FILTER_SHAPE)
    config = config_at(params, 2)
    encoding = account_encoding(config, "binary")
    slot = context_slot(chain, config, commitment(config))
    found = []
    for address, account in chain.svm.get_program_accounts(program):
        data = bytes(account.data)
        if not is_token_account(account.owner, data):
            continue
        state = unpack_token_account(data)
        if state.owner != owner or (mint is not None and state.mint != mint):
            continue
        found.append(
            {
                "account": encode_account(
                    account, encoding, config.get("dataSlice"), chain.decimals.get
                ),
                "pubkey": str(address),
            }
        )
    found.sort(key=lambda item: item["pubkey"])
    return with_context(slot, found)


@rpc_method("requestAirdrop")
def request_airdrop(chain: Chain, params: list) -> str:
    address = pubkey(positional(params, 0, "pubkey"))
    lamports = integer(positional(params, 1, "lamports"), "lamports", minimum=1)
    if lamports > MAX_AIRDROP_LAMPORTS:
        raise invalid_params("Invalid params: airdrop amount too large")
    try:
        return chain.airdrop(address, lamports)
    except TransactionRejected as exc:
        raise invalid_params(f"airdrop failed: {exc.err}") from exc
