"""Run a Dune emulator inside a test process.

    from walletreports.dune_emulator.testing import running_dune_emulator

    def tables(connection):                       # any DatasetLoader
        connection.execute("CREATE SCHEMA test; CREATE TABLE test.t AS SELECT 1 AS n")

    async with running_dune_emulator(loader=tables) as dune:     # free port, own thread
        client = DuneClient(api_key=dune.api_key, base_url=dune.base_url)
        query_id = dune.create_query("SELECT n FROM test.t")
        dune.fail_next("execute", 429, times=2)                  # scripted faults
        dune.execute_counts().started_by_query[query_id]         # what was really executed

The server runs on its own thread and event loop, so a test that blocks (dune-client is
synchronous) never stalls it, and it works whatever loop scope the tests use. Every control
method hands its work to that loop and waits for it (they are quick, so they are plain
methods, callable from sync and async tests alike). For pytest,
`walletreports.dune_emulator.pytest_plugin` wraps this as a `dune_emulator` fixture.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from . import states
from .datasets import DatasetLoader, synthetic_dataset
from .emulator import DuneEmulator
from .execute_counts import ExecuteCounts
from .faults import DEFAULT_SYNTAX_ERROR, ExecutionFault, HangFault, StatusFault
from .server import DuneEmulatorServer
from .settings import DEV_API_KEY, EmulatorSettings

T = TypeVar("T")


class RunningDuneEmulator:
    """A running emulator: where it is, and control of its faults, counts and settings."""

    def __init__(self, settings: EmulatorSettings, loader: DatasetLoader | None) -> None:
        self.settings = settings
        self._loader = loader
        self._loop = asyncio.new_event_loop()
        self._server: DuneEmulatorServer | None = None
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="dune-emulator", daemon=True
        )

    # ----- lifecycle -------------------------------------------------------------------

    def start(self) -> RunningDuneEmulator:
        self._thread.start()
        self._server = self._wait(self._start())
        return self

    async def _start(self) -> DuneEmulatorServer:
        server = DuneEmulatorServer(self.settings, self._loader)
        await server.start()
        return server

    def stop(self) -> None:
        if self._server is not None:
            self._wait(self._server.stop())
            self._server = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def _wait(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=timeout)

    def call(self, fn: Callable[[DuneEmulator], T]) -> T:
        """Run fn(emulator) on the emulator's loop and return its result."""

        async def run() -> T:
            return fn(self._running().emulator)

        return self._wait(run())

    def _running(self) -> DuneEmulatorServer:
        if self._server is None:
            raise RuntimeError("the Dune emulator is not running")
        return self._server

    @property
    def base_url(self) -> str:
        """dune-client's base_url (it adds /api/v1)."""
        return self._running().base_url

    @property
    def api_key(self) -> str:
        return self.settings.api_key

    # ----- queries and executions ------------------------------------------------------

    def create_query(
        self,
        sql: str,
        *,
        name: str = "test query",
        parameters: list[dict[str, Any]] | None = None,
        query_id: int | None = None,
    ) -> int:
        """Save a query (parameters as Dune stores them: {"key", "type", "value"}); pass
        query_id to give it the id a configuration already names."""
        return self.call(
            lambda e: (
                e.queries.create(
                    name=name, query_sql=sql, parameters=parameters, query_id=query_id
                ).query_id
            )
        )

    def execution_state(self, execution_id: str) -> str:
        return self.call(lambda e: e.execution(execution_id).state)

    def expire_execution(self, execution_id: str) -> None:
        """Its result is gone from now on (QUERY_STATE_EXPIRED), as after Dune's 90 days."""
        self.call(lambda e: e.expire(execution_id))

    # ----- counts ----------------------------------------------------------------------

    def execute_counts(self) -> ExecuteCounts:
        """received: every execute request; started: those that became an execution."""
        return self.call(lambda e: e.counts.snapshot())

    def reset_execute_counts(self) -> None:
        self.call(lambda e: e.counts.reset())

    # ----- scripted faults -------------------------------------------------------------

    def fail_next(
        self,
        endpoint: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        """The next `times` requests to `endpoint` (a name in faults.ENDPOINTS, or "*")
        get this status with Dune's body; 429 and 503 say Retry-After: 1 unless told."""
        fault = StatusFault(endpoint, status, times, retry_after, message)
        self.call(lambda e: e.faults.add(fault))

    def hang_next(self, endpoint: str, *, seconds: float, times: int = 1) -> None:
        """The next `times` requests to `endpoint` are handled, but answered only after
        `seconds` (make it longer than the client's timeout)."""
        fault = HangFault(endpoint, seconds, times)
        self.call(lambda e: e.faults.add(fault))

    def fail_next_execution(
        self, *, times: int = 1, query_id: int | None = None, message: str = DEFAULT_SYNTAX_ERROR
    ) -> None:
        """The next executions end QUERY_STATE_FAILED with this syntax error."""
        self._execution_fault(ExecutionFault("failed", times, query_id, message=message))

    def slow_next_execution(
        self, seconds: float, *, times: int = 1, query_id: int | None = None
    ) -> None:
        self._execution_fault(ExecutionFault("slow", times, query_id, seconds=seconds))

    def expire_next_execution(self, *, times: int = 1, query_id: int | None = None) -> None:
        """The next executions complete and their result is gone at once (EXPIRED)."""
        self._execution_fault(ExecutionFault("expired", times, query_id))

    def partial_next_execution(
        self, max_rows: int, *, times: int = 1, query_id: int | None = None
    ) -> None:
        """The next executions end QUERY_STATE_COMPLETED_PARTIAL with at most max_rows."""
        self._execution_fault(ExecutionFault("partial", times, query_id, max_rows=max_rows))

    def cancel_next_execution(
        self,
        *,
        state_name: str = states.CANCELLED,
        times: int = 1,
        query_id: int | None = None,
    ) -> None:
        """The next executions end cancelled (by someone else), spelled `state_name`:
        QUERY_STATE_CANCELLED, or QUERY_STATE_CANCELED as Dune's status docs spell it."""
        self._execution_fault(ExecutionFault("cancelled", times, query_id, state_name=state_name))

    def _execution_fault(self, fault: ExecutionFault) -> None:
        self.call(lambda e: e.faults.add(fault))

    def pending_faults(self) -> list[dict[str, Any]]:
        return self.call(lambda e: e.faults.pending())

    def clear_faults(self) -> None:
        self.call(lambda e: e.faults.clear())

    # ----- settings at run time --------------------------------------------------------

    def set_latency(self, seconds: float) -> None:
        """How long executions started from now stay PENDING/EXECUTING."""

        def apply(emulator: DuneEmulator) -> None:
            emulator.latency_seconds = seconds

        self.call(apply)

    def set_execute_limit(self, per_minute: int | None) -> None:
        def apply(emulator: DuneEmulator) -> None:
            emulator.rate_limit.per_window = per_minute
            emulator.rate_limit.reset()

        self.call(apply)

    def reset(self) -> None:
        """Faults, counts and the rate-limit window cleared; saved queries stay."""
        self.call(lambda e: e.reset())


def _settings(**overrides: Any) -> EmulatorSettings:
    settings = EmulatorSettings(port=0, api_key=DEV_API_KEY)
    for name, value in overrides.items():
        setattr(settings, name, value)
    return settings


@contextlib.contextmanager
def dune_emulator(
    *, loader: DatasetLoader | None = synthetic_dataset, **settings: Any
) -> Iterator[RunningDuneEmulator]:
    """Synchronous form: start an emulator on a free port, stop it on exit. Keywords are
    EmulatorSettings fields (latency_seconds=…, executes_per_minute=…, api_key=…)."""
    running = RunningDuneEmulator(_settings(**settings), loader).start()
    try:
        yield running
    finally:
        running.stop()


@contextlib.asynccontextmanager
async def running_dune_emulator(
    *, loader: DatasetLoader | None = synthetic_dataset, **settings: Any
) -> AsyncIterator[RunningDuneEmulator]:
    """Start an emulator on a free port for the duration of the block. `loader` fills its
    DuckDB (default: the synthetic Dune tables); keywords are EmulatorSettings fields."""
    running = RunningDuneEmulator(_settings(**settings), loader)
    await asyncio.to_thread(running.start)
    try:
        yield running
    finally:
        await asyncio.to_thread(running.stop)
