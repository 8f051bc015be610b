"""Where PowerPath's questions come from and how an answer is scored: two small interfaces.

PowerPath serves QTI items (reference §4.6: a question carries its item's ``rawXml``, difficulty
and learning objectives) and scores answers through QTI response processing. The simulator asks a
:class:`QuestionSource` for a lesson's items and a :class:`Scorer` for a response's outcome, so the
QTI simulator's bank and scoring plug in here; :class:`SeededBank` is the simulator's own:
deterministic choice items per subject and difficulty, scored by ``match_correct`` (the QTI 3
response-processing template single-choice items use).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from xml.sax.saxutils import escape

from simulators.kit.seed import SeedGenerator

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")
Response = str | list[str]
QTI_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
MATCH_CORRECT = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    title: str
    difficulty: Difficulty
    raw_xml: str
    url: str
    learning_objectives: tuple[str, ...]
    #: the correct choice: kept for scoring, never sent to a learner
    correct: str
    interaction: str = "choice"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What response processing gave: ``score`` in [0, 1], and the feedback shown."""

    score: float
    correct: bool
    feedback_identifier: str
    feedback: str


class QuestionSource(Protocol):
    def questions(self, lesson_id: str, subject: str, count: int) -> Sequence[Question]:
        """``count`` items for one lesson, always the same ones for the same lesson."""
        ...


class Scorer(Protocol):
    def score(self, question: Question, responses: Mapping[str, Response]) -> Outcome: ...


class SeededBank:
    """Items per subject: ``per_difficulty`` of each difficulty, drawn from one seed. A lesson's
    questions are a fixed draw from its subject's items, the same for every learner."""

    def __init__(self, seed: int, base_url: str, per_difficulty: int = 12) -> None:
        self.seed = seed
        self.base_url = base_url.rstrip("/")
        self.per_difficulty = per_difficulty
        self._items: dict[str, list[Question]] = {}
        self.by_id: dict[str, Question] = {}

    def items(self, subject: str) -> list[Question]:
        found = self._items.get(subject)
        if found is None:
            gen = SeedGenerator(self.seed, f"powerpath-bank/{subject}")
            found = [
                self._item(gen, subject, difficulty, n)
                for difficulty in DIFFICULTIES
                for n in range(1, self.per_difficulty + 1)
            ]
            self._items[subject] = found
            self.by_id.update((q.id, q) for q in found)
        return found

    def questions(self, lesson_id: str, subject: str, count: int) -> list[Question]:
        pool = self.items(subject)
        gen = SeedGenerator(self.seed, f"powerpath-lesson/{lesson_id}")
        levels = [
            gen.sample([q for q in pool if q.difficulty == d], self.per_difficulty)
            for d in DIFFICULTIES
        ]
        # easy, medium, hard in turn: a lesson of any length spans the three
        chosen = [levels[i % 3][i // 3] for i in range(min(count, len(pool)))]
        return chosen[:count]

    def _item(self, gen: SeedGenerator, subject: str, difficulty: Difficulty, n: int) -> Question:
        item_id = f"pp-{gen.hex(12)}"
        a, b = gen.integer(2, 9) * (1 + DIFFICULTIES.index(difficulty)), gen.integer(2, 9)
        answer = a + b
        wrong = sorted({answer - 1, answer + 1, answer + b} - {answer})[:3]
        options = [str(answer), *map(str, wrong)]
        order = gen.sample(range(len(options)), len(options))
        ids = "ABCD"
        correct = ids[order.index(0)]
        title = f"{subject} {difficulty} {n}"
        prompt = f"{title}: what is {a} + {b}?"
        choices = "".join(
            f'<qti-simple-choice identifier="{ids[i]}">{escape(options[k])}</qti-simple-choice>'
            for i, k in enumerate(order)
        )
        xml = (
            f'<qti-assessment-item xmlns="{QTI_NS}" identifier="{item_id}" '
            f'title="{escape(title)}" adaptive="false" time-dependent="false">'
            '<qti-response-declaration identifier="RESPONSE" cardinality="single" '
            'base-type="identifier"><qti-correct-response>'
            f"<qti-value>{correct}</qti-value></qti-correct-response></qti-response-declaration>"
            '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float">'
            "<qti-default-value><qti-value>0</qti-value></qti-default-value>"
            "</qti-outcome-declaration><qti-item-body>"
            '<qti-choice-interaction response-identifier="RESPONSE" max-choices="1">'
            f"<qti-prompt>{escape(prompt)}</qti-prompt>{choices}</qti-choice-interaction>"
            f'</qti-item-body><qti-response-processing template="{MATCH_CORRECT}"/>'
            "</qti-assessment-item>"
        )
        objective = f"lo-{subject.lower().replace(' ', '-')}-{1 + n % 4}"
        return Question(
            id=item_id,
            title=title,
            difficulty=difficulty,
            raw_xml=xml,
            url=f"{self.base_url}/assessment-items/{item_id}",
            learning_objectives=(objective,),
            correct=correct,
        )


class MatchCorrect:
    """QTI's ``match_correct`` template: SCORE 1 when ``RESPONSE`` equals the correct response,
    else 0; a multiple response must hold exactly the correct values."""

    def score(self, question: Question, responses: Mapping[str, Response]) -> Outcome:
        given = responses.get("RESPONSE")
        values = [given] if isinstance(given, str) else list(given or [])
        correct = values == [question.correct]
        if correct:
            return Outcome(1.0, True, "correct", "Correct")
        return Outcome(0.0, False, "incorrect", "Incorrect")
