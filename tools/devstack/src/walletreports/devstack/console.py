"""What the stack says: timestamped lines, one-line errors."""

from __future__ import annotations

import time


class StackError(Exception):
    """Something the stack needs is missing; the message says what."""


def say(message: str) -> None:
    print(f"[dev {time.strftime('%H:%M:%S')}] {message}", flush=True)


def describe(exc: BaseException) -> str:
    """One line for an exception: the driver's error rather than SQLAlchemy's wrapper."""
    orig = getattr(exc, "orig", None)
    cause = orig if isinstance(orig, BaseException) else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__
