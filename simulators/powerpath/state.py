"""What PowerPath remembers beyond the roster: attempts per (student, lesson), lesson plans with
their operation logs, results recorded against lessons, placement resets, screening sessions,
external test assignments and test assignments. Everything else (which lessons exist, of which
type, in which course) is read from the roster each time."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulators.timeback.state import JsonObject, RosterState


@dataclass(slots=True)
class Answer:
    question: str
    response: str | list[str]
    correct: bool
    score: float
    feedback_identifier: str
    feedback: str
    difficulty: str = "medium"


@dataclass(slots=True)
class Attempt:
    number: int
    started_at: str
    #: question ids in the order they were served
    served: list[str] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    #: powerpath-100: the question served and not yet answered
    pending: str | None = None
    #: powerpath-100: the running 0-100 score; quiz-like lessons: the finalized percentage
    score: float = 0.0
    completed_at: str | None = None
    finalized: bool = False
    xp: float | None = None

    @property
    def correct(self) -> int:
        return sum(a.correct for a in self.answers.values())

    @property
    def accuracy(self) -> float:
        return self.correct / len(self.answers) if self.answers else 0.0


@dataclass(slots=True)
class Plan:
    id: str
    course: str
    user: str
    klass: str | None
    created_at: str
    #: the operation log, oldest first (``storeOperation`` appends, ``sync`` replays)
    operations: list[JsonObject] = field(default_factory=list)


@dataclass(slots=True)
class PowerPathState:
    seed: int
    #: the roster built from the seed when no live TimeBack state is read (made on first use)
    own_roster: RosterState | None = None
    attempts: dict[tuple[str, str], list[Attempt]] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    #: ``updateStudentItemResponse`` results by (student, lesson)
    item_results: dict[tuple[str, str], JsonObject] = field(default_factory=dict)
    #: external tool settings of the test lessons PowerPath created, by lesson id
    external_tests: dict[str, JsonObject] = field(default_factory=dict)
    #: external test assignments by (student, lesson)
    external_assignments: dict[tuple[str, str], JsonObject] = field(default_factory=dict)
    #: placement lessons whose results a reset set aside, by (student, subject)
    placement_resets: dict[tuple[str, str], int] = field(default_factory=dict)
    screening_sessions: dict[str, JsonObject] = field(default_factory=dict)
    screening_results: dict[str, JsonObject] = field(default_factory=dict)
    test_assignments: dict[str, JsonObject] = field(default_factory=dict)
