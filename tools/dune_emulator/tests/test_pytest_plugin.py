"""The pytest plugin's fixtures, with the loader overridden as a service's conftest can."""

import pytest
from dune_client.client import DuneClient

from walletreports.dune_emulator.testing import dune_emulator as start_dune_emulator


@pytest.fixture(scope="module")
def dune_emulator_loader():
    def one_table(connection):
        connection.execute("CREATE SCHEMA plugin; CREATE TABLE plugin.t AS SELECT 7 AS n")

    return one_table


# The plugin's emulator serves the whole run (the root conftest registers the plugin), so
# other tables for one module take an emulator of the module's own.
@pytest.fixture(scope="module")
def dune_emulator_session(dune_emulator_loader):
    with start_dune_emulator(loader=dune_emulator_loader) as running:
        yield running


def test_the_fixture_serves_the_overridden_tables(dune_emulator):
    client = DuneClient(api_key=dune_emulator.api_key, base_url=dune_emulator.base_url)
    assert client.run_sql("SELECT n FROM plugin.t", ping_frequency=0).get_rows() == [{"n": 7}]
    assert dune_emulator.execute_counts().started == 1
