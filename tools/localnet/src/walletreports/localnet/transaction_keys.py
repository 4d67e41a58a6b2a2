"""Resolve a transaction's full account key list and which keys it may write.

v0 transactions can load keys from address lookup tables, so the static key list alone is
not what the runtime (and the RPC meta) index balances by.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.address_lookup_table_account import ID as ADDRESS_LOOKUP_TABLE_PROGRAM
from solders.address_lookup_table_account import AddressLookupTable
from solders.litesvm import LiteSVM
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey


class KeyResolutionError(Exception):
    """A lookup table the transaction names is missing, not a lookup table, or too short
    for the indexes used; the message is the node's TransactionError name."""


@dataclass(slots=True)
class ResolvedKeys:
    keys: list[Pubkey]
    writable: list[bool]
    program_indexes: set[int]
    num_loaded_writable: int
    num_loaded_readonly: int


def _lookup_table_addresses(svm: LiteSVM, table: Pubkey) -> list[Pubkey]:
    # Checked as a node loads a table: any other account (a token account, a wallet) is
    # the sender's mistake, not something to read addresses out of.
    account = svm.get_account(table)
    if account is None:
        raise KeyResolutionError("AddressLookupTableNotFound")
    if account.owner != ADDRESS_LOOKUP_TABLE_PROGRAM:
        raise KeyResolutionError("InvalidAddressLookupTableOwner")
    try:
        return list(AddressLookupTable.deserialize(bytes(account.data)).addresses)
    except ValueError as exc:
        raise KeyResolutionError("InvalidAddressLookupTableData") from exc


def writable_flags(
    message: Message | MessageV0, num_loaded_writable: int, num_loaded_readonly: int
) -> list[bool]:
    """Which keys (static, then loaded writable, then loaded readonly) the message may write."""
    header = message.header
    num_signed = header.num_required_signatures
    num_static = len(message.account_keys)
    programs = {ix.program_id_index for ix in message.instructions}
    static = [
        # The runtime demotes invoked programs to read-only, so their balances never move.
        i not in programs and (
            i < num_signed - header.num_readonly_signed_accounts
            if i < num_signed
            else i < num_static - header.num_readonly_unsigned_accounts
        )
        for i in range(num_static)
    ]
    return static + [True] * num_loaded_writable + [False] * num_loaded_readonly


def resolve_keys(svm: LiteSVM, message: Message | MessageV0) -> ResolvedKeys:
    loaded_writable: list[Pubkey] = []
    loaded_readonly: list[Pubkey] = []
    if isinstance(message, MessageV0):
        for lookup in message.address_table_lookups:
            addresses = _lookup_table_addresses(svm, lookup.account_key)
            try:
                loaded_writable += [addresses[i] for i in bytes(lookup.writable_indexes)]
                loaded_readonly += [addresses[i] for i in bytes(lookup.readonly_indexes)]
            except IndexError as exc:
                raise KeyResolutionError("InvalidAddressLookupTableIndex") from exc
    program_indexes = {ix.program_id_index for ix in message.instructions}
    keys = list(message.account_keys) + loaded_writable + loaded_readonly
    writable = writable_flags(message, len(loaded_writable), len(loaded_readonly))
    return ResolvedKeys(keys, writable, program_indexes, len(loaded_writable), len(loaded_readonly))
