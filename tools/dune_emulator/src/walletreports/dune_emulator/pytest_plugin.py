"""pytest fixtures for tests that need the Dune API.

Enable with `pytest_plugins = ["walletreports.dune_emulator.pytest_plugin"]` in a
conftest.py. One emulator serves the whole run, loaded once by `dune_emulator_loader`
(the synthetic Dune tables; override that fixture in the root conftest.py for other
tables, or override both it and `dune_emulator_session` at module scope to give one
module an emulator of its own: the session one is shared by the whole run).
`dune_emulator` hands it to each test with faults, execute counts, latency and the rate
limit reset, so the counts a test asserts are its own. Saved queries persist across
tests: create your own rather than assume ids.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .datasets import DatasetLoader, synthetic_dataset
from .testing import RunningDuneEmulator
from .testing import dune_emulator as start_dune_emulator


@pytest.fixture(scope="session")
def dune_emulator_loader() -> DatasetLoader | None:
    return synthetic_dataset


@pytest.fixture(scope="session")
def dune_emulator_session(
    dune_emulator_loader: DatasetLoader | None,
) -> Iterator[RunningDuneEmulator]:
    with start_dune_emulator(loader=dune_emulator_loader) as running:
        yield running


@pytest.fixture
def dune_emulator(dune_emulator_session: RunningDuneEmulator) -> Iterator[RunningDuneEmulator]:
    dune_emulator_session.reset()
    dune_emulator_session.set_latency(0.0)
    dune_emulator_session.set_execute_limit(None)
    yield dune_emulator_session
    dune_emulator_session.reset()
