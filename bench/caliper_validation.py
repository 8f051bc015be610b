"""What Caliper validation costs: events validated per second, in 100-event envelopes.

The envelope mixes TimeBack profile events (ActivityEvent, TimeSpentEvent) with a standard
Caliper AssessmentEvent carrying nested entities, like a front end's batch would. It reports the
parse (bytes to objects) and the validation separately, CPU time of this process.

    uv run --frozen python -m bench.caliper_validation [--envelopes 300] [--events 100]
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any

import orjson

from domain.caliper.validation import CONTEXT, parse_json, validate_envelope

USER = "https://api.alpha-1edtech.ai/ims/oneroster/rostering/v1p2/users/"


def _activity(n: int) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.UUID(int=n)}",
        "type": "ActivityEvent",
        "profile": "TimebackProfile",
        "action": "Completed",
        "eventTime": "2025-07-22T21:27:15.304Z",
        "actor": {"id": f"{USER}{n}", "type": "TimebackUser", "email": f"l{n}@example.edu"},
        "object": {
            "id": f"https://app.example/ctx/{n}",
            "type": "TimebackActivityContext",
            "subject": "Math",
            "app": {"name": "My App"},
            "course": {"id": "https://api.alpha-1edtech.ai/courses/c1", "name": "Math G3"},
        },
        "generated": {
            "id": f"https://app.example/metrics/{n}",
            "type": "TimebackActivityMetricsCollection",
            "items": [
                {"type": "totalQuestions", "value": 10},
                {"type": "correctQuestions", "value": 8},
            ],
        },
    }


def _time_spent(n: int) -> dict[str, Any]:
    event = _activity(n)
    event |= {"type": "TimeSpentEvent", "action": "SpentTime"}
    event["generated"] = {
        "id": f"https://app.example/time/{n}",
        "type": "TimebackTimeSpentMetricsCollection",
        "items": [
            {"type": "active", "value": 300},
            {"type": "waste", "value": 20, "subType": "idle"},
        ],
    }
    return event


def _assessment(n: int) -> dict[str, Any]:
    section = "https://example.edu/terms/201601/courses/7/sections/1"
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.UUID(int=n)}",
        "type": "AssessmentEvent",
        "profile": "AssessmentProfile",
        "actor": {"id": f"{USER}{n}", "type": "Person"},
        "action": "Submitted",
        "object": {
            "id": f"{section}/assess/1",
            "type": "Assessment",
            "dateToSubmit": "2016-11-18T11:59:59.000Z",
            "maxAttempts": 2,
            "maxScore": 25.0,
        },
        "generated": {
            "id": f"{section}/assess/1/users/{n}/attempts/1",
            "type": "Attempt",
            "assignee": f"{USER}{n}",
            "count": 1,
            "startedAtTime": "2016-11-15T10:15:00.000Z",
            "duration": "PT50M30S",
        },
        "eventTime": "2016-11-15T10:25:30.000Z",
        "edApp": {"id": "https://example.edu", "type": "SoftwareApplication", "version": "v2"},
        "group": {"id": section, "type": "CourseSection", "courseNumber": "CPS 435-01"},
        "membership": {
            "id": f"{section}/rosters/1",
            "type": "Membership",
            "member": f"{USER}{n}",
            "organization": section,
            "roles": ["Learner"],
            "status": "Active",
        },
    }


def envelope(events: int) -> bytes:
    makers = (_activity, _time_spent, _assessment)
    data = [makers[n % 3](n) for n in range(events)]
    return orjson.dumps(
        {
            "sensor": "https://app.example/sensors/1",
            "sendTime": "2025-07-22T21:27:16.000Z",
            "dataVersion": CONTEXT,
            "data": data,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--envelopes", type=int, default=300)
    parser.add_argument("--events", type=int, default=100)
    args = parser.parse_args()
    raw = envelope(args.events)
    assert validate_envelope(parse_json(raw)) == [], "the bench envelope must be valid"

    parse_started = time.process_time()
    documents = [parse_json(raw) for _ in range(args.envelopes)]
    parse_seconds = time.process_time() - parse_started
    started = time.process_time()
    for document in documents:
        validate_envelope(document)
    seconds = time.process_time() - started

    events = args.envelopes * args.events
    print(f"{args.envelopes} envelopes of {args.events} events ({len(raw)} bytes each)")
    print(f"parse:    {events / parse_seconds:10,.0f} events/s")
    per_envelope = seconds / args.envelopes * 1000
    print(f"validate: {events / seconds:10,.0f} events/s  ({per_envelope:.2f} ms per envelope)")


if __name__ == "__main__":
    main()
