"""Websocket subscriptions: which client wants which notification, fed by chain events.

The hub listens to the chain (transaction reached a commitment level, slot advanced) and
pushes notifications in the exact PubSub shapes into each client's outbox.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solders.pubkey import Pubkey

from .account_encoding import encode_account
from .chain import Chain, Commitment
from .records import TransactionRecord

Send = Callable[[dict], None]


@dataclass(eq=False, slots=True)
class Subscription:
    id: int
    kind: str  # "logs" | "signature" | "account" | "slot"
    send: Send
    commitment: Commitment = "finalized"
    mentions: str | None = None  # logs: None means every transaction
    signature: str | None = None
    received_notification: bool = False
    account: Pubkey | None = None
    encoding: str = "base64"


def _notify(sub: Subscription, method: str, result: Any) -> None:
    sub.send({"jsonrpc": "2.0", "method": method,
              "params": {"result": result, "subscription": sub.id}})


class SubscriptionHub:
    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._ids = itertools.count(1)
        self._subscriptions: dict[int, Subscription] = {}
        chain.listeners.append(self)

    def add(self, sub_kind: str, send: Send, **options: Any) -> Subscription:
        sub = Subscription(next(self._ids), sub_kind, send, **options)
        self._subscriptions[sub.id] = sub
        return sub

    def remove(self, sub_id: int, kind: str) -> bool:
        sub = self._subscriptions.get(sub_id)
        if sub is None or sub.kind != kind:
            return False
        del self._subscriptions[sub_id]
        return True

    def remove_client(self, send: Send) -> None:
        for sub_id in [s.id for s in self._subscriptions.values() if s.send is send]:
            del self._subscriptions[sub_id]

    def catch_up(self, sub: Subscription) -> None:
        """A signature subscription for a transaction already at its commitment level is
        answered at once, so a client subscribing late still hears about it."""
        if sub.kind != "signature":
            return
        record = self.chain.record(sub.signature)
        if record is not None and self.chain.reaches(record, sub.commitment):
            self._signature_done(sub, record)

    def _signature_done(self, sub: Subscription, record: TransactionRecord) -> None:
        _notify(sub, "signatureNotification",
                {"context": {"slot": record.slot}, "value": {"err": record.err}})
        self._subscriptions.pop(sub.id, None)  # signature subscriptions end after one

    # ----- chain events ----------------------------------------------------------------

    def on_commitment(self, record: TransactionRecord, commitment: Commitment) -> None:
        if not self._subscriptions:
            return
        writable = None
        for sub in list(self._subscriptions.values()):
            if sub.kind == "signature":
                if sub.signature != record.signature:
                    continue
                if sub.commitment == commitment:
                    self._signature_done(sub, record)
                elif commitment == "processed" and sub.received_notification:
                    _notify(sub, "signatureNotification",
                            {"context": {"slot": record.slot}, "value": "receivedSignature"})
            elif sub.commitment != commitment:
                continue
            elif sub.kind == "logs":
                if sub.mentions is None or sub.mentions in record.account_keys:
                    _notify(sub, "logsNotification", {
                        "context": {"slot": record.slot},
                        "value": {"err": record.err, "logs": record.logs,
                                  "signature": record.signature},
                    })
            elif sub.kind == "account":
                if writable is None:
                    writable = set(record.writable_keys)
                if sub.account in writable:
                    self._account_changed(sub, record.slot)

    def _account_changed(self, sub: Subscription, slot: int) -> None:
        account = self.chain.get_account(sub.account)
        value = (
            encode_account(account, sub.encoding, None, self.chain.decimals.get)
            if account is not None
            else {"data": ["", "base64"], "executable": False, "lamports": 0,
                  "owner": "11111111111111111111111111111111", "rentEpoch": 0, "space": 0}
        )
        _notify(sub, "accountNotification", {"context": {"slot": slot}, "value": value})

    def on_slot(self, slot: int) -> None:
        for sub in list(self._subscriptions.values()):
            if sub.kind == "slot":
                _notify(sub, "slotNotification", {
                    "parent": slot - 1, "root": self.chain.slot_for("finalized"), "slot": slot,
                })

    def on_dropped(self, record: TransactionRecord) -> None:
        # A fork rewrote accounts the dropped transaction touched; tell their watchers.
        for sub in list(self._subscriptions.values()):
            if sub.kind == "account" and sub.account in record.writable_keys:
                self._account_changed(sub, self.chain.slot)

