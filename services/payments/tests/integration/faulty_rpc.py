"""A JSON-RPC proxy in front of the localnet that can misbehave as a provider does:
answer 429 with Retry-After, 503, garbage, or lie in getTransaction's answer. Each
fault lasts until cleared; everything else is forwarded unchanged."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from walletreports.devkit.testing.serving import serving


class FaultyRpc:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.fault: str | None = None  # "429", "503", "garbage", "inflate"
        self.seen = 0
        self.app = Starlette(routes=[Route("/", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        self.seen += 1
        body = await request.body()
        if self.fault == "429":
            return PlainTextResponse("Too many requests", 429, headers={"Retry-After": "1"})
        if self.fault == "503":
            return PlainTextResponse("upstream unavailable", 503)
        if self.fault == "garbage":
            return PlainTextResponse("<html>gateway error</html>", 200)
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                self.upstream, content=body, headers={"content-type": "application/json"}
            )
        payload: Any = answer.json()
        if self.fault == "inflate":
            _inflate_token_receipts(payload)
        return JSONResponse(payload, answer.status_code)


def _inflate_token_receipts(payload: Any) -> None:
    """A lying node: every post token balance of a getTransaction answer made 10x."""
    result = payload.get("result") if isinstance(payload, dict) else None
    meta = result.get("meta") if isinstance(result, dict) else None
    if not isinstance(meta, dict):
        return
    for balance in meta.get("postTokenBalances") or []:
        amount = balance["uiTokenAmount"]
        amount["amount"] = str(int(amount["amount"]) * 10)


@contextlib.asynccontextmanager
async def faulty_rpc(upstream: str) -> AsyncIterator[tuple[FaultyRpc, str]]:
    proxy = FaultyRpc(upstream)
    async with serving(proxy.app) as url:  # type: ignore[arg-type]
        yield proxy, url
