"""Zoho demo data: the population's teachers and administrators as Zoho users. Each has granted the
sandbox client a refresh token, owns a Projects portal (in New York or London time) with a few
projects and tasks, and is an agent in a Desk organisation with a few tickets."""

from __future__ import annotations

from simulators.kit.population import build_population
from simulators.kit.seed import SeedGenerator
from simulators.kit.simulator import SeedSpec
from simulators.zoho.ids import ZohoIds
from simulators.zoho.state import (
    DeskOrg,
    OAuthClient,
    Portal,
    Project,
    RefreshGrant,
    Task,
    Ticket,
    ZohoState,
    ZohoUser,
)

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 (the documented sandbox credential)
SCOPE = (
    "ZohoProjects.portals.READ,ZohoProjects.projects.READ,ZohoProjects.timesheets.ALL,"
    "ZohoProjects.tasks.READ,Desk.tickets.ALL,Desk.basic.READ"
)
TIME_ZONES = (
    ("America/New_York", "(GMT -5:0) Eastern Standard Time"),
    ("Europe/London", "(GMT 0:0) Greenwich Mean Time"),
)
PROJECT_NAMES = (
    "Curriculum Planning", "Parent Conferences", "Professional Development", "Grading",
    "After-school Club", "Field Trip", "Lesson Preparation", "Staff Meetings",
)  # fmt: skip
TASK_NAMES = ("Preparation", "Delivery", "Follow-up", "Review", "Admin")
TICKET_SUBJECTS = (
    "Cannot log in to the gradebook", "Projector in room 12 is broken",
    "Request for a new class roster", "Hours not importing", "Reset a student's password",
    "Printer out of toner", "Update my email signature",
)  # fmt: skip
TICKET_STATUSES = ("Open", "On Hold", "Escalated", "Closed")


def build_zoho(spec: SeedSpec) -> ZohoState:
    population = build_population(spec.seed, users=spec.users, classes=spec.classes)
    gen = SeedGenerator(spec.seed, "zoho")
    state = ZohoState(
        clients={SANDBOX_CLIENT_ID: OAuthClient(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)},
        ids=ZohoIds(int(gen.stream("ids").digits(6))),
    )
    staff = [p for p in population.people if p.role in ("teacher", "administrator")]
    for person in staff:
        user = ZohoUser(gen.digits(9), person.email, f"{person.given_name} {person.family_name}")
        state.users[user.zuid] = user
        token = f"1000.{gen.hex(32)}.{gen.hex(32)}"
        state.refresh_tokens[token] = RefreshGrant(token, SANDBOX_CLIENT_ID, user.zuid, SCOPE)
    state.default_login = next(iter(state.users), "")
    work = gen.stream("work")
    for i, user in enumerate(state.users.values()):
        _seed_portal(state, work, user, TIME_ZONES[i % len(TIME_ZONES)], population.district.name)
        _seed_desk(state, work, user, population.district.name)
    return state


def _seed_portal(
    state: ZohoState, gen: SeedGenerator, user: ZohoUser, zone: tuple[str, str], company: str
) -> None:
    slug = user.email.split("@")[0].replace(".", "")
    portal = Portal(
        id=int(gen.digits(8)),
        name=slug,
        owner=user.zuid,
        time_zone=zone[0],
        gmt_time_zone=zone[1],
        company_name=company,
        members={user.zuid: "admin"},
    )
    state.portals[portal.id] = portal
    for name in gen.sample(PROJECT_NAMES, 3):
        project = Project(
            id=state.ids.next(),
            portal_id=portal.id,
            name=name,
            owner=user.zuid,
            created_ms=int(gen.moment().timestamp() * 1000),
            description=f"{name} for {company}",
        )
        state.projects[project.id] = project
        for task_name in gen.sample(TASK_NAMES, gen.integer(2, 3)):
            task = Task(state.ids.next(), project.id, task_name)
            state.tasks[task.id] = task


def _seed_desk(state: ZohoState, gen: SeedGenerator, user: ZohoUser, company: str) -> None:
    org = DeskOrg(
        id=gen.digits(8),
        company_name=company,
        portal_name=user.email.split("@")[0].replace(".", ""),
        members={user.zuid},
        department_id=str(state.ids.next()),
    )
    state.desk_orgs[org.id] = org
    for number, subject in enumerate(gen.sample(TICKET_SUBJECTS, 4), start=101):
        ticket = Ticket(
            id=str(state.ids.next()),
            org_id=org.id,
            number=str(number),
            subject=subject,
            status=gen.choice(TICKET_STATUSES),
            department_id=org.department_id,
            email=f"helpdesk+{number}@{user.email.split('@')[1]}",
            created_time=gen.moment().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        )
        state.tickets[ticket.id] = ticket
