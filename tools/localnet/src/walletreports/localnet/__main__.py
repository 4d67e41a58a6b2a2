"""`python -m walletreports.localnet`: run the localnet in the foreground until Ctrl-C.

Flags override LOCALNET_* environment variables, which override the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import signal
import sys
from pathlib import Path

from .chain import StateFileError
from .genesis import DEFAULT_SEED, GenesisConfig, MintSpec
from .server import LocalnetServer, LocalnetSettings


def _env(name: str, default: str | None) -> str | None:
    return os.environ.get(f"LOCALNET_{name}", default)


def parse_args(argv: list[str] | None = None) -> LocalnetSettings:
    parser = argparse.ArgumentParser(prog="python -m walletreports.localnet",
                                     description="Solana JSON-RPC localnet over LiteSVM")
    parser.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    parser.add_argument("--rpc-port", type=int, default=int(_env("RPC_PORT", "8899")))
    parser.add_argument("--ws-port", type=int, default=int(_env("WS_PORT", "8900")))
    parser.add_argument("--slot-ms", type=int, default=int(_env("SLOT_MS", "400")),
                        help="slot length in ms; 0 = slots only advance via localnet_advanceSlots")
    parser.add_argument("--seed", default=_env("SEED", DEFAULT_SEED),
                        help="derives the funded test wallets; same seed, same keys")
    parser.add_argument("--wallets", type=int, default=int(_env("WALLETS", "5")))
    parser.add_argument("--mint", action="append", default=None, metavar="SYMBOL:ADDRESS:DECIMALS",
                        help="extra genesis mint (repeatable; env LOCALNET_MINTS, comma-separated)")
    parser.add_argument("--state", type=Path, default=_env("STATE", None),
                        help="load this state file at start if present, save it at exit")
    args = parser.parse_args(argv)
    state = Path(args.state) if args.state else None
    if state is not None and not state.parent.is_dir():
        # It is written at exit: found out then, the whole session's ledger would be lost.
        parser.error(f"--state: directory {state.parent} does not exist")
    mint_texts = args.mint if args.mint is not None else [
        m for m in (_env("MINTS", "") or "").split(",") if m.strip()
    ]
    try:
        extra = tuple(MintSpec.parse(m.strip()) for m in mint_texts)
    except ValueError as exc:
        parser.error(str(exc))
    genesis = GenesisConfig(seed=args.seed, wallet_count=args.wallets, extra_mints=extra)
    return LocalnetSettings(host=args.host, rpc_port=args.rpc_port, ws_port=args.ws_port,
                            slot_ms=args.slot_ms or None, genesis=genesis,
                            state_file=state)


async def keep_the_ledger_out_of_gc(every_seconds: float = 1.0) -> None:
    """The ledger only grows and its records live for good, so a full collection would
    walk all of them again and again; those pauses were the lookup's p99. Freezing moves
    what exists now out of the collector's reach (reference counting still frees it).
    Collect first: a garbage cycle not yet collected (a closed connection's, a request's)
    would be frozen too and never freed. That collection walks only what is not frozen
    yet, about a second's worth of objects."""
    while True:
        gc.collect()
        gc.freeze()
        await asyncio.sleep(every_seconds)


async def run(settings: LocalnetSettings) -> None:
    server = LocalnetServer(settings)
    await server.start()
    freezer = asyncio.create_task(keep_the_ledger_out_of_gc())
    print(server.banner(), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        freezer.cancel()
        await server.stop()
        print("localnet stopped", flush=True)


def main(argv: list[str] | None = None) -> None:
    settings = parse_args(argv)
    try:
        asyncio.run(run(settings))
    except (OSError, StateFileError) as exc:
        print(f"localnet: cannot start: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
