"""`make dev`: everything (with the Solana localnet) comes up ready within 60 s, and
Ctrl-C leaves no process behind, also when it comes during start-up."""

import gc
import os
import re
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, pool, text

from walletreports.devstack.children import spawn
from walletreports.devstack.services import SERVICES
from walletreports.kit import migrations
from walletreports.devkit.processes import free_port


def processes_with_env(marker: str) -> list[int]:
    """Live processes whose environment carries `marker` (all of the stack's children do)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                status = (entry / "status").read_text()
                if "State:\tZ" not in status:
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def stack_env(state_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    # Free ports for all the stack listens on, so no test depends on 8899 or 8000 being free.
    env.update({"DEV_STATE_DIR": str(state_dir), "DEV_NATS_PORT": str(free_port()),
                "LOCALNET_RPC_PORT": str(free_port()), "LOCALNET_WS_PORT": str(free_port()),
                "DUNE_API_BASE_URL": f"http://127.0.0.1:{free_port()}", **extra})
    for service in SERVICES:
        env[f"{service.env_prefix}_HTTP_PORT"] = str(free_port())
    return env


def start_stack(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "walletreports.devstack"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def assert_nothing_left(marker: str) -> None:
    deadline = time.monotonic() + 10
    while processes_with_env(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with_env(marker) == [], "processes left behind"


def interrupt_and_finish(stack: subprocess.Popen[str], output: list[str]) -> float:
    """SIGINT now; seconds until the stack has exited (it is killed after 30)."""
    sent = time.monotonic()
    stack.send_signal(signal.SIGINT)
    try:
        rest, _ = stack.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        stack.kill()
        rest, _ = stack.communicate()
    output.append(rest)
    return time.monotonic() - sent


def use_test_databases(env: dict[str, str], databases, label: str) -> None:
    """On a machine with PostgreSQL the stack uses given URLs; otherwise its pgserver."""
    if os.environ.get("TEST_DATABASE_URL"):
        for service in SERVICES:
            env[f"{service.env_prefix}_DATABASE_URL"] = databases.create(f"{label}_{service.name}")


def test_make_dev_brings_every_service_up_and_ctrl_c_stops_all(tmp_path, databases):
    state_dir = tmp_path / "dev"
    marker = f"DEV_STATE_DIR={state_dir}"
    rpc_port = free_port()
    env = stack_env(state_dir, SOLANA_CLUSTER="localnet", LOCALNET_RPC_PORT=str(rpc_port),
                    LOCALNET_WS_PORT=str(free_port()))
    use_test_databases(env, databases, "dev")
    ports = {service.name: int(env[f"{service.env_prefix}_HTTP_PORT"]) for service in SERVICES}

    started = time.monotonic()
    stack = start_stack(env)
    output = []
    try:
        for line in stack.stdout:
            output.append(line)
            if "all services ready" in line or "error:" in line:
                break
        ready_after = time.monotonic() - started
        assert "all services ready" in output[-1], "".join(output)
        assert ready_after < 60, f"ready only after {ready_after:.0f}s"
        seconds = float(re.search(r"ready in ([\d.]+)s", output[-1]).group(1))
        assert seconds < 60

        with httpx.Client(timeout=5) as http:
            for name, port in ports.items():
                response = http.get(f"http://127.0.0.1:{port}/readyz")
                assert response.status_code == 200, (name, response.text)
            health = http.post(f"http://127.0.0.1:{rpc_port}", json={"jsonrpc": "2.0", "id": 1, "method": "getHealth"})
            assert health.json()["result"] == "ok"
            # The Dune emulator, with the catalog's queries under dune_runner's fixed ids.
            from walletreports.devstack.services import DEV_DUNE_QUERY_IDS, DUNE_EMULATOR_KEY
            from walletreports.dune_runner.queries import load_reports

            for report, item in zip(load_reports(), DEV_DUNE_QUERY_IDS.split(","), strict=True):
                query = http.get(f"{env['DUNE_API_BASE_URL']}/api/v1/query/{item.split('=')[1]}",
                                 headers={"X-Dune-Api-Key": DUNE_EMULATOR_KEY}).json()
                assert (query["name"], query["query_sql"]) == (f"Wallet Reports: {report.name}", report.sql)
        assert len(processes_with_env(marker)) >= len(SERVICES) + 3  # services, nats, localnet, dune (+ postgres)
    finally:
        interrupt_and_finish(stack, output)

    assert stack.returncode == 0, "".join(output)
    assert "stopped" in "".join(output)
    assert_nothing_left(marker)


def test_ctrl_c_during_start_up_stops_at_once(tmp_path, databases):
    """Ctrl-C right after the first line (NATS up, the localnet starting) ends the start
    within seconds, not after the 60 s readiness budget, and stops what had started."""
    state_dir = tmp_path / "dev"
    marker = f"DEV_STATE_DIR={state_dir}"
    env = stack_env(state_dir, SOLANA_CLUSTER="localnet", LOCALNET_RPC_PORT=str(free_port()),
                    LOCALNET_WS_PORT=str(free_port()))
    use_test_databases(env, databases, "devint")
    stack = start_stack(env)
    output = [stack.stdout.readline()]
    assert output[0].startswith("[dev"), output[0]
    took = interrupt_and_finish(stack, output)

    text_out = "".join(output)
    assert took < 10, f"took {took:.1f}s to stop:\n{text_out}"
    assert stack.returncode == 130, text_out
    assert "SIGINT during start-up" in text_out
    assert "all services ready" not in text_out
    assert "Traceback" not in text_out
    assert text_out.rstrip().endswith("stopped"), text_out
    assert_nothing_left(marker)


def test_ctrl_c_while_migrations_wait_on_a_lock_stops_at_once(tmp_path, databases, nats_url):
    """Migrations waiting on another replica's advisory lock (forever, here) do not hold
    Ctrl-C: the stack exits at once and its waiting connection goes with it."""
    state_dir = tmp_path / "dev"
    marker = f"DEV_STATE_DIR={state_dir}"
    env = stack_env(state_dir, SOLANA_CLUSTER="devnet", NATS_URL=nats_url)
    for service in SERVICES:
        env[f"{service.env_prefix}_DATABASE_URL"] = databases.create(f"devlock_{service.name}")
    first = SERVICES[0]
    holder = create_engine(env[f"{first.env_prefix}_DATABASE_URL"], poolclass=pool.NullPool)
    waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = " \
              "(SELECT oid FROM pg_database WHERE datname = current_database())"
    with holder.connect() as lock, holder.connect() as probe:
        lock.execute(text("SELECT pg_advisory_lock(:id)"), {"id": migrations._MIGRATION_LOCK_ID})
        stack = start_stack(env)
        output: list[str] = []
        try:
            deadline = time.monotonic() + 30
            while probe.execute(text(waiting)).scalar() == 0:
                assert stack.poll() is None, "".join(output) + stack.stdout.read()
                assert time.monotonic() < deadline, "the stack's migrations never waited on the lock"
                probe.rollback()
                time.sleep(0.1)
            probe.rollback()
        finally:
            took = interrupt_and_finish(stack, output)
        text_out = "".join(output)
        assert took < 5, f"took {took:.1f}s to stop:\n{text_out}"
        assert stack.returncode == 130, text_out
        assert "Traceback" not in text_out
        deadline = time.monotonic() + 5
        while probe.execute(text(waiting)).scalar() and time.monotonic() < deadline:
            probe.rollback()
            time.sleep(0.1)
        assert probe.execute(text(waiting)).scalar() == 0, "the stack's connection is still waiting"
    holder.dispose()
    assert_nothing_left(marker)


def test_a_database_that_refuses_connections_is_one_error_line(tmp_path, nats_url):
    state_dir = tmp_path / "dev"
    env = stack_env(state_dir, SOLANA_CLUSTER="devnet", NATS_URL=nats_url)
    refused = free_port()  # nothing listens there
    for service in SERVICES:
        env[f"{service.env_prefix}_DATABASE_URL"] = f"postgresql://wallet:secret@127.0.0.1:{refused}/{service.name}"
    result = subprocess.run([sys.executable, "-m", "walletreports.devstack"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stdout
    assert f"error: {SERVICES[0].name}: migrations failed" in errors[0]
    assert "Connection refused" in errors[0]
    assert "secret" not in errors[0]
    assert result.stdout.rstrip().endswith("stopped")
    assert_nothing_left(f"DEV_STATE_DIR={state_dir}")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEV_NATS_PORT": "nats"}, "DEV_NATS_PORT: Input should be a valid integer"),
        ({"LOCALNET_RPC_PORT": "0"}, "LOCALNET_RPC_PORT: Input should be greater than or equal to 1"),
        ({f"{SERVICES[-1].env_prefix}_HTTP_PORT": "99999"}, f"{SERVICES[-1].env_prefix}_HTTP_PORT"),
        ({"NATS_URL": "http://127.0.0.1:4222"}, "NATS_URL: must be nats://host:port"),
        # The services refuse these; the stack must not migrate (or create) anything with them.
        ({f"{SERVICES[0].env_prefix}_DATABASE_URL": "mysql://wallet@127.0.0.1/web"},
         f"{SERVICES[0].env_prefix}_DATABASE_URL: must be a postgresql:// URL"),
        ({f"{SERVICES[0].env_prefix}_DATABASE_URL": "postgresql://wallet@127.0.0.1:port/web"},
         f"{SERVICES[0].env_prefix}_DATABASE_URL: is not a valid URL"),
    ],
)
def test_a_bad_setting_is_one_line_before_anything_starts(tmp_path, env, named):
    state_dir = tmp_path / "dev"
    result = subprocess.run([sys.executable, "-m", "walletreports.devstack"], env={**stack_env(state_dir), **env},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    assert "error: configuration error: " in lines[0]
    assert named in lines[0]
    assert not state_dir.exists(), "a state dir was created for a stack that cannot start"
    assert_nothing_left(f"DEV_STATE_DIR={state_dir}")


@pytest.mark.parametrize("variable", ["DEV_NATS_PORT", f"{SERVICES[-1].env_prefix}_HTTP_PORT"])
def test_a_port_already_taken_is_one_line_before_anything_starts(tmp_path, variable):
    """Not a nats-server or service that exits on the bind error while the stack, finding
    the port answering, goes on with whatever else listens there."""
    state_dir = tmp_path / "dev"
    env = stack_env(state_dir, SOLANA_CLUSTER="devnet")
    refused = free_port()  # should the stack go on after all, its migrations fail at once
    for service in SERVICES:
        env[f"{service.env_prefix}_DATABASE_URL"] = f"postgresql://wallet@127.0.0.1:{refused}/{service.name}"
    with socket.create_server(("127.0.0.1", 0)) as taken:
        env[variable] = str(taken.getsockname()[1])
        result = subprocess.run([sys.executable, "-m", "walletreports.devstack"], env=env, capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    assert f"error: configuration error: {variable}: 127.0.0.1:{env[variable]} is taken" in lines[0]
    assert not state_dir.exists(), "a state dir was created for a stack that cannot start"
    assert_nothing_left(f"DEV_STATE_DIR={state_dir}")


def test_two_of_the_stacks_ports_the_same_is_one_line(tmp_path):
    state_dir = tmp_path / "dev"
    env = stack_env(state_dir, SOLANA_CLUSTER="localnet")
    env["LOCALNET_WS_PORT"] = env[f"{SERVICES[0].env_prefix}_HTTP_PORT"]
    result = subprocess.run([sys.executable, "-m", "walletreports.devstack"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    assert f"error: configuration error: {SERVICES[0].env_prefix}_HTTP_PORT: " \
           f"{env['LOCALNET_WS_PORT']} is LOCALNET_WS_PORT already" in lines[0]
    assert not state_dir.exists()


def test_a_state_dir_that_cannot_be_made_is_one_line(tmp_path):
    (tmp_path / "file").touch()
    state_dir = tmp_path / "file" / "dev"
    result = subprocess.run([sys.executable, "-m", "walletreports.devstack", "--state-dir", str(state_dir)],
                            env=stack_env(tmp_path / "unused"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    assert f"error: cannot use {state_dir} as the state dir: Not a directory" in lines[0]


def test_spawn_leaves_no_log_file_open_in_the_stack(tmp_path):
    log = tmp_path / "child.log"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        child = spawn([sys.executable, "-c", "print('hello')"], dict(os.environ), str(log))
        assert child.wait(timeout=30) == 0
        gc.collect()
    assert log.read_text() == "hello\n"
    leaked = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaked == [], leaked


EMBEDDED = """
import contextlib, os, signal, sys
from pathlib import Path
from walletreports.devstack.postgres import embedded_postgres
pgdata = Path(sys.argv[1])
stack = contextlib.ExitStack()
embedded_postgres(pgdata, stack)
print((pgdata / "postmaster.pid").read_text().split()[0], flush=True)
if sys.argv[2] == "kill-9":
    os.kill(os.getpid(), signal.SIGKILL)
stack.close()
"""


def alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_a_postgres_left_by_kill_9_is_reused_then_stopped(tmp_path):
    """The embedded PostgreSQL is not the stack's child, so a kill -9 of the stack leaves
    it running; the next start adopts it and stops it when it ends."""
    pgdata = tmp_path / "pgdata"

    def embedded(mode: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", EMBEDDED, str(pgdata), mode], capture_output=True,
                              text=True, timeout=120)

    killed = embedded("kill-9")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    postgres = int(killed.stdout.split()[0])
    try:
        assert alive(postgres), "expected the killed stack's postgres to survive it"
        again = embedded("close")
        assert again.returncode == 0, again.stderr
        assert int(again.stdout.split()[0]) == postgres, "a second server was started instead of reusing the first"
        deadline = time.monotonic() + 10
        while alive(postgres) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(postgres), "the reused server was not stopped at the end"
    finally:
        if alive(postgres):
            os.kill(postgres, signal.SIGTERM)


def test_make_dev_pays_the_localnet_merchant():
    """The merchant make dev gives payments is the localnet's own derived key."""
    from walletreports.devstack.services import LOCALNET_MERCHANT
    from walletreports.localnet.genesis import GenesisConfig, merchant_keypair

    assert str(merchant_keypair(GenesisConfig()).pubkey()) == LOCALNET_MERCHANT


def test_make_dev_provisions_the_merchant_it_gives_payments(tmp_path, monkeypatch, capsys):
    """Once the localnet is up, the stack's provisioning step gives payments' merchant (the
    environment's PAYMENTS_MERCHANT_ADDRESS, else LOCALNET_MERCHANT) its funded account and
    USDC/USDT token accounts, says so in one line, and a bad address is one StackError."""
    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

    from walletreports.devstack.console import StackError
    from walletreports.devstack.infrastructure import payments_merchant, provision_merchant
    from walletreports.devstack.services import LOCALNET_MERCHANT
    from walletreports.devstack.signals import StopSignal
    from walletreports.localnet.programs import TOKEN_PROGRAM, USDC_MINT, USDT_MINT
    from walletreports.localnet.testing import localnet
    from walletreports.localnet.token_instructions import associated_token_address

    monkeypatch.delenv("PAYMENTS_MERCHANT_ADDRESS", raising=False)
    assert payments_merchant() == LOCALNET_MERCHANT
    children: list[subprocess.Popen[bytes]] = []
    with localnet(slot_ms=50) as net:  # a ticking clock, as in make dev
        solana = {"SOLANA_RPC_URL": net.rpc_url}

        def provisioned(owner: Pubkey) -> bool:
            atas = [associated_token_address(owner, mint) for mint in (USDC_MINT, USDT_MINT)]
            accounts = net.call_sync(lambda chain: [chain.get_account(a) for a in [owner, *atas]])
            return accounts[0] is not None and all(a is not None and a.owner == TOKEN_PROGRAM for a in accounts[1:])

        provision_merchant(tmp_path, solana, children, StopSignal())
        assert provisioned(Pubkey.from_string(LOCALNET_MERCHANT))
        provision_merchant(tmp_path, solana, children, StopSignal())
        first, second = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[dev")]
        assert f"Solana: merchant {LOCALNET_MERCHANT} provisioned on {net.rpc_url}: 10 SOL" in first
        assert first.endswith("(1 transaction sent)") and second.endswith("(already in place, nothing sent)")

        other = Keypair().pubkey()
        monkeypatch.setenv("PAYMENTS_MERCHANT_ADDRESS", str(other))
        provision_merchant(tmp_path, solana, children, StopSignal())
        assert provisioned(other)

        monkeypatch.setenv("PAYMENTS_MERCHANT_ADDRESS", "not-a-key")
        with pytest.raises(StackError, match=r"the merchant not-a-key could not be provisioned on the localnet: "
                                             r".*not a public key: 'not-a-key'; see .*provision\.log"):
            provision_merchant(tmp_path, solana, children, StopSignal())
    assert all(child.poll() is not None for child in children)
