"""Child processes of the stack, and what happens to them when the stack ends.

Covered: every process started with `spawn` (nats-server, the localnet, the five
services). On Linux each asks the kernel for SIGTERM when the stack dies, so Ctrl-C, a
crash or a kill -9 of the stack leaves none of them behind. The kernel sends it when
the *thread* that spawned the child ends, so spawn only from the main thread. Not on
macOS (no such kernel feature): there a kill -9 leaves them running; Ctrl-C and
errors still stop them through stop_all.

Not covered: the embedded PostgreSQL. pgserver starts it through pg_ctl, which puts it
in its own session and exits, so it is no child of the stack. Ctrl-C, SIGTERM and
errors stop it (the stack's cleanup and pgserver's atexit hook); a kill -9 of the
stack leaves it running, and the next `make dev` on the same state dir reuses it and
stops it when that run ends (postgres.forget_dead_handles).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
from collections.abc import Sequence

_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    # Linux asks the kernel to SIGTERM the child when its parent goes, however it goes.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass
    else:
        if os.getppid() != parent:  # the stack died before the request was in place
            os._exit(1)
    # Own process group: a terminal Ctrl-C reaches only the stack, which then stops
    # children in order instead of all of them racing at once.
    os.setpgid(0, 0)


def spawn(argv: Sequence[str], env: dict[str, str], log_path: str | None = None) -> subprocess.Popen[bytes]:
    parent = os.getpid()
    # The child gets its own copy of the log's descriptor; the stack's is closed at once.
    with open(log_path, "ab") if log_path else contextlib.nullcontext() as out:
        return subprocess.Popen(list(argv), env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                                preexec_fn=lambda: _die_with(parent))


def stop_all(children: Sequence[subprocess.Popen[bytes]], timeout: float = 10.0) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
