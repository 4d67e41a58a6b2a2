"""Where an order's report files go: `reports/{user_id}/{order_id}/{file_name}`, a
storage key with `/` separators (the ResultStore maps it to a file or an object).

The file name comes from configuration (the queries catalog) but is checked again here,
where it is joined: a name that could leave the order's folder (a separator, `..`, an
absolute path, a drive, NUL) would let one order's report overwrite another's. Only
letters, digits, `.`, `_` and `-` are allowed, not starting with `.`.
"""

from __future__ import annotations

import re
import uuid

from .errors import InvalidReportFileName

__all__ = ["REPORTS_ROOT", "check_file_name", "report_folder", "report_path"]

REPORTS_ROOT = "reports"
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MAX_LENGTH = 200


def check_file_name(file_name: str) -> str:
    """`file_name` if it is a bare, safe file name; else InvalidReportFileName."""
    if not file_name:
        raise InvalidReportFileName(file_name, "is empty")
    if "\x00" in file_name:
        raise InvalidReportFileName(file_name, "contains NUL")
    if "/" in file_name or "\\" in file_name:
        raise InvalidReportFileName(file_name, "contains a path separator")
    if file_name in (".", ".."):
        raise InvalidReportFileName(file_name, "is not a file name")
    if ":" in file_name:
        raise InvalidReportFileName(file_name, "names a drive or stream")
    if len(file_name) > _MAX_LENGTH:
        raise InvalidReportFileName(file_name[:40] + "...", f"is longer than {_MAX_LENGTH}")
    if not _SAFE.fullmatch(file_name):
        raise InvalidReportFileName(
            file_name, "may contain only letters, digits, '.', '_' and '-', not start with '.'"
        )
    return file_name


def report_folder(user_id: uuid.UUID, order_id: uuid.UUID) -> str:
    # UUIDs, not strings: nothing from outside can put a separator here.
    return f"{REPORTS_ROOT}/{uuid.UUID(str(user_id))}/{uuid.UUID(str(order_id))}"


def report_path(user_id: uuid.UUID, order_id: uuid.UUID, file_name: str) -> str:
    return f"{report_folder(user_id, order_id)}/{check_file_name(file_name)}"
