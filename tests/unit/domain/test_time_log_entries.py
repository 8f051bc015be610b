"""What a log looks like upstream: exact durations (multi-day, DST), rounding, the workspace's day;
and the timesheet export's totals and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.models.timesheets import ProjectRef, SyncState, TimeLog
from domain.services.time_log_entries import (
    Rounding,
    RoundingMode,
    day_in,
    exact_duration,
    upstream_entry,
)
from domain.services.timesheet_export import build_report, to_csv

LONDON = ZoneInfo("Europe/London")
P1 = ProjectRef(integration_id="int-a", project_id="p-1")


def a_log(start: datetime, end: datetime | None, **changes: object) -> TimeLog:
    values: dict[str, object] = {
        "id": f"log-{start.timestamp():.0f}",
        "account_id": "a",
        "project": P1,
        "task": "Review",
        "start": start,
        "end": end,
        "created_at": start,
        "updated_at": start,
    }
    values.update(changes)
    return TimeLog(**values)  # type: ignore[arg-type]


def test_a_multi_day_duration_keeps_its_days() -> None:
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    duration = exact_duration(start, start + timedelta(days=2, hours=3, minutes=7))
    assert duration.total_seconds() == (51 * 60 + 7) * 60
    assert duration.seconds != duration.total_seconds()  # what the original server used


def test_durations_across_a_dst_change_are_elapsed_time_not_wall_clock() -> None:
    # 2026-03-29: London jumps from 01:00 to 02:00. 00:30 to 03:30 on the wall is 2 hours.
    start = datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)
    end = datetime(2026, 3, 29, 3, 30, tzinfo=LONDON)
    assert end - start == timedelta(hours=3)  # Python's same-tzinfo subtraction: wall clock
    assert exact_duration(start, end) == timedelta(hours=2)
    # and back in October: 00:30 to 03:30 is 4 hours
    autumn = exact_duration(
        datetime(2026, 10, 25, 0, 30, tzinfo=LONDON), datetime(2026, 10, 25, 3, 30, tzinfo=LONDON)
    )
    assert autumn == timedelta(hours=4)
    entry = upstream_entry(a_log(start, end), time_zone="Europe/London", rounding=Rounding())
    assert entry.minutes == 120
    assert entry.day == date(2026, 3, 29)


@pytest.mark.parametrize(
    ("minutes", "rounding", "expected"),
    [
        (61.4, Rounding(), 61),
        (61.5, Rounding(), 62),  # half up, not banker's rounding
        (62.5, Rounding(), 63),
        (61, Rounding(increment_minutes=15, mode=RoundingMode.UP), 75),
        (60, Rounding(increment_minutes=15, mode=RoundingMode.UP), 60),
        (74, Rounding(increment_minutes=15, mode=RoundingMode.DOWN), 60),
        (67, Rounding(increment_minutes=15), 60),
        (68, Rounding(increment_minutes=15), 75),
        (7, Rounding(increment_minutes=6, mode=RoundingMode.NEAREST), 6),
        # never below one increment for a log that lasted at all: trackers refuse zero
        (2 / 60, Rounding(), 1),
        (29 / 60, Rounding(), 1),
        (0.5, Rounding(), 1),
        (14, Rounding(increment_minutes=15, mode=RoundingMode.DOWN), 15),
        (1 / 60, Rounding(increment_minutes=15), 15),
        (0, Rounding(), 0),
    ],
)
def test_rounding(minutes: float, rounding: Rounding, expected: int) -> None:
    assert rounding.minutes(timedelta(minutes=minutes)) == expected


def test_the_day_is_the_workspaces() -> None:
    late_utc = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert day_in(late_utc, "Asia/Tokyo") == date(2026, 7, 1)
    assert day_in(late_utc, "America/Los_Angeles") == date(2026, 6, 30)
    assert day_in(late_utc, "UTC") == date(2026, 6, 30)
    with pytest.raises(InvalidInput):
        day_in(late_utc, "Mars/Olympus_Mons")


def test_the_entry_carries_everything_the_upstream_needs() -> None:
    start = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    log = a_log(start, start + timedelta(minutes=90), billable=False, notes="n", task=" Build ")
    entry = upstream_entry(log, time_zone="Asia/Tokyo", rounding=Rounding())
    assert (entry.project_id, entry.task, entry.day, entry.minutes) == (
        "p-1",
        "Build",
        date(2026, 7, 1),
        90,
    )
    assert (entry.billable, entry.notes, entry.tag, entry.started_at) == (False, "n", log.id, start)
    with pytest.raises(ValueError, match="not complete"):
        upstream_entry(a_log(start, None), time_zone="UTC", rounding=Rounding())


def test_the_export_totals_per_project_and_day_in_the_asked_zone() -> None:
    day1 = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    p2 = ProjectRef(integration_id="int-b", project_id="=cmd|' /C calc'!A0")
    logs = [
        a_log(day1, day1 + timedelta(hours=1)),
        a_log(day1 + timedelta(hours=3), day1 + timedelta(hours=5), project=p2, notes="@risky"),
        a_log(day1 + timedelta(hours=6), day1 + timedelta(hours=6, minutes=30), project=None),
        a_log(day1 + timedelta(hours=7), None, sync_state=SyncState.LOCAL),  # running: no total
    ]
    report = build_report(logs, time_zone="Europe/Berlin")  # 23:00 on the 2nd, then the 3rd
    assert [(p, d.total_seconds() / 3600) for p, d in report.per_project] == [
        (P1, 1.0),
        (p2, 2.0),
        (None, 0.5),
    ]
    assert [(d, t.total_seconds() / 3600) for d, t in report.per_day] == [
        (date(2026, 3, 2), 1.0),
        (date(2026, 3, 3), 2.5),
    ]
    assert report.total == timedelta(hours=3, minutes=30)

    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert [r["record"] for r in rows] == ["log"] * 4 + ["project_total"] * 3 + [
        "day_total"
    ] * 2 + ["total"]
    assert rows[1]["project_id"].startswith("'=")  # no formula reaches a spreadsheet
    assert rows[1]["notes"] == "'@risky"
    assert rows[3]["end"] == ""
    assert rows[3]["hours"] == ""
    assert rows[-1]["hours"] == "3.50"
    assert rows[-3]["day"] == "2026-03-02"
