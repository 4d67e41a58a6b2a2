"""Ctrl-C and SIGTERM for the stack: noted, and checked between start-up steps."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived while the stack was starting."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopSignal:
    """SIGINT and SIGTERM set this, and start-up phases check it between steps. They do
    not raise where the code happens to be (that could strike between starting a child
    and recording it, leaving the child unstopped), except inside `raising()`."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._raise = False

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signum is None:
            self.signum = signum
        self.event.set()
        if self._raise:
            self._raise = False
            raise KeyboardInterrupt

    def check(self) -> None:
        if self.event.is_set():
            raise Interrupted(self.signum or signal.SIGINT)

    def wait(self, seconds: float) -> bool:
        return self.event.wait(seconds)

    @contextlib.contextmanager
    def raising(self) -> Iterator[None]:
        """Within this block a signal raises KeyboardInterrupt at once (as Interrupted),
        for work that blocks inside a library and starts no process: psycopg answers a
        KeyboardInterrupt by cancelling the running query on the server."""
        self._raise = True
        try:
            self.check()  # after arming: a signal just before is not missed
            yield
        except KeyboardInterrupt:
            raise Interrupted(self.signum or signal.SIGINT) from None
        finally:
            self._raise = False
