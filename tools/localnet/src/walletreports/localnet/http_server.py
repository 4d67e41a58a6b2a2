"""The JSON-RPC HTTP endpoint (default port 8899), a small Starlette app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .chain import Chain
from .rpc.dispatcher import handle_payload


def build_app(chain: Chain) -> Starlette:
    async def rpc(request: Request) -> Response:
        body = await request.body()
        response = handle_payload(chain, body)
        if response is None:
            return Response(status_code=204)
        return Response(response, media_type="application/json")

    async def health(request: Request) -> Response:
        # Solana nodes answer GET /health with a bare "ok".
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/", rpc, methods=["POST"]),
                             Route("/health", health, methods=["GET"])])
