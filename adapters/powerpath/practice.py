"""A lesson's attempts on PowerPath (reference §4.6), on TimeBack's token and retry policy.

Reads are retried (the shared policy). The writes are not blindly retried: a second
``updateStudentQuestionResponse`` would answer twice (PowerPath refuses it, or scores it again),
so it goes through the policy as what it is to PowerPath, not what its HTTP method says (a PUT
the policy would retry); ``createNewAttempt`` and ``finalStudentAssessmentResponse`` are POSTs.
A write is retried only when it provably never left (the policy's POST rule); after an unknown
outcome the caller re-reads progress to learn what happened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.powerpath.calling import PowerPathCalls
from domain.ports.lesson_practice import (
    AnswerOutcome,
    AttemptRecord,
    Finalized,
    LessonPractice,
    NextQuestion,
    PracticeQuestion,
    Progress,
    Response,
)

BASE = "/powerpath"


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def question_of(raw: Mapping[str, Any], index: int = 0) -> PracticeQuestion:
    content: Mapping[str, Any] = _mapping(raw.get("content"))
    result: Mapping[str, Any] = _mapping(raw.get("result"))
    given = raw.get("response")
    response: Response | None = None
    if isinstance(given, str) or (
        isinstance(given, list) and all(isinstance(v, str) for v in given)
    ):
        response = given
    objectives = raw.get("learningObjectives")
    correct = raw.get("correct")
    return PracticeQuestion(
        id=str(raw.get("id", "")),
        index=_int(raw.get("index"), index),
        title=_str(raw.get("title")),
        difficulty=_str(raw.get("difficulty")),
        interaction=_str(content.get("type")),
        raw_xml=_str(content.get("rawXml")),
        learning_objectives=tuple(o for o in objectives or () if isinstance(o, str)),
        response=response,
        correct=correct if isinstance(correct, bool) else None,
        score=_float(result.get("score")),
    )


def progress_of(body: Mapping[str, Any]) -> Progress:
    listed = body.get("questions")
    if not isinstance(listed, list):
        listed = body.get("seenQuestions")
    remaining = body.get("remainingQuestionsPerDifficulty")
    return Progress(
        lesson_type=str(body.get("lessonType", "")),
        attempt=_int(body.get("attempt"), 1),
        finalized=body.get("finalized") is True,
        score=_float(body.get("score")) or 0.0,
        accuracy=_float(body.get("accuracy")),
        correct_questions=_int(body.get("correctQuestions")),
        total_questions=_int(body.get("totalQuestions")),
        xp=_float(body.get("xp")),
        multiplier=_float(body.get("multiplier")),
        remaining=(
            {str(k): _int(v) for k, v in remaining.items()}
            if isinstance(remaining, Mapping)
            else None
        ),
        questions=tuple(
            question_of(q, i) for i, q in enumerate(listed or ()) if isinstance(q, Mapping)
        ),
    )


def attempt_of(raw: Mapping[str, Any]) -> AttemptRecord:
    return AttemptRecord(
        attempt=_int(raw.get("attempt"), 1),
        score=_float(raw.get("score")),
        score_status=_str(raw.get("scoreStatus")),
        xp=_float(raw.get("xp")),
        started_at=_str(raw.get("startedAt")),
        completed_at=_str(raw.get("completedAt")),
    )


class PowerPathPractice(LessonPractice):
    def __init__(self, calls: PowerPathCalls) -> None:
        self._calls = calls

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> Any:
        # what the learner sent is theirs: PowerPath's 400/409/422 on it is the caller's 422
        return await self._calls.call(
            method, f"{BASE}/{path}", params=params, json=json, caller_input=True
        )

    async def progress(self, student: str, lesson: str, attempt: int | None = None) -> Progress:
        params: dict[str, str | int] = {"student": student, "lesson": lesson}
        if attempt is not None:
            params["attempt"] = attempt
        return progress_of(await self._call("GET", "getAssessmentProgress", params=params))

    async def new_attempt(self, student: str, lesson: str) -> AttemptRecord:
        body = await self._call(
            "POST", "createNewAttempt", json={"student": student, "lesson": lesson}
        )
        return attempt_of(body.get("attempt") or {})

    async def next_question(self, student: str, lesson: str) -> NextQuestion:
        body = await self._call(
            "GET", "getNextQuestion", params={"student": student, "lesson": lesson}
        )
        return NextQuestion(score=_float(body.get("score")), question=question_of(body["question"]))

    async def answer(
        self, student: str, lesson: str, question: str, response: Response
    ) -> AnswerOutcome:
        body = await self._call(
            "PUT",
            "updateStudentQuestionResponse",
            json={
                "student": student,
                "lesson": lesson,
                "question": question,
                "responses": {"RESPONSE": response},
            },
        )
        result = body.get("responseResult") or body.get("questionResult") or {}
        feedback = _mapping(result.get("feedback"))
        score = _float(result.get("score"))
        correct = result.get("isCorrect")
        return AnswerOutcome(
            lesson_type=str(body.get("lessonType", "")),
            correct=correct
            if isinstance(correct, bool)
            else (None if score is None else score > 0),
            score=score,
            feedback_identifier=_str(feedback.get("identifier")),
            feedback=_str(feedback.get("value")),
            attempt_score=_float(body.get("powerpathScore")),
            accuracy=_float(body.get("accuracy")),
            correct_questions=body.get("correctQuestions"),
            total_questions=body.get("totalQuestions"),
            xp=_float(body.get("xp")),
            multiplier=_float(body.get("multiplier")),
        )

    async def finalize(self, student: str, lesson: str) -> Finalized:
        body = await self._call(
            "POST", "finalStudentAssessmentResponse", json={"student": student, "lesson": lesson}
        )
        return Finalized(
            lesson_type=str(body.get("lessonType", "")), attempt=_int(body.get("attempt"), 1)
        )

    async def attempts(self, student: str, lesson: str) -> Sequence[AttemptRecord]:
        body = await self._call("GET", "getAttempts", params={"student": student, "lesson": lesson})
        return [attempt_of(a) for a in body.get("attempts") or () if isinstance(a, Mapping)]

    async def reset(self, student: str, lesson: str) -> None:
        await self._call("POST", "resetAttempt", json={"student": student, "lesson": lesson})
