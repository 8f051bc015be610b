"""Per-request wiring: the caller and the domain services, as ``Annotated`` aliases for routes
(``ActorDep``, ``RosterReadsDep``...) and as the ``get_*`` functions that the pass-through route
factories take (``api/routers/passthrough.py``). Routers make no service dependencies of their own;
what they build per kind from these (a list route's query, one gradebook kind) sits next to the
routes it documents.

Every dependency is ``async def`` even where it awaits nothing: FastAPI runs plain ``def``
dependencies in a worker thread, and those thread hops were most of a cached read's cost.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

from api.composition import Container
from domain.errors import PermissionDenied, Unauthenticated
from domain.models.identity import Actor
from domain.services.accounts import AccountService
from domain.services.assessment_scoring import ScoringService
from domain.services.assessments import AssessmentService
from domain.services.audit import AuditService
from domain.services.auth import AuthService
from domain.services.caliper_events import CaliperEventService
from domain.services.gradebook import GradebookService
from domain.services.integrations import IntegrationService
from domain.services.learning_activity import LearningActivityService
from domain.services.learning_lessons import LessonCatalogueService
from domain.services.learning_plans import LearningPlanService
from domain.services.lms import LmsService
from domain.services.lms_links import LmsLinkService
from domain.services.project_search import ProjectSearchService
from domain.services.resources import ResourceService
from domain.services.roster_reads import RosterReadService
from domain.services.roster_writes import RosterWriteService
from domain.services.sso import SsoService
from domain.services.sync_admin import SyncAdminService
from domain.services.system import SystemService
from domain.services.time_logs import TimeLogService

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Two documented ways to send the same bearer header: Swagger UI's "Authorize" logs in with the
# password flow; scripts paste a personal API token.
password_flow = OAuth2PasswordBearer(
    tokenUrl="/v1/auth/token", auto_error=False, description="Log in with a BFF account."
)
api_token = HTTPBearer(auto_error=False, description="A personal API token (bff_pat_...).")


def _container(request: Request) -> Container:
    container: Container = request.state.container
    return container


async def get_container(request: Request) -> Container:
    return _container(request)


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_auth_service(request: Request) -> AuthService:
    return _container(request).auth()


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def get_actor(
    request: Request,
    token: Annotated[str | None, Depends(password_flow)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(api_token)],
) -> Actor:
    """The authenticated caller. Read-only API tokens are refused on every unsafe method."""
    if not token:
        raise Unauthenticated("Log in first: send 'Authorization: Bearer <token>'.")
    actor = await _container(request).auth().authenticate(token)
    request.state.actor = actor  # the audit trail reads it after the response
    if request.method not in SAFE_METHODS and not actor.can_write:
        raise PermissionDenied("This API token is read-only.")
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


async def get_system_service(request: Request) -> SystemService:
    return _container(request).system()


async def get_account_service(request: Request) -> AccountService:
    return _container(request).accounts()


async def get_audit_service(request: Request) -> AuditService:
    return _container(request).audit()


async def get_roster_reads(request: Request) -> RosterReadService:
    return _container(request).roster_reads()


async def get_roster_writes(request: Request) -> RosterWriteService:
    return _container(request).roster_writes()


async def get_gradebook(request: Request) -> GradebookService:
    return _container(request).gradebook()


async def get_resources(request: Request) -> ResourceService:
    return _container(request).resources()


async def get_sync_admin(request: Request) -> SyncAdminService:
    return _container(request).sync_admin()


async def get_sso_service(request: Request) -> SsoService:
    return _container(request).sso()


async def get_integrations(request: Request) -> IntegrationService:
    return _container(request).integrations()


async def get_project_search(request: Request) -> ProjectSearchService:
    return _container(request).project_search()


async def get_time_logs(request: Request) -> TimeLogService:
    return _container(request).time_logs()


async def get_assessments(request: Request) -> AssessmentService:
    return _container(request).assessments()


async def get_assessment_scoring(request: Request) -> ScoringService:
    return _container(request).assessment_scoring()


async def get_lms(request: Request) -> LmsService:
    return _container(request).lms()


async def get_lms_links(request: Request) -> LmsLinkService:
    return _container(request).lms_links()


async def get_caliper_events(request: Request) -> CaliperEventService:
    return _container(request).caliper_events()


async def get_learning_activity(request: Request) -> LearningActivityService:
    return _container(request).learning_activity()


async def get_learning_lessons(request: Request) -> LessonCatalogueService:
    return _container(request).learning_lessons()


SystemServiceDep = Annotated[SystemService, Depends(get_system_service)]
AccountServiceDep = Annotated[AccountService, Depends(get_account_service)]
AuditServiceDep = Annotated[AuditService, Depends(get_audit_service)]
SsoServiceDep = Annotated[SsoService, Depends(get_sso_service)]
SyncAdminDep = Annotated[SyncAdminService, Depends(get_sync_admin)]
RosterReadsDep = Annotated[RosterReadService, Depends(get_roster_reads)]
RosterWritesDep = Annotated[RosterWriteService, Depends(get_roster_writes)]
GradebookDep = Annotated[GradebookService, Depends(get_gradebook)]
IntegrationsDep = Annotated[IntegrationService, Depends(get_integrations)]
ProjectSearchDep = Annotated[ProjectSearchService, Depends(get_project_search)]
TimeLogsDep = Annotated[TimeLogService, Depends(get_time_logs)]
AssessmentsDep = Annotated[AssessmentService, Depends(get_assessments)]
AssessmentScoringDep = Annotated[ScoringService, Depends(get_assessment_scoring)]
LmsDep = Annotated[LmsService, Depends(get_lms)]
LmsLinksDep = Annotated[LmsLinkService, Depends(get_lms_links)]
CaliperEventsDep = Annotated[CaliperEventService, Depends(get_caliper_events)]
LearningActivityDep = Annotated[LearningActivityService, Depends(get_learning_activity)]


async def get_learning_plans(request: Request) -> LearningPlanService:
    return _container(request).learning_plans()


LearningPlansDep = Annotated[LearningPlanService, Depends(get_learning_plans)]
LearningLessonsDep = Annotated[LessonCatalogueService, Depends(get_learning_lessons)]
