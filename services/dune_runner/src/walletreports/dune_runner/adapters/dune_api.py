"""Dune's HTTP API over dune-client: the read side the poller uses (`DuneQueriesPort`:
status, CSV results), the one execute per attempt the `dune.execute` performer sends,
and the query management the sync command and readiness use.

Why the synchronous `DuneClient`, run in worker threads (a pool of this adapter's own, so
slow Dune calls never take the event loop's default executor from DNS lookups and the
like): its
transport is a requests Session whose retry policy is one urllib3 `Retry` on the
session's HTTPAdapter, which this module replaces per purpose. dune-client's own policy
(total=5 on 429/502/503/504 and read timeouts, POST included) would send a paid execute
up to six times; `AsyncDuneClient` retries inside its request helper, with no switch per
call, and turns a read timeout into a bare `asyncio.TimeoutError`. Here:

- Executes go through a Session of their own, made fresh for each execute (so no pooled
  keep-alive connection the server has closed can fail a request after it was written),
  whose adapter has `Retry(total=0, read=False)`: the POST is sent exactly once. What
  comes back is sorted by whether Dune may have taken it: a failure to connect (refused,
  DNS, connect timeout, TLS handshake) certainly sent nothing; a read timeout, a
  connection that broke after the request was written, a gateway's 502/504 or a 2xx
  that cannot be read may have been accepted (`ExecuteFailed.outcome_unknown`: the
  performer lets the kit mark the effect in_doubt). Any other status is Dune's refusal.
- GETs (status, results, reading a query) may be repeated: their Session retries
  connection errors, read timeouts and 429/502/503/504 a few times with back-off
  (Retry-After honoured), then hands the last answer back to be classified.
- Status is read as Dune sends it, not through dune-client's `ExecutionStatusResponse`,
  whose enum refuses QUERY_STATE_CANCELED (Dune's docs' spelling): a ValueError instead
  of a cancelled execution. CSV results are streamed page by page (`limit`/`offset`,
  following `x-dune-next-uri`, else `x-dune-next-offset`) and each page's body in chunks,
  never a whole page, let alone the whole result, in memory (dune-client's CSV helper
  reads a page into a BytesIO). Every page starts with the header row; only the first
  page's is passed on, the others are checked against it and dropped.

Every failure becomes one of the domain's problem types (`HttpRefusal`, `NoAnswer`), so
`domain.classify` decides what it means; the URLs built here quote what goes into a path.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import quote, urljoin

import requests
from dune_client.client import DuneClient
from dune_client.models import DuneError
from dune_client.query import QueryBase
from dune_client.types import QueryParameter
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.util.retry import Retry

from ..domain import ExecutionStatus, HttpRefusal, NoAnswer, execute_outcome_unknown
from ..service_layer.ports import DuneCallFailed

__all__ = ["Accepted", "DuneApi", "ExecuteFailed", "QueryCheck"]

log = logging.getLogger("walletreports.dune_runner.dune_api")

CHUNK_BYTES = 64 * 1024
DEFAULT_PAGE_ROWS = 10_000
RETRIED_STATUSES = frozenset({429, 502, 503, 504})

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Accepted:
    """Dune accepted the execute: its execution, in the state it reported."""

    execution_id: str
    state: str


class ExecuteFailed(Exception):
    """The execute did not give an execution id. `problem` is what happened (for
    `classify`); `outcome_unknown` says Dune may have accepted it all the same."""

    def __init__(self, problem: HttpRefusal | NoAnswer, *, outcome_unknown: bool) -> None:
        super().__init__(_describe(problem))
        self.problem = problem
        self.outcome_unknown = outcome_unknown


@dataclass(frozen=True, slots=True)
class QueryCheck:
    """What reading a saved query said: found, or the problem."""

    query_id: int
    name: str | None = None
    problem: HttpRefusal | NoAnswer | None = None


def _session(retry: Retry) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _get_retry(retries: int) -> Retry:
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=0.5,
        backoff_max=10,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer comes back and is classified
    )


# Sent once: no retry of anything, and a read error re-raised as it is (ReadTimeout
# stays a timeout instead of becoming "max retries exceeded").
_EXECUTE_RETRY = Retry(total=0, read=False, redirect=False, raise_on_status=False)


class DuneApi:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout_seconds: float = 10.0,
        page_rows: int = DEFAULT_PAGE_ROWS,
        get_retries: int = 3,
        threads: int = 16,
    ) -> None:
        if page_rows < 1:
            raise ValueError("page_rows must be at least 1")
        # As many as the effect runner performs at once (16), so executes never queue
        # behind each other's timeouts; polls are one at a time per pass.
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dune-api")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout_seconds
        self._page_rows = page_rows
        self._reads = self._client(_session(_get_retry(get_retries)))

    def _client(self, session: requests.Session) -> DuneClient:
        client = DuneClient(
            api_key=self._api_key, base_url=self.base_url, request_timeout=self._timeout
        )
        client.http.close()
        client.http = session
        return client

    def close(self) -> None:
        self._reads.http.close()
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in this adapter's threads, with the caller's context (log fields)."""
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{self._reads.api_version}"

    @property
    def client(self) -> DuneClient:
        """dune-client on the retrying read session (query management: sync, checks).
        Never for executes."""
        return self._reads

    # --- the execute -----------------------------------------------------------------

    async def execute(self, query_id: int, parameters: Mapping[str, str]) -> Accepted:
        """POST /query/{id}/execute, sent exactly once; ExecuteFailed otherwise."""
        return await self._run(self._execute, query_id, dict(parameters))

    def _execute(self, query_id: int, parameters: dict[str, str]) -> Accepted:
        client = self._client(_session(_EXECUTE_RETRY))
        query = QueryBase(
            query_id=query_id,
            params=[QueryParameter.text_type(name, value) for name, value in parameters.items()],
        )
        try:
            response = client.execute_query(query)
        except requests.HTTPError as error:
            problem: HttpRefusal | NoAnswer = _refusal(error.response)
            raise ExecuteFailed(problem, outcome_unknown=execute_outcome_unknown(problem)) from None
        except requests.ConnectTimeout as error:  # before requests.Timeout: never connected
            raise _not_sent(error) from None
        except requests.Timeout as error:
            problem = NoAnswer("timeout", f"no answer within {self._timeout:g}s: {error}")
            raise ExecuteFailed(problem, outcome_unknown=True) from None
        except requests.ConnectionError as error:
            if _never_connected(error):
                raise _not_sent(error) from None
            problem = NoAnswer("connection", f"the connection broke after sending: {error}")
            raise ExecuteFailed(problem, outcome_unknown=True) from None
        except requests.RequestException as error:  # anything else of requests: unknown
            problem = NoAnswer("connection", f"{type(error).__name__}: {error}")
            raise ExecuteFailed(problem, outcome_unknown=True) from None
        except (DuneError, ValueError, KeyError) as error:  # a 2xx that makes no sense
            problem = NoAnswer("timeout", f"Dune answered, unreadably: {error}")
            raise ExecuteFailed(problem, outcome_unknown=True) from None
        finally:
            client.http.close()
        return Accepted(execution_id=response.execution_id, state=response.state.value)

    # --- the read side (DuneQueriesPort) ----------------------------------------------

    async def status(self, execution_id: str) -> ExecutionStatus:
        url = f"{self.api_url}/execution/{_path(execution_id)}/status"
        body = await self._run(self._get_json, url)
        return _status(execution_id, body)

    async def results_csv(self, execution_id: str) -> AsyncIterator[bytes]:
        url: str | None = f"{self.api_url}/execution/{_path(execution_id)}/results/csv"
        params: dict[str, Any] | None = {
            "limit": self._page_rows,
            "offset": 0,
            "allow_partial_results": "true",
        }
        header: bytes | None = None  # the first page's header row, once read
        page = 0
        last_offset = -1
        while url is not None:
            response = await self._run(self._open, url, params)
            try:
                next_url, next_params, next_offset = self._next_page(response)
                chunks = self._chunks(response.iter_content(CHUNK_BYTES))
                if header is None:
                    head = b""
                    async for chunk in chunks:
                        if header is None:
                            head += chunk
                            if b"\n" in head:
                                header = head.partition(b"\n")[0]
                        yield chunk
                    if header is None and head:
                        header = head  # a header row without a line end: nothing else
                else:
                    async for chunk in _without_header(chunks, header, page):
                        yield chunk
            finally:
                await self._run(response.close)
            page += 1
            if next_offset is not None:
                if next_offset <= last_offset:
                    raise DuneCallFailed(
                        NoAnswer("connection", f"results page {page} does not move on")
                    )
                last_offset = next_offset
            url, params = next_url, next_params

    async def _chunks(self, chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
        """A response body's chunks, each read in a worker thread."""
        while (chunk := await self._run(_next_chunk, chunks)) is not None:
            if chunk:
                yield chunk

    def _open(self, url: str, params: dict[str, Any] | None) -> requests.Response:
        try:
            response = self._reads.http.get(
                url,
                params=params,
                headers=self._reads.default_headers(),
                timeout=self._timeout,
                stream=True,
            )
        except requests.RequestException as error:
            raise DuneCallFailed(_no_answer(error)) from None
        if response.status_code >= 400:
            problem = _refusal(response)
            response.close()
            raise DuneCallFailed(problem)
        return response

    def _next_page(
        self, response: requests.Response
    ) -> tuple[str | None, dict[str, Any] | None, int | None]:
        next_uri = response.headers.get("x-dune-next-uri")
        raw_offset = response.headers.get("x-dune-next-offset")
        offset = _int_or_none(raw_offset)
        if next_uri:
            absolute = urljoin(f"{self.base_url}/", next_uri)
            if absolute.startswith(f"{self.base_url}/"):
                return absolute, None, offset
            log.warning("next results page is on another host (%s); going by offset", next_uri)
        if offset is None:
            return None, None, None
        base = response.url.split("?", 1)[0]
        return (
            base,
            {"limit": self._page_rows, "offset": offset, "allow_partial_results": "true"},
            offset,
        )

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._reads.http.get(
                url, headers=self._reads.default_headers(), timeout=self._timeout
            )
        except requests.RequestException as error:
            raise DuneCallFailed(_no_answer(error)) from None
        if response.status_code >= 400:
            raise DuneCallFailed(_refusal(response))
        try:
            body = response.json()
        except ValueError:
            raise DuneCallFailed(NoAnswer("connection", "Dune's answer is not JSON")) from None
        if not isinstance(body, dict):
            raise DuneCallFailed(NoAnswer("connection", "Dune's answer is not a JSON object"))
        return body

    # --- saved queries ---------------------------------------------------------------

    async def check_query(self, query_id: int) -> QueryCheck:
        """GET /query/{id}: a cheap authenticated read (readiness)."""
        url = f"{self.api_url}/query/{int(query_id)}"
        try:
            body = await self._run(self._get_json, url)
        except DuneCallFailed as failed:
            return QueryCheck(query_id, problem=failed.problem)
        name = body.get("name")
        return QueryCheck(query_id, name=name if isinstance(name, str) else None)


# --- mapping what requests and Dune said ---------------------------------------------


def _refusal(response: requests.Response | None) -> HttpRefusal:
    if response is None:
        return HttpRefusal(0, "no response")
    return HttpRefusal(response.status_code, _message(response))


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])[:500]
    text = (response.text or response.reason or "").strip()
    return " ".join(text.split())[:200]


def _no_answer(error: requests.RequestException) -> NoAnswer:
    if isinstance(error, requests.Timeout) and not isinstance(error, requests.ConnectTimeout):
        return NoAnswer("timeout", str(error)[:300])
    return NoAnswer("connection", str(error)[:300])


def _never_connected(error: requests.ConnectionError) -> bool:
    """Did it fail before a request could be written (so Dune has nothing)?"""
    if isinstance(
        error,
        requests.ConnectTimeout | requests.exceptions.SSLError | requests.exceptions.ProxyError,
    ):
        return True
    reason: object = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NewConnectionError (refused, DNS) is a ConnectTimeoutError too.
    return isinstance(reason, ConnectTimeoutError)


def _not_sent(error: requests.RequestException) -> ExecuteFailed:
    return ExecuteFailed(
        NoAnswer("connection", f"could not connect: {error}"[:300]), outcome_unknown=False
    )


def _describe(problem: HttpRefusal | NoAnswer) -> str:
    if isinstance(problem, HttpRefusal):
        return f"HTTP {problem.status}: {problem.message}"
    return f"no answer ({problem.kind}): {problem.message}"


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    try:
        return next(chunks, None)
    except requests.RequestException as error:
        raise DuneCallFailed(_no_answer(error)) from None
    except Exception as error:  # noqa: BLE001 - urllib3's read errors, mid-body
        raise DuneCallFailed(NoAnswer("connection", f"{type(error).__name__}: {error}")) from None


async def _without_header(
    chunks: AsyncIterator[bytes], header: bytes, page: int
) -> AsyncIterator[bytes]:
    """A later page's bytes after its header row, which must be the first page's."""
    head: bytes | None = b""
    async for chunk in chunks:
        if head is None:
            yield chunk
            continue
        head += chunk
        if b"\n" not in head:
            continue
        line, _, rest = head.partition(b"\n")
        _same_header(line, header, page)
        head = None
        if rest:
            yield rest
    if head:
        _same_header(head, header, page)


def _same_header(line: bytes, header: bytes, page: int) -> None:
    if line.rstrip(b"\r") != header.rstrip(b"\r"):
        raise DuneCallFailed(
            NoAnswer("connection", f"results page {page + 1} has another header row")
        )


def _path(segment: str) -> str:
    return quote(segment, safe="")


def _int_or_none(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def _status(execution_id: str, body: Mapping[str, Any]) -> ExecutionStatus:
    state = body.get("state")
    if not isinstance(state, str) or not state.strip():
        raise DuneCallFailed(NoAnswer("connection", "Dune's status has no state"))
    error = body.get("error")
    error_type = error_message = None
    if isinstance(error, Mapping):
        error_type = _text(error.get("type"))
        error_message = _text(error.get("message"))
    elif isinstance(error, str):
        error_message = error
    metadata = body.get("result_metadata")
    rows = metadata.get("total_row_count") if isinstance(metadata, Mapping) else None
    return ExecutionStatus(
        execution_id=_text(body.get("execution_id")) or execution_id,
        state=state,
        error_type=error_type,
        error_message=error_message,
        cost_credits=_credits(body.get("execution_cost_credits")),
        row_count=rows if isinstance(rows, int) and not isinstance(rows, bool) else None,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _credits(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        credits = Decimal(str(value))
    except InvalidOperation:
        return None
    return credits if credits.is_finite() and credits >= 0 else None


def query_parameters(
    parameters: Sequence[tuple[str, str, str | None]],
) -> list[QueryParameter]:
    """A saved query's parameters as dune-client sends them: (name, Dune type, default).
    A parameter without a default gets an empty one (a text parameter: an execute that
    forgot it fails on Dune rather than reporting on some default wallet)."""
    made = []
    for name, kind, default in parameters:
        value = default or ""
        if kind == "number":
            made.append(
                QueryParameter.number_type(name, float(value) if "." in value else int(value or 0))
            )
        elif kind == "datetime":
            made.append(QueryParameter.date_type(name, value or "1970-01-01 00:00:00"))
        elif kind == "enum":
            made.append(QueryParameter.enum_type(name, value))
        else:
            made.append(QueryParameter.text_type(name, value))
    return made
