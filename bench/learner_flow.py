"""The learner flow through the BFF against the same steps made directly, in the same run.

    uv run --frozen python -m bench.learner_flow [--learners 50] [--latency-ms 50] [--postgres]

What runs, all on 127.0.0.1 sockets: the PowerPath, QTI, TimeBack (OneRoster) and Caliper
simulators, each ``bff simulate <system>`` in a process of its own, every response delayed by
``--latency-ms`` as a remote API's would be; the BFF under uvicorn in another process (SQLite by
default, ``--postgres`` a fresh PostgreSQL database and a ``bff worker``), its upstream URLs
pointing at those sockets and its roster cache filled by one full sync first.

``--learners`` learners (student accounts made through the admin API, each linked to an enrolled
student and a powerpath-100 lesson of one of their courses) each do, all at once,

    start -> 10 x (next, answer) -> complete

once through the BFF (``/v1/learning/lessons/{id}/start|next|answer|complete``) and once, as
other learners on the same lessons, directly against the simulators with a plain httpx client
doing what the BFF does for each step:

    start     getAssessmentProgress [+ createNewAttempt + getAssessmentProgress]
    next      getNextQuestion
    answer    updateStudentQuestionResponse
    complete  getAssessmentProgress (finalStudentAssessmentResponse first for quiz-like lessons)
              + PUT assessmentLineItems/{id} + PUT assessmentResults/{id} + POST /caliper/event

and then ``lessons``: every learner lists their course's lessons, through the BFF
(``GET /v1/learning/lessons?course=``, one cache query) and directly as TimeBack's own router
does (the course's components, then each component's resources, then each resource).

Prints p50/p99 per step for both and the ratio BFF/direct (targets: each step at most 1.2x;
``lessons`` below 1x). Nothing is asserted: the figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.app_overhead import server
from bench.roster_read import demo_email, fill_cache, login, postgres_database
from bench.simulator_process import sim_token, simulator_processes
from bench.timesheets_reliability import DEFAULT_PG, start_worker, stop
from simulators.kit.simulator import SeedSpec
from simulators.timeback.seed import build_roster

SYSTEMS = ("timeback", "powerpath", "qti", "caliper")
STEPS = ("start", "next", "answer", "complete")
TARGET_RATIO = 1.2
SEED = 42
ROSTERING = "/ims/oneroster/rostering/v1p2"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
RESOURCES = "/ims/oneroster/resources/v1p2"
CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"
QUIZ_LIKE = frozenset({"quiz", "test-out", "placement", "unit-test"})
LEARNING = "/v1/learning"
PASSWORD = "violet tram sings at noon"  # noqa: S105 - the bench accounts' own, made here


# -- who does what ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Learner:
    student: str
    email: str
    lesson: str
    course: str
    course_title: str


def plan_learners(users: int, classes: int, count: int) -> list[Learner]:
    """``count`` enrolled students, each with a powerpath-100 lesson of one of their courses,
    from the roster the simulators build for this seed (the same ids they serve)."""
    state = build_roster(SeedSpec(seed=SEED, users=users, classes=classes), public_url="http://x")
    course_of_unit = {
        c["sourcedId"]: c["course"]["sourcedId"] for c in state.course_components.all()
    }
    adaptive: dict[str, str] = {}
    for lesson in sorted(state.component_resources.all(), key=lambda r: str(r["sourcedId"])):
        if lesson.get("lessonType") == "powerpath-100":
            course = course_of_unit.get(lesson["courseComponent"]["sourcedId"])
            if course is not None:
                adaptive.setdefault(course, lesson["sourcedId"])
    found: list[Learner] = []
    seen: set[str] = set()
    for enrollment in sorted(state.enrollments.all(), key=lambda e: str(e["sourcedId"])):
        if enrollment.get("role") != "student" or enrollment.get("status") != "active":
            continue
        student = enrollment["user"]["sourcedId"]
        klass = state.classes.get(enrollment["class"]["sourcedId"])
        course = klass["course"]["sourcedId"] if klass else None
        user = state.users.get(student)
        if student in seen or course not in adaptive or user is None or not user.get("email"):
            continue
        seen.add(student)
        title = (state.courses.get(course) or {}).get("title") or course
        found.append(Learner(student, user["email"], adaptive[course], course, title))
        if len(found) == count:
            return found
    raise RuntimeError(f"only {len(found)} students with an adaptive lesson; raise --users")


# -- answering -------------------------------------------------------------------------------

_CHOICE = re.compile(r"<qti-(?:simple|inline)-choice\b[^>]*\bidentifier=\"([^\"]+)\"")
_ASSOCIABLE = re.compile(r"<qti-simple-associable-choice\b[^>]*\bidentifier=\"([^\"]+)\"")
_MATCH_SET = re.compile(r"<qti-simple-match-set\b.*?</qti-simple-match-set>", re.DOTALL)
_MAX_CHOICES = re.compile(r"<qti-choice-interaction\b[^>]*\bmax-choices=\"(\d+)\"")


def a_response(xml: str) -> str | list[str]:
    """Some well-formed response to the item in ``xml`` (right or wrong, as a learner's)."""
    if "qti-match-interaction" in xml:
        sets = [_ASSOCIABLE.findall(s) for s in _MATCH_SET.findall(xml)]
        return [f"{sets[0][0]} {sets[1][0]}"] if len(sets) == 2 and all(sets) else []
    choices = _CHOICE.findall(xml)
    if "qti-order-interaction" in xml:
        return choices
    if "qti-choice-interaction" in xml:
        most = _MAX_CHOICES.search(xml)
        if most is not None and most.group(1) != "1":
            return choices[:2]
    return str(choices[0]) if choices else "42"


# -- timings ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Timings:
    ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    async def time(self, step: str, work: Awaitable[Any]) -> Any:
        began = time.perf_counter()
        done = await work
        self.ms.setdefault(step, []).append((time.perf_counter() - began) * 1000)
        return done

    def failed(self, step: str) -> None:
        self.errors[step] = self.errors.get(step, 0) + 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


# -- the BFF side ----------------------------------------------------------------------------


class BffLearner:
    """A learner's app: one call per step."""

    def __init__(self, http: httpx.AsyncClient, learner: Learner, headers: dict[str, str]) -> None:
        self.http, self.learner, self.headers = http, learner, headers

    async def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        reply = await self.http.request(
            method, path, headers=self.headers | kw.pop("extra", {}), **kw
        )
        if reply.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.text[:300]}")
        answer: dict[str, Any] = reply.json()
        return answer

    def _lesson(self, step: str) -> str:
        return f"{LEARNING}/lessons/{self.learner.lesson}/{step}"

    async def start(self) -> dict[str, Any]:
        return await self._call("POST", self._lesson("start"), json={})

    async def next(self) -> dict[str, Any] | None:
        found = await self._call("GET", self._lesson("next"))
        question: dict[str, Any] | None = found.get("question")
        return question

    async def answer(self, question: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        body = {"question": question["id"], "response": a_response(str(question.get("form", "")))}
        extra = {"Idempotency-Key": key} if key else {}
        return await self._call("POST", self._lesson("answer"), json=body, extra=extra)

    async def complete(self, key: str | None = None) -> dict[str, Any]:
        extra = {"Idempotency-Key": key} if key else {}
        return await self._call("POST", self._lesson("complete"), json={}, extra=extra)

    async def lessons(self) -> dict[str, Any]:
        return await self._call(
            "GET", f"{LEARNING}/lessons", params={"course": self.learner.course}
        )


# -- the direct side -------------------------------------------------------------------------


@dataclass(slots=True)
class Upstreams:
    """The simulators' URLs and a bearer header for each (their own token endpoints)."""

    urls: dict[str, str]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, urls: dict[str, str]) -> Upstreams:
        return cls(urls, {name: sim_token(url) for name, url in urls.items()})


class DirectLearner:
    """The same steps with a plain client, calling what the BFF calls for each."""

    def __init__(self, http: httpx.AsyncClient, learner: Learner, up: Upstreams) -> None:
        self.http, self.learner, self.up = http, learner, up
        self._question: dict[str, Any] | None = None

    async def _call(self, system: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        url = self.up.urls[system] + path
        reply = await self.http.request(method, url, headers=self.up.headers[system], **kw)
        if reply.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.text[:300]}")
        answer: dict[str, Any] = reply.json()
        return answer

    def _who(self) -> dict[str, str]:
        return {"student": self.learner.student, "lesson": self.learner.lesson}

    async def progress(self) -> dict[str, Any]:
        return await self._call(
            "powerpath", "GET", "/powerpath/getAssessmentProgress", params=self._who()
        )

    async def start(self) -> dict[str, Any]:
        progress = await self.progress()
        answered = any("response" in q for q in progress.get("questions") or [])
        if progress.get("finalized") or not answered:
            await self._call("powerpath", "POST", "/powerpath/createNewAttempt", json=self._who())
            progress = await self.progress()
        return progress

    async def next(self) -> dict[str, Any] | None:
        try:
            found = await self._call(
                "powerpath", "GET", "/powerpath/getNextQuestion", params=self._who()
            )
        except RuntimeError as exc:
            if " 422 " in str(exc):  # nothing left to ask: done
                return None
            raise
        question: dict[str, Any] | None = found.get("question")
        return question

    async def answer(self, question: dict[str, Any]) -> dict[str, Any]:
        xml = str((question.get("content") or {}).get("rawXml", ""))
        body = self._who() | {
            "question": question["id"],
            "responses": {"RESPONSE": a_response(xml)},
        }
        return await self._call(
            "powerpath", "PUT", "/powerpath/updateStudentQuestionResponse", json=body
        )

    async def complete(self) -> dict[str, Any]:
        progress = await self.progress()
        if progress.get("lessonType") in QUIZ_LIKE and not progress.get("finalized"):
            await self._call(
                "powerpath", "POST", "/powerpath/finalStudentAssessmentResponse", json=self._who()
            )
            progress = await self.progress()
        attempt = int(progress.get("attempt") or 1)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line_item = f"bench-line-item-{self.learner.lesson}"
        completion = f"{self.learner.student}/{self.learner.lesson}/{attempt}"
        result = str(uuid.uuid5(uuid.NAMESPACE_URL, "result:" + completion))
        await self._call(
            "timeback",
            "PUT",
            f"{GRADEBOOK}/assessmentLineItems/{line_item}",
            json={
                "assessmentLineItem": {
                    "sourcedId": line_item,
                    "status": "active",
                    "title": f"Lesson {self.learner.lesson}",
                    "componentResource": {"sourcedId": self.learner.lesson},
                    "resultValueMin": 0,
                    "resultValueMax": 100,
                }
            },
        )
        await self._call(
            "timeback",
            "PUT",
            f"{GRADEBOOK}/assessmentResults/{result}",
            json={
                "assessmentResult": {
                    "sourcedId": result,
                    "status": "active",
                    "assessmentLineItem": {"sourcedId": line_item},
                    "student": {"sourcedId": self.learner.student},
                    "score": progress.get("score") or 0,
                    "scoreDate": now,
                    "scoreStatus": "fully graded",
                    "metadata": {"attempt": attempt, "xp": progress.get("xp")},
                }
            },
        )
        await self._call(
            "caliper", "POST", "/caliper/event", json=self._envelope(progress, completion, now)
        )
        return progress

    def _envelope(self, progress: dict[str, Any], completion: str, now: str) -> dict[str, Any]:
        base = self.up.urls["timeback"]
        items = [
            {"type": "totalQuestions", "value": progress.get("totalQuestions") or 0},
            {"type": "correctQuestions", "value": progress.get("correctQuestions") or 0},
            {"type": "xpEarned", "value": progress.get("xp") or 0},
        ]
        event = {
            "@context": CONTEXT,
            "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'event:' + completion)}",
            "type": "ActivityEvent",
            "profile": "TimebackProfile",
            "action": "Completed",
            "eventTime": now,
            "actor": {
                "id": f"{base}{ROSTERING}/users/{self.learner.student}",
                "type": "TimebackUser",
                "email": self.learner.email,
            },
            "object": {
                "id": f"{base}{ROSTERING}/courses/component-resources/{self.learner.lesson}",
                "type": "TimebackActivityContext",
                "subject": "None",
                "app": {"name": "bench"},
                "course": {
                    "id": f"{base}{ROSTERING}/courses/{self.learner.course}",
                    "name": self.learner.course_title,
                },
            },
            "generated": {
                "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'metrics:' + completion)}",
                "type": "TimebackActivityMetricsCollection",
                "items": items,
            },
        }
        return {
            "sensor": "https://bench.example/sensor",
            "sendTime": now,
            "dataVersion": CONTEXT,
            "data": [event],
        }

    async def lessons(self) -> list[dict[str, Any]]:
        """As TimeBack's router lists a course's lessons: the components, then each one's
        component resources, then each resource (the demo resources are references only: a 404
        is a round trip all the same)."""
        course = self.learner.course
        units = await self._call(
            "timeback",
            "GET",
            f"{ROSTERING}/courses/components",
            params={"filter": f"course.sourcedId='{course}'", "limit": 1000},
        )

        async def lessons_of(unit: dict[str, Any]) -> list[dict[str, Any]]:
            found = await self._call(
                "timeback",
                "GET",
                f"{ROSTERING}/courses/component-resources",
                params={
                    "filter": f"courseComponent.sourcedId='{unit['sourcedId']}'",
                    "limit": 1000,
                },
            )
            listed: list[dict[str, Any]] = found.get("componentResources") or []
            return listed

        per_unit = await asyncio.gather(
            *(lessons_of(u) for u in units.get("courseComponents") or [])
        )
        lessons = [lesson for found in per_unit for lesson in found]

        async def resource_of(lesson: dict[str, Any]) -> None:
            url = (
                f"{self.up.urls['timeback']}{RESOURCES}/resources/{lesson['resource']['sourcedId']}"
            )
            reply = await self.http.get(url, headers=self.up.headers["timeback"])
            if reply.status_code not in (200, 404):
                raise RuntimeError(f"GET resource: {reply.status_code}")

        await asyncio.gather(*(resource_of(lesson) for lesson in lessons))
        return lessons


# -- one learner's run -----------------------------------------------------------------------

Side = BffLearner | DirectLearner


async def flow(side: Side, timings: Timings, answers: int) -> int:
    """start -> ``answers`` x (next, answer) -> complete; how many answers were given."""
    await timings.time("start", side.start())
    given = 0
    for _ in range(answers):
        question = await timings.time("next", side.next())
        if question is None:
            break
        await timings.time("answer", side.answer(question))
        given += 1
    await timings.time("complete", side.complete())
    return given


async def everyone(
    sides: list[Side], timings: Timings, work: Callable[[Side, Timings], Awaitable[Any]]
) -> float:
    began = time.perf_counter()
    results = await asyncio.gather(*(work(s, timings) for s in sides), return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            timings.failed(type(r).__name__ + ": " + str(r)[:160])
    return time.perf_counter() - began


# -- setting up ------------------------------------------------------------------------------


def bff_env(
    sims: dict[str, str], db_url: str, users: int, classes: int, max_connections: int = 20
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    env |= {
        "BFF_MODE": "sandbox",
        "BFF_LOG_LEVEL": "warning",
        "BFF_DATABASE_URL": db_url,
        "BFF_SANDBOX_SEED": str(SEED),
        "BFF_SANDBOX_USERS": str(users),
        "BFF_SANDBOX_CLASSES": str(classes),
    }
    for system, url in sims.items():
        group = system.upper()
        env[f"BFF_{group}_BASE_URL"] = url
        env[f"BFF_{group}_TOKEN_URL"] = f"{url}/oauth2/token"
        env[f"BFF_{group}_MAX_CONNECTIONS"] = str(max_connections)
    return env


def learner_accounts(
    bff: str, env: dict[str, str], learners: list[Learner]
) -> list[dict[str, str]]:
    """A student account per learner, made by the demo admin; each one's bearer header."""
    admin = login(bff, demo_email(env, "admin"))
    headers: list[dict[str, str]] = []
    for learner in learners:
        email = f"bench-{learner.student[:8]}-{uuid.uuid4().hex[:6]}@bench.example"
        made = httpx.post(
            f"{bff}/v1/accounts",
            json={
                "email": email,
                "role": "student",
                "password": PASSWORD,
                "person_sourced_id": learner.student,
            },
            headers=admin,
            timeout=60,
        )
        if made.status_code != 201:
            raise RuntimeError(f"account for {learner.student}: {made.status_code} {made.text}")
        token = httpx.post(
            f"{bff}/v1/auth/token", data={"username": email, "password": PASSWORD}, timeout=60
        )
        token.raise_for_status()
        headers.append({"Authorization": f"Bearer {token.json()['access_token']}"})
    return headers


@contextmanager
def database(postgres: str | None) -> Iterator[str]:
    if postgres:
        with postgres_database(postgres) as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="bench-flow-") as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'bff.db'}"


@contextmanager
def running_bff(env: dict[str, str], postgres: bool, workers: int = 1) -> Iterator[str]:
    """The BFF API (and on PostgreSQL a ``bff worker`` for its jobs), the roster cache filled."""
    fill_cache(env)
    worker: subprocess.Popen[bytes] | None = start_worker(env) if postgres else None
    try:
        with server("api.app:create_app", factory=True, env=env, workers=workers) as bff:
            yield bff
    finally:
        if worker is not None:
            stop(worker)


def server_cpu_seconds(base: str) -> float:
    """CPU time (user + system) so far of the uvicorn process serving ``base`` on this machine,
    read from ``/proc``; 0 where there is none."""
    port = base.rsplit(":", 1)[1]
    tick = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"uvicorn" not in b" ".join(argv) or port.encode() not in argv:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        return (int(fields[11]) + int(fields[12])) / tick
    return 0.0


# -- the run ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Results:
    bff: Timings = field(default_factory=Timings)
    direct: Timings = field(default_factory=Timings)
    answers: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    #: the BFF process's CPU time over its flow phase, and the requests it served there
    bff_cpu_seconds: float = 0.0
    bff_requests: int = 0


async def measure(
    bff: str,
    sims: dict[str, str],
    via_bff: list[tuple[Learner, dict[str, str]]],
    direct_learners: list[Learner],
    answers: int,
) -> Results:
    """The first learner of each side warms it (connections, tokens, the BFF's caches) unmeasured;
    then each side's learners run all at once, the direct side first."""
    results = Results()
    up = Upstreams.of(sims)
    n = 4 * max(len(via_bff), len(direct_learners))
    # idle connections dropped before uvicorn's 5 s keep-alive closes them under a reused request
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n, keepalive_expiry=2.0)
    async with (
        httpx.AsyncClient(base_url=bff, timeout=120, limits=limits) as to_bff,
        httpx.AsyncClient(timeout=120, limits=limits) as plain,
    ):
        direct: list[Side] = [DirectLearner(plain, lr, up) for lr in direct_learners]
        bffs: list[Side] = [BffLearner(to_bff, lr, h) for lr, h in via_bff]
        given: dict[str, int] = {"bff": 0, "direct": 0}

        async def run_flow(side: Side, timings: Timings) -> None:
            n = await flow(side, timings, answers)
            given["bff" if isinstance(side, BffLearner) else "direct"] += n

        async def list_lessons(side: Side, timings: Timings) -> None:
            await timings.time("lessons", side.lessons())

        for sides, timings, name in (
            (direct, results.direct, "direct"),
            (bffs, results.bff, "bff"),
        ):
            warm = Timings()
            await everyone(sides[:1], warm, run_flow)
            await everyone(sides[:1], warm, list_lessons)
            if warm.errors:
                timings.errors.update({f"warm-up: {k}": v for k, v in warm.errors.items()})
            given[name] = 0
            cpu = server_cpu_seconds(bff)
            results.seconds[f"{name} flow"] = await everyone(sides[1:], timings, run_flow)
            if name == "bff":
                results.bff_cpu_seconds = server_cpu_seconds(bff) - cpu
                results.bff_requests = sum(len(v) for v in timings.ms.values())
            results.seconds[f"{name} lessons"] = await everyone(sides[1:], timings, list_lessons)
        results.answers = given
    return results


def report(results: Results, args: argparse.Namespace, load: str) -> list[str]:
    lines = [
        f"{args.learners} learners per side, all at once; simulators +{args.latency_ms:.0f} ms a response;"
        f" BFF on {'PostgreSQL' if args.postgres else 'SQLite'} in {args.workers} process(es),"
        f" {args.max_connections} connections an"
        f" upstream; {os.cpu_count()} cpus; load {load}",
        f"answers given: BFF {results.answers.get('bff', 0)}, direct {results.answers.get('direct', 0)}",
        f"{'step':<10} {'n':>9} {'direct p50':>11} {'direct p99':>11} {'BFF p50':>9} {'BFF p99':>9}"
        f" {'p50 ratio':>10} {'p99 ratio':>10}  target",
    ]
    for step in (*STEPS, "lessons"):
        d, b = results.direct.ms.get(step, []), results.bff.ms.get(step, [])
        dp50, dp99, bp50, bp99 = (
            percentile(d, 0.5),
            percentile(d, 0.99),
            percentile(b, 0.5),
            percentile(b, 0.99),
        )
        r50, r99 = bp50 / dp50 if dp50 else float("nan"), bp99 / dp99 if dp99 else float("nan")
        limit = 1.0 if step == "lessons" else TARGET_RATIO
        verdict = "met" if r50 <= limit else "MISSED"
        lines.append(
            f"{step:<10} {f'{len(d)}/{len(b)}':>9} {dp50:>11.1f} {dp99:>11.1f} {bp50:>9.1f} {bp99:>9.1f}"
            f" {r50:>10.2f} {r99:>10.2f}  <= {limit:g}: {verdict}"
        )
    if results.bff_requests and args.workers == 1:  # /proc shows the supervisor, not workers
        per = results.bff_cpu_seconds * 1000 / results.bff_requests
        lines.append(
            f"BFF process CPU over its flow: {results.bff_cpu_seconds:.2f} s for"
            f" {results.bff_requests} requests ({per:.1f} ms a request)"
        )
    for name, seconds in results.seconds.items():
        lines.append(f"wall time {name:<15} {seconds:.2f} s")
    for name, errors in (("BFF", results.bff.errors), ("direct", results.direct.errors)):
        for what, n in errors.items():
            lines.append(f"ERRORS {name}: {n} x {what}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50, help="per side")
    parser.add_argument("--answers", type=int, default=10, help="(next, answer) pairs per learner")
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="added to every simulator response"
    )
    parser.add_argument("--users", type=int, default=400, help="roster size of the simulators")
    parser.add_argument("--classes", type=int, default=12)
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn processes of the BFF (CPU shown for 1)"
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=100,
        help="the BFF's connections to each upstream (BFF_<HOST>_MAX_CONNECTIONS; default 20)",
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get("BFF_TEST_POSTGRES_URL", DEFAULT_PG),
        help="run the BFF on a fresh database of this PostgreSQL server",
    )
    args = parser.parse_args()
    # one more learner a side warms it up
    learners = plan_learners(args.users, args.classes, 2 * (args.learners + 1))
    via_bff, direct = learners[: args.learners + 1], learners[args.learners + 1 :]
    latency = args.latency_ms / 1000
    with (
        simulator_processes(
            SYSTEMS, latency=latency, users=args.users, classes=args.classes
        ) as sims,
        database(args.postgres) as db_url,
    ):
        env = bff_env(sims, db_url, args.users, args.classes, args.max_connections)
        with running_bff(env, bool(args.postgres), args.workers) as bff:
            headers = learner_accounts(bff, env, via_bff)
            load = os.getloadavg()
            results = asyncio.run(
                measure(bff, sims, list(zip(via_bff, headers, strict=True)), direct, args.answers)
            )
    print("\n".join(report(results, args, f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")))


if __name__ == "__main__":
    main()
