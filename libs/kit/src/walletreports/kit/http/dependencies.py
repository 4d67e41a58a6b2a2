"""Routes receive collaborators the way handlers do: by name, typed.

    Catalog = Annotated[domain.Catalog, collaborator("catalog")]

    @router.get("/catalog")
    async def get_catalog(catalog: Catalog) -> CatalogView: ...

The names are checked when the service starts (check_route_collaborators), so a route
that asks for something the composition root does not build stops the start instead
of answering 500 later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from ..clock import Clock
from ..injection import WiringError
from ..messaging.unit_of_work import UnitsOfWork


def collaborator(name: str) -> Any:
    """A FastAPI dependency on the collaborator called `name`."""

    def provide(request: Request) -> Any:
        return request.app.state.collaborators[name]

    provide.collaborator = name  # type: ignore[attr-defined]
    provide.__name__ = f"collaborator_{name}"
    return Depends(provide)


def _now(clock: Annotated[Clock, collaborator("clock")]) -> datetime:
    return clock.now()


Units = Annotated[UnitsOfWork[Any], collaborator("units")]
ClockDep = Annotated[Clock, collaborator("clock")]
# The service clock's time at the request.
Now = Annotated[datetime, Depends(_now)]


def check_route_collaborators(app: FastAPI, available: Mapping[str, Any]) -> None:
    for route in _api_routes(app.routes):
        for call in _calls(route.dependant):
            name = getattr(call, "collaborator", None)
            if name is not None and name not in available:
                raise WiringError(
                    f"route {route.path} asks for {name!r}, which this service does not provide "
                    f"(it provides: {', '.join(sorted(available))})"
                )


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # FastAPI keeps an included router as one route over the original router's.
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)
