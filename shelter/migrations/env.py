"""Alembic environment: run with the application's connection, or from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import shelter.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from shelter.config import Settings
from shelter.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or Settings().database_url)
    with engine.begin() as conn:
        _run_with(conn)


def _run_with(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
