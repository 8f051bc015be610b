"""The container: everything long-lived a request or a job needs, and the builders that make it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar, cast

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.appsembler.lms import AppsemblerLms
from adapters.caliper.lookup import TimebackCaliperLookup
from adapters.caliper.sink import TimebackCaliperSink
from adapters.db.engine import SessionFactory
from adapters.db.lesson_catalogue import SqlLessonCatalogue
from adapters.db.probe import SqlDatabaseProbe
from adapters.db.read_engine import ReadEngine
from adapters.db.roster_pages import SqlRosterPages
from adapters.db.sync_lock import make_sync_lock
from adapters.db.uow import SqlUnitOfWork
from adapters.jobs.inprocess import InProcessJobRunner
from adapters.jobs.procrastinate_runner import ProcrastinateJobRunner, conninfo_from_url
from adapters.jobs.runner import JobRunner
from adapters.powerpath.calling import PowerPathCalls
from adapters.powerpath.errors import FAMILY as POWERPATH_ERRORS
from adapters.powerpath.planning import (
    PowerPathLessonPlans,
    PowerPathPlacement,
    PowerPathScreening,
    PowerPathTestAssignments,
)
from adapters.powerpath.practice import PowerPathPractice
from adapters.qti.calls import QtiCalls
from adapters.qti.content import QtiContent, QtiTestStructure
from adapters.qti.delivery import LxmlDeliveryRenderer
from adapters.qti.errors import FAMILY as QTI_ERRORS
from adapters.qti.scoring import QtiFeedback, QtiScorer, QtiValidation
from adapters.timeback.gradebook import TimebackGradebook, TimebackRosterLookup
from adapters.timeback.lessons import TimebackLessonCourses
from adapters.timeback.oneroster import GRADEBOOK, RESOURCES, OneRosterClient
from adapters.timeback.resources import TimebackResources
from adapters.timeback.retrying import RetryPolicy
from adapters.timeback.roster_source import TimebackRosterSource
from adapters.timeback.roster_writer import TimebackRoster
from api.composition.upstreams import SimulatedUpstreams
from api.settings import Settings
from domain.assessments.authoring import Authoring
from domain.errors import NotFound
from domain.policy import Policy
from domain.ports import Clock, JobHandler, UnitOfWork, UpstreamProbe
from domain.ports.assessments import LessonCourses
from domain.ports.identity import AccessTokenCodec, Cipher, PasswordHasher
from domain.ports.lms import Lms
from domain.ports.roster_relations import RosterRelations
from domain.ports.sso import IdentityProvider
from domain.ports.time_tracker import TrackerPlugin, TrackerSessions
from domain.roster.answers import AnswerCache
from domain.services.accounts import AccountService
from domain.services.activity_completion import ActivityCompletionService
from domain.services.assessment_scoring import ScoringService
from domain.services.assessments import AssessmentService
from domain.services.audit import AuditService
from domain.services.auth import AuthConfig, AuthService
from domain.services.caliper_delivery import CaliperDeliveryService, DeliveryConfig
from domain.services.caliper_events import CaliperEventService, EventsConfig
from domain.services.gradebook import GradebookService
from domain.services.integrations import IntegrationConfig, IntegrationService
from domain.services.learner_flow import LearnerFlowService
from domain.services.learner_references import LearnerReferences
from domain.services.learning_activity import LearningActivityService
from domain.services.learning_completions import CompletionConfig, Completions
from domain.services.learning_lessons import LessonCatalogueService
from domain.services.learning_plans import LearningPlanService
from domain.services.lesson_courses import CatalogueFirstLessonCourses
from domain.services.lms import LmsService
from domain.services.lms_links import LmsLinkService
from domain.services.lms_provisioning import LinkProvisioner, ProvisioningConfig
from domain.services.passwords import CommonPasswords
from domain.services.project_search import ProjectSearchConfig, ProjectSearchService
from domain.services.resources import ResourceService
from domain.services.roster_reads import RosterReadService
from domain.services.roster_sync import RosterSyncService
from domain.services.roster_writes import RosterWriteService
from domain.services.scheduling import Scheduler, TaskSpec
from domain.services.sessions import AccountStates
from domain.services.sso import SsoService
from domain.services.sync_admin import SyncAdminService
from domain.services.system import SystemService
from domain.services.time_log_entries import Rounding, RoundingMode
from domain.services.time_log_sync import SyncConfig, TimeLogSyncService
from domain.services.time_logs import TimeLogRules, TimeLogService

UPSTREAM_CHECK_TASK = "upstream-health"
PRUNE_LOGIN_FAILURES_TASK = "prune-login-failures"
ROSTER_SYNC_TASK = "roster-sync"
TIME_LOG_SYNC_TASK = "timesheet-sync"
LMS_LINKS_TASK = "lms-links"
CALIPER_DELIVERY_TASK = "caliper-delivery"
LEARNING_RESULTS_TASK = "learning-results"

_T = TypeVar("_T")


def _once(build: Callable[[Container], _T]) -> Callable[[Container], _T]:
    """A builder whose result the container keeps: services hold only their collaborators (and,
    for some, per-process caches), so one per process serves every request, where a request used
    to build the ones it named (and everything they named) again."""
    name = build.__name__

    @functools.wraps(build)
    def built(self: Container) -> _T:
        found = self._built.get(name)
        if found is None:
            found = self._built[name] = build(self)
        return cast(_T, found)

    return built


@dataclass
class Container:
    """Everything long-lived that a request or a job needs, built once per process."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    #: read-only statements outside any unit of work (cached pages), on connections of their own
    reads: ReadEngine
    clock: Clock
    http: dict[str, httpx.AsyncClient]
    probes: list[UpstreamProbe]
    jobs: JobRunner
    #: the sandbox's simulators (None in production)
    simulators: SimulatedUpstreams | None
    hasher: PasswordHasher
    codec: AccessTokenCodec
    cipher: Cipher
    common_passwords: CommonPasswords
    relations: RosterRelations
    identity_provider: IdentityProvider | None
    database_probe: SqlDatabaseProbe
    handlers: dict[str, JobHandler] = field(default_factory=dict)
    #: The tracker registry (api/composition/upstreams.py); tests may register fakes in it.
    trackers: dict[str, TrackerPlugin] = field(default_factory=dict)
    _built: dict[str, object] = field(default_factory=dict, init=False, repr=False)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessions)

    @_once
    def policy(self) -> Policy:
        return Policy(self.relations)

    @_once
    def system(self) -> SystemService:
        return SystemService(
            database=self.database_probe, upstreams=self.probes, uow=self.uow, policy=self.policy()
        )

    @_once
    def account_states(self) -> AccountStates:
        """One per process: what the auth check and the account changes share (decision D39)."""
        ttl = timedelta(seconds=self.settings.auth.session_check_seconds)
        return AccountStates(uow=self.uow, ttl=ttl)

    @_once
    def auth(self) -> AuthService:
        a = self.settings.auth
        return AuthService(
            uow=self.uow,
            hasher=self.hasher,
            codec=self.codec,
            clock=self.clock,
            cipher=self.cipher,
            states=self.account_states(),
            config=AuthConfig(
                access_ttl=timedelta(seconds=a.access_ttl_seconds),
                refresh_ttl=timedelta(days=a.refresh_ttl_days),
                throttle_window=timedelta(seconds=a.throttle_window_seconds),
                max_failures_per_account=a.max_failures_per_account,
                max_failures_per_address=a.max_failures_per_address,
                refresh_grace=timedelta(seconds=a.refresh_grace_seconds),
            ),
        )

    @_once
    def accounts(self) -> AccountService:
        return AccountService(
            uow=self.uow,
            policy=self.policy(),
            hasher=self.hasher,
            common_passwords=self.common_passwords,
            clock=self.clock,
            auth=self.auth(),
            states=self.account_states(),
        )

    @_once
    def roster_reads(self) -> RosterReadService:
        return RosterReadService(
            uow=self.uow,
            pages=SqlRosterPages(self.reads),
            policy=self.policy(),
            live=self.timeback_roster(),
            answers=AnswerCache(max_bytes=int(self.settings.timeback.answer_cache_mb * 2**20)),
        )

    @_once
    def learning_lessons(self) -> LessonCatalogueService:
        return LessonCatalogueService(
            catalogue=SqlLessonCatalogue(self.reads), policy=self.policy(), relations=self.relations
        )

    @_once
    def timeback_roster(self) -> TimebackRoster:
        return TimebackRoster(OneRosterClient(self.http["timeback"]))

    @_once
    def roster_writes(self) -> RosterWriteService:
        roster = self.timeback_roster()
        return RosterWriteService(uow=self.uow, policy=self.policy(), writer=roster, live=roster)

    @_once
    def integrations(self) -> IntegrationService:
        ti = self.settings.integrations
        return IntegrationService(
            uow=self.uow,
            trackers=self.trackers,
            cipher=self.cipher,
            clock=self.clock,
            policy=self.policy(),
            config=IntegrationConfig(
                redirect_url=ti.callback_url,
                state_ttl=timedelta(seconds=ti.state_ttl_seconds),
            ),
            on_reconnected=self._wake_logs,
        )

    async def _wake_logs(self, integration_id: str) -> None:
        await self.time_log_sync().reconnected(integration_id)

    def tracker_sessions(self) -> TrackerSessions:
        """What the log sync calls trackers through (the same token cache as the routes)."""
        return self.integrations()

    def _rounding(self) -> Rounding:
        ts = self.settings.timesheets
        return Rounding(
            increment_minutes=ts.rounding_increment_minutes, mode=RoundingMode(ts.rounding_mode)
        )

    @_once
    def time_logs(self) -> TimeLogService:
        ts = self.settings.timesheets
        return TimeLogService(
            uow=self.uow,
            policy=self.policy(),
            jobs=self.jobs,
            clock=self.clock,
            rules=TimeLogRules(
                max_duration=timedelta(hours=ts.max_duration_hours),
                allow_overlap=ts.allow_overlap,
                rounding=self._rounding(),
            ),
        )

    @_once
    def time_log_sync(self) -> TimeLogSyncService:
        ts = self.settings.timesheets
        return TimeLogSyncService(
            uow=self.uow,
            sessions=self.tracker_sessions(),
            jobs=self.jobs,
            clock=self.clock,
            config=SyncConfig(
                rounding=self._rounding(),
                max_attempts=ts.max_attempts,
                backoff_base=timedelta(seconds=ts.backoff_base_seconds),
                backoff_max=timedelta(seconds=ts.backoff_max_seconds),
                lease=timedelta(seconds=ts.lease_seconds),
                reconnect_retry=timedelta(seconds=ts.reconnect_retry_seconds),
            ),
        )

    @_once
    def caliper_events(self) -> CaliperEventService:
        ev = self.settings.events
        return CaliperEventService(
            uow=self.uow,
            policy=self.policy(),
            clock=self.clock,
            jobs=self.jobs,
            config=EventsConfig(
                sensor=ev.sensor,
                ed_app=ev.ed_app,
                timeback_base=str(self.settings.timeback.base_url),
                lanes=ev.lanes,
            ),
        )

    @_once
    def learning_activity(self) -> LearningActivityService:
        ev = self.settings.events
        return LearningActivityService(
            uow=self.uow,
            refs=self.learner_references(),
            clock=self.clock,
            jobs=self.jobs,
            lessons=self.lesson_courses(),
            config=EventsConfig(
                sensor=ev.sensor,
                ed_app=ev.ed_app,
                timeback_base=str(self.settings.timeback.base_url),
                lanes=ev.lanes,
            ),
        )

    @_once
    def caliper_delivery(self) -> CaliperDeliveryService:
        ev = self.settings.events
        http = self.http["caliper"]
        return CaliperDeliveryService(
            uow=self.uow,
            sink=TimebackCaliperSink(http),
            lookup=TimebackCaliperLookup(http),
            jobs=self.jobs,
            clock=self.clock,
            config=DeliveryConfig(
                sensor=ev.sensor,
                batch=ev.batch_size,
                lanes=ev.lanes,
                lease=timedelta(seconds=ev.lease_seconds),
                settle=timedelta(seconds=ev.settle_seconds),
                job_wait=timedelta(seconds=ev.job_wait_seconds),
                job_poll=timedelta(seconds=ev.job_poll_seconds),
                backoff_base=timedelta(seconds=ev.backoff_base_seconds),
                backoff_max=timedelta(seconds=ev.backoff_max_seconds),
            ),
        )

    @_once
    def project_search(self) -> ProjectSearchService:
        ti = self.settings.integrations
        return ProjectSearchService(
            uow=self.uow,
            sessions=self.integrations(),
            clock=self.clock,
            config=ProjectSearchConfig(
                cache_ttl=timedelta(seconds=ti.projects_cache_seconds),
                timeout=timedelta(seconds=ti.search_timeout_seconds),
            ),
        )

    @_once
    def gradebook(self) -> GradebookService:
        http = self.http["timeback"]
        return GradebookService(
            objects=TimebackGradebook(OneRosterClient(http, GRADEBOOK)),
            roster=TimebackRosterLookup(OneRosterClient(http)),
            policy=self.policy(),
            uow=self.uow,
        )

    @_once
    def resources(self) -> ResourceService:
        http = self.http["timeback"]
        return ResourceService(
            objects=TimebackResources(OneRosterClient(http, RESOURCES)),
            roster=TimebackRosterLookup(OneRosterClient(http)),
            policy=self.policy(),
        )

    @_once
    def qti_calls(self) -> QtiCalls:
        # QTI shares TimeBack's token (its client, adapters/qti/client.py) and retry policy
        return QtiCalls(self.http["qti"], QTI_ERRORS, RetryPolicy())

    @_once
    def authoring(self) -> Authoring:
        return Authoring(
            policy=self.policy(),
            courses=TimebackRosterLookup(OneRosterClient(self.http["timeback"])),
            lessons=self.lesson_courses(),
        )

    @_once
    def lesson_courses(self) -> LessonCourses:
        upstream = TimebackLessonCourses(OneRosterClient(self.http["timeback"]))
        return CatalogueFirstLessonCourses(self.uow, upstream)

    @_once
    def assessments(self) -> AssessmentService:
        calls = self.qti_calls()
        return AssessmentService(
            content=QtiContent(calls),
            structure=QtiTestStructure(calls),
            renderer=LxmlDeliveryRenderer(),
            authoring=self.authoring(),
        )

    @_once
    def assessment_scoring(self) -> ScoringService:
        calls = self.qti_calls()
        return ScoringService(
            content=QtiContent(calls),
            scorer=QtiScorer(calls),
            validator=QtiValidation(calls),
            feedback=QtiFeedback(calls),
            authoring=self.authoring(),
            policy=self.policy(),
            lessons=self.lesson_courses(),
        )

    @_once
    def lms(self) -> LmsService:
        # one Open edX adapter per process, shared with the class-to-course links
        return LmsService(
            lms=self.lms_port(),
            policy=self.policy(),
            uow=self.uow,
        )

    @_once
    def audit(self) -> AuditService:
        return AuditService(uow=self.uow, policy=self.policy())

    @_once
    def sso(self) -> SsoService:
        if self.identity_provider is None:
            raise NotFound("Single sign-on is not enabled on this BFF.")
        return SsoService(
            provider=self.identity_provider,
            cipher=self.cipher,
            auth=self.auth(),
            uow=self.uow,
            clock=self.clock,
            redirect_url=self.settings.oidc.redirect_url,
            match_by=self.settings.oidc.match_by,
        )

    @_once
    def roster_sync(self) -> RosterSyncService:
        tb = self.settings.timeback
        source = TimebackRosterSource(
            OneRosterClient(self.http["timeback"]),
            page_size=tb.sync_page_size,
            concurrency=tb.sync_concurrency,
        )
        return RosterSyncService(
            uow=self.uow, source=source, clock=self.clock, lock=make_sync_lock(self.engine)
        )

    @_once
    def sync_admin(self) -> SyncAdminService:
        return SyncAdminService(
            uow=self.uow, policy=self.policy(), jobs=self.jobs, sync=self.roster_sync()
        )

    @_once
    def lms_port(self) -> Lms:
        key = self.settings.appsembler.edx_api_key.get_secret_value()
        return AppsemblerLms(self.http["appsembler"], edx_api_key=key or None)

    @_once
    def lms_provisioner(self) -> LinkProvisioner:
        s = self.settings.lms_links
        return LinkProvisioner(
            uow=self.uow,
            lms=self.lms_port(),
            jobs=self.jobs,
            clock=self.clock,
            config=ProvisioningConfig(
                batch_size=s.batch_size,
                concurrency=s.concurrency,
                lease=timedelta(seconds=s.lease_seconds),
            ),
        )

    @_once
    def lms_links(self) -> LmsLinkService:
        return LmsLinkService(
            uow=self.uow,
            policy=self.policy(),
            lms=self.lms_port(),
            provisioner=self.lms_provisioner(),
            clock=self.clock,
        )

    @_once
    def powerpath_calls(self) -> PowerPathCalls:
        # PowerPath shares TimeBack's token (its client, adapters/powerpath/upstream.py) and retry
        # policy
        return PowerPathCalls(self.http["powerpath"], POWERPATH_ERRORS, RetryPolicy())

    @_once
    def learner_references(self) -> LearnerReferences:
        return LearnerReferences(uow=self.uow, policy=self.policy(), relations=self.relations)

    @_once
    def learning_plans(self) -> LearningPlanService:
        calls = self.powerpath_calls()
        return LearningPlanService(
            placement=PowerPathPlacement(calls),
            screening=PowerPathScreening(calls),
            plans=PowerPathLessonPlans(calls),
            assignments=PowerPathTestAssignments(calls),
            refs=self.learner_references(),
        )

    @_once
    def completions(self) -> Completions:
        ev, le = self.settings.events, self.settings.learning
        return Completions(
            uow=self.uow,
            gradebook=TimebackGradebook(OneRosterClient(self.http["timeback"], GRADEBOOK)),
            jobs=self.jobs,
            clock=self.clock,
            config=CompletionConfig(
                timeback_base=str(self.settings.timeback.base_url),
                ed_app=ev.ed_app,
                sensor=ev.sensor,
                lease=timedelta(seconds=le.lease_seconds),
                backoff_base=timedelta(seconds=le.backoff_base_seconds),
                backoff_max=timedelta(seconds=le.backoff_max_seconds),
                max_attempts=le.max_attempts,
            ),
        )

    @_once
    def learner_flow(self) -> LearnerFlowService:
        return LearnerFlowService(
            uow=self.uow,
            refs=self.learner_references(),
            practice=PowerPathPractice(self.powerpath_calls()),
            renderer=LxmlDeliveryRenderer(),
            lessons=self.lesson_courses(),
            completions=self.completions(),
            clock=self.clock,
        )

    @_once
    def activity_completion(self) -> ActivityCompletionService:
        return ActivityCompletionService(
            uow=self.uow,
            refs=self.learner_references(),
            lessons=self.lesson_courses(),
            completions=self.completions(),
            clock=self.clock,
            catalogue=SqlLessonCatalogue(self.reads),
        )

    async def _learning_results(self) -> str:
        self.learner_flow()  # the flow tells the completions how to recover an intent
        return await self.completions().reconcile()

    def scheduler(self) -> Scheduler:
        return Scheduler(
            uow=self.uow,
            jobs=self.jobs,
            clock=self.clock,
            tasks=[
                TaskSpec(
                    name=UPSTREAM_CHECK_TASK,
                    interval=timedelta(seconds=self.settings.jobs.upstream_check_seconds),
                    work=self.system().check_upstreams,
                ),
                TaskSpec(
                    name=PRUNE_LOGIN_FAILURES_TASK,
                    interval=timedelta(hours=1),
                    # also forgets sealed refresh successors past the grace (decision D40)
                    work=self.auth().prune,
                ),
                TaskSpec(
                    name=ROSTER_SYNC_TASK,
                    interval=timedelta(seconds=self.settings.timeback.sync_interval_seconds),
                    work=self.roster_sync().incremental,
                ),
                TaskSpec(
                    name=TIME_LOG_SYNC_TASK,
                    interval=timedelta(seconds=self.settings.timesheets.reconcile_seconds),
                    work=self.time_log_sync().reconcile,
                ),
                TaskSpec(
                    name=LMS_LINKS_TASK,
                    interval=timedelta(seconds=self.settings.lms_links.follow_seconds),
                    work=self.lms_provisioner().follow_roster,
                ),
                TaskSpec(
                    name=CALIPER_DELIVERY_TASK,
                    interval=timedelta(seconds=self.settings.events.reconcile_seconds),
                    work=self.caliper_delivery().reconcile,
                ),
                TaskSpec(
                    name=LEARNING_RESULTS_TASK,
                    interval=timedelta(seconds=self.settings.learning.reconcile_seconds),
                    # the flow registers how intents are recovered: build it first
                    work=self._learning_results,
                ),
            ],
        )


def job_runner(settings: Settings, handlers: dict[str, JobHandler]) -> JobRunner:
    if settings.jobs_backend == "procrastinate":
        return ProcrastinateJobRunner(
            conninfo_from_url(settings.database.url),
            handlers,
            concurrency=settings.jobs.concurrency,
            reconcile_seconds=settings.jobs.reconcile_seconds,
        )
    return InProcessJobRunner(
        handlers,
        concurrency=settings.jobs.concurrency,
        reconcile_seconds=settings.jobs.reconcile_seconds,
    )
