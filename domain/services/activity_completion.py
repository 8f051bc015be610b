"""Completing an activity PowerPath does not score (video, article, external tool): the
caller's metrics, the same ledger, result and event as a lesson, exactly once (D94)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from domain.errors import Conflict, InvalidInput
from domain.models.identity import Actor
from domain.models.learning import Completion, Metrics, ResultState, Source
from domain.policy import Action
from domain.ports import Clock, UnitOfWorkFactory
from domain.ports.assessments import LessonCourses
from domain.ports.lesson_practice import FINALIZED_BY_CALL
from domain.ports.lessons import LessonCatalogue
from domain.roster.entities import EntityKind
from domain.services.learner_references import LearnerReferences
from domain.services.learning_completions import Completions, fingerprint, new_token, replayed


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityInput:
    lesson: str
    learner: str | None = None
    course: str | None = None
    xp: float | None = None
    score: float | None = None
    correct_questions: int | None = None
    total_questions: int | None = None
    mastered_units: int | None = None


#: lessons PowerPath scores: completed through the lesson's own route, never with the caller's
#: metrics (a learner would write their own score for a quiz or a test-out)
SCORED_BY_POWERPATH = FINALIZED_BY_CALL | {"powerpath-100"}

#: how many attempt numbers a completion tries when others take them at the same moment
_TRIES = 5


class ActivityCompletionService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        refs: LearnerReferences,
        lessons: LessonCourses,
        completions: Completions,
        clock: Clock,
        catalogue: LessonCatalogue | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._uow = uow
        self._refs = refs
        self._lessons = lessons
        self._completions = completions
        self._clock = clock

    async def complete(
        self, *, actor: Actor, data: ActivityInput, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        who = await self._refs.named(actor, data.learner, Action.WRITE)
        given = {k: v for k, v in asdict(data).items() if k != "learner"}
        print_ = fingerprint({"route": "activity-complete", "learner": who, **given})
        if idempotency_key:
            first = await self._completions.by_key(actor.account_id, idempotency_key, print_)
            if first is not None:
                return await self._completions.answer_of(first)
        course = await self._lessons.course_of_lesson(data.lesson)
        if course is None:
            raise InvalidInput(f"No lesson with sourcedId '{data.lesson}'.", field="lesson")
        if data.course is not None and data.course != course:
            async with self._uow() as uow:
                known = await uow.roster.get(EntityKind.COURSES, data.course) is not None
            detail = "is not this lesson's course" if known else "does not exist"
            raise InvalidInput(f"Course '{data.course}' {detail}.", field="course")
        await self._not_scored_by_powerpath(data.lesson, course)
        # two different completions at once count the same earlier ones: the one that finds
        # its attempt number taken by another request's completion takes the next
        for _ in range(_TRIES):
            recorded = await self._record(actor, who, data, course, print_, idempotency_key)
            if idempotency_key and recorded.idempotency_key == idempotency_key:
                replayed(recorded.fingerprint, print_, {})  # the key taken by another body
                return await self._completions.answer_of(recorded)
            if recorded.fingerprint == print_ and not idempotency_key:
                return await self._completions.answer_of(recorded)  # this one, or a double tap
        raise Conflict("Other completions of this lesson are being recorded; try again.")

    async def _not_scored_by_powerpath(self, lesson: str, course: str) -> None:
        # the roster cache knows a lesson's type; a lesson it does not hold yet is let through
        lessons = await self._catalogue.course_lessons(course) if self._catalogue else None
        kind = next((each.type for each in lessons or () if each.id == lesson), None)
        if kind in SCORED_BY_POWERPATH:
            raise InvalidInput(
                f"Lesson '{lesson}' is a {kind} lesson PowerPath scores: complete it through "
                f"/v1/learning/lessons/{lesson}/complete.",
                field="lesson",
            )

    async def _record(
        self,
        actor: Actor,
        who: str,
        data: ActivityInput,
        course: str,
        print_: str,
        idempotency_key: str | None,
    ) -> Completion:
        async with self._uow() as uow:
            earlier = [
                c
                for c in await uow.learning.for_lesson(who, data.lesson)
                if c.source is Source.ACTIVITY
            ]
        if not idempotency_key and earlier and earlier[-1].fingerprint == print_:
            return earlier[-1]  # a double tap without a key
        attempt = (earlier[-1].attempt if earlier else 0) + 1
        now = self._clock.now()
        draft = Completion(
            id=self._completions.completion_id(who, data.lesson, attempt, Source.ACTIVITY),
            learner=who,
            lesson=data.lesson,
            attempt=attempt,
            source=Source.ACTIVITY,
            account_id=actor.account_id,
            idempotency_key=idempotency_key,
            fingerprint=print_,
            state=ResultState.PENDING,
            course=course,
            metrics=_metrics(data),
            created_at=now,
            updated_at=now,
        )
        return await self._completions.record(
            draft=draft,
            answer=lambda c: {
                "completion_id": c.id,
                "lesson": c.lesson,
                "learner": c.learner,
                "attempt": c.attempt,
            },
            token=new_token(),
        )


def _metrics(data: ActivityInput) -> Metrics:
    accuracy = (
        data.correct_questions / data.total_questions
        if data.correct_questions is not None and data.total_questions
        else None
    )
    return Metrics(
        score=data.score,
        accuracy=accuracy,
        correct_questions=data.correct_questions,
        total_questions=data.total_questions,
        xp=data.xp,
        mastered_units=data.mastered_units,
    )
