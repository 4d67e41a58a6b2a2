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
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
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
