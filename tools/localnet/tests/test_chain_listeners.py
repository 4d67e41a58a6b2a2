"""The ledger survives its callers: bad subscriptions are refused at subscribe time, a
failing listener does not fail send / advance_slot / drop, and a failing simulation
reports its own error and leaves no trace."""

import json

import pytest
from solders.message import Message
from solders.transaction import VersionedTransaction

from walletreports.localnet.chain import Chain
from walletreports.localnet.genesis import test_wallets as funded_wallets
from walletreports.localnet.programs import USDC_MINT
from walletreports.localnet.subscriptions import SubscriptionHub
from walletreports.localnet.token_instructions import associated_token_address, transfer_checked
from walletreports.localnet.ws_server import handle_message


@pytest.fixture
def chain():
    return Chain()


def usdc_payment(chain):
    payer, payee = funded_wallets(chain.config)[:2]
    ix = transfer_checked(associated_token_address(payer.pubkey(), USDC_MINT), USDC_MINT,
                          associated_token_address(payee.pubkey(), USDC_MINT), payer.pubkey(),
                          1, 6)
    message = Message.new_with_blockhash([ix], payer.pubkey(),
                                         chain.latest_blockhash("processed")[0])
    return VersionedTransaction(message, [payer]), associated_token_address(payee.pubkey(),
                                                                           USDC_MINT)


@pytest.mark.parametrize("encoding", ["base58", "binary"])
def test_account_subscribe_refuses_base58(chain, encoding):
    hub = SubscriptionHub(chain)
    sent = []
    _, token_account = usdc_payment(chain)
    handle_message(hub, json.dumps({
        "jsonrpc": "2.0", "id": 1, "method": "accountSubscribe",
        "params": [str(token_account), {"encoding": encoding}],
    }), sent.append)
    assert sent[0]["error"]["code"] == -32602
    assert "base58" in sent[0]["error"]["message"]


class Exploding:
    def __init__(self):
        self.calls = 0

    def on_commitment(self, record, commitment):
        self.calls += 1
        raise RuntimeError("boom")

    def on_slot(self, slot):
        self.calls += 1
        raise RuntimeError("boom")

    def on_dropped(self, record):
        self.calls += 1
        raise RuntimeError("boom")


def test_failing_listener_cannot_fail_send_advance_or_drop(chain):
    bad, hub = Exploding(), None
    chain.listeners.append(bad)
    hub = SubscriptionHub(chain)
    slots = []
    hub.add("slot", slots.append)
    tx, _ = usdc_payment(chain)
    signature = chain.send(tx)
    assert chain.record(signature) is not None
    chain.advance_slot()
    assert slots and slots[-1]["params"]["result"]["slot"] == chain.slot  # later listener ran
    chain.drop_transaction(signature)
    assert chain.record(signature) is None
    assert bad.calls >= 3


def test_oversized_base58_subscriber_does_not_break_send(chain):
    # Even a subscription that slipped past validation cannot fail a landed payment.
    hub = SubscriptionHub(chain)
    tx, token_account = usdc_payment(chain)
    sent = []
    hub.add("account", sent.append, commitment="processed", account=token_account,
            encoding="base58")
    hub.add("account", sent.append, commitment="confirmed", account=token_account,
            encoding="base58")
    signature = chain.send(tx)
    assert chain.record(signature) is not None
    slot = chain.slot
    assert chain.advance_slot() == slot + 1


def test_simulate_surfaces_the_real_error_and_restores_state(chain, monkeypatch):
    import walletreports.localnet.chain as chain_module

    real_execute = chain_module.execute

    def execute_then_fail(svm, tx, *args):
        real_execute(svm, tx, *args)  # the transaction ran, then something broke
        raise RuntimeError("boom")

    tx, token_account = usdc_payment(chain)
    before = chain.get_account(token_account)
    monkeypatch.setattr(chain_module, "execute", execute_then_fail)
    with pytest.raises(RuntimeError, match="boom"):
        chain.simulate(tx, sig_verify=False)
    monkeypatch.undo()
    assert chain.get_account(token_account) == before
    assert chain.send(tx)  # sigverify back on and the ledger usable


def test_replay_that_cannot_resolve_its_keys_is_dropped_not_left_half_done(chain, monkeypatch):
    # Stands in for a v0 transaction whose lookup table the dropped transaction created.
    import walletreports.localnet.chain as chain_module
    from walletreports.localnet.transaction_keys import KeyResolutionError

    payer = funded_wallets(chain.config)[0].pubkey()
    first, _ = usdc_payment(chain)
    chain.advance_slot()  # a new blockhash, so the second payment is a distinct transaction
    second, token_account = usdc_payment(chain)
    balance_before = chain.svm.get_balance(payer)
    token_before = chain.get_account(token_account)
    a, b = chain.send(first), chain.send(second)
    real_resolve = chain_module.resolve_keys

    def resolve(svm, message):
        if message == second.message:
            raise KeyResolutionError("AddressLookupTableNotFound")
        return real_resolve(svm, message)

    monkeypatch.setattr(chain_module, "resolve_keys", resolve)
    chain.drop_transaction(a)
    assert chain.record(a) is None and chain.record(b) is None
    assert chain.svm.get_balance(payer) == balance_before  # neither fee stays charged
    assert chain.get_account(token_account) == token_before
