"""Timesheet exports: the logs of a period with totals per project and per day, as CSV or data.

Totals use exact durations (the rounding rule is for upstreams only); running logs are listed but
count towards no total. Days are taken in the time zone the caller asks for.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from domain.models.timesheets import ProjectRef, TimeLog
from domain.services.time_log_entries import day_in, exact_duration

#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportLine:
    log: TimeLog
    day: date
    duration: timedelta | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimesheetReport:
    time_zone: str
    lines: Sequence[ReportLine]
    #: In order of first appearance; None collects logs without a project.
    per_project: Sequence[tuple[ProjectRef | None, timedelta]]
    per_day: Sequence[tuple[date, timedelta]]
    total: timedelta


def build_report(logs: Sequence[TimeLog], *, time_zone: str) -> TimesheetReport:
    lines: list[ReportLine] = []
    per_project: dict[ProjectRef | None, timedelta] = defaultdict(timedelta)
    per_day: dict[date, timedelta] = defaultdict(timedelta)
    total = timedelta()
    for log in sorted(logs, key=lambda item: (item.start, item.id)):
        day = day_in(log.start, time_zone)
        duration = exact_duration(log.start, log.end) if log.end is not None else None
        lines.append(ReportLine(log=log, day=day, duration=duration))
        if duration is None:
            continue
        per_project[log.project] += duration
        per_day[day] += duration
        total += duration
    return TimesheetReport(
        time_zone=time_zone,
        lines=lines,
        per_project=list(per_project.items()),
        per_day=sorted(per_day.items()),
        total=total,
    )


def hours(duration: timedelta) -> str:
    return f"{duration.total_seconds() / 3600:.2f}"


def to_csv(report: TimesheetReport) -> str:
    """One ``log`` row per log, then ``project_total``, ``day_total`` and ``total`` rows; the
    ``record`` column says which, so a spreadsheet can filter them apart."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "record",
            "id",
            "day",
            "start",
            "end",
            "hours",
            "integration_id",
            "project_id",
            "task",
            "billable",
            "notes",
            "sync_state",
        ]
    )
    for line in report.lines:
        log = line.log
        writer.writerow(
            [
                "log",
                log.id,
                line.day.isoformat(),
                log.start.isoformat(),
                log.end.isoformat() if log.end else "",
                hours(line.duration) if line.duration is not None else "",
                log.project.integration_id if log.project else "",
                _safe(log.project.project_id) if log.project else "",
                _safe(log.task or ""),
                "true" if log.billable else "false",
                _safe(log.notes),
                log.sync_state.value,
            ]
        )
    for project, duration in report.per_project:
        integration = project.integration_id if project else ""
        project_id = _safe(project.project_id) if project else ""
        writer.writerow(
            ["project_total", "", "", "", "", hours(duration), integration, project_id] + [""] * 4
        )
    for day, duration in report.per_day:
        writer.writerow(["day_total", "", day.isoformat(), "", "", hours(duration)] + [""] * 6)
    writer.writerow(["total", "", "", "", "", hours(report.total)] + [""] * 6)
    return out.getvalue()


def _safe(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell
