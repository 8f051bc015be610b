"""Where PowerPath's questions come from and how an answer is scored: the QTI simulator's.

PowerPath serves QTI items (reference §4.6: a question carries its item's ``rawXml``, difficulty
and learning objectives) and scores answers through QTI response processing. The simulator asks
a :class:`QuestionSource` for a lesson's items and a :class:`Scorer` for a response's outcome;
:class:`QtiBank` is both, over the QTI simulator's seeded content bank (built from the same seed,
so the ids are the QTI simulator's) and its response processing (``simulators.qti.scoring``).

A lesson the bank has items for serves them; a powerpath-100 lesson needs more of each
difficulty than one lesson has, so it draws the rest from its course's other lessons, then from
the whole bank, in a seeded order. Items a person must score (extended text) are never served.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from simulators.kit.seed import SeedGenerator
from simulators.kit.simulator import SeedSpec
from simulators.qti.model import ParsedItem
from simulators.qti.scoring import ScoringError, is_pending, process
from simulators.qti.seed import build_bank

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")
Response = str | list[str]


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    title: str
    difficulty: Difficulty
    raw_xml: str
    url: str
    learning_objectives: tuple[str, ...]
    #: the item's correct responses by response identifier: kept for tests and tools, never sent
    correct: Mapping[str, Response]
    interaction: str = "choice"
    #: the lesson the bank authored it for
    lesson: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What response processing gave: the item's ``SCORE``, and the feedback shown."""

    score: float
    correct: bool
    feedback_identifier: str
    feedback: str


class InvalidResponse(ValueError):
    """The response does not fit the item's response declarations."""


class QuestionSource(Protocol):
    def questions(self, lesson_id: str, count: int, adaptive: bool) -> Sequence[Question]:
        """Up to ``count`` items for one lesson, always the same ones for the same lesson;
        ``adaptive``: spread over the three difficulties."""
        ...

    def question(self, question_id: str) -> Question | None: ...


class Scorer(Protocol):
    def score(self, question: Question, responses: Mapping[str, Response]) -> Outcome: ...


class QtiBank:
    def __init__(self, spec: SeedSpec, qti_url: str, roster_lessons: Mapping[str, str]) -> None:
        """``roster_lessons``: lesson id -> course id, to fill an adaptive lesson from its
        course's other lessons first."""
        self.seed = spec.seed
        self.qti_url = qti_url.rstrip("/")
        state = build_bank(spec, public_url=self.qti_url)
        self._parsed: dict[str, ParsedItem] = {}
        self._by_id: dict[str, Question] = {}
        self._by_lesson: dict[str, list[Question]] = {}
        for item_id in sorted(state.items):
            parsed = state.parsed[item_id]
            if is_pending(parsed):
                continue
            question = self._question(state.items[item_id], parsed)
            self._parsed[item_id] = parsed
            self._by_id[item_id] = question
            self._by_lesson.setdefault(question.lesson, []).append(question)
        self._course_of = dict(roster_lessons)

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def questions(self, lesson_id: str, count: int, adaptive: bool) -> list[Question]:
        own = self._by_lesson.get(lesson_id, [])
        if not adaptive:
            return (
                own[:count] if own else self._drawn(lesson_id, list(self._by_id.values()))[:count]
            )
        course = self._course_of.get(lesson_id)
        same_course = [
            q
            for lesson, course_id in self._course_of.items()
            if course_id == course and lesson != lesson_id
            for q in self._by_lesson.get(lesson, [])
        ]
        rest = [q for q in self._by_id.values() if q not in own and q not in same_course]
        pool = [*own, *self._drawn(lesson_id, same_course), *self._drawn(lesson_id, rest)]
        per = count // len(DIFFICULTIES)
        levels = [[q for q in pool if q.difficulty == d][:per] for d in DIFFICULTIES]
        # easy, medium, hard in turn, so any prefix spans the three
        return [levels[i % 3][i // 3] for i in range(per * 3) if i // 3 < len(levels[i % 3])]

    def score(self, question: Question, responses: Mapping[str, Response]) -> Outcome:
        try:
            result = process(self._parsed[question.id], responses)
        except ScoringError as exc:
            raise InvalidResponse(str(exc)) from exc
        identifier = "correct" if result.correct else "incorrect"
        text = "Correct" if result.correct else "Incorrect"
        if result.feedback is not None:
            identifier = result.feedback.identifier
            text = result.feedback.title or result.feedback.content or text
        return Outcome(result.score, result.correct, identifier, text)

    def _drawn(self, lesson_id: str, questions: list[Question]) -> list[Question]:
        gen = SeedGenerator(self.seed, f"powerpath-lesson/{lesson_id}")
        return gen.sample(questions, len(questions))

    def _question(self, record: Mapping[str, object], parsed: ParsedItem) -> Question:
        metadata = record.get("metadata")
        meta = metadata if isinstance(metadata, dict) else {}
        difficulty = meta.get("difficulty")
        objectives = [
            str(objective)
            for found in meta.get("learningObjectiveSet") or []
            for objective in found.get("learningObjectiveIds", [])
        ]
        correct: dict[str, Response] = {
            d.identifier: d.correct[0] if d.cardinality == "single" else list(d.correct)
            for d in parsed.responses
            if d.correct
        }
        return Question(
            id=parsed.identifier,
            title=parsed.title,
            difficulty=difficulty if difficulty in DIFFICULTIES else "medium",
            raw_xml=str(record["rawXml"]),
            url=f"{self.qti_url}/assessment-items/{parsed.identifier}",
            learning_objectives=tuple(objectives),
            correct=correct,
            interaction=str(record.get("type") or parsed.type),
            lesson=str(meta.get("lessonId") or ""),
        )
