from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.paging import Page
from domain.roster.sync import Change, SyncKind, SyncRun


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: SyncKind = Field(default=SyncKind.INCREMENTAL, description="full re-reads everything.")


class EntityProgressOut(BaseModel):
    entity: str = Field(examples=["users"])
    status: str
    pages_done: int
    pages_total: int | None
    rows: int
    errors: int


class SyncRunOut(BaseModel):
    id: str
    kind: SyncKind
    status: str = Field(examples=["running"])
    started_at: AwareDatetime
    finished_at: AwareDatetime | None
    error: str | None
    entities: list[EntityProgressOut]
    waiting_for: str | None = Field(
        default=None,
        description="Another sync held the lock when this one was to start: the run it waited for.",
    )
    joined: str | None = Field(
        default=None,
        description="This run did no work of its own: the run it waited for did what it asked.",
    )

    @classmethod
    def of(cls, run: SyncRun) -> SyncRunOut:
        return cls(
            id=run.id,
            kind=run.kind,
            status=run.status.value,
            started_at=run.started_at,
            finished_at=run.finished_at,
            error=run.error,
            waiting_for=run.waiting_for,
            joined=run.joined,
            entities=[
                EntityProgressOut(
                    entity=p.entity.value,
                    status=p.status.value,
                    pages_done=p.pages_done,
                    pages_total=p.pages_total,
                    rows=p.rows,
                    errors=p.errors,
                )
                for p in run.entities
            ],
        )


class SyncRunPage(Page[SyncRunOut]):
    pass


class ChangeOut(BaseModel):
    cursor: int
    kind: str = Field(examples=["users"])
    sourced_id: str
    op: str = Field(examples=["upsert"])
    at: AwareDatetime

    @classmethod
    def of(cls, change: Change) -> ChangeOut:
        return cls(
            cursor=change.cursor,
            kind=change.kind.value,
            sourced_id=change.sourced_id,
            op=change.op.value,
            at=change.at,
        )


class ChangeFeed(BaseModel):
    changes: list[ChangeOut]
    next_cursor: int = Field(
        description="Pass it as ?cursor= to read on; equal to yours when nothing is new."
    )
