"""A running service checked against its own OpenAPI by schemathesis, every check on.

    async with services.run(SERVICE) as service:
        report = await check_openapi_conformance(service)
    assert report.ok, report.describe()

Real HTTP to the service on its port, with its bearer token. Schemathesis is
synchronous, so it runs in a worker thread while the test's event loop goes on serving.
Bounded and seeded: the same cases on every run, a few seconds per service.

What the checks hold a service to: every answer is documented (status, content type,
body schema, headers); a request the schema forbids is refused, and one it allows is
not refused by request validation; the token is enforced where the schema says so.

One rule is ours: a 422 is also how the kit answers a well-formed request that a rule
no JSON schema can state refuses (a wallet's EIP-55 checksum, a product the catalog
lacks, a date range), so schemathesis' positive_data_acceptance accepts a 422. What
that check exists to catch, a schema that lets through what the validator refuses (a
NUL character, a regex read differently), is caught by the check below instead: a
request the schema allows must never get request validation's own 422.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

from walletreports.kit.http.auth import INTERNAL_TOKEN_SCHEME
from walletreports.kit.http.errors import is_request_validation_error

from .serving import RunningService

# schemathesis' default for positive_data_acceptance, and 422 (see the module docstring).
ACCEPTED_FOR_VALID_REQUESTS = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
SEED = 20260226


@dataclass
class ConformanceReport:
    service: str
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.cases > 0 and not self.failures and not self.errors

    def describe(self) -> str:
        lines = [f"{self.service}: {self.cases} cases, {len(self.failures)} failures"]
        lines += [f"FAILURE {failure}" for failure in self.failures]
        lines += [f"ERROR {error}" for error in self.errors]
        if self.cases == 0:
            lines.append("no case ran")
        return "\n".join(lines)


@schemathesis.check
def schema_valid_requests_pass_validation(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """A request the schema allows is never refused by request validation: the validator
    and the schema must be one rule, or clients send what is refused."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if is_unexpected_http_status_case(case):  # a probe of the request's shape, not its data
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if is_request_validation_error(body):
        raise AssertionError(
            "A request this schema allows was refused by request validation: "
            f"{body['error']['message']}"
        )
    return True


def conformance_config(token: str, *, max_examples: int, seed: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "workers": 1,
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",  # no .hypothesis folder in the work tree
            },
            "checks": {
                "enabled": True,
                "positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_REQUESTS},
            },
            "auth": {"openapi": {INTERNAL_TOKEN_SCHEME: {"bearer": token}}},
        }
    )


def run_conformance(
    name: str, url: str, token: str, *, max_examples: int = 40, seed: int = SEED
) -> ConformanceReport:
    """Blocking: run every phase and check against the service at `url`."""
    config = conformance_config(token, max_examples=max_examples, seed=seed)
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)
    report = ConformanceReport(name)
    seen: set[object] = set()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            report.cases += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    info = check.failure_info
                    if info is not None and info.failure not in seen:
                        seen.add(info.failure)
                        report.failures.append(
                            _describe(check.name, info.failure, info.code_sample)
                        )
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            report.failures += [_describe("after run", f, "") for f in event.failures]
    return report


async def check_openapi_conformance(
    service: RunningService, *, max_examples: int = 40, seed: int = SEED
) -> ConformanceReport:
    token = service.app.state.settings.internal_token.get_secret_value()
    return await asyncio.to_thread(
        run_conformance,
        service.service.name,
        service.url,
        token,
        max_examples=max_examples,
        seed=seed,
    )


def _describe(check: str, failure: object, code_sample: str) -> str:
    operation = getattr(failure, "operation", "?")
    code = getattr(failure, "code", "")
    title = getattr(failure, "title", type(failure).__name__)
    message = " ".join(str(getattr(failure, "message", "")).split())
    return f"{operation} [{code} {check}] {title}: {message}\n    {code_sample}"
