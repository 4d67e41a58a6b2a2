"""The report queries: one DuneSQL file per report and `reports.toml`, the manifest that
names them, their parameters, their result columns and their CSV file names.

`load_reports()` reads and checks them all (see `catalog`).
"""

from .catalog import MANIFEST_NAME, PARAMETER_TYPES, ReportCatalogError, load_reports
from .report import ReportColumn, ReportParameter, ReportQuery

__all__ = [
    "MANIFEST_NAME",
    "PARAMETER_TYPES",
    "ReportCatalogError",
    "ReportColumn",
    "ReportParameter",
    "ReportQuery",
    "load_reports",
]
