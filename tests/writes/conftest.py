"""The write path alone, on a fresh database with the five seeded shelters (both databases)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelter.bootstrap import bootstrap
from shelter.config import Settings
from shelter.db import Database
from shelter.writes.path import Unheard, WritePath

ADMIN = "unit-test-admin-token-0123456789abcdef"


@pytest.fixture
def path(database_url: str) -> Iterator[tuple[WritePath, Database, Settings]]:
    settings = Settings(database_url=database_url, admin_token=ADMIN)
    database = Database(settings.database_url)
    bootstrap(database, settings)  # the five seeded shelters, S01 to S05
    yield WritePath(database, settings, Unheard()), database, settings
    database.dispose()
