"""Query parameters substituted into the SQL as Dune does it: each `{{name}}` is replaced by
the parameter's value as plain text, no quoting added. Dune's docs have the SQL supply the
quotes: `'{{symbol}}'` for text, `timestamp '{{start}}'` for a datetime, bare `{{n}}` for a
number and bare `{{address}}` for a 0x... varbinary literal. A multi-value list parameter
is joined with commas (Dune's docs split it again with `split('{{list}}', ',')`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .dune_errors import DuneApiError

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def effective_parameters(
    declared: list[dict[str, Any]], given: Mapping[str, Any] | None
) -> dict[str, str]:
    """Each declared parameter's default, overridden by what the execute request gave
    (partial submission is allowed: the rest keep their defaults). Values the query does not
    declare are kept too, as text."""
    types = {p["key"]: p.get("type", "text") for p in declared}
    values: dict[str, str] = {}
    for parameter in declared:
        if "value" in parameter and parameter["value"] is not None:
            values[parameter["key"]] = _as_text(parameter["value"])
    for key, value in (given or {}).items():
        values[str(key)] = _as_text(value)
    for key, text in values.items():
        if types.get(key) == "number" and not NUMBER.match(text):
            raise DuneApiError(400, f"invalid value for number parameter {key!r}: {text!r}")
    return values


def substitute(sql: str, values: Mapping[str, str]) -> str:
    missing = sorted({m.group(1) for m in PLACEHOLDER.finditer(sql)} - set(values))
    if missing:
        raise DuneApiError(400, f"no value for query parameter(s): {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], sql)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_as_text(v) for v in value)
    return str(value)
