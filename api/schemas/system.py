from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from api.paging import Page


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class ComponentOut(BaseModel):
    name: str = Field(examples=["database"])
    ok: bool
    detail: str = Field(examples=["reachable, schema at 0002"])


class ReadinessOut(BaseModel):
    ready: bool
    components: list[ComponentOut]


class UpstreamCheckOut(BaseModel):
    upstream: str = Field(examples=["timeback"])
    ok: bool
    latency_ms: float
    detail: str
    checked_at: AwareDatetime


class PeriodicTaskOut(BaseModel):
    name: str = Field(examples=["upstream-health"])
    interval_seconds: float
    next_due_at: AwareDatetime
    last_started_at: AwareDatetime | None
    last_finished_at: AwareDatetime | None
    last_outcome: str | None
    last_error: str | None
    runs: int


class UpstreamCheckPage(Page[UpstreamCheckOut]):
    pass


class PeriodicTaskPage(Page[PeriodicTaskOut]):
    pass
