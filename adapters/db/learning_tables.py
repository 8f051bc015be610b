"""Tables of the learner flow: the completion ledger and answers kept for Idempotency-Key
replays (decision D89)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field

from adapters.db.metadata import Row


class LearningCompletionRow(Row, table=True):
    __tablename__ = "learning_completions"
    __table_args__ = (
        # (learner, lesson, attempt, source) is the completion; its id is derived from them, so
        # the key is the primary key too: stated here for the reader and the lookups
        UniqueConstraint("learner", "lesson", "attempt", "source"),
        UniqueConstraint("account_id", "idempotency_key"),
        Index("ix_learning_completions_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    learner: str = Field(max_length=255)
    lesson: str = Field(max_length=255)
    attempt: int
    source: str = Field(max_length=20)
    # No foreign key: a completion outlives the account that made it.
    account_id: str = Field(max_length=32)
    idempotency_key: str | None = Field(default=None, max_length=255)
    fingerprint: str = Field(max_length=64)
    state: str = Field(max_length=20)
    lesson_type: str | None = Field(default=None, max_length=40)
    course: str | None = Field(default=None, max_length=255)
    metrics_json: str = Field(sa_column=Column(Text, nullable=False))
    result_id: str | None = Field(default=None, max_length=36)
    result_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    event_ids_json: str = Field(sa_column=Column(Text, nullable=False))
    answer_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=2000)
    next_attempt_at: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=32)
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None = None


class LearningAnswerRow(Row, table=True):
    __tablename__ = "learning_answers"

    account_id: str = Field(primary_key=True, max_length=32)
    idempotency_key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    answer_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
