"""How UTC datetimes are stored on SQLite: the fused conversion is SQLAlchemy's own format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.dialects import sqlite

from shelter.db import UTCDateTime

MOMENTS = [
    datetime(2026, 12, 7, 15, 44, 0, 0, tzinfo=UTC),  # no fraction: still six digits
    datetime(2026, 12, 7, 15, 44, 0, 123456, tzinfo=UTC),
    datetime(2024, 1, 1, 16, 10, 9, 5, tzinfo=UTC),  # the Noto earthquake, a microsecond in
    datetime(2024, 1, 2, 1, 10, 9, 500000, tzinfo=timezone(timedelta(hours=9))),  # JST
    datetime(999, 3, 4, 5, 6, 7, 8, tzinfo=UTC),  # a four-digit year, zero-padded
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_a_bound_datetime_is_the_text_sqlalchemy_would_store(moment: datetime) -> None:
    """Rows stored before and after the change sort and compare as one text column."""
    dialect = sqlite.dialect()
    ours = UTCDateTime().bind_processor(dialect)
    theirs = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None and theirs is not None
    naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
    assert ours(moment) == theirs(naive_utc)
    read = UTCDateTime().result_processor(dialect, None)
    assert read is not None
    assert read(ours(moment)) == moment  # the same instant, back in UTC
    assert read(ours(moment)).tzinfo is UTC


def test_text_in_other_forms_reads_as_utc_and_a_naive_datetime_is_refused() -> None:
    dialect = sqlite.dialect()
    read = UTCDateTime().result_processor(dialect, None)
    bind = UTCDateTime().bind_processor(dialect)
    assert read is not None and bind is not None
    assert read("2026-12-07 15:44:00") == datetime(2026, 12, 7, 15, 44, tzinfo=UTC)
    assert read("2026-12-08T00:44:00+09:00") == datetime(2026, 12, 7, 15, 44, tzinfo=UTC)
    assert read(None) is None and bind(None) is None
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2026, 12, 7, 15, 44))


def test_a_round_trip_through_a_real_sqlite_file(tmp_path: object) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/t.db")
    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime)
    )
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": i, "at": m} for i, m in enumerate(MOMENTS)])
        back = conn.execute(select(table.c.at).order_by(table.c.at)).scalars().all()
        raw = conn.exec_driver_sql("SELECT at FROM t ORDER BY id").scalars().all()
    assert back == sorted(MOMENTS)  # text order is time order
    assert raw[0] == "2026-12-07 15:44:00.000000"
