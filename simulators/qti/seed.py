"""The QTI content bank, derived from the same seed as the TimeBack simulator's courses.

Every lesson of the TimeBack demo courses (a component resource pointing at a resource) gets a
stimulus, one item of each kind in :data:`~.bank.KINDS` and an assessment test grouping them (one
part, one section). Identifiers come from the lesson's resource id, so TimeBack's resource
metadata names the test (``lesson_test_id``) without the two simulators sharing state. Item
difficulty cycles through easy / medium / hard by lesson; each item carries the lesson's
learning objective.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from simulators.kit.seed import EPOCH, SeedGenerator
from simulators.kit.simulator import SeedSpec
from simulators.qti.bank import AUTHORS, KINDS, extended_text, stimulus_content
from simulators.qti.ingest import finish_test, item_from_body, stimulus_from_body
from simulators.qti.state import QtiState
from simulators.timeback.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, build_roster

JsonObject = dict[str, Any]
DIFFICULTIES = ("easy", "medium", "hard")
#: numbers, as timeback-qti parses them (the spec says strings)
GRADES = (3, 4, 5, 6, 7, 8)


def lesson_test_id(resource_id: str) -> str:
    """The assessment test behind the lesson whose resource is ``resource_id``."""
    return f"qti-test-{resource_id}"


def lesson_item_id(resource_id: str, kind: str) -> str:
    return f"qti-item-{resource_id}-{kind}"


def lesson_stimulus_id(resource_id: str) -> str:
    return f"qti-stimulus-{resource_id}"


def build_bank(spec: SeedSpec, *, public_url: str) -> QtiState:
    state = QtiState(clients={SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET})
    roster = build_roster(spec, public_url="http://timeback.sim")
    gen = SeedGenerator(spec.seed, "qti-bank")
    lessons = sorted(roster.component_resources.all(), key=lambda r: str(r["sourcedId"]))
    for number, lesson in enumerate(lessons):
        moment = EPOCH + timedelta(minutes=number)
        stamp = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        _seed_lesson(state, lesson, number, gen, public_url, stamp)
    return state


def _seed_lesson(
    state: QtiState,
    lesson: JsonObject,
    number: int,
    gen: SeedGenerator,
    public_url: str,
    stamp: str,
) -> None:
    resource_id = str(lesson["resource"]["sourcedId"])
    difficulty = DIFFICULTIES[number % len(DIFFICULTIES)]
    objective = f"LO-{resource_id[:8]}"
    metadata = {
        "subject": "Math",
        "grade": gen.choice(GRADES),
        "difficulty": difficulty,
        "learningObjectiveSet": [{"source": "CASE", "learningObjectiveIds": [objective]}],
        "lessonId": str(lesson["sourcedId"]),
    }
    stimulus_id = lesson_stimulus_id(resource_id)
    state.stimuli[stimulus_id] = stimulus_from_body(
        {
            "identifier": stimulus_id,
            "title": f"{lesson['title']}: reading",
            "content": stimulus_content(str(lesson["title"]), gen),
            "metadata": {"lessonId": str(lesson["sourcedId"])},
        },
        created=stamp,
        updated=stamp,
    )
    refs = []
    for kind in (*KINDS,):
        identifier = lesson_item_id(resource_id, kind)
        if kind == "extended-text":
            xml = extended_text(gen, identifier, difficulty, stimulus_id)
        else:
            xml = AUTHORS[kind](gen, identifier, difficulty)
        record, parsed = item_from_body(
            {"format": "xml", "xml": xml, "metadata": dict(metadata)}, created=stamp, updated=stamp
        )
        state.put_item(record, parsed)
        refs.append(
            {"identifier": identifier, "href": f"{public_url}/assessment-items/{identifier}"}
        )
    test_id = lesson_test_id(resource_id)
    state.tests[test_id] = finish_test(
        {
            "identifier": test_id,
            "title": f"{lesson['title']} quiz",
            "qtiVersion": "3.0",
            "metadata": {
                "lessonId": str(lesson["sourcedId"]),
                "resourceId": resource_id,
                "lessonType": lesson.get("lessonType"),
                "difficulty": difficulty,
            },
            "qti-outcome-declaration": [
                {"identifier": "SCORE", "cardinality": "single", "baseType": "float"}
            ],
            "qti-test-part": [
                {
                    "identifier": "part-1",
                    "navigationMode": "nonlinear",
                    "submissionMode": "individual",
                    "qti-assessment-section": [
                        {
                            "identifier": "section-1",
                            "title": str(lesson["title"]),
                            "visible": True,
                            "required": True,
                            "fixed": False,
                            "sequence": 1,
                            "qti-assessment-item-ref": refs,
                        }
                    ],
                }
            ],
        },
        created=stamp,
        updated=stamp,
    )
