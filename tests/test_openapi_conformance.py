"""Every service answers as its OpenAPI says, under schemathesis with all its checks
(devkit.testing.openapi): documented statuses, bodies, content types and headers; input
rules that the schema states and the validator enforces alike; the token enforced.

Web is a client of these schemas, so a route whose answer drifts from its documentation
fails here, in every service the stack runs (devstack's list: a new service is checked
from its first commit)."""

import pytest

from walletreports.devstack.services import SERVICES
from walletreports.devkit.testing.openapi import check_openapi_conformance


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
async def test_the_service_answers_as_its_openapi_says(services, outside_env, entry):
    chain = outside_env(entry)  # a node for payments, Dune for dune_runner (conftest.py)
    async with services.run(entry.service(), **entry.dev_env, **chain) as service:
        report = await check_openapi_conformance(service)
    assert report.ok, report.describe()
