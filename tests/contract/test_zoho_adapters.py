"""Zoho adapters against scripted wire replies (reference sections 2, 3, 4.2): what they send, how
they read Zoho's quirks, and which domain error each failure becomes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from adapters.zoho.data_centres import DataCentres
from adapters.zoho.plugins import ZohoConfig, zoho_plugins
from domain.errors import (
    AccessTokenRefused,
    InvalidInput,
    NotFound,
    ReconnectNeeded,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from domain.models.timesheets import TrackerSession, UpstreamEntry
from domain.ports.time_tracker import TrackerPlugin

Handler = Callable[[httpx.Request], httpx.Response]
PORTAL, PROJECT, LOG = "2063927", "170876000004061003", "170876000004337009"
CONFIG = ZohoConfig(
    client_id="bff-client", client_secret="bff-secret", timeout=5.0, data_centres=DataCentres()
)


class Wire:
    """A scripted Zoho: replies by (method, path), and every request it saw."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[httpx.Response]] = {}
        self.seen: list[httpx.Request] = []

    def on(self, method: str, url: str, *replies: httpx.Response) -> None:
        self.routes[(method, url)] = list(replies)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        url = str(request.url.copy_with(query=None))
        replies = self.routes.get((request.method, url))
        if not replies:
            return httpx.Response(599, json={"unexpected": url})
        return replies.pop(0) if len(replies) > 1 else replies[0]

    def form(self, index: int = -1) -> dict[str, str]:
        request = self.seen[index]
        body = request.content.decode() or urlsplit(str(request.url)).query
        return {k: v[0] for k, v in parse_qs(body).items()}


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
async def plugins(wire: Wire) -> AsyncIterator[dict[str, TrackerPlugin]]:
    registry, http = zoho_plugins(CONFIG, transport=httpx.MockTransport(wire))
    yield registry
    await http.aclose()


SESSION = TrackerSession(
    data_centre="eu", workspace_id=PORTAL, time_zone="Europe/London", access_token="1000.abc"
)
ENTRY = UpstreamEntry(
    project_id=PROJECT,
    task="Meeting",
    day=date(2026, 3, 9),
    started_at=datetime(2026, 3, 9, 9, 0, tzinfo=UTC),
    minutes=90,
    billable=False,
    notes="Sprint planning",
    tag="log-1",
)
P = f"https://projectsapi.zoho.eu/restapi/portal/{PORTAL}"
LOGS = f"{P}/projects/{PROJECT}/logs/"


def saved(log_id: int = int(LOG)) -> httpx.Response:
    log = {"id": log_id, "id_string": str(log_id), "name": "Meeting", "log_date": "03-09-2026"}
    return httpx.Response(201, json={"timelogs": {"generallogs": [log]}})


def day_list(*logs: Mapping[str, object]) -> httpx.Response:
    return httpx.Response(
        200, json={"timelogs": {"date": [{"display_format": "03-09-2026", "generallogs": logs}]}}
    )


def zoho_error(status: int, code: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


# --- Zoho Projects --------------------------------------------------------------------------


async def test_portals_are_workspaces_with_their_time_zone(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    portal = {
        "id": int(PORTAL),
        "id_string": PORTAL,
        "name": "zillum",
        "settings": {"time_zone": "Europe/London"},
    }
    wire.on(
        "GET",
        "https://projectsapi.zoho.eu/restapi/portals/",
        httpx.Response(200, json={"login_id": "1", "portals": [portal]}),
    )
    (workspace,) = await plugins["zoho_projects"].tracker.workspaces(
        data_centre="eu", access_token="1000.abc"
    )
    assert (workspace.workspace_id, workspace.name, workspace.time_zone) == (
        PORTAL,
        "zillum",
        "Europe/London",
    )
    assert wire.seen[0].headers["authorization"] == "Zoho-oauthtoken 1000.abc"


async def test_projects_page_by_index_until_a_204(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    full = [{"id": 10**17 + n, "id_string": str(10**17 + n), "name": f"P{n}"} for n in range(200)]
    wire.on(
        "GET",
        f"{P}/projects/",
        httpx.Response(200, json={"projects": full}),
        httpx.Response(204),
    )
    projects = await plugins["zoho_projects"].tracker.projects(SESSION, query="")
    assert len(projects) == 200
    assert projects[1].project_id == "100000000000000001"
    starts = [parse_qs(urlsplit(str(r.url)).query)["index"][0] for r in wire.seen]
    assert starts == ["1", "201"]


async def test_create_posts_a_general_log_and_reads_id_string(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    wire.on("POST", LOGS, saved())
    upstream_id = await plugins["zoho_projects"].tracker.create(SESSION, ENTRY)
    assert upstream_id == LOG
    assert wire.form() == {
        "name": "Meeting",
        "date": "03-09-2026",
        "bill_status": "Non Billable",
        "hours": "01:30",
        "notes": "Sprint planning [bff:log-1]",
    }


async def test_update_is_a_post_to_the_log_and_404_is_not_found(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    tracker = plugins["zoho_projects"].tracker
    wire.on("POST", f"{LOGS}{LOG}/", saved(), zoho_error(404, 6404, "Log not found"))
    await tracker.update(SESSION, LOG, ENTRY)
    assert wire.seen[-1].method == "POST"
    with pytest.raises(NotFound):
        await tracker.update(SESSION, LOG, ENTRY)


async def test_delete_treats_a_log_already_gone_as_done(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    tracker = plugins["zoho_projects"].tracker
    wire.on(
        "DELETE",
        f"{LOGS}{LOG}/",
        httpx.Response(200, json={"response": "Timesheet log Deleted Successfully"}),
        zoho_error(404, 6404, "Log not found"),
        zoho_error(400, 6404, "Invalid log"),
        zoho_error(400, 6831, "Approved logs cannot be deleted"),
    )
    for _ in range(3):
        await tracker.delete(SESSION, LOG, project_id=PROJECT)
    with pytest.raises(UpstreamRejected, match="Approved"):
        await tracker.delete(SESSION, LOG, project_id=PROJECT)


async def test_find_tagged_lists_the_day_and_matches_the_exact_tag(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    other = {"id_string": "1", "notes": "x [bff:log-10]", "log_date": "03-09-2026"}
    ours = {"id_string": LOG, "notes": "Sprint planning [bff:log-1]", "log_date": "03-09-2026"}
    wire.on("GET", LOGS, day_list(other, ours))
    tracker = plugins["zoho_projects"].tracker
    assert await tracker.find_tagged(SESSION, ENTRY) == LOG
    query = parse_qs(urlsplit(str(wire.seen[-1].url)).query)
    assert query["date"] == ["03-09-2026"]
    assert query["view_type"] == ["day"]
    assert query["users_list"] == ["all"]
    wire.on("GET", LOGS, httpx.Response(204))
    assert await tracker.find_tagged(SESSION, ENTRY) is None


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (zoho_error(401, 6401, "Invalid OAuth access token"), AccessTokenRefused),
        (zoho_error(400, 6890, "Invalid Ticket"), AccessTokenRefused),
        (zoho_error(400, 6831, "Log is approved"), UpstreamRejected),
        (zoho_error(404, 6404, "Project deleted"), UpstreamRejected),
        (httpx.Response(429, headers={"Retry-After": "30"}), UpstreamRateLimited),
        (zoho_error(500, 6500, "Internal error"), UpstreamUnavailable),
        (httpx.Response(200, text="<html>"), UpstreamUnavailable),
    ],
)
async def test_create_failures_become_domain_errors(
    wire: Wire, plugins: dict[str, TrackerPlugin], reply: httpx.Response, error: type[Exception]
) -> None:
    wire.on("POST", LOGS, reply)
    with pytest.raises(error) as caught:
        await plugins["zoho_projects"].tracker.create(SESSION, ENTRY)
    if isinstance(caught.value, UpstreamRateLimited):
        assert caught.value.retry_after == 30
    assert len(wire.seen) == 1  # a create is never retried by the adapter
    assert not isinstance(caught.value, ReconnectNeeded)  # a refused token is not a dead grant


async def test_a_read_is_retried_once_after_a_gateway_error(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    wire.on(
        "GET",
        f"{P}/projects/",
        httpx.Response(502),
        httpx.Response(200, json={"projects": [{"id_string": "7", "name": "Only"}]}),
    )
    projects = await plugins["zoho_projects"].tracker.projects(SESSION, query="")
    assert [p.name for p in projects] == ["Only"]
    wire.on("GET", f"{P}/projects/", httpx.Response(503))
    with pytest.raises(UpstreamUnavailable):
        await plugins["zoho_projects"].tracker.projects(SESSION, query="")


async def test_a_timeout_is_unavailable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    registry, http = zoho_plugins(CONFIG, transport=httpx.MockTransport(slow))
    try:
        with pytest.raises(UpstreamUnavailable, match="in time"):
            await registry["zoho_projects"].tracker.create(SESSION, ENTRY)
    finally:
        await http.aclose()


# --- Zoho Desk ------------------------------------------------------------------------------

DESK = "https://desk.zoho.eu/api/v1"
ORG, TICKET = "60001", "1892000000093030"
DESK_SESSION = TrackerSession(
    data_centre="eu", workspace_id=ORG, time_zone="UTC", access_token="1000.abc"
)
DESK_ENTRY = UpstreamEntry(
    project_id=TICKET,
    task="Call",
    day=date(2026, 3, 9),
    started_at=datetime(2026, 3, 9, 9, 0, tzinfo=UTC),
    minutes=75,
    billable=True,
    notes="",
    tag="log-2",
)


async def test_desk_tickets_are_projects_named_by_number_and_subject(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    tickets = [{"id": TICKET, "ticketNumber": "101", "subject": "Printer", "status": "Open"}]
    wire.on("GET", f"{DESK}/tickets", httpx.Response(200, json={"data": tickets}))
    (project,) = await plugins["zoho_desk"].tracker.projects(DESK_SESSION, query="")
    assert (project.project_id, project.name, project.detail) == (TICKET, "#101 Printer", "Open")
    assert wire.seen[0].headers["orgId"] == ORG


async def test_desk_entries_are_created_patched_deleted_and_found(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    tracker = plugins["zoho_desk"].tracker
    entries = f"{DESK}/tickets/{TICKET}/timeEntry"
    wire.on("POST", entries, httpx.Response(200, json={"id": "777", "requestId": TICKET}))
    assert await tracker.create(DESK_SESSION, DESK_ENTRY) == "777"
    sent = json.loads(wire.seen[-1].content)
    assert sent["executedTime"] == "2026-03-09T09:00:00.000Z"
    assert (sent["hoursSpent"], sent["minutesSpent"], sent["isBillable"]) == (1, 15, True)
    assert sent["description"] == "Call [bff:log-2]"

    wire.on("PATCH", f"{entries}/777", httpx.Response(200, json={"id": "777"}))
    await tracker.update(DESK_SESSION, "777", DESK_ENTRY)
    assert wire.seen[-1].headers["orgId"] == ORG

    found = {"id": "777", "executedTime": sent["executedTime"], "description": sent["description"]}
    wire.on("GET", entries, httpx.Response(200, json={"data": [found]}))
    assert await tracker.find_tagged(DESK_SESSION, DESK_ENTRY) == "777"

    wire.on("DELETE", f"{entries}/777", httpx.Response(204), httpx.Response(404))
    await tracker.delete(DESK_SESSION, "777", project_id=TICKET)
    await tracker.delete(DESK_SESSION, "777", project_id=TICKET)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (
            httpx.Response(
                422,
                json={
                    "errorCode": "UNPROCESSABLE_ENTITY",
                    "message": "An extra parameter is found",
                    "errors": [{"fieldName": "/executedTime", "errorType": "invalid"}],
                },
            ),
            UpstreamRejected,
        ),
        (
            httpx.Response(401, json={"errorCode": "INVALID_OAUTH", "message": "bad token"}),
            AccessTokenRefused,
        ),
        (
            httpx.Response(400, json={"errorCode": "TOO_MANY_REQUESTS", "message": "slow"}),
            UpstreamRateLimited,
        ),
    ],
)
async def test_desk_failures_become_domain_errors(
    wire: Wire, plugins: dict[str, TrackerPlugin], reply: httpx.Response, error: type[Exception]
) -> None:
    wire.on("POST", f"{DESK}/tickets/{TICKET}/timeEntry", reply)
    with pytest.raises(error):
        await plugins["zoho_desk"].tracker.create(DESK_SESSION, DESK_ENTRY)


# --- OAuth ------------------------------------------------------------------------------------

TOKEN = "https://accounts.zoho.eu/oauth/v2/token"


def test_authorization_url_asks_for_offline_access_at_the_users_data_centre(
    plugins: dict[str, TrackerPlugin],
) -> None:
    url = plugins["zoho_desk"].auth.authorization_url(
        data_centre="eu", state="s1", redirect_url="https://bff.example/cb"
    )
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://accounts.zoho.eu/oauth/v2/auth"
    )
    assert query == {
        "response_type": "code",
        "client_id": "bff-client",
        "redirect_uri": "https://bff.example/cb",
        "scope": "Desk.basic.READ,Desk.tickets.ALL",
        "state": "s1",
        "access_type": "offline",
        "prompt": "consent",
    }
    assert "com.au" in plugins["zoho_desk"].auth.data_centres()


async def test_code_exchange_returns_the_refresh_token(
    wire: Wire, plugins: dict[str, TrackerPlugin]
) -> None:
    reply = {
        "access_token": "1000.a",
        "refresh_token": "1000.r",
        "api_domain": "https://www.zohoapis.eu",
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    wire.on("POST", TOKEN, httpx.Response(200, json=reply))
    grant = await plugins["zoho_projects"].auth.exchange_code(
        data_centre="eu", code="1000.code", redirect_url="https://bff.example/cb"
    )
    assert (grant.refresh_token, grant.access_token, grant.expires_in) == ("1000.r", "1000.a", 3600)
    form = wire.form()
    assert form["grant_type"] == "authorization_code"
    assert (form["client_id"], form["client_secret"]) == ("bff-client", "bff-secret")


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (httpx.Response(200, json={"error": "invalid_code"}), ReconnectNeeded),
        (httpx.Response(200, json={"access_token": "1000.a", "expires_in": 3600}), ReconnectNeeded),
        (httpx.Response(502), UpstreamUnavailable),
    ],
)
async def test_code_exchange_failures(
    wire: Wire, plugins: dict[str, TrackerPlugin], reply: httpx.Response, error: type[Exception]
) -> None:
    wire.on("POST", TOKEN, reply)
    with pytest.raises(error):
        await plugins["zoho_projects"].auth.exchange_code(
            data_centre="eu", code="1000.code", redirect_url="https://bff.example/cb"
        )


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (httpx.Response(200, json={"error": "invalid_code"}), ReconnectNeeded),
        (
            httpx.Response(
                200,
                json={
                    "error": "Access Denied",
                    "error_description": "You have made too many requests continuously.",
                    "status": "failure",
                },
            ),
            UpstreamRateLimited,
        ),
        (httpx.Response(503), UpstreamUnavailable),
    ],
)
async def test_refresh_judges_the_body_not_the_status(
    wire: Wire, plugins: dict[str, TrackerPlugin], reply: httpx.Response, error: type[Exception]
) -> None:
    wire.on("POST", TOKEN, reply)
    with pytest.raises(error):
        await plugins["zoho_desk"].auth.refresh(data_centre="eu", refresh_token="1000.r")


async def test_refresh_and_revoke(wire: Wire, plugins: dict[str, TrackerPlugin]) -> None:
    reply = {"access_token": "1000.new", "expires_in": 3600, "api_domain": "x", "token_type": "B"}
    wire.on("POST", TOKEN, httpx.Response(200, json=reply))
    grant = await plugins["zoho_desk"].auth.refresh(data_centre="eu", refresh_token="1000.r")
    assert grant.access_token == "1000.new"
    assert wire.form()["refresh_token"] == "1000.r"
    # revoking is best effort: a failure is logged, not raised
    wire.on("POST", f"{TOKEN}/revoke", httpx.Response(500))
    await plugins["zoho_desk"].auth.revoke(data_centre="eu", refresh_token="1000.r")
    assert parse_qs(urlsplit(str(wire.seen[-1].url)).query)["token"] == ["1000.r"]


async def test_unknown_data_centre_is_invalid_input(plugins: dict[str, TrackerPlugin]) -> None:
    with pytest.raises(InvalidInput):
        plugins["zoho_projects"].auth.authorization_url(
            data_centre="mars", state="s", redirect_url="https://bff.example/cb"
        )
