"""The sandbox serves its demo accounts at once: the policy reads the roster cache, so the start fills
it before the first request (on PostgreSQL too, where the API process runs no jobs)."""

from __future__ import annotations

from typing import Any

import httpx

from api.settings import Settings
from simulators.kit.population import build_population
from tests.conftest import login


async def test_demo_accounts_reach_their_related_people_right_after_start(
    client: httpx.AsyncClient, settings: Settings, demo: dict[str, Any]
) -> None:
    sandbox = settings.sandbox
    population = build_population(sandbox.seed, users=sandbox.users, classes=sandbox.classes)
    student = demo["student"].person_sourced_id
    teacher = demo["teacher"].person_sourced_id
    stranger = next(
        p.key
        for p in population.with_role("student")
        if p.org != next(q.org for q in population.people if q.key == teacher)
    )
    for role, related in (("teacher", student), ("guardian", student), ("staff", teacher)):
        headers = await login(client, demo[role].email)
        seen = await client.get(f"/v1/roster/users/{related}", headers=headers)
        assert seen.status_code == 200, (role, seen.text)
        hidden = await client.get(f"/v1/roster/users/{stranger}", headers=headers)
        assert hidden.status_code in (403, 404), (role, hidden.text)
    student_headers = await login(client, demo["student"].email)
    classes = await client.get(f"/v1/roster/users/{student}/classes", headers=student_headers)
    assert classes.status_code == 200, classes.text
    assert classes.json()["classes"]
