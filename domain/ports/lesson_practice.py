"""What the learner flow needs from PowerPath: a lesson's attempts and their questions.

Shapes are PowerPath's (reference §4.6) read into frozen dataclasses; a question carries its raw
QTI XML, answer key included, so it never leaves the domain as it is (the service renders the
delivery form). Errors are domain errors: an unknown student or lesson ``NotFound``; a request
PowerPath refuses (the attempt is finalized, the question is not the one asked, ...)
``UpstreamRefusedInput``; an outage ``UpstreamUnavailable`` (after a write, its outcome is
unknown: the caller re-reads progress to learn it, writes are never retried blindly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

#: lesson types whose attempts end by ``finalStudentAssessmentResponse``; the others (adaptive
#: practice, articles) end by themselves when mastered or answered through
FINALIZED_BY_CALL = frozenset({"quiz", "test-out", "placement", "unit-test"})
#: lesson types ``getNextQuestion`` serves
ADAPTIVE = frozenset({"powerpath-100", "alpha-read-article"})

Response = str | list[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class PracticeQuestion:
    id: str
    index: int
    title: str | None
    difficulty: str | None
    interaction: str | None
    #: the item's QTI XML as PowerPath serves it: with its answer key
    raw_xml: str | None
    learning_objectives: tuple[str, ...] = ()
    #: set on questions already answered in the attempt
    response: Response | None = None
    correct: bool | None = None
    score: float | None = None

    @property
    def answered(self) -> bool:
        return self.correct is not None or self.response is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    lesson_type: str
    attempt: int
    finalized: bool
    score: float
    accuracy: float | None
    correct_questions: int
    total_questions: int
    xp: float | None
    multiplier: float | None
    remaining: Mapping[str, int] | None
    questions: Sequence[PracticeQuestion] = field(default_factory=tuple)

    def answered(self, question_id: str) -> PracticeQuestion | None:
        return next((q for q in self.questions if q.id == question_id and q.answered), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptRecord:
    attempt: int
    score: float | None
    score_status: str | None
    xp: float | None
    started_at: str | None
    completed_at: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NextQuestion:
    score: float | None
    question: PracticeQuestion


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerOutcome:
    lesson_type: str
    correct: bool | None
    score: float | None
    feedback_identifier: str | None
    feedback: str | None
    #: the attempt's score after the answer (powerpath-100's ``powerpathScore``)
    attempt_score: float | None
    accuracy: float | None = None
    correct_questions: int | None = None
    total_questions: int | None = None
    xp: float | None = None
    multiplier: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Finalized:
    lesson_type: str
    attempt: int


class LessonPractice(Protocol):
    async def progress(self, student: str, lesson: str, attempt: int | None = None) -> Progress:
        """The attempt's progress (the newest when ``attempt`` is None)."""
        ...

    async def new_attempt(self, student: str, lesson: str) -> AttemptRecord: ...

    async def next_question(self, student: str, lesson: str) -> NextQuestion: ...

    async def answer(
        self, student: str, lesson: str, question: str, response: Response
    ) -> AnswerOutcome: ...

    async def finalize(self, student: str, lesson: str) -> Finalized: ...

    async def attempts(self, student: str, lesson: str) -> Sequence[AttemptRecord]: ...

    async def reset(self, student: str, lesson: str) -> None: ...
