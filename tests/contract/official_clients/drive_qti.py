"""Runs the documented calls of ``timeback-qti`` 0.4.0 (async) against a QTI endpoint.

The calls are the package's README (list, create_from_xml, validate) and every method its
resources document, with the identifiers the test chose (read as JSON from standard input) and
inputs that follow the client's own input models. Prints ``{"calls": {name: {"ok", "value" |
"error"}}}``; the test asserts on it call by call.
"""

from __future__ import annotations

import asyncio
from typing import Any

# both resolve in the clients' own venv only (tests.support.official_clients runs this file)
from record import Recorder, read_plan  # type: ignore[import-not-found]
from timeback_qti import NotFoundError, QtiClient  # type: ignore[import-not-found]

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"


def item_xml(identifier: str) -> str:
    return (
        f'<qti-assessment-item xmlns="{NS}" identifier="{identifier}" title="Capital of France" '
        'adaptive="false" time-dependent="false">'
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
        "<qti-correct-response><qti-value>B</qti-value></qti-correct-response></qti-response-declaration>"
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>'
        '<qti-item-body><qti-choice-interaction response-identifier="RESPONSE" max-choices="1">'
        "<qti-prompt>Which city is the capital of France?</qti-prompt>"
        '<qti-simple-choice identifier="A">Lyon</qti-simple-choice>'
        '<qti-simple-choice identifier="B">Paris</qti-simple-choice></qti-choice-interaction></qti-item-body>'
        '<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>'
        "</qti-assessment-item>"
    )


JSON_ITEM: dict[str, Any] = {
    "identifier": "drv-json",
    "title": "Two plus two",
    "type": "choice",
    "interaction": {
        "type": "choice",
        "responseIdentifier": "RESPONSE",
        "maxChoices": 1,
        "questionStructure": {
            "prompt": "2 + 2 = ?",
            "choices": [{"identifier": "A", "content": "3"}, {"identifier": "B", "content": "4"}],
        },
    },
    "responseDeclarations": [
        {
            "identifier": "RESPONSE",
            "cardinality": "single",
            "baseType": "identifier",
            "correctResponse": {"value": ["B"]},
        }
    ],
    "responseProcessing": {
        "templateType": "match_correct",
        "responseDeclarationIdentifier": "RESPONSE",
        "outcomeIdentifier": "FEEDBACK",
        "correctResponseIdentifier": "CORRECT",
        "incorrectResponseIdentifier": "INCORRECT",
    },
    "metadata": {"subject": "Math", "grade": 3, "difficulty": "easy"},
}


async def raised(call: Any, expected: type[Exception]) -> str:
    try:
        await call
    except expected as exc:
        return type(exc).__name__
    return "no error"


async def drive(plan: dict[str, Any], rec: Recorder) -> None:
    client = QtiClient(
        base_url=plan["base_url"],
        auth_url=plan["auth_url"],
        client_id=plan["client_id"],
        client_secret=plan["client_secret"],
    )
    try:
        await items(client, plan, rec)
        await tests(client, plan, rec)
        await others(client, plan, rec)
    finally:
        await client.close()


async def items(c: QtiClient, p: dict[str, Any], rec: Recorder) -> None:
    a = c.assessment_items
    await rec.acall("assessment_items.list", lambda: a.list())
    await rec.acall(
        "assessment_items.list(where type)",
        lambda: a.list({"where": {"type": "choice"}, "limit": 5}),
    )
    await rec.acall(
        "assessment_items.list(page, sort)",
        lambda: a.list({"page": 2, "limit": 3, "sort": "title", "order": "asc"}),
    )
    await rec.acall(
        "assessment_items.stream(max_items)", lambda: a.stream(limit=10, max_items=25).to_list()
    )
    await rec.acall("assessment_items.get", lambda: a.get(p["item"]))
    await rec.acall(
        "assessment_items.create_from_xml",
        lambda: a.create_from_xml(
            {"format": "xml", "xml": item_xml("drv-xml"), "metadata": {"difficulty": "medium"}}
        ),
    )
    await rec.acall("assessment_items.create(json)", lambda: a.create(JSON_ITEM))
    await rec.acall(
        "assessment_items.create_from_metadata",
        lambda: a.create_from_metadata({**JSON_ITEM, "identifier": "drv-meta"}),
    )
    await rec.acall(
        "assessment_items.update",
        lambda: a.update("drv-json", {**JSON_ITEM, "title": "Two plus two, again"}),
    )
    await rec.acall(
        "assessment_items.upsert(new)",
        lambda: a.upsert("drv-upsert", {**JSON_ITEM, "identifier": "drv-upsert"}),
    )
    await rec.acall(
        "assessment_items.process_response(correct)",
        lambda: a.process_response(p["item"], {"response": p["correct"]}),
    )
    await rec.acall(
        "assessment_items.process_response(wrong)",
        lambda: a.process_response(p["item"], {"response": p["wrong"]}),
    )
    await rec.acall(
        "assessment_items.process_response(json item)",
        lambda: a.process_response("drv-json", {"response": "B"}),
    )
    await rec.acall("assessment_items.delete", lambda: a.delete("drv-upsert"))
    await rec.acall(
        "assessment_items.get(missing) raises NotFoundError",
        lambda: raised(a.get("drv-upsert"), NotFoundError),
    )


async def tests(c: QtiClient, p: dict[str, Any], rec: Recorder) -> None:
    t = c.assessment_tests
    test = {
        "identifier": "drv-test",
        "title": "Driver test",
        "qti-test-part": [
            {
                "identifier": "part-1",
                "navigationMode": "linear",
                "submissionMode": "individual",
                "qti-assessment-section": [
                    {
                        "identifier": "section-1",
                        "title": "Section 1",
                        "visible": True,
                        "sequence": 1,
                        "qti-assessment-item-ref": [
                            {"identifier": "drv-xml", "href": "assessment-items/drv-xml"}
                        ],
                    }
                ],
            }
        ],
    }
    await rec.acall("assessment_tests.list", lambda: t.list())
    await rec.acall("assessment_tests.list(limit)", lambda: t.list({"limit": 2}))
    await rec.acall("assessment_tests.get", lambda: t.get(p["test"]))
    await rec.acall("assessment_tests.get_questions", lambda: t.get_questions(p["test"]))
    await rec.acall("assessment_tests.create", lambda: t.create(test))
    await rec.acall(
        "assessment_tests.update",
        lambda: t.update("drv-test", {**test, "title": "Driver test, renamed"}),
    )
    await rec.acall(
        "assessment_tests.update_metadata",
        lambda: t.update_metadata("drv-test", {"metadata": {"grade": "3"}}),
    )
    parts = t.test_parts("drv-test")
    part = {
        "identifier": "part-2",
        "navigationMode": "nonlinear",
        "submissionMode": "simultaneous",
        "qti-assessment-section": [],
    }
    await rec.acall("test_parts.list", lambda: parts.list())
    await rec.acall("test_parts.create", lambda: parts.create(part))
    await rec.acall("test_parts.get", lambda: parts.get("part-2"))
    await rec.acall(
        "test_parts.update", lambda: parts.update("part-2", {**part, "navigationMode": "linear"})
    )
    sections = parts.sections("part-1")
    section = {"identifier": "section-2", "title": "Section 2", "visible": True, "sequence": 2}
    await rec.acall("sections.list", lambda: sections.list())
    await rec.acall("sections.create", lambda: sections.create(section))
    await rec.acall("sections.get", lambda: sections.get("section-2"))
    await rec.acall(
        "sections.update", lambda: sections.update("section-2", {**section, "title": "Section two"})
    )
    refs = sections.items("section-1")
    await rec.acall(
        "section items.add",
        lambda: refs.add(
            {"identifier": "drv-json", "href": "assessment-items/drv-json", "sequence": 1}
        ),
    )
    await rec.acall(
        "section items.reorder",
        lambda: refs.reorder(
            {
                "items": [
                    {"identifier": "drv-xml", "href": "assessment-items/drv-xml", "sequence": 1},
                    {"identifier": "drv-json", "href": "assessment-items/drv-json", "sequence": 2},
                ]
            }
        ),
    )
    await rec.acall("section items.remove", lambda: refs.remove("drv-json"))
    await rec.acall("sections.delete", lambda: sections.delete("section-2"))
    await rec.acall("test_parts.delete", lambda: parts.delete("part-2"))
    await rec.acall("assessment_tests.delete", lambda: t.delete("drv-test"))


async def others(c: QtiClient, p: dict[str, Any], rec: Recorder) -> None:
    s = c.stimuli
    stimulus = {
        "identifier": "drv-stimulus",
        "title": "A reading",
        "content": "<p>Paris is the capital of France.</p>",
    }
    await rec.acall("stimuli.list", lambda: s.list())
    await rec.acall("stimuli.create", lambda: s.create(stimulus))
    await rec.acall("stimuli.get", lambda: s.get("drv-stimulus"))
    await rec.acall(
        "stimuli.update",
        lambda: s.update("drv-stimulus", {**stimulus, "title": "A longer reading"}),
    )
    await rec.acall("stimuli.delete", lambda: s.delete("drv-stimulus"))
    await rec.acall(
        "validate.validate",
        lambda: c.validate.validate({"schema": "item", "xml": item_xml("drv-valid")}),
    )
    await rec.acall(
        "validate.validate(invalid)",
        lambda: c.validate.validate({"schema": "test", "xml": item_xml("drv-valid")}),
    )
    await rec.acall(
        "validate.batch",
        lambda: c.validate.batch(
            {"schema": "item", "xml": [item_xml("a"), "<x/>"], "entityIds": ["a", "b"]}
        ),
    )
    feedback = {
        "userId": "drv-user",
        "feedback": "Clear lesson",
        "lessonId": p["lesson"],
        "humanApproved": True,
    }
    await rec.acall(
        "lesson.submit_question",
        lambda: c.lesson.submit_question({**feedback, "questionId": p["item"]}),
    )
    await rec.acall("lesson.submit_lesson", lambda: c.lesson.submit_lesson(feedback))
    await rec.acall("lesson.get_lesson", lambda: c.lesson.get_lesson(p["lesson"]))
    # LessonFeedback has no id field: the test stored this feedback and names it
    await rec.acall("general.delete_by_id", lambda: c.general.delete_by_id(p["feedback"]))


def main() -> None:
    rec = Recorder()
    asyncio.run(drive(read_plan(), rec))
    rec.emit()


if __name__ == "__main__":
    main()
