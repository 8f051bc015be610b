"""The driver-level statements store the same date text SQLAlchemy itself would on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite
from sqlmodel.sql.sqltypes import UTCDateTime

from adapters.db.bulk import sqlite_utc_text

DIALECT = sqlite.dialect()


def sqlalchemy_text(value: datetime) -> str:
    column = UTCDateTime()
    processed = column.process_bind_param(value, DIALECT)
    process = column.impl_instance.dialect_impl(DIALECT).bind_processor(DIALECT)
    assert process is not None
    text: str = process(processed)
    return text


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 24, 8, 30, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2025, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(999, 1, 1, tzinfo=UTC),
    ],
)
def test_the_text_is_sqlalchemys(value: datetime) -> None:
    assert sqlite_utc_text(value) == sqlalchemy_text(value)


def test_a_naive_datetime_is_refused_as_sqlalchemy_refuses_it() -> None:
    with pytest.raises(ValueError, match="timezone"):
        sqlite_utc_text(datetime(2026, 11, 24, 8, 30))  # noqa: DTZ001 - the case under test
    with pytest.raises(ValueError, match="timezone"):
        sqlalchemy_text(datetime(2026, 11, 24, 8, 30))  # noqa: DTZ001
