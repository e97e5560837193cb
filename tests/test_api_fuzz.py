"""Schemathesis against the app's own /openapi.json, in-process over ASGI: never a 5xx.

Every operation in the published document is fuzzed with a bounded, derandomized number of
examples, once with the hq token (so the authenticated code paths are reached) and once
with no token at all. The only check is ``not_a_server_error``: the contract allows any
4xx for bad input, but nothing a client sends may produce a 5xx.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi

from shelter.app import create_app
from shelter.config import Settings
from tests.conftest import ADMIN, HQ

pytestmark = pytest.mark.slow  # schemathesis walks every operation: seconds per test

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


# Built at import (cheap: no database is touched until the lifespan runs) so schemathesis can
# make one test per operation at collection time. pytest 9 breaks the lazy
# `schemathesis.pytest.from_fixture` loader (it sets `Function._nodeid`), hence the eager schema.
_DB_DIR = Path(tempfile.mkdtemp(prefix="shelter-fuzz-"))
APP = create_app(Settings(database_url=f"sqlite:///{_DB_DIR / 'fuzz.db'}", admin_token=ADMIN))


def _published_document() -> dict[str, Any]:
    """The app's own /openapi.json, fetched in-process without starting its lifespan."""
    client = asgi.get_client(APP)  # not entered as a context: entering would start the lifespan
    try:
        response = client.get("/openapi.json")
    finally:
        client.close()
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


schema = schemathesis.openapi.from_dict(_published_document())
# What `from_asgi` does after loading: every case is sent to the app in-process, no network.
schema.app = APP


@pytest.fixture(scope="module", autouse=True)
def _running_app() -> Iterator[None]:
    """Start the app's lifespan (migrate, seed) for this module, and stop it afterwards."""
    try:
        with asgi.get_client(APP) as client:  # entering starts the lifespan; it stays up
            seeded = client.get("/api/v1/shelters")
            assert seeded.status_code == 200, seeded.text
            assert len(seeded.json()) == 5, "startup did not seed the five main shelters"
        yield
    finally:
        asgi.shutdown_lifespans()
        shutil.rmtree(_DB_DIR, ignore_errors=True)


@schema.parametrize()
@FUZZ
def test_no_operation_answers_an_hq_caller_with_a_server_error(case: schemathesis.Case) -> None:
    """Generated requests sent with the hq token never get a 5xx from any operation."""
    case.call_and_validate(headers=HQ, checks=[not_a_server_error])


@schema.parametrize()
@FUZZ
def test_no_operation_answers_an_anonymous_caller_with_a_server_error(
    case: schemathesis.Case,
) -> None:
    """Generated requests sent with no token never get a 5xx from any operation."""
    if case.headers:
        case.headers.pop("Authorization", None)
    case.call_and_validate(checks=[not_a_server_error])
