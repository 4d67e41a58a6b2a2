"""The `error` object of a FAILED execution, worded the way Dune (Trino) words it:
`line 1:8: Column 'x' cannot be resolved at line 1, position 8 [Execution ID: ...]` with
`metadata: {line, column}`, built from sqlglot's parse errors and DuckDB's errors. Line and
column always point into the SQL the caller wrote (parameters substituted), not into the
DuckDB SQL it was transpiled to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlglot.errors import ParseError, TokenError

# Dune uses this one type for syntax and analysis errors alike.
EXECUTION_FAILED = "FAILED_TYPE_EXECUTION_FAILED"


@dataclass(frozen=True, slots=True)
class ExecutionError:
    message: str
    line: int | None = None
    column: int | None = None
    type: str = EXECUTION_FAILED

    def to_json(self, execution_id: str) -> dict[str, Any]:
        if self.line is None or self.column is None:
            text = f"{self.message} [Execution ID: {execution_id}]"
            return {"type": self.type, "message": text}
        where = f"line {self.line}:{self.column}"
        text = (
            f"{where}: {self.message} at line {self.line}, position {self.column} "
            f"[Execution ID: {execution_id}]"
        )
        return {
            "type": self.type,
            "message": text,
            "metadata": {"line": self.line, "column": self.column},
        }


class ExecutionFailure(Exception):
    """The SQL could not run; `error` is what the execution's status will report."""

    def __init__(self, error: ExecutionError) -> None:
        super().__init__(error.message)
        self.error = error


# ----- syntax errors (sqlglot parsing the Trino SQL) -----------------------------------

_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: .*?>")
_CLASS_REPR = re.compile(r"<class 'sqlglot\.[\w.]*\.(\w+)'>")


def syntax_error(err: ParseError) -> ExecutionError:
    if not err.errors:
        return ExecutionError(f"mismatched input. {err}")
    first = err.errors[0]
    description = _TOKEN_REPR.sub(_token_text, str(first.get("description", "")))
    description = _CLASS_REPR.sub(r"\1", description)
    highlight = str(first.get("highlight") or "")
    line, end_column = first.get("line"), first.get("col")
    column = end_column - len(highlight) + 1 if isinstance(end_column, int) else None
    if highlight and "\n" not in highlight:
        message = f"mismatched input '{highlight}'. {description}"
    else:
        message = f"mismatched input. {description}"
    return ExecutionError(message, line, max(column, 1) if column else None)


def tokenizer_error(err: TokenError) -> ExecutionError:
    # sqlglot's tokenizer reports no position (an unterminated string or quoted name).
    return ExecutionError(f"mismatched input: {err}")


def _token_text(match: re.Match[str]) -> str:
    return "<EOF>" if match.group(1) == "SENTINEL" else f"'{match.group(2)}'"


# ----- analysis and runtime errors (DuckDB running the transpiled SQL) ----------------

_COLUMN_MISSING = (
    re.compile(r'Referenced column "([^"]+)" not found'),
    re.compile(r'Referenced column "([^"]+)" was not found'),
    re.compile(r'does not have a column named "([^"]+)"'),
)
_TABLE_MISSING = re.compile(r'Table with name "?([^"\s]+)"? does not exist')
_FUNCTION_MISSING = re.compile(r"Function with name (\S+) does not exist")
_TYPE_MISSING = re.compile(r"Type with name (\S+) does not exist")


def analysis_error(err: duckdb.Error, sql: str) -> ExecutionError:
    text = str(err)
    first_line = text.splitlines()[0] if text else type(err).__name__
    span = _caret_span(text)
    line, column = _locate(span, sql) if span else (None, None)
    for pattern in _COLUMN_MISSING:
        if found := pattern.search(first_line):
            return ExecutionError(
                f"Column '{span or found.group(1)}' cannot be resolved", line, column
            )
    if found := _TABLE_MISSING.search(first_line):
        return ExecutionError(f"Table '{span or found.group(1)}' does not exist", line, column)
    if found := _FUNCTION_MISSING.search(first_line):
        name = found.group(1).lower()
        line, column = _locate_call(name, sql)
        return ExecutionError(f"Function '{name}' not registered", line, column)
    if found := _TYPE_MISSING.search(first_line):
        return ExecutionError(f"Unknown type: {found.group(1).lower()}", line, column)
    return ExecutionError(first_line, line, column)


def _caret_span(text: str) -> str | None:
    """The text DuckDB underlines with ^^^ under its `LINE n: ...` echo of the query."""
    lines = text.splitlines()
    for index, caret_line in enumerate(lines[1:], start=1):
        start = caret_line.find("^")
        if start < 0 or caret_line.strip(" ^") or not lines[index - 1].startswith("LINE "):
            continue
        width = len(caret_line.rstrip()) - start
        span = lines[index - 1][start : start + width].strip()
        return span or None
    return None


def _locate(span: str, sql: str) -> tuple[int | None, int | None]:
    """1-based line and column of `span` in the caller's SQL; DuckDB's echo is of the
    transpiled SQL, so look for the same identifier (case and quoting may differ)."""
    candidates = [span, span.replace('"', ""), span.replace('"', "").rsplit(".", 1)[-1]]
    for candidate in candidates:
        found = re.search(rf"(?<![\w.]){re.escape(candidate)}(?!\w)", sql, re.IGNORECASE)
        if found:
            return _line_and_column(sql, found.start())
    return None, None


def _locate_call(name: str, sql: str) -> tuple[int | None, int | None]:
    found = re.search(rf"(?<![\w.]){re.escape(name)}\s*\(", sql, re.IGNORECASE)
    return _line_and_column(sql, found.start()) if found else (None, None)


def _line_and_column(sql: str, offset: int) -> tuple[int, int]:
    line_start = sql.rfind("\n", 0, offset) + 1
    return sql.count("\n", 0, offset) + 1, offset - line_start + 1
