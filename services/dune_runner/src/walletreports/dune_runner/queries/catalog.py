"""The report catalog: `reports.toml` and the DuneSQL files beside it, read from the package
and checked in full, so that a broken manifest stops a test or the service's start instead
of a paid Dune execution.

Every rule broken raises `ReportCatalogError` naming the report and the problem:
- the manifest is TOML with a non-empty `[[reports]]` list and nothing else; every report
  has exactly the keys name, file, output_file, description, parameters and columns;
- report names are unique identifiers (lower-case letters, digits, underscores);
- `file` is a bare `.sql` file name, present beside the manifest and not empty;
- `output_file` is a bare `.csv` file name, unique across reports: not absolute, no drive,
  no path separators, not `.` or `..`, only letters, digits, `.`, `_` and `-`, not hidden;
  it is joined under an order's report folder, so anything else could write outside it;
- every declared parameter appears in the SQL as `{{name}}`, every `{{...}}` in the SQL is a
  declared parameter, parameter names are unique and their types are Dune's;
- columns are declared, their names unique and their types Dune types.

Pure: nothing but the package's own files is read (through importlib.resources, so it works
from a wheel too); a directory can be given instead, for tests.
"""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, NoReturn

from .report import ReportColumn, ReportParameter, ReportQuery

MANIFEST_NAME = "reports.toml"
PARAMETER_TYPES = ("text", "number", "datetime", "enum")

_PACKAGE = __name__.rpartition(".")[0]
_REPORT_KEYS = ("name", "file", "output_file", "description", "parameters", "columns")
_PARAMETER_KEYS = ("name", "type", "default")
_COLUMN_KEYS = ("name", "type")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_DUNE_TYPE = re.compile(
    r"varchar|varbinary|boolean|integer|bigint|double|date|uint256|int256"
    r"|decimal\(\d+, ?\d+\)|timestamp\(3\)( with time zone)?|array\(.+\)"
)


class ReportCatalogError(ValueError):
    """The manifest or a query file breaks a rule; the message says which and where."""


def load_reports(directory: Traversable | None = None) -> tuple[ReportQuery, ...]:
    """Every report of the manifest in `directory` (default: this package), checked."""
    root = files(_PACKAGE) if directory is None else directory
    manifest = root.joinpath(MANIFEST_NAME)
    if not manifest.is_file():
        raise ReportCatalogError(f"{MANIFEST_NAME} not found in {root}")
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ReportCatalogError(f"{MANIFEST_NAME} is not valid TOML: {error}") from None
    _only_keys(data, ("reports",), "the manifest")
    entries = data.get("reports")
    if not isinstance(entries, list) or not entries:
        _fail("the manifest", "declares no reports (a [[reports]] list is required)")
    reports = tuple(_report(root, entry, position) for position, entry in enumerate(entries, 1))
    _unique([r.name for r in reports], "report name", "the manifest")
    _unique([r.output_file for r in reports], "output_file", "the manifest")
    return reports


def _report(root: Traversable, entry: object, position: int) -> ReportQuery:
    where = f"report #{position}"
    if not isinstance(entry, dict):
        _fail(where, "is not a table")
    name = _identifier(entry.get("name"), "name", where)
    where = f"report {name!r}"
    _only_keys(entry, _REPORT_KEYS, where)
    file = _bare_file_name(entry.get("file"), "file", ".sql", where)
    output_file = _bare_file_name(entry.get("output_file"), "output_file", ".csv", where)
    description = _text(entry.get("description"), "description", where)
    parameters = _parameters(entry.get("parameters"), where)
    columns = _columns(entry.get("columns"), where)
    sql = _sql(root, file, where)
    _placeholders_match(sql, file, parameters, where)
    return ReportQuery(
        name=name,
        sql=sql,
        parameters=parameters,
        columns=columns,
        output_file=output_file,
        description=description,
    )


def _sql(root: Traversable, file: str, where: str) -> str:
    source = root.joinpath(file)
    if not source.is_file():
        _fail(where, f"its file {file!r} does not exist beside {MANIFEST_NAME}")
    sql = source.read_text(encoding="utf-8")
    if not sql.strip():
        _fail(where, f"its file {file!r} is empty")
    return sql


def _placeholders_match(
    sql: str, file: str, parameters: tuple[ReportParameter, ...], where: str
) -> None:
    used: set[str] = set()
    for match in _PLACEHOLDER.finditer(sql):
        inner = match.group(1).strip()
        if not _IDENTIFIER.fullmatch(inner):
            _fail(where, f"{file} has a malformed placeholder {match.group(0)!r}")
        used.add(inner)
    declared = {parameter.name for parameter in parameters}
    if undeclared := sorted(used - declared):
        _fail(where, f"{file} uses undeclared parameter(s): {', '.join(undeclared)}")
    if unused := sorted(declared - used):
        _fail(where, f"declared parameter(s) not used in {file}: {', '.join(unused)}")


def _parameters(value: object, where: str) -> tuple[ReportParameter, ...]:
    # A report without parameters still says so ("parameters = []"): forgetting the wallet
    # parameter must not look like a parameterless report.
    if not isinstance(value, list):
        _fail(where, "parameters must be a list of {name, type[, default]} tables")
    parameters = []
    for position, entry in enumerate(value, 1):
        context = f"{where}, parameter #{position}"
        if not isinstance(entry, dict):
            _fail(context, "is not a table")
        _only_keys(entry, _PARAMETER_KEYS, context)
        name = _identifier(entry.get("name"), "name", context)
        kind = _text(entry.get("type"), "type", context)
        if kind not in PARAMETER_TYPES:
            _fail(context, f"type {kind!r} is not a Dune parameter type {PARAMETER_TYPES}")
        default = entry.get("default")
        # The Dune API takes every parameter value as a string; so does the manifest.
        if default is not None and not isinstance(default, str):
            _fail(context, f"default must be a string, got {default!r}")
        parameters.append(ReportParameter(name=name, type=kind, default=default))
    _unique([p.name for p in parameters], "parameter name", where)
    return tuple(parameters)


def _columns(value: object, where: str) -> tuple[ReportColumn, ...]:
    if not isinstance(value, list) or not value:
        _fail(where, "columns must be a non-empty list of {name, type} tables")
    columns = []
    for position, entry in enumerate(value, 1):
        context = f"{where}, column #{position}"
        if not isinstance(entry, dict):
            _fail(context, "is not a table")
        _only_keys(entry, _COLUMN_KEYS, context)
        name = _text(entry.get("name"), "name", context)
        kind = _text(entry.get("type"), "type", context)
        if not _DUNE_TYPE.fullmatch(kind):
            _fail(context, f"type {kind!r} of column {name!r} is not a Dune type")
        columns.append(ReportColumn(name=name, type=kind))
    _unique([c.name for c in columns], "column name", where)
    return tuple(columns)


def _bare_file_name(value: object, key: str, suffix: str, where: str) -> str:
    name = _text(value, key, where)
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute():
        _fail(where, f"{key} {name!r} is an absolute path; it must be a bare file name")
    if PureWindowsPath(name).drive:
        _fail(where, f"{key} {name!r} names a drive; it must be a bare file name")
    if "/" in name or "\\" in name:
        _fail(where, f"{key} {name!r} contains a path separator; it must be a bare file name")
    if name in (".", ".."):
        _fail(where, f"{key} {name!r} is not a file name")
    if not _FILE_NAME.fullmatch(name):
        _fail(
            where,
            f"{key} {name!r} may contain only letters, digits, '.', '_' and '-', "
            "and must not start with '.'",
        )
    if not name.endswith(suffix) or name == suffix:
        _fail(where, f"{key} {name!r} must be a {suffix} file name")
    return name


def _identifier(value: object, key: str, where: str) -> str:
    name = _text(value, key, where)
    if not _IDENTIFIER.fullmatch(name):
        _fail(where, f"{key} {name!r} must be lower-case letters, digits and underscores")
    return name


def _text(value: object, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(where, f"{key} must be a non-empty string, got {value!r}")
    return value


def _only_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    # A misspelt key ("output_fle") would otherwise be ignored and its value silently lost.
    if unknown := sorted(set(table) - set(allowed)):
        _fail(where, f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(allowed)})")


def _unique(values: list[str], what: str, where: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            _fail(where, f"{what} {value!r} is declared twice")
        seen.add(value)


def _fail(where: str, problem: str) -> NoReturn:
    raise ReportCatalogError(f"{MANIFEST_NAME}: {where}: {problem}")
