"""Run a localnet inside a test process.

    from walletreports.localnet.testing import running_localnet

    async with running_localnet() as net:          # free ports, manual slot clock
        client = AsyncClient(net.rpc_url)
        [sig] = await net.pay(url)                  # pay a Solana Pay URL from wallets[0]
        await net.advance_slots(1)                  # -> confirmed
        await net.drop_transaction(sig)             # a fork rolls it back
        await net.advance_slots(32)                 # finalized (what was not dropped)

The server runs on its own thread and event loop, so a test that blocks (a subprocess, a
synchronous client) never stalls it, and it works whatever loop scope the tests use.
Every control method hands work to that loop; nothing touches the chain from outside it.
For pytest, `walletreports.localnet.pytest_plugin` wraps this as a `localnet` fixture.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from .chain import DEFAULT_DROP_DELAY, Chain
from .genesis import GenesisConfig, mint_authority, test_wallets
from .pay.wallet import BadPayment, pay_transfer_request
from .server import LocalnetServer, LocalnetSettings

T = TypeVar("T")


class Localnet:
    """A running localnet: URLs, funded wallets, and clock and fork control."""

    def __init__(self, settings: LocalnetSettings) -> None:
        self._settings = settings
        self._loop = asyncio.new_event_loop()
        self._server: LocalnetServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="localnet",
                                        daemon=True)
        self.wallets: list[Keypair] = test_wallets(settings.genesis)
        self.mint_authority: Keypair = mint_authority(settings.genesis)
        self.mints: dict[str, Pubkey] = {m.symbol: m.address for m in settings.genesis.mints}

    # ----- lifecycle -------------------------------------------------------------------

    def start(self) -> "Localnet":
        self._thread.start()
        self._server = self._submit(self._start()).result(timeout=30)
        return self

    async def _start(self) -> LocalnetServer:
        server = LocalnetServer(self._settings)
        await server.start()
        return server

    def stop(self) -> None:
        if self._server is not None:
            self._submit(self._server.stop()).result(timeout=30)
            self._server = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def _submit(self, coro) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    @property
    def rpc_url(self) -> str:
        return self._server.rpc_url

    @property
    def ws_url(self) -> str:
        return self._server.ws_url

    @property
    def payer(self) -> Keypair:
        """The default funded wallet (the one `make pay` uses)."""
        return self.wallets[0]

    # ----- running code against the chain ----------------------------------------------

    def call_sync(self, fn: Callable[[Chain], T]) -> T:
        """Run fn(chain) on the localnet's loop and return its result (blocking)."""

        async def run() -> T:
            return fn(self._server.chain)

        return self._submit(run()).result(timeout=60)

    async def call(self, fn: Callable[[Chain], T]) -> T:
        """Run fn(chain) on the localnet's loop, awaiting it from any other loop."""

        async def run() -> T:
            return fn(self._server.chain)

        return await asyncio.wrap_future(self._submit(run()))

    # ----- clock and forks -------------------------------------------------------------

    async def advance_slots(self, count: int = 1) -> int:
        """Advance the slot clock by `count`; 1 confirms what was processed, 32 finalizes."""

        def advance(chain: Chain) -> int:
            for _ in range(count):
                chain.advance_slot()
            return chain.slot

        return await self.call(advance)

    async def slot(self) -> int:
        return await self.call(lambda chain: chain.slot)

    async def drop_transaction(self, signature: str | Signature) -> None:
        """Roll a confirmed-but-not-finalized transaction back now (a lost fork)."""
        await self.call(lambda chain: chain.drop_transaction(str(signature)))

    async def schedule_drop(
        self, signature: str | Signature, after_slots: int = DEFAULT_DROP_DELAY
    ) -> int:
        """Roll it back once it is `after_slots` old; returns that slot."""
        return await self.call(lambda chain: chain.schedule_drop(str(signature), after_slots))

    # ----- the test wallet -------------------------------------------------------------

    async def pay(self, url: str, *, payer: Keypair | None = None, **bad: object) -> list[str]:
        """Pay a transfer-request URL; keyword arguments are BadPayment fields
        (amount=Decimal("0.5"), mint=…, recipient=…, drop_references=True, omit_memo=True,
        memo="…", fail=True, times=2, version=0, extra_references=[…], fork=True)."""
        return await pay_transfer_request(
            url, rpc_url=self.rpc_url, payer=payer or self.payer, bad=BadPayment(**bad)
        )

    async def provision_merchant(self, owner: Pubkey, **kw: object):
        """Give `owner` a funded system account and an ATA per genesis mint, paid by the
        genesis faucet (see walletreports.localnet.provision; keywords: mints=[…],
        funder=Keypair, lamports=…). Waits for 'processed', then advances one slot when it
        sent anything, so the accounts are in place and confirmed on the manual clock too."""
        from .genesis import faucet_keypair
        from .provision import provision_merchant

        mints = kw.pop("mints", list(self.mints.values()))
        funder = kw.pop("funder", faucet_keypair(self._settings.genesis))
        report = await provision_merchant(self.rpc_url, owner, mints, funder, **kw)
        if report.signatures:
            await self.advance_slots(1)
        return report


def _settings(slot_ms: int | None, genesis: GenesisConfig | None, host: str) -> LocalnetSettings:
    return LocalnetSettings(host=host, rpc_port=0, ws_port=0, slot_ms=slot_ms,
                            genesis=genesis or GenesisConfig())


@contextlib.contextmanager
def localnet(
    *, slot_ms: int | None = None, genesis: GenesisConfig | None = None, host: str = "127.0.0.1"
) -> Iterator[Localnet]:
    """Synchronous form: start a localnet on free ports, stop it on exit."""
    net = Localnet(_settings(slot_ms, genesis, host)).start()
    try:
        yield net
    finally:
        net.stop()


@contextlib.asynccontextmanager
async def running_localnet(
    *, slot_ms: int | None = None, genesis: GenesisConfig | None = None, host: str = "127.0.0.1"
) -> AsyncIterator[Localnet]:
    """Start a localnet on free ports for the duration of the block.

    slot_ms=None (the default) means a manual clock: slots only move on advance_slots(),
    so commitment transitions happen exactly when a test says. Pass e.g. slot_ms=50 for a
    live clock."""
    net = Localnet(_settings(slot_ms, genesis, host))
    await asyncio.to_thread(net.start)
    try:
        yield net
    finally:
        await asyncio.to_thread(net.stop)
