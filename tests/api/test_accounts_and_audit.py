"""Accounts administration and the append-only audit trail, over HTTP and in the database."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from api.settings import Settings
from tests.conftest import login

PASSWORD = "violet tram sings at noon"


async def test_admin_creates_an_account_that_can_log_in(
    client: httpx.AsyncClient, admin_headers: dict[str, str], demo: dict[str, Any]
) -> None:
    person = demo["student"].person_sourced_id
    created = await client.post(
        "/v1/accounts",
        json={
            "email": "New.Student@Example.org",
            "role": "student",
            "person_sourced_id": person,
            "password": PASSWORD,
        },
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["person_sourced_id"] == person
    headers = await login(
        client, "new.student@example.org", PASSWORD
    )  # emails match case-insensitively
    assert (await client.get("/v1/me", headers=headers)).json()[
        "email"
    ] == "New.Student@Example.org"  # kept as given; matched case-insensitively


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (
            {"email": "a@example.org", "role": "teacher", "password": PASSWORD},
            422,
            "person_sourced_id",
        ),
        ({"email": "a@example.org", "role": "admin", "password": "short"}, 422, "password"),
        ({"email": "a@example.org", "role": "admin", "password": "password12345"}, 422, "password"),
        ({"email": "not-an-email", "role": "admin", "password": PASSWORD}, 422, "email"),
        ({"email": "a@example.org", "role": "wizard", "password": PASSWORD}, 422, "role"),
        (
            {"email": "a@example.org", "role": "admin", "password": PASSWORD, "extra": 1},
            422,
            "extra",
        ),
        # the schema says a string when sent (docs/api.md): null is refused, not read as absent
        (
            {"email": "a@example.org", "role": "admin", "password": PASSWORD, "sso_subject": None},
            422,
            "sso_subject",
        ),
    ],
)
async def test_bad_accounts_are_refused_field_by_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    response = await client.post("/v1/accounts", json=body, headers=admin_headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["loc"][-1] for e in response.json()["errors"]]


async def test_duplicate_email_is_a_conflict(
    client: httpx.AsyncClient, admin_headers: dict[str, str], demo: dict[str, Any]
) -> None:
    body = {"email": demo["teacher"].email.upper(), "role": "admin", "password": PASSWORD}
    response = await client.post("/v1/accounts", json=body, headers=admin_headers)
    assert response.status_code == 409


async def test_people_change_their_own_name_but_not_their_role(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    headers = await login(client, demo["student"].email)
    me = (await client.get("/v1/me", headers=headers)).json()
    renamed = await client.patch(
        f"/v1/accounts/{me['id']}", json={"display_name": "Ada L."}, headers=headers
    )
    assert renamed.status_code == 200
    assert renamed.json()["display_name"] == "Ada L."
    promoted = await client.patch(
        f"/v1/accounts/{me['id']}", json={"role": "admin"}, headers=headers
    )
    assert promoted.status_code == 403
    assert (await client.get("/v1/me", headers=headers)).json()["role"] == "student"


async def test_deactivated_account_cannot_log_in_or_refresh(
    client: httpx.AsyncClient, admin_headers: dict[str, str], demo: dict[str, Any]
) -> None:
    tokens = (
        await client.post(
            "/v1/auth/token",
            data={"username": demo["guardian"].email, "password": "learn-with-the-bff"},
        )
    ).json()
    guardian_id = (
        await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    ).json()["id"]
    off = await client.patch(
        f"/v1/accounts/{guardian_id}", json={"active": False}, headers=admin_headers
    )
    assert off.status_code == 200
    relogin = await client.post(
        "/v1/auth/token",
        data={"username": demo["guardian"].email, "password": "learn-with-the-bff"},
    )
    assert relogin.status_code == 401
    assert (
        await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 401


async def test_every_write_is_audited_with_its_outcome(
    client: httpx.AsyncClient, admin_headers: dict[str, str], demo: dict[str, Any]
) -> None:
    student = await login(client, demo["student"].email)
    await client.post(
        "/v1/accounts",
        json={"email": "x@example.org", "role": "admin", "password": PASSWORD},
        headers=student,
    )
    await client.post("/v1/me/api-tokens", json={"name": "audited"}, headers=student)
    await client.post(
        "/v1/auth/token", data={"username": "nobody@example.org", "password": "wrong-password"}
    )
    page = (await client.get("/v1/audit", headers=admin_headers, params={"limit": 50})).json()
    actions = [(e["action"], e["outcome"], e["actor_role"]) for e in page["items"]]
    assert ("POST /v1/accounts", "denied", "student") in actions
    assert ("POST /v1/me/api-tokens", "success", "student") in actions
    assert ("POST /v1/auth/token", "denied", None) in actions
    assert all(e["request_id"] for e in page["items"])
    denied = (
        await client.get("/v1/audit", headers=admin_headers, params={"outcome": "denied"})
    ).json()
    assert {e["outcome"] for e in denied["items"]} == {"denied"}
    assert denied["total"] >= 2
    assert (await client.get("/v1/audit", headers=student)).status_code == 403


async def test_the_audit_table_refuses_updates_and_deletes(
    client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await client.post("/v1/me/api-tokens", json={"name": "t"}, headers=admin_headers)
    engine = create_async_engine(settings.database.url)
    try:
        for statement in ("UPDATE audit_events SET status = 200", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM audit_events"))).scalar_one() >= 1
    finally:
        await engine.dispose()


async def test_account_lists_are_admin_only_and_paged(
    client: httpx.AsyncClient, admin_headers: dict[str, str], demo: dict[str, Any]
) -> None:
    answer = await client.get(
        "/v1/accounts", params={"limit": 2, "offset": 2}, headers=admin_headers
    )
    page = answer.json()
    assert page["total"] == 5
    assert len(page["items"]) == 2
    # the same paging headers as every list (docs/api.md)
    assert answer.headers["X-Total-Count"] == "5"
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers["Link"])}
    assert set(links) == {"first", "prev", "next", "last"}
    assert links["next"].endswith("/v1/accounts?limit=2&offset=4")
    teachers = (
        await client.get("/v1/accounts", params={"role": "teacher"}, headers=admin_headers)
    ).json()
    assert [a["email"] for a in teachers["items"]] == [demo["teacher"].email]
    staff = await login(client, demo["staff"].email)
    assert (await client.get("/v1/accounts", headers=staff)).status_code == 403


async def test_an_account_links_only_to_a_roster_person_that_exists(
    client: httpx.AsyncClient, admin_headers: dict[str, str], demo: dict[str, Any]
) -> None:
    """D38: a person link is a reference like any other; one to nothing is a 422 naming it."""
    body = {
        "email": "linked@example.org",
        "role": "teacher",
        "person_sourced_id": "no-such-person",
        "password": PASSWORD,
    }
    response = await client.post("/v1/accounts", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "person_sourced_id"]
    teacher = demo["teacher"].person_sourced_id
    made = await client.post(
        "/v1/accounts", json={**body, "person_sourced_id": teacher}, headers=admin_headers
    )
    assert made.status_code == 201, made.text
    moved = await client.patch(
        f"/v1/accounts/{made.json()['id']}",
        json={"person_sourced_id": "no-such-person"},
        headers=admin_headers,
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["errors"][0]["loc"] == ["body", "person_sourced_id"]
