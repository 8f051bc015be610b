"""Bodies and answers of the learner flow (``/v1/learning/lessons/{lesson}/...``) and of
``POST /v1/learning/activity/complete``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.paging import Page
from domain.services.activity_completion import ActivityInput

_LEARNER = Field(
    default=None,
    min_length=1,
    max_length=255,
    description="The learner acted for (sourcedId); defaults to you.",
)


class LearnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    learner: str | None = _LEARNER


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=255, description="The question's id.")
    response: str | list[str] = Field(
        description="The response: a choice identifier or text, or a list for multiple ones.",
        examples=["B"],
    )
    learner: str | None = _LEARNER


class ActivityCompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lesson: str = Field(min_length=1, max_length=255, description="The lesson (resource) id.")
    learner: str | None = _LEARNER
    course: str | None = Field(default=None, min_length=1, max_length=255)
    xp: float | None = Field(default=None, ge=0, le=1_000_000)
    score: float | None = Field(default=None, ge=0, le=100)
    correct_questions: int | None = Field(default=None, ge=0, le=100_000)
    total_questions: int | None = Field(default=None, ge=0, le=100_000)
    mastered_units: int | None = Field(default=None, ge=0, le=100_000)

    def data(self) -> ActivityInput:
        return ActivityInput(**self.model_dump())


class QuestionOut(BaseModel):
    id: str
    index: int
    title: str | None
    difficulty: str | None
    interaction: str | None
    learning_objectives: list[str]
    form: str | None = Field(description="The item's QTI XML in its delivery form: no answer key.")
    structured: dict[str, Any] | None
    answered: bool | None = None
    correct: bool | None = None


class ProgressOut(BaseModel):
    score: float | None
    accuracy: float | None
    correct_questions: int | None
    total_questions: int | None
    xp: float | None
    multiplier: float | None


class StartOut(ProgressOut):
    lesson: str
    learner: str
    attempt: int
    type: str
    finalized: bool
    remaining: dict[str, int] | None
    questions: list[QuestionOut]


class NextOut(BaseModel):
    score: float | None
    question: QuestionOut | None
    done: bool


class FeedbackOut(BaseModel):
    identifier: str | None
    value: str | None


class AnswerOut(BaseModel):
    correct: bool | None
    score: float | None
    feedback: FeedbackOut | None
    progress: ProgressOut


class ResultEffectOut(BaseModel):
    id: str | None
    state: str = Field(description="finalizing, pending, delivered or failed")
    attempts: int
    last_error: str | None


class EventEffectOut(BaseModel):
    id: str
    state: str


class SideEffectsOut(BaseModel):
    result: ResultEffectOut
    events: list[EventEffectOut]


class CompleteOut(BaseModel):
    lesson: str
    learner: str
    attempt: int | None = None
    type: str | None = None
    finalized: bool = True
    score: float | None = None
    accuracy: float | None = None
    correct_questions: int | None = None
    total_questions: int | None = None
    xp: float | None = None
    mastered_units: int | None = None
    completion_id: str
    side_effects: SideEffectsOut


class ActivityCompleteOut(BaseModel):
    completion_id: str
    lesson: str
    learner: str
    attempt: int
    side_effects: SideEffectsOut


class AttemptOut(BaseModel):
    attempt: int
    score: float | None
    score_status: str | None
    xp: float | None
    started_at: str | None
    completed_at: str | None
    side_effects: SideEffectsOut | None


class AttemptPage(Page[AttemptOut]):
    pass


class AttemptDetailOut(AttemptOut):
    type: str
    finalized: bool
    accuracy: float | None
    correct_questions: int | None
    total_questions: int | None
    questions: list[QuestionOut]
