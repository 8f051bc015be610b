"""The attempt calls of a lesson (reference §4.6): ``getAssessmentProgress``, ``createNewAttempt``,
``getNextQuestion``, ``updateStudentQuestionResponse``, ``finalStudentAssessmentResponse``,
``resetAttempt``, ``getAttempts``. The rules are in :mod:`.practice`; this module reads and
checks requests, finds the lesson and its questions, and answers in PowerPath's shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulators.powerpath import practice
from simulators.powerpath.questions import InvalidResponse, Question
from simulators.powerpath.questions import Response as Given
from simulators.powerpath.roster import lesson_type
from simulators.powerpath.state import Answer, Attempt
from simulators.powerpath.wire import Problem, body, not_found, ok, query, text
from simulators.timeback.state import JsonObject

if TYPE_CHECKING:
    from simulators.powerpath.app import PowerPathSimulator

BASE = "/powerpath"


class Lesson:
    """One lesson as the attempt calls see it: its roster entity, type, questions and XP."""

    def __init__(self, sim: PowerPathSimulator, lesson_id: str) -> None:
        found = sim.roster.lesson(lesson_id)
        if found is None:
            raise not_found("Lesson", lesson_id)
        kind = lesson_type(found)
        if kind is None:
            raise Problem(422, f"Lesson {lesson_id} has no PowerPath lesson type")
        self.id = lesson_id
        self.entity = found
        self.type = kind
        course = sim.roster.course_of(found)
        self.course = course
        count = practice.QUESTION_COUNT[kind]
        adaptive = kind == practice.ADAPTIVE
        self.questions: list[Question] = list(sim.bank.questions(lesson_id, count, adaptive))
        self.by_id = {q.id: q for q in self.questions}
        metadata = found.get("metadata") or {}
        xp = metadata.get("xp")
        if isinstance(xp, int | float) and not isinstance(xp, bool):
            self.xp = float(xp)
        else:
            self.xp = practice.DEFAULT_XP[kind]


class Assessments:
    def __init__(self, sim: PowerPathSimulator) -> None:
        self.sim = sim

    def routes(self) -> list[BaseRoute]:
        guard = self.sim.guarded
        return [
            Route(f"{BASE}/getAssessmentProgress", guard(self.progress), methods=["GET"]),
            Route(f"{BASE}/createNewAttempt", guard(self.new_attempt), methods=["POST"]),
            Route(f"{BASE}/getNextQuestion", guard(self.next_question), methods=["GET"]),
            Route(f"{BASE}/updateStudentQuestionResponse", guard(self.answer), methods=["PUT"]),
            Route(f"{BASE}/finalStudentAssessmentResponse", guard(self.finalize), methods=["POST"]),
            Route(f"{BASE}/resetAttempt", guard(self.reset), methods=["POST"]),
            Route(f"{BASE}/getAttempts", guard(self.attempts), methods=["GET"]),
        ]

    # -- the calls ----------------------------------------------------------------------------

    async def progress(self, request: Request) -> Response:
        student, lesson = self._student(query(request, "student")), self._lesson(request)
        history = self._history(student, lesson.id)
        wanted = request.query_params.get("attempt")
        if wanted is not None:
            if not wanted.isdigit() or int(wanted) < 1:
                raise Problem(400, "attempt must be a positive integer")
            attempt = next((a for a in history if a.number == int(wanted)), None)
            if attempt is None:
                raise not_found("Attempt", wanted)
        else:
            # a lesson never started reads as its first attempt, empty
            attempt = history[-1] if history else Attempt(1, self.sim.now())
        return ok(self.progress_body(lesson, attempt))

    async def new_attempt(self, request: Request) -> Response:
        data = await body(request)
        student = self._student(text(data, "student"))
        lesson = self._lesson_id(text(data, "lesson"))
        history = self._history(student, lesson.id)
        current = history[-1] if history else None
        if current is not None and not current.finalized:
            if current.answers:
                raise Problem(422, "The current attempt is not completed")
            return ok({"attempt": self.attempt_body(current)})  # nothing answered yet: it
        attempt = Attempt(len(history) + 1, self.sim.now())
        history.append(attempt)
        return ok({"attempt": self.attempt_body(attempt)})

    async def next_question(self, request: Request) -> Response:
        student, lesson = self._student(query(request, "student")), self._lesson(request)
        if lesson.type not in (practice.ADAPTIVE, practice.ARTICLE):
            raise Problem(400, f"getNextQuestion serves powerpath-100 lessons, not {lesson.type}")
        attempt = self._open_attempt(student, lesson.id)
        try:
            question = practice.next_question(lesson.type, attempt, lesson.questions)
        except practice.NoQuestionsLeft:
            raise Problem(422, "No questions left in this attempt") from None
        if attempt.pending is None:
            attempt.pending = question.id
            attempt.served.append(question.id)
        index = attempt.served.index(question.id)
        return ok({"score": attempt.score, "question": question_body(question, index)})

    async def answer(self, request: Request) -> Response:
        data = await body(request)
        student = self._student(text(data, "student"))
        lesson = self._lesson_id(text(data, "lesson"))
        question_id = text(data, "question")
        responses = _responses(data)
        question = lesson.by_id.get(question_id)
        if question is None:
            raise not_found("Question", question_id)
        attempt = self._open_attempt(student, lesson.id)
        try:
            outcome = self.sim.bank.score(question, responses)
        except InvalidResponse as exc:
            raise Problem(400, f"Invalid response: {exc}") from None
        answer = Answer(
            question=question.id,
            response=responses.get("RESPONSE", next(iter(responses.values()))),
            correct=outcome.correct,
            score=outcome.score,
            feedback_identifier=outcome.feedback_identifier,
            feedback=outcome.feedback,
            difficulty=question.difficulty,
        )
        feedback = {"identifier": outcome.feedback_identifier, "value": outcome.feedback}
        if lesson.type in (practice.ADAPTIVE, practice.ARTICLE):
            if question.id in attempt.answers:
                raise Problem(422, f"Question {question.id} was already answered")
            if attempt.pending != question.id:
                raise Problem(422, f"Question {question.id} is not the question being asked")
            now = self.sim.now()
            if lesson.type == practice.ARTICLE:
                practice.record_article(attempt, answer, len(lesson.questions), lesson.xp, now)
                return ok(self._quiz_like_answer(lesson, question, outcome.score, feedback))
            practice.record_adaptive(attempt, question, answer, now)
            return ok(
                {
                    "lessonType": lesson.type,
                    "powerpathScore": attempt.score,
                    "responseResult": {
                        "isCorrect": outcome.correct,
                        "score": outcome.score,
                        "feedback": feedback,
                    },
                    "questionResult": {"id": question.id, "score": outcome.score},
                    "testResult": {"score": attempt.score, "mastered": attempt.finalized},
                    **self._totals(attempt, lesson),
                }
            )
        attempt.answers[question.id] = answer
        if question.id not in attempt.served:
            attempt.served.append(question.id)
        return ok(self._quiz_like_answer(lesson, question, outcome.score, feedback))

    def _quiz_like_answer(
        self, lesson: Lesson, question: Question, score: float, feedback: JsonObject
    ) -> JsonObject:
        result = {"id": question.id, "score": score, "feedback": feedback}
        return {"lessonType": lesson.type, "questionResult": result}

    async def finalize(self, request: Request) -> Response:
        data = await body(request)
        student = self._student(text(data, "student"))
        lesson = self._lesson_id(text(data, "lesson"))
        if lesson.type not in practice.QUIZ_LIKE:
            raise Problem(400, f"A {lesson.type} lesson completes by itself, not by finalizing")
        history = self._history(student, lesson.id)
        if not history or history[-1].finalized:
            raise Problem(422, "There is no open attempt to finalize")
        attempt = history[-1]
        practice.finalize(attempt, len(lesson.questions), lesson.xp, self.sim.now())
        self.sim.after_finalize(student, lesson, attempt)
        return ok({"lessonType": lesson.type, "finalized": True, "attempt": attempt.number})

    async def reset(self, request: Request) -> Response:
        data = await body(request)
        student = self._student(text(data, "student"))
        lesson = self._lesson_id(text(data, "lesson"))
        history = self._history(student, lesson.id)
        if not history:
            raise not_found("Attempt for lesson", lesson.id)
        fresh = Attempt(history[-1].number, self.sim.now())
        history[-1] = fresh
        return ok({"success": True, "score": fresh.score})

    async def attempts(self, request: Request) -> Response:
        student, lesson = self._student(query(request, "student")), self._lesson(request)
        history = self._history(student, lesson.id)
        return ok({"attempts": [self.attempt_body(a) for a in history]})

    # -- shapes -------------------------------------------------------------------------------

    def attempt_body(self, attempt: Attempt) -> JsonObject:
        return {
            "attempt": attempt.number,
            "score": attempt.score,
            "scoreStatus": practice.score_status(attempt),
            "xp": attempt.xp,
            "startedAt": attempt.started_at,
            "completedAt": attempt.completed_at,
        }

    def progress_body(self, lesson: Lesson, attempt: Attempt) -> JsonObject:
        if lesson.type == practice.ADAPTIVE:
            seen = [
                question_body(lesson.by_id[qid], i, attempt.answers.get(qid))
                for i, qid in enumerate(attempt.served)
                if qid in attempt.answers
            ]
            return {
                "lessonType": lesson.type,
                "remainingQuestionsPerDifficulty": practice.remaining(attempt, lesson.questions),
                "score": attempt.score,
                "seenQuestions": seen,
                "finalized": attempt.finalized,
                **self._totals(attempt, lesson),
                "attempt": attempt.number,
            }
        return {
            "lessonType": lesson.type,
            "finalized": attempt.finalized,
            "score": attempt.score,
            "questions": [
                question_body(q, i, attempt.answers.get(q.id))
                for i, q in enumerate(lesson.questions)
            ],
            "toolProvider": self.sim.tool_provider(lesson.id),
            "attempt": attempt.number,
            **self._totals(attempt, lesson),
        }

    def _totals(self, attempt: Attempt, lesson: Lesson) -> JsonObject:
        adaptive = lesson.type == practice.ADAPTIVE
        answered = len(attempt.answers)
        return {
            "accuracy": round(attempt.accuracy, 4),
            "correctQuestions": attempt.correct,
            "totalQuestions": answered if adaptive else len(lesson.questions),
            "xp": attempt.xp,
            "multiplier": practice.multiplier(attempt) if adaptive else None,
        }

    # -- lookups ------------------------------------------------------------------------------

    def _student(self, student_id: str) -> str:
        if self.sim.roster.student(student_id) is None:
            raise not_found("Student", student_id)
        return student_id

    def _lesson(self, request: Request) -> Lesson:
        return self._lesson_id(query(request, "lesson"))

    def _lesson_id(self, lesson_id: str) -> Lesson:
        return Lesson(self.sim, lesson_id)

    def _history(self, student: str, lesson: str) -> list[Attempt]:
        return self.sim.state.attempts.setdefault((student, lesson), [])

    def _open_attempt(self, student: str, lesson: str) -> Attempt:
        """The attempt answers go to: the current one, or a first one started now."""
        history = self._history(student, lesson)
        if not history:
            history.append(Attempt(1, self.sim.now()))
        if history[-1].finalized:
            raise Problem(422, "The attempt is completed: create a new attempt first")
        return history[-1]


def question_body(question: Question, index: int, answer: Answer | None = None) -> JsonObject:
    found: JsonObject = {
        "id": question.id,
        "index": index,
        "title": question.title,
        "url": question.url,
        "difficulty": question.difficulty,
        "humanApproved": True,
        "content": {"type": question.interaction, "rawXml": question.raw_xml},
        "learningObjectives": list(question.learning_objectives),
    }
    if answer is not None:
        found["response"] = answer.response
        found["correct"] = answer.correct
        found["result"] = {"score": answer.score, "feedback": answer.feedback}
    return found


def _responses(data: JsonObject) -> dict[str, Given]:
    """``responses: {"RESPONSE": ...}`` (timeback-powerpath) or the spec's ``response``."""
    given: Any = data.get("responses")
    if given is None and "response" in data:
        given = {"RESPONSE": data["response"]}
    if not isinstance(given, dict) or not given:
        raise Problem(400, "response or responses is required")
    for value in given.values():
        plain = isinstance(value, str)
        listed = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not (plain or listed):
            raise Problem(400, "a response is a string or a list of strings")
    return dict(given)
