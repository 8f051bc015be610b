"""PowerPath's attempt rules (``simulators/powerpath/practice.py``), apart from HTTP."""

from __future__ import annotations

import pytest

from simulators.powerpath import practice
from simulators.powerpath.questions import Difficulty, Question
from simulators.powerpath.state import Answer, Attempt

NOW = "2024-09-01T10:00:00.000Z"


def question(qid: str, difficulty: Difficulty) -> Question:
    return Question(qid, qid, difficulty, "<qti-assessment-item/>", f"http://q/{qid}", (), {})


def answer(q: Question, correct: bool) -> Answer:
    return Answer(q.id, "A", correct, float(correct), "f", "f", q.difficulty)


QUESTIONS = [
    question("e1", "easy"),
    question("m1", "medium"),
    question("h1", "hard"),
    question("e2", "easy"),
    question("m2", "medium"),
    question("h2", "hard"),
]


def serve_and_answer(attempt: Attempt, correct: bool) -> Question:
    served = practice.next_question(practice.ADAPTIVE, attempt, QUESTIONS)
    attempt.served.append(served.id)
    attempt.pending = served.id
    practice.record_adaptive(attempt, served, answer(served, correct), NOW)
    return served


def test_the_score_calls_for_harder_questions_and_a_miss_for_an_easier_one() -> None:
    attempt = Attempt(1, NOW)
    assert serve_and_answer(attempt, True).difficulty == "easy"  # 15
    assert serve_and_answer(attempt, True).difficulty == "easy"  # 30
    # both easy ones used: the nearest level, medium
    assert serve_and_answer(attempt, False).difficulty == "medium"  # 24
    assert attempt.score == 24
    # after a miss at medium: easy wanted, none left, medium is nearest
    assert serve_and_answer(attempt, True).difficulty == "medium"  # 44
    # 44 calls for medium, both used: hard is the nearest level left
    assert serve_and_answer(attempt, True).difficulty == "hard"


def test_mastery_completes_the_attempt_and_xp_counts_the_points() -> None:
    attempt = Attempt(1, NOW)
    for q in QUESTIONS[:5]:
        attempt.served.append(q.id)
        attempt.pending = q.id
        practice.record_adaptive(attempt, q, answer(q, True), NOW)
    # 15 + 20 + 25 + 15 + 20 = 95: not yet
    assert (attempt.score, attempt.finalized) == (95, False)
    assert practice.multiplier(attempt) == 1.5  # five answers, all right
    last = QUESTIONS[5]
    attempt.served.append(last.id)
    attempt.pending = last.id
    practice.record_adaptive(attempt, last, answer(last, True), NOW)
    assert (attempt.score, attempt.finalized, attempt.completed_at) == (100, True, NOW)
    assert attempt.xp == (95 + 25) * 1.5
    assert practice.score_status(attempt) == "fully graded"
    with pytest.raises(practice.NoQuestionsLeft):
        practice.next_question(practice.ADAPTIVE, attempt, QUESTIONS)


def test_quiz_like_lessons_score_the_share_answered_right() -> None:
    attempt = Attempt(1, NOW)
    assert practice.score_status(attempt) == "not submitted"
    for q, right in zip(QUESTIONS[:4], (True, True, True, False), strict=True):
        attempt.answers[q.id] = answer(q, right)
    assert practice.score_status(attempt) == "partially graded"
    practice.finalize(attempt, total=5, xp=30, now=NOW)  # one never answered
    assert (attempt.score, attempt.xp, practice.mastered(attempt)) == (60.0, 0.0, False)
    passed = Attempt(2, NOW)
    for q in QUESTIONS[:4]:
        passed.answers[q.id] = answer(q, True)
    practice.finalize(passed, total=5, xp=30, now=NOW)
    assert (passed.score, passed.xp, practice.mastered(passed)) == (80.0, 30, True)


def test_articles_serve_in_order_and_complete_when_all_are_answered() -> None:
    attempt = Attempt(1, NOW)
    for expected in QUESTIONS[:3]:
        served = practice.next_question(practice.ARTICLE, attempt, QUESTIONS[:3])
        assert served == expected
        attempt.served.append(served.id)
        practice.record_article(attempt, answer(served, True), total=3, xp=20, now=NOW)
    assert (attempt.finalized, attempt.score, attempt.xp) == (True, 100.0, 20)
