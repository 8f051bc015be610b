"""Runs the documented calls of ``timeback-caliper`` 0.4.0 (async) against a Caliper endpoint.

Each call is one from the package's README, its module docstring or a method's ``Example`` block,
with the learner, sensor and URLs the test chose (JSON on standard input). Jobs are followed with
``wait_for_completion`` at a short poll interval. Prints ``{"calls": {name: {"ok", "value" |
"error"}}}``; the test asserts on it call by call.
"""

from __future__ import annotations

import asyncio
from typing import Any

# all resolve in the clients' own venv only (tests.support.official_clients runs this file)
from record import Recorder, read_plan  # type: ignore[import-not-found]
from timeback_caliper import (  # type: ignore[import-not-found]
    ActivityCompletedInput,
    CaliperClient,
    QuestionAnsweredInput,
    QuestionGradedInput,
    QuestionObjectInput,
    QuestionSeenInput,
    ResponseGeneratedInput,
    ScoreGeneratedInput,
    TimebackActivityContext,
    TimebackActivityMetric,
    TimebackApp,
    TimebackUser,
    TimeSpentInput,
    TimeSpentMetric,
    create_activity_event,
    create_time_spent_event,
)
from timeback_caliper.types import CaliperEnvelope  # type: ignore[import-not-found]
from timeback_common import APIError, NotFoundError  # type: ignore[import-not-found]

CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"
POLL = {"timeout": 10.0, "poll_interval": 0.05}


async def raised(call: Any, expected: type[Exception]) -> str:
    try:
        await call
    except expected as exc:
        return type(exc).__name__
    return "no error"


def learner(p: dict[str, Any]) -> Any:
    return TimebackUser(id=p["actor_id"], type="TimebackUser", email=p["email"])


def context(subject: str = "Math") -> Any:
    return TimebackActivityContext(
        id="https://myapp.example.com/activities/123",
        type="TimebackActivityContext",
        subject=subject,
        app=TimebackApp(name="My Learning App"),
    )


async def drive(p: dict[str, Any], rec: Recorder) -> None:
    async with CaliperClient(
        base_url=p["base_url"],
        auth_url=p["auth_url"],
        client_id=p["client_id"],
        client_secret=p["client_secret"],
    ) as client:
        await sends(client, p, rec)
        await questions(client, p, rec)
        await validation(client, p, rec)
        await reads(client, p, rec)


async def follow(client: Any, rec: Recorder, name: str, sent: Any) -> None:
    if sent is not None and sent.job_id:
        await rec.acall(
            f"{name} wait_for_completion",
            lambda: client.jobs.wait_for_completion(sent.job_id, **POLL),
        )


async def sends(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    sensor = p["sensor"]
    await rec.acall("check_auth", lambda: c.check_auth())
    # module docstring and send_activity's Example
    activity = await rec.acall(
        "events.send_activity",
        lambda: c.events.send_activity(
            sensor_id=sensor,
            input=ActivityCompletedInput(
                actor=learner(p),
                object=context(),
                metrics=[
                    TimebackActivityMetric(type="totalQuestions", value=10),
                    TimebackActivityMetric(type="correctQuestions", value=8),
                    TimebackActivityMetric(type="xpEarned", value=1.5),
                ],
            ),
        ),
    )
    if activity is not None and activity.job_id:
        await rec.acall("jobs.get_status", lambda: c.jobs.get_status(activity.job_id))
    await follow(c, rec, "events.send_activity", activity)
    # send_time_spent's Example
    spent = await rec.acall(
        "events.send_time_spent",
        lambda: c.events.send_time_spent(
            sensor_id=sensor,
            input=TimeSpentInput(
                actor=learner(p),
                object=context("Reading"),
                metrics=[
                    TimeSpentMetric(
                        type="active",
                        value=1800,
                        start_date="2024-01-15T10:00:00Z",
                        end_date="2024-01-15T10:30:00Z",
                    ),
                    TimeSpentMetric(type="inactive", value=300),
                ],
            ),
        ),
    )
    await follow(c, rec, "events.send_time_spent", spent)
    # create_activity_event's Example: both events in one envelope
    batch = [
        create_activity_event(
            ActivityCompletedInput(
                actor=learner(p),
                object=context(),
                metrics=[TimebackActivityMetric(type="masteredUnits", value=2)],
            )
        ),
        create_time_spent_event(
            TimeSpentInput(
                actor=learner(p),
                object=context(),
                metrics=[TimeSpentMetric(type="active", value=60)],
            )
        ),
    ]
    sent = await rec.acall("events.send", lambda: c.events.send(sensor, batch))
    await follow(c, rec, "events.send", sent)
    # send_envelope's Example, with a raw event
    envelope = CaliperEnvelope(
        sensor=sensor,
        send_time="2025-07-23T00:10:22.328Z",
        data_version=CONTEXT,
        data=[p["tool_use_event"]],
    )
    raw = await rec.acall("events.send_envelope", lambda: c.events.send_envelope(envelope))
    await follow(c, rec, "events.send_envelope", raw)
    bad = CaliperEnvelope(
        sensor=sensor,
        send_time="2025-07-23T00:10:22.328Z",
        data_version=CONTEXT,
        data=[p["invalid_event"]],
    )
    await rec.acall(
        "events.send_envelope(invalid) raises APIError",
        lambda: raised(c.events.send_envelope(bad), APIError),
    )
    await rec.acall(
        "jobs.get_status(unknown) raises NotFoundError",
        lambda: raised(c.jobs.get_status("no-such-job"), NotFoundError),
    )


async def questions(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    sensor = p["sensor"]
    question = QuestionObjectInput(id="urn:uuid:q-456", name="What is 2+2?")
    seen = await rec.acall(
        "events.send_question_seen",
        lambda: c.events.send_question_seen(
            sensor_id=sensor,
            input=QuestionSeenInput(
                actor="urn:uuid:student-123", object=question, ed_app="https://myapp.example.com"
            ),
        ),
    )
    await follow(c, rec, "events.send_question_seen", seen)
    answered = await rec.acall(
        "events.send_question_answered",
        lambda: c.events.send_question_answered(
            sensor_id=sensor,
            input=QuestionAnsweredInput(
                actor="urn:uuid:student-123",
                object=question,
                ed_app="https://myapp.example.com",
                generated=ResponseGeneratedInput(
                    id="urn:uuid:response-789", attempt="urn:uuid:attempt-101"
                ),
            ),
        ),
    )
    await follow(c, rec, "events.send_question_answered", answered)
    graded = await rec.acall(
        "events.send_question_graded",
        lambda: c.events.send_question_graded(
            sensor_id=sensor,
            input=QuestionGradedInput(
                actor="https://myapp.example.com/grader",
                object="urn:uuid:attempt-101",
                generated=ScoreGeneratedInput(score_given=1.0, max_score=1.0),
                ed_app="https://myapp.example.com",
            ),
        ),
    )
    await follow(c, rec, "events.send_question_graded", graded)


async def validation(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    def envelope(event: dict[str, Any]) -> Any:
        return CaliperEnvelope(
            sensor=p["sensor"],
            send_time="2025-07-23T00:10:22.328Z",
            data_version=CONTEXT,
            data=[event],
        )

    # validate's Example: a verdict either way
    await rec.acall("events.validate", lambda: c.events.validate(envelope(p["tool_use_event"])))
    await rec.acall(
        "events.validate(invalid)", lambda: c.events.validate(envelope(p["invalid_event"]))
    )


async def reads(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    # list's Example and the module docstring
    await rec.acall("events.list", lambda: c.events.list())
    await rec.acall(
        "events.list(limit, actor_email, start_date)",
        lambda: c.events.list(limit=50, actor_email=p["email"], start_date="2024-01-01"),
    )
    await rec.acall("events.list(actor_id)", lambda: c.events.list(actor_id=p["actor_id"]))
    await rec.acall(
        "events.list(sensor, limit, offset)",
        lambda: c.events.list(sensor=p["sensor"], limit=2, offset=2),
    )
    # stream's Example
    await rec.acall(
        "events.stream.to_list", lambda: c.events.stream(start_date="2024-01-01").to_list()
    )
    await rec.acall(
        "events.stream(max_items).to_list", lambda: c.events.stream(max_items=3).to_list()
    )
    await rec.acall("events.stream.first_page", lambda: c.events.stream(limit=2).first_page())
    # get's Example, with an id the test sent
    await rec.acall("events.get", lambda: c.events.get(p["tool_use_event"]["id"]))
    await rec.acall(
        "events.get(missing) raises NotFoundError",
        lambda: raised(
            c.events.get("urn:uuid:c51570e4-0000-4c18-bb3a-dfe51b2cc594"), NotFoundError
        ),
    )


def main() -> None:
    plan = read_plan()
    rec = Recorder()
    asyncio.run(drive(plan, rec))
    rec.emit()


if __name__ == "__main__":
    main()
