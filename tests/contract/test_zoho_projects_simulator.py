"""The Zoho Projects v2 simulator on the wire: the quirks of reference section 2 and 7 items 14-20."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest

from simulators.zoho import ZohoSimulator
from simulators.zoho.state import Portal, Project, TimeLog

PROJECTS = "http://projectsapi.zoho.sim"
JS_SAFE = 2**53 - 1


@pytest.fixture
def sim() -> ZohoSimulator:
    return ZohoSimulator(seed=3, users=6, classes=3)


@pytest.fixture
def user(sim: ZohoSimulator) -> str:
    return next(iter(sim.state.users))


@pytest.fixture
async def http(sim: ZohoSimulator, user: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Zoho-oauthtoken {sim.token_for(user)}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url=PROJECTS, headers=headers
    ) as client:
        yield client


def portal_of(sim: ZohoSimulator, zuid: str) -> Portal:
    return sim.state.portals_of(zuid)[0]


def project_of(sim: ZohoSimulator, zuid: str) -> Project:
    return sim.state.projects_of(portal_of(sim, zuid).id)[0]


def logs_url(project: Project) -> str:
    return f"/restapi/portal/{project.portal_id}/projects/{project.id}/logs/"


GENERAL = {"name": "Planning", "date": "03-14-2025", "bill_status": "Billable", "hours": "01:30"}


async def test_portals_carry_the_time_zone_and_ids_twice(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    body = (await http.get("/restapi/portals/")).json()
    assert body["login_id"] == user
    [portal] = body["portals"]
    assert portal["id_string"] == str(portal["id"])
    assert portal["settings"]["time_zone"] in ("America/New_York", "Europe/London")
    assert portal["role"] == "admin"
    assert portal["link"]["project"]["url"].startswith(f"{PROJECTS}/restapi/portal/")


async def test_projects_are_wrapped_paged_and_204_past_the_end(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    portal = portal_of(sim, user)
    url = f"/restapi/portal/{portal.id}/projects/"
    listed = (await http.get(url)).json()["projects"]
    assert len(listed) == 3
    for project in listed:
        assert project["id"] > JS_SAFE
        assert project["id_string"] == str(project["id"])
    second = (await http.get(url, params={"index": 2, "range": 1})).json()["projects"]
    assert second == [listed[1]]
    empty = await http.get(url, params={"index": 4})
    assert (empty.status_code, empty.content) == (204, b"")
    assert (await http.get(url, params={"status": "archived"})).status_code == 204
    too_big = await http.get(url, params={"range": 201})
    assert (too_big.status_code, too_big.json()["error"]["code"]) == (400, 6832)


async def test_one_project_is_still_a_list(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    reply = await http.get(f"/restapi/portal/{project.portal_id}/projects/{project.id}/")
    assert [p["id_string"] for p in reply.json()["projects"]] == [str(project.id)]
    missing = await http.get(f"/restapi/portal/{project.portal_id}/projects/123/")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, 6404)


async def test_a_general_log_from_the_query_string_of_an_empty_post(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    reply = await http.post(logs_url(project), params=GENERAL | {"notes": "tag:abc"})
    assert reply.status_code == 201
    [log] = reply.json()["timelogs"]["generallogs"]
    assert log["id"] > JS_SAFE
    assert log["id_string"] == str(log["id"])
    assert (log["name"], log["log_date"], log["hours_display"]) == (
        "Planning",
        "03-14-2025",
        "01:30",
    )
    assert (log["hours"], log["minutes"], log["total_minutes"]) == (1, 30, 90)
    assert log["bill_status"] == "Billable"
    assert log["owner_id"] == user
    assert sim.state.count_logs_tagged("tag:abc") == 1


async def test_log_date_long_is_local_midnight_in_the_portal_time_zone(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    portal = portal_of(sim, user)
    log = (await http.post(logs_url(project), data=GENERAL)).json()["timelogs"]["generallogs"][0]
    offset_hours = {"America/New_York": 4, "Europe/London": 0}[portal.time_zone]  # 14 March 2025
    utc_midnight = 1741910400000  # 2025-03-14T00:00:00Z
    assert log["log_date_long"] == utc_midnight + offset_hours * 3_600_000


async def test_task_logs_live_under_tasks_and_answer_tasklogs(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    task = sim.state.tasks_of(project.id)[0]
    url = f"/restapi/portal/{project.portal_id}/projects/{project.id}/tasks/{task.id}/logs/"
    body = GENERAL | {"name": ""}  # a task log needs no name
    [log] = (await http.post(url, data=body)).json()["timelogs"]["tasklogs"]
    assert log["task"] == {"id": task.id, "id_string": str(task.id), "name": task.name}
    # a task log is not reachable as a general log
    wrong = await http.delete(f"{logs_url(project)}{log['id']}/")
    assert wrong.status_code == 404
    updated = await http.post(f"{url}{log['id']}/", data=body | {"hours": "02:00"})
    assert updated.json()["timelogs"]["tasklogs"][0]["hours_display"] == "02:00"
    listed = await http.get(url, params={"view_type": "day", "date": "03-14-2025"})
    assert [d["tasklogs"][0]["id"] for d in listed.json()["timelogs"]["date"]] == [log["id"]]
    tasks = await http.get(f"/restapi/portal/{project.portal_id}/projects/{project.id}/tasks/")
    assert str(task.id) in {t["id_string"] for t in tasks.json()["tasks"]}


async def test_update_is_post_and_delete_answers_the_zoho_sentence(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    log = (await http.post(logs_url(project), data=GENERAL)).json()["timelogs"]["generallogs"][0]
    url = f"{logs_url(project)}{log['id_string']}/"
    assert (await http.put(url, data=GENERAL)).status_code == 405
    changed = GENERAL | {"date": "03-15-2025", "bill_status": "Non Billable", "notes": "x"}
    updated = (await http.post(url, data=changed)).json()["timelogs"]["generallogs"][0]
    assert (updated["log_date"], updated["bill_status"], updated["notes"]) == (
        "03-15-2025",
        "Non Billable",
        "x",
    )
    assert sim.state.logs.by_id[log["id"]].log_date == date(2025, 3, 15)
    deleted = await http.delete(url)
    assert deleted.json() == {"response": "Timesheet log Deleted Successfully"}
    assert (await http.delete(url)).json()["error"]["code"] == 6404
    assert len(sim.state.logs) == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"date": "2025-03-14"}, 6832),
        ({"date": "02-30-2025"}, 6832),
        ({"hours": "1.5"}, 6832),
        ({"hours": "01:75"}, 6832),
        ({"hours": "00:00"}, 6832),
        ({"bill_status": "Non-Billable"}, 6832),
        ({"bill_status": "billable"}, 6832),
        ({"name": ""}, 6831),
        ({"date": ""}, 6831),
        ({"owner": "999"}, 6832),
    ],
)
async def test_invalid_log_fields_are_400_with_a_zoho_code(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str, change: dict[str, str], code: int
) -> None:
    reply = await http.post(logs_url(project_of(sim, user)), data=GENERAL | change)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == code
    assert reply.json()["error"]["message"]
    assert len(sim.state.logs) == 0


async def test_lists_group_by_day_with_totals_and_page_to_204(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    for day, hours in (("03-10-2025", "01:00"), ("03-12-2025", "02:15"), ("03-12-2025", "00:45")):
        await http.post(logs_url(project), data=GENERAL | {"date": day, "hours": hours})
    await http.post(logs_url(project), data=GENERAL | {"date": "04-01-2025"})  # another month
    week = {"view_type": "week", "date": "03-12-2025"}
    body = (await http.get(logs_url(project), params=week)).json()["timelogs"]
    assert body["grandtotal"] == "04:00"
    assert body["role"] == "admin"
    assert [(d["display_format"], d["total_hours"]) for d in body["date"]] == [
        ("03-10-2025", "01:00"),
        ("03-12-2025", "03:00"),
    ]
    assert "tasklogs" not in body["date"][0]
    page = (await http.get(logs_url(project), params=week | {"index": 2, "range": 1})).json()
    assert len(page["timelogs"]["date"][0]["generallogs"]) == 1
    past = await http.get(logs_url(project), params=week | {"index": 4})
    assert (past.status_code, past.content) == (204, b"")
    month = {"view_type": "month", "date": "04-20-2025"}
    assert (await http.get(logs_url(project), params=month)).json()["timelogs"][
        "grandtotal"
    ] == "01:30"
    missing = await http.get(logs_url(project), params={"date": "03-12-2025"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, 6831)


async def test_my_logs_filter_by_user_bill_status_and_component(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    portal = portal_of(sim, user)
    await http.post(logs_url(project), data=GENERAL)
    await http.post(logs_url(project), data=GENERAL | {"bill_status": "Non Billable"})
    url = f"/restapi/portal/{portal.id}/logs"
    day = {"view_type": "day", "date": "03-14-2025"}

    async def total(**extra: str) -> str | None:
        reply = await http.get(url, params=day | extra)
        return None if reply.status_code == 204 else str(reply.json()["timelogs"]["grandtotal"])

    assert await total() == "03:00"
    assert await total(bill_status="Non Billable") == "01:30"
    assert await total(component_type="task") is None
    assert await total(users_list="all") == "03:00"
    assert await total(users_list="12345") is None
    assert (await http.get(url, params=day | {"bill_status": "Billed"})).status_code == 400
    my = (await http.get(url, params=day)).json()["timelogs"]["date"][0]["generallogs"][0]
    assert my["project"]["id_string"] == str(project.id)


async def test_approved_logs_refuse_update_and_delete(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    log = (await http.post(logs_url(project), data=GENERAL)).json()["timelogs"]["generallogs"][0]
    sim.approve_log(log["id"])
    url = f"{logs_url(project)}{log['id']}/"
    for reply in (await http.post(url, data=GENERAL), await http.delete(url)):
        assert (reply.status_code, reply.json()["error"]["code"]) == (400, 6403)
    assert log["id"] in sim.state.logs.by_id


async def test_the_approve_control_over_http(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    log = (await http.post(logs_url(project), data=GENERAL)).json()["timelogs"]["generallogs"][0]
    assert (await http.post(f"/_sim/zoho/logs/{log['id']}/approve")).status_code == 204
    assert sim.state.logs.by_id[log["id"]].approved
    assert (await http.post("/_sim/zoho/logs/1/approve")).status_code == 404
    found = (await http.get("/_sim/zoho/logs", params={"tag": "Planning"})).json()
    assert found["count"] == 1
    assert found["logs"][0]["approval_status"] == "Approved"


async def test_archived_and_deleted_projects_refuse_logs_with_404(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    first, second = sim.state.projects_of(portal_of(sim, user).id)[:2]
    kept = (await http.post(logs_url(first), data=GENERAL)).json()["timelogs"]["generallogs"][0]
    sim.archive_project(first.id)
    refused = await http.post(logs_url(first), data=GENERAL)
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, 6404)
    assert (await http.delete(f"{logs_url(first)}{kept['id']}/")).status_code == 404
    archived = await http.get(
        f"/restapi/portal/{first.portal_id}/projects/", params={"status": "archived"}
    )
    assert [p["id"] for p in archived.json()["projects"]] == [first.id]
    assert (await http.delete(f"/_sim/zoho/projects/{second.id}")).status_code == 204
    gone = await http.post(logs_url(second), data=GENERAL)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, 6404)


async def test_auth_is_zoho_oauthtoken_only(sim: ZohoSimulator, user: str) -> None:
    token = sim.token_for(user)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url=PROJECTS
    ) as http:
        none = await http.get("/restapi/portals/")
        bearer = await http.get("/restapi/portals/", headers={"Authorization": f"Bearer {token}"})
        unknown = await http.get(
            "/restapi/portals/", headers={"Authorization": "Zoho-oauthtoken 1000.nope"}
        )
        sim.clock.advance(3601)
        expired = await http.get(
            "/restapi/portals/", headers={"Authorization": f"Zoho-oauthtoken {token}"}
        )
    assert [r.status_code for r in (none, bearer, unknown, expired)] == [401] * 4
    assert [r.json()["error"]["code"] for r in (none, bearer, unknown, expired)] == [
        6401,
        6401,
        6890,
        6890,
    ]


async def test_someone_elses_portal_is_not_found(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    other = list(sim.state.users)[1]
    project = project_of(sim, other)
    reply = await http.post(logs_url(project), data=GENERAL)
    assert (reply.status_code, reply.json()["error"]["code"]) == (404, 6404)


async def test_throttling_per_token_answers_429_with_retry_after(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    sim.projects.throttle.configure(calls=3, window=120, block=1800)
    for _ in range(3):
        assert (await http.get("/restapi/portals/")).status_code == 200
    blocked = await http.get("/restapi/portals/")
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "1800"
    assert blocked.json()["error"]["code"] == 6429
    # another token of the same user has its own allowance
    other = {"Authorization": f"Zoho-oauthtoken {sim.token_for(user)}"}
    assert (await http.get("/restapi/portals/", headers=other)).status_code == 200
    sim.clock.advance(1000)
    assert (await http.get("/restapi/portals/")).headers["Retry-After"] == "800"
    sim.clock.advance(800)
    assert (await http.get("/restapi/portals/")).status_code == 200
    configured = await http.post("/_sim/zoho/throttle", json={"enabled": False})
    assert configured.json()["enabled"] is False


async def test_scripted_faults_and_unknown_urls_speak_projects(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    sim.fail_next(503)
    failed = await http.get("/restapi/portals/")
    assert (failed.status_code, failed.json()["error"]["code"]) == (503, 6500)
    nowhere = await http.get("/restapi/nowhere")
    assert (nowhere.status_code, nowhere.json()["error"]["code"]) == (404, 6504)


async def test_ten_thousand_logs_stay_fast(
    sim: ZohoSimulator, http: httpx.AsyncClient, user: str
) -> None:
    project = project_of(sim, user)
    sim.projects.throttle.configure(enabled=False)
    for i in range(10_000):  # straight into the state: the wire path is covered above
        day = date(2024, 1 + i % 12, 1 + i % 28)
        sim.state.logs.add(_log(sim, project, day, i))
    started = time.perf_counter()
    for _ in range(20):
        reply = await http.get(logs_url(project), params={"view_type": "day", "date": "05-05-2024"})
        assert reply.status_code == 200
    log = (await http.post(logs_url(project), data=GENERAL)).json()["timelogs"]["generallogs"][0]
    await http.delete(f"{logs_url(project)}{log['id']}/")
    assert time.perf_counter() - started < 2.0
    assert sim.state.count_logs_tagged("harness-42 ") == 1


def _log(sim: ZohoSimulator, project: Project, day: date, i: int) -> TimeLog:
    return TimeLog(
        id=sim.state.ids.next(),
        portal_id=project.portal_id,
        project_id=project.id,
        kind="general",
        log_date=day,
        minutes=30,
        bill_status="Billable",
        owner=project.owner,
        name="Bulk",
        notes=f"harness-{i} ",
    )
