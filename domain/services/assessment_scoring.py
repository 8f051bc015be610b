"""Scoring a response, validating QTI XML, and what people report about questions and lessons.

Anyone logged in may score their own answer to an item: nothing is stored, and a learner gets
back their score and the feedback they earned, nothing of the key. QTI's refusal of a learner's
response is answered without QTI's words (they may quote the item's declarations).
"""

from __future__ import annotations

from domain.assessments.authoring import Authoring
from domain.assessments.forms import Forms
from domain.errors import InvalidInput, NotFound, PermissionDenied, UpstreamRefusedInput
from domain.models.identity import Actor, Role
from domain.policy import Action, PersonRef, Policy
from domain.ports.assessments import (
    AssessmentContent,
    ContentKind,
    FeedbackKind,
    LearnerFeedback,
    LessonCourses,
    QtiValidator,
    ResponseScorer,
    WireObject,
)

SCHEMA_KINDS = {
    "item": ContentKind.ITEMS,
    "test": ContentKind.TESTS,
    "stimulus": ContentKind.STIMULI,
}


class ScoringService:
    def __init__(
        self,
        *,
        content: AssessmentContent,
        scorer: ResponseScorer,
        validator: QtiValidator,
        feedback: LearnerFeedback,
        authoring: Authoring,
        policy: Policy,
        lessons: LessonCourses,
    ) -> None:
        self._lessons = lessons
        self._content = content
        self._scorer = scorer
        self._validator = validator
        self._feedback = feedback
        self._authoring = authoring
        self._policy = policy

    async def score(self, *, actor: Actor, item: str, response: str | list[str]) -> WireObject:
        # Only a teacher's answer depends on the item's courses; others need no extra read.
        if actor.role is Role.TEACHER:
            whole = await self._authoring.holds_key(
                actor, await self._content.get(ContentKind.ITEMS, item)
            )
        else:
            whole = self._authoring.authors_everything(actor)
        try:
            result = await self._scorer.score(item, response)
        except UpstreamRefusedInput:
            if whole:
                raise
            raise InvalidInput(
                "The response does not fit this item's interactions.", field="response"
            ) from None
        return Forms.score(result, whole=whole)

    async def validate(
        self, *, actor: Actor, schema: str, xml: str | None, entity_id: str | None
    ) -> WireObject:
        if not self._authoring.may_author_some(actor):
            raise PermissionDenied("Only staff, admins and teachers validate QTI content.")
        if entity_id is not None:
            try:
                stored = await self._content.get(SCHEMA_KINDS[schema], entity_id)
            except NotFound:
                raise InvalidInput(
                    f"No assessment {schema} with identifier {entity_id!r}.", field="entityId"
                ) from None
            if not await self._authoring.holds_key(actor, stored):
                raise PermissionDenied("You may validate only content you author.")
        elif xml is None:
            raise InvalidInput(
                "Send the xml to validate, or the entityId of stored content.", field="xml"
            )
        return await self._validator.validate(schema, xml=xml, entity_id=entity_id)

    async def report(self, *, actor: Actor, kind: FeedbackKind, body: WireObject) -> WireObject:
        """Feedback about a question or a lesson, as the caller (staff and admins may report for
        a person they reach)."""
        if not actor.can_write:
            raise PermissionDenied("A read-only token cannot report feedback.")
        # an admin is no roster person: their feedback is from their BFF account
        me = actor.person_sourced_id or f"bff-account:{actor.account_id}"
        user = body.get("userId") or me
        if user != me:
            if actor.role not in (Role.ADMIN, Role.STAFF):
                raise PermissionDenied("You may report feedback only as yourself.")
            await self._policy.require(actor, Action.READ, PersonRef(user))
        question = body.get("questionId")
        if kind is FeedbackKind.QUESTION and not question:
            raise InvalidInput("Question feedback names its question.", field="questionId")
        if question is not None and not await self._content.exists(ContentKind.ITEMS, question):
            raise InvalidInput(
                f"No assessment item with identifier {question!r}.", field="questionId"
            )
        lesson = body.get("lessonId")
        if not isinstance(lesson, str) or await self._lessons.course_of_lesson(lesson) is None:
            raise InvalidInput(f"No lesson with sourcedId {lesson!r}.", field="lessonId")
        return await self._feedback.create(kind, {**body, "userId": user})

    async def lesson_feedback(self, *, actor: Actor, lesson: str) -> list[WireObject]:
        course = await self._lessons.course_of_lesson(lesson)
        if course is None:
            raise NotFound(f"No lesson with sourcedId {lesson!r}.")
        lesson_content = {"metadata": {"courseSourcedId": course}}
        if not await self._authoring.holds_key(actor, lesson_content):
            raise PermissionDenied("Feedback on a lesson is for the teachers of its course.")
        return await self._feedback.of_lesson(lesson)

    async def delete_feedback(self, *, actor: Actor, identifier: str) -> None:
        if not actor.can_write or not self._authoring.authors_everything(actor):
            raise PermissionDenied("Only staff and admins delete feedback.")
        await self._feedback.delete(identifier)
