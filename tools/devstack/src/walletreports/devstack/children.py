"""Child processes that die with the stack: Ctrl-C, a crash or a kill -9 of the parent
leaves nothing behind."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from collections.abc import Sequence

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Linux asks the kernel to SIGTERM the child when its parent goes, however it goes.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass
    # Own process group: a terminal Ctrl-C reaches only the stack, which then stops
    # children in order instead of all of them racing at once.
    os.setpgid(0, 0)


def spawn(argv: Sequence[str], env: dict[str, str], log_path: str | None = None) -> subprocess.Popen[bytes]:
    out = open(log_path, "ab") if log_path else None  # noqa: SIM115 - the child owns it
    return subprocess.Popen(list(argv), env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                            preexec_fn=_die_with_parent)


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
