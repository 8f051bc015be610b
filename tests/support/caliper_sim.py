"""The Caliper simulator as the contract tests use it: TimeBack's two Caliper spec files, a
simulator with a token already issued, and Caliper events shaped as TimeBack's docs send them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from simulators.caliper import CaliperSimulator
from simulators.kit.transport import SimulatorTransport
from tests.support.shared import shared

BASE = "http://caliper.timeback.sim"
CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"
USERS = "https://api.alpha-1edtech.ai/ims/oneroster/rostering/v1p2/users"

_ROOT = shared("fixtures", "timeback-openapi")
CALIPER_SPEC = _ROOT / "caliper-api.yaml"
#: 1EdTech's Caliper 1.2 examples (shared/fixtures/caliper-spec-v1p2)
ONE_EDTECH = _ROOT.parent / "caliper-spec-v1p2" / "fixtures" / "v1p2"
EVENTS_SPEC = _ROOT / "timeback-events-api.yaml"


def simulator_with_token(token: str, **kwargs: Any) -> CaliperSimulator:
    sim = CaliperSimulator(**kwargs)
    sim.tokens.issue("sandbox-client", value=token, ttl=10**9)
    return sim


def bearer_client(sim: CaliperSimulator, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=SimulatorTransport(sim.app),
        base_url=BASE,
        headers={"Authorization": f"Bearer {token}"},
    )


def event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def activity_event(
    *,
    eid: str | None = None,
    user: str = "u-1",
    email: str = "ada@example.edu",
    when: str = "2025-07-22T21:27:15.304Z",
    xp: float = 100,
) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": eid or event_id(),
        "type": "ActivityEvent",
        "profile": "TimebackProfile",
        "action": "Completed",
        "eventTime": when,
        "actor": {"id": f"{USERS}/{user}", "type": "TimebackUser", "email": email},
        "object": {
            "id": "https://app.example/ctx/1",
            "type": "TimebackActivityContext",
            "subject": "Math",
            "app": {"name": "My App"},
            "activity": {"name": "Quiz 1"},
        },
        "generated": {
            "id": event_id(),
            "type": "TimebackActivityMetricsCollection",
            "items": [
                {"type": "totalQuestions", "value": 10},
                {"type": "correctQuestions", "value": 8},
                {"type": "xpEarned", "value": xp},
            ],
        },
    }


def time_spent_event(*, eid: str | None = None, seconds: float = 1800) -> dict[str, Any]:
    event = activity_event(eid=eid)
    event.update(
        type="TimeSpentEvent",
        action="SpentTime",
        generated={
            "id": event_id(),
            "type": "TimebackTimeSpentMetricsCollection",
            "items": [{"type": "active", "value": seconds}, {"type": "inactive", "value": 60}],
        },
    )
    return event


def tool_use_event(
    *, eid: str | None = None, actor: str = "https://example.edu/users/554433"
) -> dict[str, Any]:
    return {
        "id": eid or event_id(),
        "type": "ToolUseEvent",
        "profile": "ToolUseProfile",
        "actor": actor,
        "action": "Used",
        "object": "https://example.edu",
        "eventTime": "2023-08-15T14:12:00.000Z",
    }


def envelope(
    *events: dict[str, Any], sensor: str = "https://app.example/sensors/1"
) -> dict[str, Any]:
    return {
        "sensor": sensor,
        "sendTime": "2025-07-22T21:27:16.000Z",
        "dataVersion": CONTEXT,
        "data": list(events),
    }
