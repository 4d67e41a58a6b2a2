"""The dune_runner service's configuration, from the environment only.

Besides the kit's shared variables, DUNE_RUNNER_DATABASE_URL and DUNE_RUNNER_HTTP_PORT
(default 8003):

- DUNE_API_KEY: the Dune API key. Required in production; elsewhere it defaults to the
  Dune emulator's documented development key (tools/dune_emulator), which real Dune
  refuses, so a development setup never spends credits by mistake.
- DUNE_API_BASE_URL (http://127.0.0.1:8088, the emulator make dev starts): where Dune's
  API is (https://api.dune.com for the real one); dune-client adds /api/v1.
- DUNE_API_TIMEOUT_SECONDS (10): one HTTP call's limit (an execute's too: no answer by
  then leaves the execute in doubt, it is never sent again).
- DUNE_RUNNER_RESULT_PAGE_ROWS (10000): rows per page of CSV results (Dune caps a page at
  32,000); a page is streamed to the file, never held whole.
- DUNE_RUNNER_QUERY_IDS (required): the saved Dune query of every report in the queries
  catalog, `defi_trades=123,lp_events=124,transfers=125` (what `python -m
  walletreports.dune_runner queries sync` prints). Checked at start against the catalog:
  a report without an id, or a name the catalog does not know, stops the start.
- Polling: DUNE_RUNNER_POLL_EVERY_SECONDS (1): how often due executions are looked for;
  DUNE_RUNNER_POLL_FIRST_SECONDS (2), _POLL_FACTOR (2), _POLL_MAX_SECONDS (60): the n-th
  poll of an execution waits first * factor**n, at most max; DUNE_RUNNER_POLL_DEADLINE_MINUTES
  (30): from Dune accepting an execution to giving up on it; DUNE_RUNNER_POLL_CLAIM_SECONDS
  (300): how long a poll in flight keeps the job from other pollers (a poller killed
  mid-poll leaves it that long).
- Budgets: DUNE_RUNNER_DAILY_CREDITS, DUNE_RUNNER_WEEKLY_CREDITS (unset: no budget),
  DUNE_RUNNER_BUDGET_THRESHOLDS (`50,80,100`, per cent; 100 is always one and pauses
  intake).
- DUNE_RUNNER_REPORTS_DIR (`.dev/reports`): the folder report CSVs are written to.
- DUNE_RUNNER_RELEASE_EVERY_SECONDS (10): how often work that waited while intake was
  paused is looked for.
- DUNE_RUNNER_EXECUTES_PER_MINUTE (15): executes sent per minute, by all replicas together
  (a rate limit in the service's database, kit.rate_limit); above Dune's plan limit Dune
  answers 429, a failed execute. Executes are Dune's "low limit" endpoints: 15 a minute on
  the Free plan (the default), 70 on Plus, 350+ on Enterprise (docs.dune.com, API
  reference, rate limits).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr, model_validator

from walletreports.kit import HttpPort, ServiceSettings

from .queries import load_reports

__all__ = [
    "DEV_DUNE_API_KEY",
    "DuneRunnerSettings",
    "format_query_ids",
    "parse_query_ids",
    "parse_thresholds",
]

# The Dune emulator's documented development key (walletreports.dune_emulator.settings):
# not a secret, and refused by the real Dune.
DEV_DUNE_API_KEY = "dune-emulator-dev-key"
DEFAULT_BASE_URL = "http://127.0.0.1:8088"

_NAME = re.compile(r"[a-z][a-z0-9_]*")


def parse_query_ids(text: str) -> dict[str, int]:
    """`name=id,name=id` (spaces allowed) as a dict; ValueError saying what is wrong."""
    ids: dict[str, int] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not _NAME.fullmatch(name):
            raise ValueError(f"{item.strip()!r} is not report=query_id")
        if not value.isdigit() or int(value) <= 0:
            raise ValueError(f"the query id of {name!r} must be a positive number, got {value!r}")
        if name in ids:
            raise ValueError(f"report {name!r} is given twice")
        ids[name] = int(value)
    return ids


def format_query_ids(ids: dict[str, int]) -> str:
    return ",".join(f"{name}={query_id}" for name, query_id in ids.items())


def _check_query_ids(text: str) -> str:
    ids = parse_query_ids(text)
    names = [report.name for report in load_reports()]
    example = ",".join(f"{name}=<id>" for name in names)
    if missing := [name for name in names if name not in ids]:
        raise ValueError(
            f"no Dune query id for report(s) {', '.join(missing)} "
            f"(set it to {example}: `python -m walletreports.dune_runner queries sync` prints it)"
        )
    if unknown := sorted(set(ids) - set(names)):
        raise ValueError(
            f"unknown report(s) {', '.join(unknown)}; the catalog has {', '.join(names)}"
        )
    return text


def parse_thresholds(text: str) -> tuple[int, ...]:
    values = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if not item.isdigit() or not 0 < int(item) <= 1000:
            raise ValueError(f"a threshold is a whole per cent from 1 to 1000, got {item!r}")
        values.append(int(item))
    if not values:
        raise ValueError("give at least one threshold (100 is always one)")
    return tuple(sorted(set(values)))


def _check_thresholds(text: str) -> str:
    parse_thresholds(text)
    return text


QueryIds = Annotated[str, AfterValidator(_check_query_ids)]
Thresholds = Annotated[str, AfterValidator(_check_thresholds)]
Credits = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=6, allow_inf_nan=False)]


class DuneRunnerSettings(ServiceSettings, env_prefix="DUNE_RUNNER_"):
    http_port: HttpPort = 8003
    dune_api_key: SecretStr | None = Field(None, validation_alias="DUNE_API_KEY")
    dune_api_base_url: str = Field(
        DEFAULT_BASE_URL,
        validation_alias="DUNE_API_BASE_URL",
        pattern=r"^https?://[^\s/]+(/\S*)?$",
    )
    dune_api_timeout_seconds: float = Field(
        10.0, validation_alias="DUNE_API_TIMEOUT_SECONDS", gt=0, le=120
    )
    result_page_rows: int = Field(
        10_000, validation_alias="DUNE_RUNNER_RESULT_PAGE_ROWS", ge=1, le=32_000
    )
    query_ids_text: QueryIds = Field(validation_alias="DUNE_RUNNER_QUERY_IDS")
    poll_every_seconds: float = Field(
        1.0, validation_alias="DUNE_RUNNER_POLL_EVERY_SECONDS", ge=0.05, le=300
    )
    poll_first_seconds: float = Field(
        2.0, validation_alias="DUNE_RUNNER_POLL_FIRST_SECONDS", ge=0.05, le=3600
    )
    poll_factor: float = Field(2.0, validation_alias="DUNE_RUNNER_POLL_FACTOR", ge=1, le=10)
    poll_max_seconds: float = Field(
        60.0, validation_alias="DUNE_RUNNER_POLL_MAX_SECONDS", ge=0.05, le=3600
    )
    poll_deadline_minutes: float = Field(
        30.0, validation_alias="DUNE_RUNNER_POLL_DEADLINE_MINUTES", gt=0, le=24 * 60
    )
    poll_claim_seconds: float = Field(
        300.0, validation_alias="DUNE_RUNNER_POLL_CLAIM_SECONDS", ge=1, le=3600
    )
    daily_credits: Credits | None = Field(None, validation_alias="DUNE_RUNNER_DAILY_CREDITS")
    weekly_credits: Credits | None = Field(None, validation_alias="DUNE_RUNNER_WEEKLY_CREDITS")
    budget_thresholds_text: Thresholds = Field(
        "50,80,100", validation_alias="DUNE_RUNNER_BUDGET_THRESHOLDS"
    )
    reports_dir: Path = Field(Path(".dev/reports"), validation_alias="DUNE_RUNNER_REPORTS_DIR")
    release_every_seconds: float = Field(
        10.0, validation_alias="DUNE_RUNNER_RELEASE_EVERY_SECONDS", ge=0.1, le=3600
    )
    executes_per_minute: int = Field(
        15, validation_alias="DUNE_RUNNER_EXECUTES_PER_MINUTE", ge=1, le=100_000
    )

    @model_validator(mode="after")
    def _dune_key_in_production(self) -> DuneRunnerSettings:
        if self.environment == "production":
            key = None if self.dune_api_key is None else self.dune_api_key.get_secret_value()
            if not key or key == DEV_DUNE_API_KEY:
                raise ValueError("DUNE_API_KEY: must be set to the Dune API key in production")
        if self.poll_max_seconds < self.poll_first_seconds:
            raise ValueError(
                "DUNE_RUNNER_POLL_MAX_SECONDS: must be at least DUNE_RUNNER_POLL_FIRST_SECONDS"
            )
        return self

    @property
    def api_key(self) -> str:
        return (
            DEV_DUNE_API_KEY if self.dune_api_key is None else self.dune_api_key.get_secret_value()
        )

    @property
    def query_ids(self) -> dict[str, int]:
        return parse_query_ids(self.query_ids_text)

    @property
    def budget_thresholds(self) -> tuple[int, ...]:
        return parse_thresholds(self.budget_thresholds_text)

    @property
    def poll_first_interval(self) -> timedelta:
        return timedelta(seconds=self.poll_first_seconds)

    @property
    def poll_max_interval(self) -> timedelta:
        return timedelta(seconds=self.poll_max_seconds)

    @property
    def poll_deadline(self) -> timedelta:
        return timedelta(minutes=self.poll_deadline_minutes)

    @property
    def poll_claim(self) -> timedelta:
        return timedelta(seconds=self.poll_claim_seconds)
