"""DuneSQL (Trino dialect) to DuckDB SQL, through sqlglot: the same as
`sqlglot.transpile(sql, read="trino", write="duckdb")`, plus what Dune adds around it:

- one read-only query per execution (SELECT / WITH / VALUES / set operations); anything
  else fails as on a warehouse the caller cannot write to, and it keeps one execution from
  changing the tables the next one reads;
- output columns named as Trino names them: an expression without an alias is `_col<i>`
  (DuckDB would name it after its text);
- `CAST(x AS varchar)` of a varbinary gives its 0x-hex text, as DuneSQL does (DuckDB would
  give backslash-escaped bytes), through the `dune_cast_varchar` macro (see sql_engine);
- a construct sqlglot knows DuckDB cannot express fails the execution, instead of
  running something that means another thing.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError, UnsupportedError

from .execution_errors import (
    ExecutionError,
    ExecutionFailure,
    syntax_error,
    tokenizer_error,
)

# Created in every emulator database by SqlEngine; the name says whose semantics it has.
CAST_VARCHAR_MACRO = "dune_cast_varchar"
_TEXT_TYPES = (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT, exp.DataType.Type.CHAR)


def trino_to_duckdb(sql: str) -> str:
    statement = _single_query(sql)
    _name_unnamed_columns(statement)
    statement = _dune_varchar_casts(statement)
    try:
        return statement.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as err:
        raise ExecutionFailure(
            ExecutionError(f"Not supported by the emulator (DuckDB cannot express it): {err}")
        ) from err


def _single_query(sql: str) -> exp.Query | exp.Values:
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except ParseError as err:
        raise ExecutionFailure(syntax_error(err)) from err
    except TokenError as err:
        raise ExecutionFailure(tokenizer_error(err)) from err
    if not statements:
        raise ExecutionFailure(ExecutionError("mismatched input '<EOF>'. Expecting: <query>", 1, 1))
    if len(statements) > 1:
        raise ExecutionFailure(
            ExecutionError("mismatched input ';'. Expecting: one statement per query")
        )
    statement = statements[0]
    if not isinstance(statement, exp.Query | exp.Values):
        raise ExecutionFailure(
            ExecutionError(
                f"Access Denied: the emulator runs read-only queries, not {statement.key.upper()}",
                1,
                1,
            )
        )
    return statement


def _name_unnamed_columns(statement: exp.Query | exp.Values) -> None:
    select: exp.Expr = statement
    while isinstance(select, exp.SetOperation | exp.Subquery):
        select = select.this if isinstance(select, exp.Subquery) else select.left
    if not isinstance(select, exp.Select):
        return
    named: list[exp.Expr] = []
    for index, projection in enumerate(select.expressions):
        if isinstance(projection, exp.Alias | exp.Column | exp.Star):
            named.append(projection)
        else:
            named.append(exp.alias_(projection, f"_col{index}"))
    select.set("expressions", named)


def _dune_varchar_casts(statement: exp.Query | exp.Values) -> exp.Query | exp.Values:
    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Cast) and node.to.is_type(*_TEXT_TYPES):
            return exp.Anonymous(this=CAST_VARCHAR_MACRO, expressions=[node.this])
        return node

    rewritten = statement.transform(rewrite)
    assert isinstance(rewritten, exp.Query | exp.Values)
    return rewritten
