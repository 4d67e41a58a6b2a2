"""`python -m walletreports.dune_runner queries sync` (or `python -m
walletreports.dune_runner.sync_queries`): puts every report query of the catalog on Dune
through dune-client's query management, and prints each report's query id and the
DUNE_RUNNER_QUERY_IDS line to configure the service with.

A report whose id DUNE_RUNNER_QUERY_IDS already names is updated in place (name, SQL,
parameters, description: `update_query`); the others are created (`create_query`, then
their description) and get new ids. Run it again after changing a query: same ids. The
queries are named `Wallet Reports: <report>`; a parameter without a default (the wallet)
is saved with an empty one, so an execute that forgot it fails rather than reporting on
some default wallet.

Reads DUNE_API_KEY (default: the emulator's development key), DUNE_API_BASE_URL (default
the local emulator), DUNE_API_TIMEOUT_SECONDS and DUNE_RUNNER_QUERY_IDS (optional, may
name only some reports) from the environment. Exit codes: 0 done, 1 Dune refused or
could not be reached (one line saying which query and what happened), 2 a bad setting.
Nothing here executes a query: it costs no credits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

import requests
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from walletreports.kit.settings import describe

from .adapters.dune_api import DuneApi, query_parameters
from .queries import ReportQuery, load_reports
from .settings import DEFAULT_BASE_URL, DEV_DUNE_API_KEY, format_query_ids, parse_query_ids

__all__ = ["QUERY_NAME_PREFIX", "SyncSettings", "main", "sync"]

QUERY_NAME_PREFIX = "Wallet Reports: "


class SyncSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    dune_api_key: SecretStr = Field(SecretStr(DEV_DUNE_API_KEY), validation_alias="DUNE_API_KEY")
    dune_api_base_url: str = Field(
        DEFAULT_BASE_URL, validation_alias="DUNE_API_BASE_URL", pattern=r"^https?://[^\s/]+(/\S*)?$"
    )
    dune_api_timeout_seconds: float = Field(
        10.0, validation_alias="DUNE_API_TIMEOUT_SECONDS", gt=0, le=120
    )
    query_ids: str = Field("", validation_alias="DUNE_RUNNER_QUERY_IDS")


class SyncFailed(Exception):
    """Dune refused, or could not be reached, for one report's query."""


def sync(
    dune: DuneApi,
    reports: Sequence[ReportQuery],
    known: Mapping[str, int],
    *,
    private: bool = False,
    out: TextIO | None = None,
) -> dict[str, int]:
    """Create or update each report's saved query; the report -> query id map."""
    client = dune.client
    ids: dict[str, int] = {}
    for report in reports:
        name = f"{QUERY_NAME_PREFIX}{report.name}"
        params = query_parameters([(p.name, p.type, p.default) for p in report.parameters])
        query_id = known.get(report.name)
        try:
            if query_id is not None:
                client.update_query(
                    query_id,
                    name=name,
                    query_sql=report.sql,
                    params=params,
                    description=report.description,
                )
                done = "updated"
            else:
                created = client.create_query(
                    name=name, query_sql=report.sql, params=params, is_private=private
                )
                query_id = created.base.query_id
                client.update_query(query_id, description=report.description)
                done = "created"
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else "?"
            detail = _detail(error.response)
            target = f"query {query_id}" if query_id is not None else "a new query"
            raise SyncFailed(f"{report.name}: {target}: HTTP {status}: {detail}") from None
        except requests.RequestException as error:
            raise SyncFailed(
                f"{report.name}: Dune not reachable at {dune.base_url}: {error}"
            ) from None
        ids[report.name] = query_id
        if out is not None:
            print(f"{report.name} → {query_id} ({done})", file=out)
    return ids


def _detail(response: requests.Response | None) -> str:
    if response is None:
        return "no response"
    try:
        body = response.json()
    except ValueError:
        return " ".join((response.text or "").split())[:200]
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return str(body)[:200]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m walletreports.dune_runner queries sync",
        description="Create or update the report queries on Dune; print their ids.",
    )
    parser.add_argument(
        "--private", action="store_true", help="create new queries as private (a paid plan)"
    )
    args = parser.parse_args(argv)
    try:
        settings = SyncSettings()
        known = parse_query_ids(settings.query_ids)
        reports = load_reports()
    except (ValidationError, ValueError) as error:
        print(f"sync: configuration error: {_one_line(error)}", file=sys.stderr)
        return 2
    if unknown := sorted(set(known) - {r.name for r in reports}):
        print(
            f"sync: configuration error: DUNE_RUNNER_QUERY_IDS: unknown report(s) {', '.join(unknown)}",
            file=sys.stderr,
        )
        return 2
    dune = DuneApi(
        api_key=settings.dune_api_key.get_secret_value(),
        base_url=settings.dune_api_base_url,
        timeout_seconds=settings.dune_api_timeout_seconds,
    )
    try:
        ids = sync(dune, reports, known, private=args.private, out=sys.stdout)
    except SyncFailed as error:
        print(f"sync: {error}", file=sys.stderr)
        return 1
    finally:
        dune.close()
    print(f"DUNE_RUNNER_QUERY_IDS={format_query_ids(ids)}")
    return 0


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return describe(SyncSettings, error)
    return f"DUNE_RUNNER_QUERY_IDS: {error}"


if __name__ == "__main__":
    raise SystemExit(main())
