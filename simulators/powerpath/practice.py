"""The rules of a lesson's attempts, apart from HTTP: which question comes next, how an answer
moves the score, when a lesson is mastered or finished, and what an attempt is worth.

* **powerpath-100** (adaptive practice): a 0-100 score. A correct answer adds ``POINTS`` of its
  difficulty, a wrong one takes ``PENALTY`` off. The next question is the first unseen one of the
  difficulty the score calls for (``LEVELS``), one level easier right after a wrong answer, the
  nearest level when that one is used up. At 100 the lesson is mastered and the attempt complete.
  XP is the points of the correct answers times the multiplier; the multiplier rewards accuracy
  once ``MULTIPLIER_AFTER`` questions were answered (``MULTIPLIERS``).
* **alpha-read-article**: the article's questions in order, through the same calls; complete
  when all are answered, scored as the share answered correctly.
* **quiz, test-out, placement, unit-test** (quiz-like): a fixed set of questions answered in any
  order and changed at will until ``finalStudentAssessmentResponse``; then scored as the share
  answered correctly, passed at ``PASS_SCORE``, worth the lesson's XP when passed.
"""

from __future__ import annotations

from simulators.powerpath.questions import DIFFICULTIES, Difficulty, Question
from simulators.powerpath.state import Answer, Attempt

ADAPTIVE = "powerpath-100"
ARTICLE = "alpha-read-article"
QUIZ_LIKE = ("quiz", "test-out", "placement", "unit-test")
#: how many questions a lesson draws from the bank
QUESTION_COUNT = {
    ADAPTIVE: 12,
    ARTICLE: 3,
    "quiz": 5,
    "unit-test": 6,
    "test-out": 6,
    "placement": 6,
}
POINTS: dict[str, float] = {"easy": 15.0, "medium": 20.0, "hard": 25.0}
PENALTY: dict[str, float] = {"easy": 10.0, "medium": 6.0, "hard": 3.0}
#: the score from which each difficulty is served (the highest one reached wins)
LEVELS: tuple[tuple[float, Difficulty], ...] = ((0.0, "easy"), (35.0, "medium"), (70.0, "hard"))
MASTERY = 100.0
MULTIPLIER_AFTER = 5
MULTIPLIERS = ((0.9, 1.5), (0.8, 1.25))
PASS_SCORE = 80.0
#: a lesson's XP when its resource's metadata names none
DEFAULT_XP = {ADAPTIVE: 100.0, ARTICLE: 20.0, "quiz": 30.0, "unit-test": 50.0,
              "test-out": 100.0, "placement": 0.0}  # fmt: skip


class NoQuestionsLeft(Exception):
    pass


def level_for(attempt: Attempt, by_id: dict[str, Question]) -> Difficulty:
    wanted = next(level for floor, level in reversed(LEVELS) if attempt.score >= floor)
    last = list(attempt.answers.values())[-1] if attempt.answers else None
    if last is not None and not last.correct:
        wanted = DIFFICULTIES[max(0, DIFFICULTIES.index(wanted) - 1)]
        # after a wrong answer never harder than the question just missed
        missed = by_id[last.question].difficulty
        if DIFFICULTIES.index(missed) < DIFFICULTIES.index(wanted):
            wanted = missed
    return wanted


def next_question(lesson_type: str, attempt: Attempt, questions: list[Question]) -> Question:
    """The question to serve: the pending one again, else a new one by the rules above."""
    by_id = {q.id: q for q in questions}
    if attempt.pending is not None:
        return by_id[attempt.pending]
    unseen = [q for q in questions if q.id not in attempt.served]
    if not unseen:
        raise NoQuestionsLeft
    if lesson_type != ADAPTIVE:
        return unseen[0]
    wanted = DIFFICULTIES.index(level_for(attempt, by_id))
    # the wanted level first, then the nearer levels, easier before harder at equal distance
    order = sorted(range(len(DIFFICULTIES)), key=lambda i: (abs(i - wanted), i))
    for index in order:
        for question in unseen:
            if question.difficulty == DIFFICULTIES[index]:
                return question
    raise NoQuestionsLeft  # pragma: no cover (unseen is not empty)


def remaining(attempt: Attempt, questions: list[Question]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(DIFFICULTIES, 0)
    for question in questions:
        if question.id not in attempt.served:
            counts[question.difficulty] += 1
    return counts


def multiplier(attempt: Attempt) -> float:
    if len(attempt.answers) < MULTIPLIER_AFTER:
        return 1.0
    return next((m for floor, m in MULTIPLIERS if attempt.accuracy >= floor), 1.0)


def record_adaptive(attempt: Attempt, question: Question, answer: Answer, now: str) -> None:
    attempt.answers[question.id] = answer
    attempt.pending = None
    change = POINTS[question.difficulty] if answer.correct else -PENALTY[question.difficulty]
    attempt.score = max(0.0, min(MASTERY, attempt.score + change))
    points = sum(POINTS.get(a.difficulty, 0.0) for a in attempt.answers.values() if a.correct)
    attempt.xp = round(points * multiplier(attempt), 1)
    if attempt.score >= MASTERY:
        attempt.completed_at = now
        attempt.finalized = True


def record_article(attempt: Attempt, answer: Answer, total: int, xp: float, now: str) -> None:
    attempt.answers[answer.question] = answer
    attempt.pending = None
    attempt.score = round(100.0 * attempt.correct / total, 2)
    if len(attempt.answers) >= total:
        attempt.completed_at = now
        attempt.finalized = True
        attempt.xp = xp if attempt.score >= PASS_SCORE else 0.0


def finalize(attempt: Attempt, total: int, xp: float, now: str) -> None:
    attempt.score = round(100.0 * attempt.correct / total, 2) if total else 0.0
    attempt.finalized = True
    attempt.completed_at = now
    attempt.xp = xp if attempt.score >= PASS_SCORE else 0.0


def score_status(attempt: Attempt) -> str:
    if attempt.finalized:
        return "fully graded"
    return "partially graded" if attempt.answers else "not submitted"


def mastered(attempt: Attempt) -> bool:
    return attempt.finalized and attempt.score >= PASS_SCORE
