"""compose.yaml, checked statically (no Docker engine runs here): every service is
there, built from this repo, healthy-checked on its /readyz, started only after a
healthy NATS and PostgreSQL, and configured so its own settings accept it."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from walletreports.devstack.services import LOCALNET_MERCHANT, SERVICES
from walletreports.kit.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
# What compose requires the operator to set (${VAR:?...}), with test values.
SECRETS = {
    "INTERNAL_TOKEN": "t" * 40,
    "PAYMENTS_MERCHANT_ADDRESS": LOCALNET_MERCHANT,
    "SOLANA_RPC_URL": "https://rpc.example.com",
    "DUNE_API_KEY": "k" * 32,
    "DUNE_RUNNER_QUERY_IDS": "defi_trades=1,lp_events=2,transfers=3",
}


def interpolate(value: str) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, with test secrets."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if name in SECRETS:
            return SECRETS[name]
        if op == ":-":
            return arg
        raise AssertionError(f"{name} has no default and is not a known secret")

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_infrastructure_has_healthchecks_and_jetstream(compose):
    nats, postgres = compose["services"]["nats"], compose["services"]["postgres"]
    assert "-js" in nats["command"]
    assert "js-enabled-only" in " ".join(nats["healthcheck"]["test"])
    probe = " ".join(postgres["healthcheck"]["test"])
    assert "pg_isready" in probe
    # Over TCP, not the unix socket: the image's temporary init server (the one running
    # init-databases.sql) listens only on the socket, so a socket probe can pass before
    # the databases exist. TCP answers only once the real server is up.
    assert re.search(r"pg_isready\b.*\s-h\s+127\.0\.0\.1\b", probe), probe
    init = next(v for v in postgres["volumes"] if "docker-entrypoint-initdb.d" in v)
    script = (ROOT / init.split(":")[0].removeprefix("./")).read_text()
    for service in SERVICES:
        assert f"CREATE DATABASE {service.name};" in script


def test_the_image_is_built_from_this_repo(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --all-packages --no-dev" in dockerfile
    for service in SERVICES:
        assert compose["services"][service.name]["build"] == "."


def workspace_members() -> list[str]:
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    return sorted(
        str(path.parent.relative_to(ROOT))
        for pattern in workspace["members"]
        for path in ROOT.glob(f"{pattern}/pyproject.toml")
    )


def test_the_image_installs_dependencies_before_copying_sources():
    """Editing source must not invalidate the dependency layer: the first `uv sync` sees
    only the lock and every member's pyproject.toml, the sources come after it."""
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]

    def index(predicate, what: str) -> int:
        found = [i for i, line in enumerate(instructions) if predicate(line)]
        assert len(found) == 1, f"expected one {what} in the Dockerfile, found {len(found)}"
        return found[0]

    deps = index(lambda line: "uv sync" in line and "--no-install-workspace" in line, "dependency sync")
    assert "--frozen --all-packages --no-dev" in instructions[deps]
    full = index(lambda line: "uv sync" in line and "--no-editable" in line, "workspace sync")
    assert "--frozen --all-packages --no-dev" in instructions[full]
    assert deps < full

    copies = {i: line.split()[1:-1] for i, line in enumerate(instructions) if line.startswith("COPY ")}
    before = {src for i, sources in copies.items() if i < deps for src in sources}
    assert {"pyproject.toml", "uv.lock"} <= before
    members = workspace_members()
    assert members, "no workspace members found"
    for member in members:
        assert f"{member}/pyproject.toml" in before, f"{member}/pyproject.toml is not copied before the first uv sync"
    # Nothing but pyproject files and the lock reaches the dependency layer.
    assert all(src in {"pyproject.toml", "uv.lock"} or src.endswith("/pyproject.toml") for src in before), before
    # Every member's sources are copied between the two syncs.
    between = {src for i, sources in copies.items() if deps < i < full for src in sources}
    for member in members:
        assert any(member == src or member.startswith(f"{src}/") for src in between), f"{member} sources not copied"


def test_the_image_pins_uv_like_the_bootstrap():
    dockerfile = (ROOT / "Dockerfile").read_text()
    pinned = re.search(r"pip install [^\n]*\buv==(\d+\.\d+\.\d+)", dockerfile)
    assert pinned, "the Dockerfile must pin uv (pip install uv==X.Y.Z)"
    bootstrap = (ROOT / "tools" / "bootstrap_uv.py").read_text()
    assert f'UV_VERSION = "{pinned.group(1)}"' in bootstrap, "Dockerfile and tools/bootstrap_uv.py pin different uv"


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_each_service_is_wired(compose, service, monkeypatch):
    spec = compose["services"][service.name]
    assert f"python -m {service.module} migrate" in spec["command"][-1]
    assert f"exec python -m {service.module} serve" in spec["command"][-1]
    assert spec["ports"] == [f"{service.port}:{service.port}"]
    assert f"http://127.0.0.1:{service.port}/readyz" in " ".join(spec["healthcheck"]["test"])
    assert spec["depends_on"] == {
        "nats": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }
    env = {key: interpolate(str(value)) for key, value in spec["environment"].items()}
    database = env[f"{service.env_prefix}_DATABASE_URL"]
    assert database.endswith(f"@postgres:5432/{service.name}")
    assert env["NATS_URL"] == "nats://nats:4222"

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings(service.settings_cls)  # raises ConfigError if compose is wrong
    assert settings.environment == "production"
    assert settings.http_port == service.port
    assert settings.http_host == "0.0.0.0"


def test_report_files_live_on_a_shared_volume(compose):
    assert "reports" in compose["volumes"]
    for name in ("web", "dune_runner"):
        assert "reports:/var/lib/wallet-reports" in compose["services"][name]["volumes"]
