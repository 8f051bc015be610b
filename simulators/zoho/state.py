"""What the Zoho simulator holds: OAuth clients, users and their grants, Projects portals with
projects, tasks and time logs, and Desk organisations with tickets and time entries.

Time logs are indexed by id and by (project, day) and (portal, day), so listing one week of a
portal with tens of thousands of logs touches only that week.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from simulators.zoho.ids import ZohoIds

#: Zoho's data centres and their accounts servers, as ``/oauth/serverinfo`` lists them.
ZOHO_LOCATIONS = {
    "us": "https://accounts.zoho.com",
    "eu": "https://accounts.zoho.eu",
    "in": "https://accounts.zoho.in",
    "au": "https://accounts.zoho.com.au",
    "jp": "https://accounts.zoho.jp",
    "uk": "https://accounts.zoho.uk",
    "ca": "https://accounts.zohocloud.ca",
    "sa": "https://accounts.zoho.sa",
    "cn": "https://accounts.zoho.com.cn",
}

LogKind = Literal["general", "task"]
BillStatus = Literal["Billable", "Non Billable"]


@dataclass(frozen=True, slots=True)
class ZohoUser:
    zuid: str
    email: str
    name: str
    location: str = "us"  # the data centre holding the account


@dataclass(frozen=True, slots=True)
class OAuthClient:
    client_id: str
    secret: str
    #: exact redirect URIs; empty accepts any (the sandbox client serves any BFF callback URL)
    redirect_uris: frozenset[str] = frozenset()

    def accepts(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris if self.redirect_uris else bool(redirect_uri)


@dataclass(slots=True)
class RefreshGrant:
    """A refresh token a user granted one client; access tokens minted from it act as that user."""

    token: str
    client_id: str
    zuid: str
    scope: str
    created_at: float = 0.0
    #: when each access token was minted, for the per-10-minutes limit
    minted: deque[float] = field(default_factory=deque, compare=False, repr=False)
    #: live access tokens, oldest first, for the 30-live-tokens limit
    access_tokens: deque[str] = field(default_factory=deque, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    zuid: str
    scope: str
    offline: bool
    expires_at: float


@dataclass(slots=True)
class Portal:
    id: int
    name: str
    owner: str  # zuid
    time_zone: str  # IANA name
    gmt_time_zone: str
    company_name: str
    members: dict[str, str] = field(default_factory=dict)  # zuid -> role ("admin", "employee")


@dataclass(slots=True)
class Project:
    id: int
    portal_id: int
    name: str
    owner: str
    created_ms: int
    description: str = ""
    status: Literal["active", "archived", "template"] = "active"


@dataclass(slots=True)
class Task:
    id: int
    project_id: int
    name: str
    completed: bool = False


@dataclass(slots=True)
class TimeLog:
    id: int
    portal_id: int
    project_id: int
    kind: LogKind
    log_date: date
    minutes: int
    bill_status: BillStatus
    owner: str
    name: str = ""  # general logs only
    task_id: int | None = None
    notes: str = ""
    approved: bool = False


@dataclass(slots=True)
class DeskOrg:
    id: str
    company_name: str
    portal_name: str
    members: set[str] = field(default_factory=set)  # zuids
    department_id: str = ""


@dataclass(slots=True)
class Ticket:
    id: str
    org_id: str
    number: str
    subject: str
    status: str
    department_id: str
    email: str
    created_time: str


@dataclass(slots=True)
class TimeEntry:
    id: str
    ticket_id: str
    owner: str
    executed_time: str
    hours: int
    minutes: int
    seconds: int
    description: str
    is_billable: bool
    charge_type: str
    created_by: str
    created_time: str
    modified_by: str
    modified_time: str
    agent_cost_per_hour: float = 0.0
    additional_cost: float = 0.0
    mode: str = "Manual"
    invoice_id: str | None = None


@dataclass(slots=True)
class LogIndex:
    """Time logs by id, and by day within each project and each portal."""

    by_id: dict[int, TimeLog] = field(default_factory=dict)
    by_project_day: dict[int, dict[date, dict[int, None]]] = field(default_factory=dict)
    by_portal_day: dict[int, dict[date, dict[int, None]]] = field(default_factory=dict)

    def add(self, log: TimeLog) -> None:
        self.by_id[log.id] = log
        self._link(log)

    def move(self, log: TimeLog, new_date: date) -> None:
        self._unlink(log)
        log.log_date = new_date
        self._link(log)

    def remove(self, log: TimeLog) -> None:
        self._unlink(log)
        del self.by_id[log.id]

    def days(self, *, portal: int, project: int | None = None) -> dict[date, dict[int, None]]:
        if project is not None:
            return self.by_project_day.get(project, {})
        return self.by_portal_day.get(portal, {})

    def in_range(
        self, *, portal: int, project: int | None, first: date | None, last: date | None
    ) -> Iterator[TimeLog]:
        """Logs oldest day first, in creation order within a day."""
        days = self.days(portal=portal, project=project)
        for day in sorted(
            d for d in days if (first is None or d >= first) and (last is None or d <= last)
        ):
            for log_id in days[day]:
                yield self.by_id[log_id]

    def _link(self, log: TimeLog) -> None:
        self.by_project_day.setdefault(log.project_id, {}).setdefault(log.log_date, {})[log.id] = (
            None
        )
        self.by_portal_day.setdefault(log.portal_id, {}).setdefault(log.log_date, {})[log.id] = None

    def _unlink(self, log: TimeLog) -> None:
        for index, key in (
            (self.by_project_day, log.project_id),
            (self.by_portal_day, log.portal_id),
        ):
            day = index[key][log.log_date]
            day.pop(log.id, None)
            if not day:
                del index[key][log.log_date]

    def __len__(self) -> int:
        return len(self.by_id)


@dataclass(slots=True)
class ZohoState:
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    users: dict[str, ZohoUser] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshGrant] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    #: access tokens evicted or revoked before they expired
    revoked: set[str] = field(default_factory=set)
    #: who the authorize endpoint signs in when the request carries no ``login_hint``
    default_login: str = ""
    portals: dict[int, Portal] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    logs: LogIndex = field(default_factory=LogIndex)
    desk_orgs: dict[str, DeskOrg] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    time_entries: dict[str, TimeEntry] = field(default_factory=dict)
    ids: ZohoIds = field(default_factory=lambda: ZohoIds(170876), compare=False, repr=False)

    # -- look-ups the routes and tests share ---------------------------------------------------

    def user_by_email(self, email: str) -> ZohoUser | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def portals_of(self, zuid: str) -> list[Portal]:
        return [p for p in self.portals.values() if zuid in p.members]

    def projects_of(self, portal_id: int) -> list[Project]:
        return [p for p in self.projects.values() if p.portal_id == portal_id]

    def tasks_of(self, project_id: int) -> list[Task]:
        return [t for t in self.tasks.values() if t.project_id == project_id]

    def orgs_of(self, zuid: str) -> list[DeskOrg]:
        return [o for o in self.desk_orgs.values() if zuid in o.members]

    def tickets_of(self, org_id: str) -> list[Ticket]:
        return [t for t in self.tickets.values() if t.org_id == org_id]

    def entries_of(self, ticket_id: str) -> list[TimeEntry]:
        return [e for e in self.time_entries.values() if e.ticket_id == ticket_id]

    # -- inspection helpers for tests and harnesses --------------------------------------------

    def count_logs_tagged(self, tag: str, *, portal_id: int | None = None) -> int:
        """How many logs carry ``tag`` in their notes or name (a client's idempotency tag)."""
        return sum(
            1
            for log in self.logs.by_id.values()
            if (portal_id is None or log.portal_id == portal_id)
            and (tag in log.notes or tag in log.name)
        )

    def logs_tagged(self, tag: str) -> list[TimeLog]:
        return [log for log in self.logs.by_id.values() if tag in log.notes or tag in log.name]
