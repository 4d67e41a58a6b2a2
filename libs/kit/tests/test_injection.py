"""Handlers, tasks and routes receive what they name; a wrong name stops the start."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import APIRouter, FastAPI

from walletreports.contracts.web import UserRegistered
from walletreports.kit import EventHandlers, MovableClock, WiringError, collaborator
from walletreports.kit.background import restart_delay, supervise
from walletreports.kit.http.dependencies import check_route_collaborators
from walletreports.kit.injection import collaborators_of, inject


class Catalog:
    pass


@dataclass(frozen=True)
class Built:
    catalog: Catalog
    _private: int = 0


async def test_a_function_gets_the_collaborators_it_names():
    async def task(catalog: Catalog, clock: MovableClock) -> tuple[Catalog, MovableClock]:
        return catalog, clock

    available = collaborators_of(Built(Catalog())) | {"clock": MovableClock()}
    catalog, clock = await inject(task, available)()
    assert catalog is available["catalog"] and clock is available["clock"]
    assert "_private" not in available


def test_a_name_nobody_provides_is_a_wiring_error_naming_it():
    async def task(catalgo: Catalog) -> None: ...

    with pytest.raises(WiringError, match=r"asks for 'catalgo'.*provides: catalog"):
        inject(task, {"catalog": Catalog()})


def test_a_collaborator_of_another_type_is_a_wiring_error():
    async def task(catalog: Catalog) -> None: ...

    with pytest.raises(WiringError, match="wants 'catalog' as Catalog"):
        inject(task, {"catalog": "not a catalog"})


def test_handlers_are_bound_after_the_event_and_the_unit_of_work():
    handlers = EventHandlers("svc")

    @handlers.on(UserRegistered)
    async def remember(event, uow, catalog: Catalog) -> None: ...

    assert [r.consumer for r in handlers.bind({"catalog": Catalog()}).routes] == ["svc__remember"]
    with pytest.raises(WiringError, match="remember asks for 'catalog'"):
        handlers.bind({})


def test_a_route_asking_for_a_missing_collaborator_stops_the_start():
    router = APIRouter()

    @router.get("/x")
    async def x(catalog: Catalog = collaborator("catalog")) -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router)
    check_route_collaborators(app, {"catalog": Catalog()})
    with pytest.raises(WiringError, match="route /x asks for 'catalog'"):
        check_route_collaborators(app, {"units": object()})


def test_restarts_back_off_up_to_a_minute():
    assert [restart_delay(n) for n in (1, 2, 3, 7, 20)] == [1, 2, 4, 60, 60]


async def test_a_crashing_task_is_restarted_with_growing_delays(monkeypatch):
    delays: list[float] = []
    runs = {"n": 0}

    async def no_sleep(seconds: float) -> None:
        delays.append(seconds)

    async def flaky() -> None:
        runs["n"] += 1
        if runs["n"] < 4:
            raise RuntimeError("boom")

    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    await supervise("flaky", flaky)
    assert runs["n"] == 4 and delays == [1, 2, 4]


def test_a_movable_clock_moves_only_when_told():
    start = datetime(2026, 12, 1, tzinfo=UTC)
    clock = MovableClock(start)
    assert clock.now() == start
    assert clock.advance(timedelta(minutes=15)) == start + timedelta(minutes=15)
    with pytest.raises(ValueError):
        MovableClock(datetime(2026, 12, 1))
