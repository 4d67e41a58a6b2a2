"""A ledger saved with --state and loaded at the next start serves like a running one."""

import json
import subprocess
import sys

import pytest
from solders.keypair import Keypair
from solders.message import Message
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from walletreports.localnet.chain import Chain, StateFileError
from walletreports.localnet.genesis import GenesisConfig, test_wallets as funded_wallets
from walletreports.localnet.rpc.dispatcher import handle_payload


def call(chain, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    return json.loads(handle_payload(chain, body.encode()))


def pay_once(chain):
    payer = funded_wallets(chain.config)[0]
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(),
                                 lamports=1_000_000))
    message = Message.new_with_blockhash([ix], payer.pubkey(),
                                         chain.latest_blockhash("processed")[0])
    return chain.send(VersionedTransaction(message, [payer]))


@pytest.fixture
def saved(tmp_path):
    chain = Chain()
    for _ in range(40):
        chain.advance_slot()
    signature = pay_once(chain)
    path = tmp_path / "state.json"
    chain.save(path)
    return path, chain.slot, signature


@pytest.mark.parametrize("level", ["processed", "confirmed", "finalized"])
def test_loaded_ledger_has_a_blockhash_at_every_commitment(saved, level):
    path, saved_slot, _ = saved
    restored = Chain()
    restored.load(path)
    reply = call(restored, "getLatestBlockhash", [{"commitment": level}])
    assert "error" not in reply, reply
    slot = {"processed": saved_slot + 32, "confirmed": saved_slot + 31,
            "finalized": saved_slot}[level]
    assert reply["result"]["context"]["slot"] == slot
    assert reply["result"]["value"]["lastValidBlockHeight"] == slot + 150


def test_loaded_ledger_keeps_block_times_and_takes_new_payments(saved):
    path, saved_slot, signature = saved
    restored = Chain()
    restored.load(path)
    record = restored.record(signature)
    assert restored.block_time(saved_slot) == record.block_time
    assert restored.record(pay_once(restored)) is not None


def _edited(path, edit):
    state = json.loads(path.read_text())
    edit(state)
    path.write_text(json.dumps(state))
    return path


@pytest.mark.parametrize("edit", [
    lambda path: path.write_text("{not json"),
    lambda path: path.write_text("[]"),
    lambda path: path.write_text('{"format": 1}'),
    lambda path: _edited(path, lambda s: s.update(format=2)),
    lambda path: _edited(path, lambda s: s.update(slot="40")),
    lambda path: _edited(path, lambda s: s["records"].append({"signature": "x"})),
    lambda path: _edited(path, lambda s: s["accounts"].update(nope=[1, "", "x", False, 0])),
    # A record's slot and block time drive the clock and commitment comparisons at load.
    lambda path: _edited(path, lambda s: s["records"][0].update(blockTime="x")),
    lambda path: _edited(path, lambda s: s["records"][0].update(blockTime=None)),
    lambda path: _edited(path, lambda s: s["records"][0].update(slot="40")),
    lambda path: _edited(path, lambda s: s["records"][0].update(loaded=[0, "x"])),
], ids=["not-json", "not-an-object", "no-fields", "other-format", "bad-slot", "bad-record",
        "bad-account", "record-block-time", "record-no-block-time", "record-slot",
        "record-loaded"])
def test_unusable_state_file_is_refused_and_changes_nothing(saved, edit):
    path, _, signature = saved
    edit(path)
    chain = Chain()
    payer = funded_wallets(chain.config)[0].pubkey()
    genesis_balance = chain.svm.get_balance(payer)
    with pytest.raises(StateFileError, match="cannot load state file"):
        chain.load(path)
    assert chain.svm.get_balance(payer) == genesis_balance  # no account half-loaded
    assert chain.slot == 0 and chain.record(signature) is None and chain.records == []


def test_state_file_from_another_seed_is_refused(saved):
    path, _, _ = saved
    chain = Chain(GenesisConfig(seed="another"))
    with pytest.raises(StateFileError, match="seed 'walletreports-localnet', not 'another'"):
        chain.load(path)
    assert chain.records == [] and chain.slot == 0


def test_cli_says_why_it_cannot_start_on_a_bad_state_file(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("{not json")
    result = subprocess.run(
        [sys.executable, "-m", "walletreports.localnet", "--state", str(state), "--rpc-port", "0",
         "--ws-port", "0", "--slot-ms", "0"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("localnet: cannot start: cannot load state file")
    assert "Traceback" not in result.stderr


def test_cli_refuses_a_state_file_it_could_not_save_at_exit(tmp_path, capsys):
    from walletreports.localnet.__main__ import parse_args

    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--state", str(tmp_path / "missing" / "state.json")])
    assert exit_info.value.code == 2
    assert "--state: directory" in capsys.readouterr().err
    assert parse_args(["--state", str(tmp_path / "state.json")]).state_file == (
        tmp_path / "state.json")
