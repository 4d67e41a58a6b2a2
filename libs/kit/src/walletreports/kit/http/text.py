"""Text rules that are checked and documented as one pattern, for every service's
request schemas (orders' and payments' bodies and query values use them).

A JSON-schema `pattern` is read by every client in its own regex dialect, and `\\s`,
`\\w` or `.` mean different characters to Python, to the Rust regex pydantic uses and
to JavaScript. These patterns use only explicit classes and `\\uXXXX` escapes, which
mean the same everywhere, and are checked with exactly the pattern the schema shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

# Unicode White_Space (what Rust's, and so pydantic's, `trim` strips) as a regex class.
SPACE_CLASS = r"\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# The same characters, for `str.strip` (Python's own strip would take more: \x1c-\x1f).
WHITE_SPACE = "".join(c for c in map(chr, range(0x3001)) if re.match(f"[{SPACE_CLASS}]", c))

NO_NUL = r"^[^\u0000]*$"
# Something besides white space, and no NUL anywhere.
NOT_BLANK = rf"^[{SPACE_CLASS}]*[^\u0000{SPACE_CLASS}][^\u0000]*$"


@dataclass(frozen=True)
class Matching:
    """The string must match `pattern` (else it is refused with `message`, naming the
    field); the JSON schema shows the same `pattern`."""

    pattern: str
    message: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._checker(), handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "pattern": self.pattern}

    def _checker(self) -> Callable[[str], str]:
        regex = re.compile(self.pattern)

        def check(value: str) -> str:
            if regex.search(value) is None:
                raise ValueError(self.message)
            return value

        return check


# --- the annotated types every service's request schemas use ----------------------

# Unicode White_Space at either end is trimmed after the checks (raw lengths are bounded).
Trimmed = AfterValidator(lambda value: value.strip(WHITE_SPACE))

# PostgreSQL text cannot hold NUL; let through, it fails in the driver (a 500) when the
# value is stored or searched for.
NoNul = Matching(NO_NUL, "must not contain the NUL character (\\x00)")
NotBlank = Matching(NOT_BLANK, "must not be blank or contain the NUL character (\\x00)")

# Not a full RFC 5322 check (web owns and verifies emails); enough to refuse garbage:
# name@domain.tld, no spaces or control characters inside, spaces around trimmed.
_EMAIL_PART = rf"[^@{SPACE_CLASS}\u0000-\u001f\u007f]+"
_AROUND = rf"[{SPACE_CLASS}]*"
EMAIL_PATTERN = rf"^{_AROUND}{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}{_AROUND}$"

Email = Annotated[
    str,
    StringConstraints(max_length=254),
    Matching(EMAIL_PATTERN, "must be an email address (name@domain.tld)"),
    Trimmed,
]
