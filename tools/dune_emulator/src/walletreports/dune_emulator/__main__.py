"""`python -m walletreports.dune_emulator`: run the Dune API emulator in the foreground
until Ctrl-C.

Flags override DUNE_EMULATOR_* environment variables, which override the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from .datasets import SYNTHETIC, DatasetLoader, loader_from_spec
from .server import DuneEmulatorServer
from .settings import DEFAULT_PORT, DEV_API_KEY, EmulatorSettings


def _env(name: str, default: str | None) -> str | None:
    return os.environ.get(f"DUNE_EMULATOR_{name}", default)


def parse_args(argv: list[str] | None = None) -> tuple[EmulatorSettings, DatasetLoader | None]:
    parser = argparse.ArgumentParser(
        prog="python -m walletreports.dune_emulator",
        description="Dune HTTP API emulator running DuneSQL on DuckDB over synthetic tables",
    )
    parser.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(_env("PORT", str(DEFAULT_PORT)) or 0))
    parser.add_argument(
        "--api-key", default=_env("API_KEY", DEV_API_KEY), help="the one key accepted"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=float(_env("LATENCY_SECONDS", "0") or 0),
        help="seconds an execution stays PENDING/EXECUTING before it completes",
    )
    parser.add_argument(
        "--executes-per-minute",
        type=int,
        default=int(_env("EXECUTES_PER_MINUTE", "0") or 0),
        help="execute requests allowed per minute, then 429 (0 = no limit)",
    )
    parser.add_argument(
        "--dataset",
        default=_env("DATASET", SYNTHETIC),
        help="tables to load: synthetic (the default), none, or package.module:function",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=_env("STATE_DIR", None),
        help="keep saved queries in DIR/queries.json across restarts",
    )
    args = parser.parse_args(argv)
    state_dir = Path(args.state_dir) if args.state_dir else None
    if state_dir is not None and not state_dir.is_dir():
        parser.error(f"--state-dir: directory {state_dir} does not exist")
    if args.latency < 0 or args.executes_per_minute < 0:
        parser.error("--latency and --executes-per-minute must not be negative")
    try:
        loader = loader_from_spec(args.dataset)
    except (ImportError, ValueError) as exc:
        parser.error(f"--dataset: {exc}")
    settings = EmulatorSettings(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        latency_seconds=args.latency,
        executes_per_minute=args.executes_per_minute or None,
        state_dir=state_dir,
    )
    return settings, loader


async def run(settings: EmulatorSettings, loader: DatasetLoader | None) -> None:
    server = DuneEmulatorServer(settings, loader)
    await server.start()
    print(server.banner(), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
        print("dune emulator stopped", flush=True)


def main(argv: list[str] | None = None) -> None:
    settings, loader = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(run(settings, loader))
    except (OSError, ImportError) as exc:
        # ImportError: the dataset's module (e.g. the synthetic tables) is not there.
        print(f"dune emulator: cannot start: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
