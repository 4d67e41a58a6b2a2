"""Paging through a result as Dune does: `limit` and `offset` choose the rows, a limit
above the server's cap is lowered to it (Dune's docs: it "will always provide the correct
next offset"), and while rows remain the answer says where the next page is (`next_uri` /
`next_offset` in JSON, `x-dune-next-uri` / `x-dune-next-offset` headers on CSV). The next
URI repeats the request's other query parameters, so a `columns=` choice carries on."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import URL, QueryParams

from .dune_errors import DuneApiError
from .result_set import ResultSet

# Dune features of the results endpoints the emulator does not have.
UNSUPPORTED_PARAMETERS = ("filters", "sort_by", "sample_count")


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int | None
    offset: int
    columns: list[str] | None
    allow_partial_results: bool


@dataclass(frozen=True, slots=True)
class Page:
    start: int
    end: int
    columns: list[str]
    next_offset: int | None  # None: this is the last page
    limit: int


def page_request(params: QueryParams) -> PageRequest:
    for name in UNSUPPORTED_PARAMETERS:
        if params.get(name) is not None:
            raise DuneApiError(400, f"the emulator does not support '{name}' on results")
    columns_text = params.get("columns")
    columns = [c.strip() for c in columns_text.split(",") if c.strip()] if columns_text else None
    return PageRequest(
        limit=_non_negative(params, "limit"),
        offset=_non_negative(params, "offset") or 0,
        columns=columns,
        allow_partial_results=(params.get("allow_partial_results") or "").lower() == "true",
    )


def choose_page(result: ResultSet, request: PageRequest, max_page_rows: int) -> Page:
    columns = request.columns or result.column_names
    unknown = [c for c in columns if c not in result.column_names]
    if unknown:
        raise DuneApiError(400, f"unknown column(s) in 'columns': {', '.join(unknown)}")
    limit = min(request.limit or max_page_rows, max_page_rows)
    total = len(result.rows)
    start = min(request.offset, total)
    end = min(start + limit, total)
    return Page(start, end, columns, end if end < total else None, limit)


def next_page_url(url: URL, page: Page) -> str | None:
    if page.next_offset is None:
        return None
    kept = [(k, v) for k, v in QueryParams(url.query).multi_items() if k not in ("limit", "offset")]
    kept += [("limit", str(page.limit)), ("offset", str(page.next_offset))]
    return str(url.replace(query=urlencode(kept, safe=",")))


def _non_negative(params: QueryParams, name: str) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise DuneApiError(400, f"'{name}' must be an integer, not {text!r}") from None
    if value < 0:
        raise DuneApiError(400, f"'{name}' must not be negative")
    return value
