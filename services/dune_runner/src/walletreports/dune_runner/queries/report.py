"""A report query as the manifest declares it: the DuneSQL, its parameters, the columns its
result must have, and where its CSV goes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportParameter:
    """A `{{name}}` placeholder of the SQL, typed as Dune types query parameters."""

    name: str
    type: str  # text | number | datetime | enum
    default: str | None = None  # None: every execution must supply a value


@dataclass(frozen=True)
class ReportColumn:
    """One column of the query's result, with the Dune type it has there."""

    name: str
    type: str  # e.g. varchar, varbinary, uint256, timestamp(3) with time zone


@dataclass(frozen=True)
class ReportQuery:
    """One report: the query that produces it on Dune, and what it must return."""

    name: str
    sql: str
    parameters: tuple[ReportParameter, ...]
    columns: tuple[ReportColumn, ...]
    output_file: str  # a bare file name, safe to join under the order's report folder
    description: str

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(parameter.name for parameter in self.parameters)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)
