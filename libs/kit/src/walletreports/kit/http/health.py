"""/healthz (the process is up), /readyz (its database and NATS answer), /metrics
(Prometheus text), documented as they answer."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

router = APIRouter(tags=["health"])

REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("http_request_seconds", "HTTP request latency", ["method", "route"])

# Prometheus' text exposition format, whatever version prometheus_client writes.
METRICS_MEDIA_TYPE = CONTENT_TYPE_LATEST.split(";")[0]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str] = Field(
        description='each dependency: "ok", or why not (e.g. "unreachable: OSError")',
        examples=[{"database": "ok", "nats": "ok"}],
    )
    degraded: list[str] = Field(
        default_factory=list,
        description="optional dependencies that do not answer: the service still serves "
        "without them (e.g. a second notification channel)",
        examples=[[]],
    )


@router.get("/healthz", summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Its database, NATS and the service's own dependencies answer",
    responses={503: {"model": Readiness, "description": "Some dependency does not answer."}},
)
async def readyz(request: Request, response: Response) -> Readiness:
    runtime = request.app.state.runtime
    checks = await runtime.readiness()
    optional = runtime.platform.optional_checks
    ready = all(v == "ok" for name, v in checks.items() if name not in optional)
    degraded = sorted(name for name, v in checks.items() if name in optional and v != "ok")
    response.status_code = 200 if ready else 503
    return Readiness(status="ready" if ready else "not_ready", checks=checks, degraded=degraded)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "The Prometheus text exposition format.",
            "content": {METRICS_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts and times requests by route template (not raw path: ids would explode labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
