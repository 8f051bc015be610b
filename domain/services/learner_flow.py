"""The learner flow over PowerPath: start, next question, answer, complete, attempts (decision
D90). One call per step for the learner's app; the BFF makes PowerPath's calls, renders each
question in its delivery form (no answer key ever leaves), and completes exactly once through
:class:`~domain.services.learning_completions.Completions`.

Who: ``LearnerRef`` WRITE (the learner, their teacher, staff) to act, READ for attempts. Every
entity named is checked: the learner in the roster cache, the lesson at PowerPath (404), the
question among those PowerPath served in the attempt (422).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from typing import Any

from domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    UpstreamRefusedInput,
    UpstreamUnavailable,
)
from domain.models.identity import Actor
from domain.models.learning import Completion, Metrics, ResultState, Source, StoredAnswer
from domain.policy import Action
from domain.ports import Clock, UnitOfWorkFactory
from domain.ports.assessments import DeliveryRenderer, LessonCourses
from domain.ports.lesson_practice import (
    ADAPTIVE,
    FINALIZED_BY_CALL,
    LessonPractice,
    PracticeQuestion,
    Progress,
    Response,
)
from domain.services.learner_references import LearnerReferences
from domain.services.learning_completions import Completions, fingerprint, new_token, replayed

#: the score at which a lesson counts as a mastered unit: powerpath-100 at 100, others when passed
MASTERY = {"powerpath-100": 100.0}
PASS_SCORE = 80.0


def _mastered(progress: Progress) -> int:
    if not progress.finalized:
        return 0
    return int(progress.score >= MASTERY.get(progress.lesson_type, PASS_SCORE))


def _metrics(progress: Progress) -> Metrics:
    return Metrics(
        score=progress.score,
        accuracy=progress.accuracy,
        correct_questions=progress.correct_questions,
        total_questions=progress.total_questions,
        xp=progress.xp,
        mastered_units=_mastered(progress),
    )


def _open_quiz(lesson_type: str, finalized: bool) -> bool:
    """A quiz-like attempt's answers can be changed until it is finalized: right or wrong, or
    a count of right answers, would let the learner change each answer until it is right."""
    return lesson_type in FINALIZED_BY_CALL and not finalized


def _progress_fields(progress: Progress) -> dict[str, Any]:
    hidden = _open_quiz(progress.lesson_type, progress.finalized)
    return {
        "score": None if hidden else progress.score,
        "accuracy": None if hidden else progress.accuracy,
        "correct_questions": None if hidden else progress.correct_questions,
        "total_questions": progress.total_questions,
        "xp": progress.xp,
        "multiplier": progress.multiplier,
    }


def _same_completion(held: Completion, draft: Completion, print_: str) -> None:
    """What the ledger holds in the draft's stead is this completion, not the one another
    request made at the same moment under the same Idempotency-Key."""
    if held.id != draft.id:
        replayed(held.fingerprint, print_, {})
        raise Conflict("The completion under this Idempotency-Key is not settled yet.")


class LearnerFlowService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        refs: LearnerReferences,
        practice: LessonPractice,
        renderer: DeliveryRenderer,
        lessons: LessonCourses,
        completions: Completions,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._refs = refs
        self._practice = practice
        self._renderer = renderer
        self._lessons = lessons
        self._completions = completions
        self._clock = clock
        completions.recover = self._recover

    # -- who and what ---------------------------------------------------------------------------

    def question(self, q: PracticeQuestion) -> dict[str, Any]:
        """The question in its delivery form: the renderer keeps only what is safe to show."""
        form = self._renderer.delivery_item_xml(q.raw_xml) if q.raw_xml else None
        return {
            "id": q.id,
            "index": q.index,
            "title": q.title,
            "difficulty": q.difficulty,
            "interaction": q.interaction,
            "learning_objectives": list(q.learning_objectives),
            "form": form,
            "structured": self._renderer.structured_item(form) if form else None,
        }

    def _progress_answer(self, lesson: str, learner: str, p: Progress) -> dict[str, Any]:
        return {
            "lesson": lesson,
            "learner": learner,
            "attempt": p.attempt,
            "type": p.lesson_type,
            "finalized": p.finalized,
            **_progress_fields(p),
            "remaining": dict(p.remaining) if p.remaining is not None else None,
            "questions": [{**self.question(q), "answered": q.answered} for q in p.questions],
        }

    # -- the steps ------------------------------------------------------------------------------

    async def start(self, *, actor: Actor, lesson: str, learner: str | None) -> dict[str, Any]:
        who = await self._refs.named(actor, learner, Action.WRITE)
        progress = await self._practice.progress(who, lesson)
        if progress.finalized:
            # finalized without a completion here (mastered by its last answer, or a process
            # killed after PowerPath finalized): recorded before the next attempt begins
            await self._ensure_recorded(actor, who, lesson, progress)
        if progress.finalized or not any(q.answered for q in progress.questions):
            # an unknown outcome is no error: the progress read below says whether it was made
            with suppress(UpstreamUnavailable):
                await self._practice.new_attempt(who, lesson)
            progress = await self._practice.progress(who, lesson)
        return self._progress_answer(lesson, who, progress)

    async def next(self, *, actor: Actor, lesson: str, learner: str | None) -> dict[str, Any]:
        who = await self._refs.named(actor, learner, Action.WRITE)
        try:
            found = await self._practice.next_question(who, lesson)
            return {"score": found.score, "question": self.question(found.question), "done": False}
        except UpstreamRefusedInput:
            pass  # not an adaptive lesson, or nothing left to ask: progress says which
        progress = await self._practice.progress(who, lesson)
        score = _progress_fields(progress)["score"]
        if progress.lesson_type not in ADAPTIVE and not progress.finalized:
            open_ = next((q for q in progress.questions if not q.answered), None)
            if open_ is not None:
                return {"score": score, "question": self.question(open_), "done": False}
        return {"score": score, "question": None, "done": True}

    async def answer(
        self,
        *,
        actor: Actor,
        lesson: str,
        learner: str | None,
        question: str,
        response: Response,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        who = await self._refs.named(actor, learner, Action.WRITE)
        print_ = fingerprint(
            {"lesson": lesson, "learner": who, "question": question, "response": response}
        )
        if idempotency_key:
            async with self._uow() as uow:
                first = await uow.learning.stored_answer(actor.account_id, idempotency_key)
            if first is not None:
                return dict(replayed(first.fingerprint, print_, first.answer))
        answered = await self._answer(who, lesson, question, response)
        if idempotency_key:
            async with self._uow() as uow:
                taken = await uow.learning.store_answer(
                    StoredAnswer(
                        account_id=actor.account_id,
                        key=idempotency_key,
                        fingerprint=print_,
                        answer=answered,
                        created_at=self._clock.now(),
                    )
                )
                await uow.commit()
            if taken is not None:
                return dict(replayed(taken.fingerprint, print_, taken.answer))
        return answered

    async def _answer(
        self, who: str, lesson: str, question: str, response: Response
    ) -> dict[str, Any]:
        try:
            outcome = await self._practice.answer(who, lesson, question, response)
        except NotFound:
            await self._practice.progress(who, lesson)  # the lesson's own 404 comes through
            raise InvalidInput(
                f"Question '{question}' is not in this lesson.", field="question"
            ) from None
        except (UpstreamRefusedInput, UpstreamUnavailable) as exc:
            # refused, or an outcome unknown: what PowerPath recorded says which
            progress = await self._practice.progress(who, lesson)
            seen = progress.answered(question)
            if isinstance(exc, UpstreamUnavailable) and seen is not None:
                return self._answer_from_progress(seen, progress)
            if isinstance(exc, UpstreamUnavailable):
                raise
            if progress.finalized:
                raise Conflict("The attempt is completed: start the lesson again.") from exc
            if seen is not None:
                raise Conflict(f"Question '{question}' was already answered.") from exc
            raise InvalidInput(
                f"Question '{question}' is not the one PowerPath asked in this attempt: "
                f"{exc.detail}",
                field="question",
            ) from exc
        feedback = (
            {"identifier": outcome.feedback_identifier, "value": outcome.feedback}
            if outcome.feedback_identifier is not None
            else None
        )
        if outcome.accuracy is None:  # quiz-like answers carry no totals: read them
            progress = await self._practice.progress(who, lesson)
            totals = _progress_fields(progress)
            if _open_quiz(progress.lesson_type, progress.finalized):
                return {"correct": None, "score": None, "feedback": None, "progress": totals}
        else:
            totals = {
                "score": outcome.attempt_score,
                "accuracy": outcome.accuracy,
                "correct_questions": outcome.correct_questions,
                "total_questions": outcome.total_questions,
                "xp": outcome.xp,
                "multiplier": outcome.multiplier,
            }
        return {
            "correct": outcome.correct,
            "score": outcome.score,
            "feedback": feedback,
            "progress": totals,
        }

    def _answer_from_progress(self, q: PracticeQuestion, p: Progress) -> dict[str, Any]:
        if _open_quiz(p.lesson_type, p.finalized):
            return {
                "correct": None,
                "score": None,
                "feedback": None,
                "progress": _progress_fields(p),
            }
        return {
            "correct": q.correct,
            "score": q.score,
            "feedback": None,
            "progress": _progress_fields(p),
        }

    # -- completing -----------------------------------------------------------------------------

    async def complete(
        self,
        *,
        actor: Actor,
        lesson: str,
        learner: str | None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        who = await self._refs.named(actor, learner, Action.WRITE)
        print_ = fingerprint({"route": "lesson-complete", "lesson": lesson, "learner": who})
        first = None
        if idempotency_key:
            first = await self._completions.by_key(actor.account_id, idempotency_key, print_)
            # an intent is no completion: its request failed or is still running, so a retry
            # carries on with it (answered, it would say "finalized" of an attempt never so)
            if first is not None and first.state is not ResultState.FINALIZING:
                return await self._completions.answer_of(first)
        progress = await self._practice.progress(who, lesson)
        if first is not None and first.attempt != progress.attempt:
            raise Conflict("The completion under this Idempotency-Key is not settled yet.")
        cid = self._completions.completion_id(who, lesson, progress.attempt, Source.POWERPATH)
        async with self._uow() as uow:
            held = await uow.learning.get(cid)
        if held is not None and held.state is not ResultState.FINALIZING:
            return await self._completions.answer_of(held)  # a double tap: the first completion
        token = new_token()
        draft = self._draft(actor, who, lesson, progress, idempotency_key, print_)
        if not progress.finalized and progress.lesson_type in FINALIZED_BY_CALL:
            async with self._uow() as uow:
                taken = await uow.learning.begin(draft, token=token)
                await uow.commit()
            if taken is not None:
                _same_completion(taken, draft, print_)
            if taken is not None and taken.state is not ResultState.FINALIZING:
                return await self._completions.answer_of(taken)
            # refused (finalized meanwhile?) or unknown: PowerPath's progress decides
            with suppress(UpstreamRefusedInput, UpstreamUnavailable):
                await self._practice.finalize(who, lesson)
            progress = await self._practice.progress(who, lesson, progress.attempt)
            if not progress.finalized:
                raise Conflict("PowerPath did not finalize the attempt; try again.")
        course = await self._lessons.course_of_lesson(lesson)
        recorded = await self._completions.record(
            draft=replace(draft, metrics=_metrics(progress), course=course),
            answer=lambda c: self._complete_body(c, progress),
            token=token,
        )
        _same_completion(recorded, draft, print_)
        return await self._completions.answer_of(recorded)

    def _draft(
        self,
        actor: Actor,
        who: str,
        lesson: str,
        progress: Progress,
        key: str | None,
        print_: str,
    ) -> Completion:
        now = self._clock.now()
        return Completion(
            id=self._completions.completion_id(who, lesson, progress.attempt, Source.POWERPATH),
            learner=who,
            lesson=lesson,
            attempt=progress.attempt,
            source=Source.POWERPATH,
            account_id=actor.account_id,
            idempotency_key=key,
            fingerprint=print_,
            state=ResultState.FINALIZING,
            lesson_type=progress.lesson_type,
            next_attempt_at=now + self._completions.lease,
            created_at=now,
            updated_at=now,
        )

    def _complete_body(self, c: Completion, p: Progress) -> dict[str, Any]:
        m = c.metrics
        return {
            "lesson": c.lesson,
            "learner": c.learner,
            "attempt": c.attempt,
            "type": c.lesson_type,
            "finalized": True,
            "score": m.score,
            "accuracy": m.accuracy,
            "correct_questions": m.correct_questions,
            "total_questions": m.total_questions,
            "xp": m.xp,
            "mastered_units": m.mastered_units,
            "completion_id": c.id,
        }

    async def _ensure_recorded(
        self, actor: Actor, who: str, lesson: str, progress: Progress
    ) -> Completion:
        cid = self._completions.completion_id(who, lesson, progress.attempt, Source.POWERPATH)
        async with self._uow() as uow:
            held = await uow.learning.get(cid)
        if held is not None and held.state is not ResultState.FINALIZING:
            return held
        print_ = fingerprint({"route": "lesson-complete", "lesson": lesson, "learner": who})
        draft = self._draft(actor, who, lesson, progress, None, print_)
        course = await self._lessons.course_of_lesson(lesson)
        return await self._completions.record(
            draft=replace(draft, metrics=_metrics(progress), course=course),
            answer=lambda c: self._complete_body(c, progress),
            token=new_token(),
        )

    async def _recover(self, c: Completion, token: str) -> None:
        """The periodic task found an intent whose request never recorded it."""
        try:
            progress = await self._practice.progress(c.learner, c.lesson, c.attempt)
        except UpstreamUnavailable:
            return  # the lease runs out and the next run asks again
        if not progress.finalized:
            await self._completions.forget_intent(c, token)
            return
        course = await self._lessons.course_of_lesson(c.lesson)
        await self._completions.record(
            draft=replace(c, metrics=_metrics(progress), course=course, idempotency_key=None),
            answer=lambda done: self._complete_body(done, progress),
            token=token,
        )

    # -- attempts -------------------------------------------------------------------------------

    async def attempts(
        self, *, actor: Actor, lesson: str, learner: str | None
    ) -> list[dict[str, Any]]:
        who = await self._refs.named(actor, learner, Action.READ)
        found = await self._practice.attempts(who, lesson)
        async with self._uow() as uow:
            ledger = {c.attempt: c for c in await uow.learning.for_lesson(who, lesson)
                      if c.source is Source.POWERPATH}  # fmt: skip
            effects = {n: await self._completions.side_effects(uow, c) for n, c in ledger.items()}
        return [
            {
                "attempt": a.attempt,
                "score": a.score,
                "score_status": a.score_status,
                "xp": a.xp,
                "started_at": a.started_at,
                "completed_at": a.completed_at,
                "side_effects": effects.get(a.attempt),
            }
            for a in found
        ]

    async def attempt(
        self, *, actor: Actor, lesson: str, learner: str | None, number: int
    ) -> dict[str, Any]:
        who = await self._refs.named(actor, learner, Action.READ)
        found = await self._practice.attempts(who, lesson)
        record = next((a for a in found if a.attempt == number), None)
        if record is None:
            raise NotFound(f"No attempt {number} of lesson '{lesson}'.")
        progress = await self._practice.progress(who, lesson, number)
        cid = self._completions.completion_id(who, lesson, number, Source.POWERPATH)
        async with self._uow() as uow:
            c = await uow.learning.get(cid)
            effects = await self._completions.side_effects(uow, c) if c else None
        shown = _progress_fields(progress)  # an open quiz's counts of right answers withheld
        hidden = _open_quiz(progress.lesson_type, progress.finalized)
        return {
            "attempt": number,
            "score": None if hidden else record.score,
            "score_status": record.score_status,
            "xp": record.xp,
            "started_at": record.started_at,
            "completed_at": record.completed_at,
            "type": progress.lesson_type,
            "finalized": progress.finalized,
            "accuracy": shown["accuracy"],
            "correct_questions": shown["correct_questions"],
            "total_questions": progress.total_questions,
            "questions": [
                # right or wrong shows once the attempt is over (a quiz's answers can change)
                {
                    **self.question(q),
                    "answered": q.answered,
                    "correct": q.correct if progress.finalized else None,
                }
                for q in progress.questions
            ],
            "side_effects": effects,
        }
