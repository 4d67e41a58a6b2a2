"""Execution ids shaped like Dune's: 26-character ULIDs (48-bit millisecond time, 80 random
bits, Crockford base32), e.g. 01HKZJ2683PHF9Q9PHHQ8FW4Q1."""

from __future__ import annotations

import re
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def new_execution_id() -> str:
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    digits = []
    for _ in range(26):
        digits.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(digits))


def looks_like_execution_id(text: str) -> bool:
    return bool(_SHAPE.match(text))
