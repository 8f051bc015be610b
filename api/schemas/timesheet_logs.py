from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from api.paging import Page
from api.schemas.common import IsoDateTime
from domain.models.timesheets import ProjectRef, SyncState, TimeLog
from domain.services.time_log_entries import exact_duration
from domain.services.time_logs import LogInput
from domain.services.timesheet_export import TimesheetReport

#: Listed in the OpenAPI document so clients (and fuzzers) know the accepted names.
TIME_ZONES = sorted(available_timezones())
_ZONES = frozenset(TIME_ZONES)


def _known_zone(name: str) -> str:
    if name not in _ZONES:
        raise ValueError("use an IANA time zone name, e.g. Europe/London")
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]

_TASK = Field(default=None, max_length=500, examples=["Code review"])
_NOTES = Field(default="", max_length=10_000)


class ProjectRefModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    integration_id: str = Field(min_length=1, max_length=32)
    project_id: str = Field(
        min_length=1,
        max_length=64,
        description="The upstream project (Zoho Projects) or ticket (Zoho Desk) id, as a string.",
        examples=["170876000004061003"],
    )

    def ref(self) -> ProjectRef:
        return ProjectRef(integration_id=self.integration_id, project_id=self.project_id)

    @classmethod
    def of(cls, ref: ProjectRef | None) -> ProjectRefModel | None:
        return cls(integration_id=ref.integration_id, project_id=ref.project_id) if ref else None


class TimeLogIn(BaseModel):
    """A log. Without ``end`` it is a running timer; without a project or task it stays local."""

    model_config = ConfigDict(extra="forbid")
    project: ProjectRefModel | None = None
    task: str | None = _TASK
    start: IsoDateTime | None = Field(default=None, description="Defaults to now.")
    end: IsoDateTime | None = None
    billable: StrictBool = True
    notes: str = _NOTES

    def data(self) -> LogInput:
        return LogInput(
            project=self.project.ref() if self.project else None,
            task=self.task,
            start=self.start,
            end=self.end,
            billable=self.billable,
            notes=self.notes,
        )


class TimeLogPatch(BaseModel):
    """Only the fields sent change; ``null`` clears ``project``, ``task`` or ``end``."""

    model_config = ConfigDict(extra="forbid")
    project: ProjectRefModel | None = None
    task: str | None = _TASK
    start: IsoDateTime | None = None
    end: IsoDateTime | None = None
    billable: StrictBool | None = None
    notes: str | None = Field(default=None, max_length=10_000)

    def changes(self) -> dict[str, Any]:
        sent = self.model_fields_set
        out: dict[str, Any] = {}
        for name in sent:
            value = getattr(self, name)
            if name == "project":
                value = self.project.ref() if self.project else None
            elif name in {"start", "billable", "notes"} and value is None:
                continue  # these cannot be cleared; null leaves them as they are
            out[name] = value
        return out


class TimerStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: ProjectRefModel | None = None
    task: str | None = _TASK
    billable: StrictBool = True
    notes: str = _NOTES

    def data(self) -> LogInput:
        return LogInput(
            project=self.project.ref() if self.project else None,
            task=self.task,
            billable=self.billable,
            notes=self.notes,
        )


class TimeLogOut(BaseModel):
    id: str
    account_id: str
    project: ProjectRefModel | None
    task: str | None
    start: AwareDatetime
    end: AwareDatetime | None
    running: bool
    billable: bool
    notes: str
    duration_seconds: int | None = Field(
        description="Exact, from start to end (null while running); rounding applies upstream only."
    )
    pushed_minutes: int | None = Field(
        description="What the tracker gets (null while running): the duration in whole rounding "
        "increments (BFF_TIMESHEETS_ROUNDING_*), never less than one increment, since trackers "
        "refuse a zero-length entry."
    )
    sync_state: SyncState
    upstream_id: str | None
    last_error: str | None = Field(
        description="Why the last push failed (for failed_permanent: the upstream's reason)."
    )
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def of(cls, log: TimeLog, pushed_minutes: int | None) -> TimeLogOut:
        duration = exact_duration(log.start, log.end) if log.end else None
        return cls(
            id=log.id,
            account_id=log.account_id,
            project=ProjectRefModel.of(log.project),
            task=log.task,
            start=log.start,
            end=log.end,
            running=log.running,
            billable=log.billable,
            notes=log.notes,
            duration_seconds=int(duration.total_seconds()) if duration is not None else None,
            pushed_minutes=pushed_minutes,
            sync_state=log.sync_state,
            upstream_id=log.upstream_id,
            last_error=log.last_error,
            version=log.version,
            created_at=log.created_at,
            updated_at=log.updated_at,
        )


class TimeLogPage(Page[TimeLogOut]):
    pass


class ProjectTotal(BaseModel):
    project: ProjectRefModel | None = Field(description="null: logs without a project.")
    seconds: int
    hours: float


class DayTotal(BaseModel):
    day: date
    seconds: int
    hours: float


class TimesheetExport(BaseModel):
    time_zone: str
    logs: list[TimeLogOut]
    per_project: list[ProjectTotal]
    per_day: list[DayTotal]
    total_seconds: int
    total_hours: float

    @classmethod
    def of(
        cls, report: TimesheetReport, pushed_minutes: Callable[[TimeLog], int | None]
    ) -> TimesheetExport:
        return cls(
            time_zone=report.time_zone,
            logs=[TimeLogOut.of(line.log, pushed_minutes(line.log)) for line in report.lines],
            per_project=[
                ProjectTotal(
                    project=ProjectRefModel.of(p),
                    seconds=int(d.total_seconds()),
                    hours=round(d.total_seconds() / 3600, 2),
                )
                for p, d in report.per_project
            ],
            per_day=[
                DayTotal(
                    day=day,
                    seconds=int(d.total_seconds()),
                    hours=round(d.total_seconds() / 3600, 2),
                )
                for day, d in report.per_day
            ],
            total_seconds=int(report.total.total_seconds()),
            total_hours=round(report.total.total_seconds() / 3600, 2),
        )
