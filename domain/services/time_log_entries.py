"""What a log looks like to its upstream: exact duration, rounded minutes, the day in the workspace.

The original Timesheet server used ``timedelta.seconds`` (dropping whole days) and the server's naive
local time; here durations come from UTC instants and the day from the workspace's own zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput
from domain.models.timesheets import TimeLog, UpstreamEntry


class RoundingMode(StrEnum):
    NEAREST = "nearest"
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rounding:
    """Applied only to what is pushed; the BFF keeps the exact times."""

    increment_minutes: int = 1
    mode: RoundingMode = RoundingMode.NEAREST

    def minutes(self, duration: timedelta) -> int:
        """The whole minutes a log of ``duration`` is pushed as: a multiple of the increment, and
        never less than one increment for a log that lasted at all. Trackers refuse zero (Zoho:
        "Pattern Specified: hours" for 00:00), so a short log (a timer stopped after 2 s) would
        otherwise be kept and never synced; it is pushed as one increment, and the API shows it."""
        if duration <= timedelta(0):
            return 0
        steps = duration.total_seconds() / 60 / self.increment_minutes
        match self.mode:
            case RoundingMode.UP:
                whole = math.ceil(steps)
            case RoundingMode.DOWN:
                whole = math.floor(steps)
            case RoundingMode.NEAREST:
                whole = math.floor(steps + 0.5)  # half up, not Python's banker's rounding
        return max(1, int(whole)) * self.increment_minutes


def exact_duration(start: datetime, end: datetime) -> timedelta:
    """Elapsed time between two instants. Both are moved to UTC first: Python subtracts two
    datetimes sharing a tzinfo by wall clock, which is an hour off across a DST change."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def day_in(instant: datetime, time_zone: str) -> date:
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {time_zone!r}.", field="time_zone") from exc
    return instant.astimezone(zone).date()


def upstream_entry(log: TimeLog, *, time_zone: str, rounding: Rounding) -> UpstreamEntry:
    """The log as its tracker should hold it. Only for complete, stopped logs."""
    if log.project is None or log.end is None or not log.task:
        raise ValueError(f"log {log.id} is not complete and cannot be pushed")
    return UpstreamEntry(
        project_id=log.project.project_id,
        task=log.task.strip(),
        day=day_in(log.start, time_zone),
        started_at=log.start.astimezone(UTC),
        minutes=rounding.minutes(exact_duration(log.start, log.end)),
        billable=log.billable,
        notes=log.notes,
        tag=log.id,
    )
