"""Open edX through the Appsembler API: accounts, enrollment codes, bulk enrollment, analytics.

Staff and admins manage the site (the LMS has no orgs to narrow staff to); anyone logged in may
redeem an enrollment code for their own account. Who may do what: ``domain/services/lms.py``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from api.access import Access, access
from api.deps import ActorDep, LmsDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, window
from api.schemas import lms as s
from api.schemas.common import Email, IsoDateTime
from api.strict_json import StrictJsonRoute
from domain.models.lms import AccountFilter, EnrollmentFilter, NewLmsAccount

router = APIRouter(
    prefix="/v1/lms", tags=["lms"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute
)
UPSTREAM = (502, 503)
AccountPath = Annotated[
    s.AccountRef, Path(description="The Open edX account: its username, or its email.")
]
CodePath = Annotated[s.Code, Path(description="The enrollment code.")]


@router.get(
    "/accounts",
    operation_id="lookup_lms_accounts",
    response_model=s.LmsAccountPage,
    responses=problem_responses(401, 403, 422, *UPSTREAM) | PAGED,
    openapi_extra=access(Access.OPERATIONS),
)
async def lookup_lms_accounts(
    request: Request,
    response: Response,
    actor: ActorDep,
    lms: LmsDep,
    email: Annotated[list[Email], Query(max_length=100)] = [],  # noqa: B006 (FastAPI's idiom)
    username: Annotated[list[s.Username], Query(max_length=100)] = [],  # noqa: B006
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> s.LmsAccountPage:
    """The Open edX accounts with these emails (any case) or usernames; missing ones are absent
    (so is everyone when none is named: the whole list is ``/v1/lms/analytics/accounts``)."""
    found = await lms.lookup(actor=actor, emails=email, usernames=username)
    items = window(request, response, found, limit=limit, offset=offset)
    return s.LmsAccountPage(items=[s.LmsAccountOut.of(a) for a in items], total=len(found))


@router.post(
    "/accounts",
    operation_id="create_lms_account",
    status_code=status.HTTP_201_CREATED,
    response_model=s.CreatedLmsAccountOut,
    responses=problem_responses(401, 403, 409, 422, *UPSTREAM),
    openapi_extra=access(Access.OPERATIONS),
)
async def create_lms_account(
    body: s.NewLmsAccountIn, actor: ActorDep, lms: LmsDep
) -> s.CreatedLmsAccountOut:
    """An active Open edX account; no activation mail unless asked. 409 when the email or username
    is taken."""
    created = await lms.create_account(
        actor=actor,
        new=NewLmsAccount(
            email=body.email,
            name=body.name,
            username=body.username,
            password=body.password,
            send_activation_email=body.send_activation_email,
            profile=body.profile,
        ),
    )
    return s.CreatedLmsAccountOut.of(created)


@router.get(
    "/accounts/{account}",
    operation_id="get_lms_account",
    response_model=s.LmsAccountOut,
    responses=problem_responses(401, 403, 404, 422, *UPSTREAM),
    openapi_extra=access(Access.OPERATIONS),
)
async def get_lms_account(account: AccountPath, actor: ActorDep, lms: LmsDep) -> s.LmsAccountOut:
    """One Open edX account, by its exact username or its email (any case)."""
    return s.LmsAccountOut.of(await lms.account(actor=actor, lookup=account))


@router.post(
    "/accounts/{account}/connect",
    operation_id="connect_lms_account",
    response_model=s.ConnectedOut,
    responses=problem_responses(401, 403, 404, 409, 422, *UPSTREAM),
    openapi_extra=access(Access.OPERATIONS),
)
async def connect_lms_account(
    account: AccountPath, body: s.ConnectIn, actor: ActorDep, lms: LmsDep
) -> s.ConnectedOut:
    """Set the email, name and/or password of an existing account (to match another system's);
    the account is named by its exact username here."""
    user_id = await lms.connect_account(
        actor=actor, username=account, email=body.email, name=body.name, password=body.password
    )
    return s.ConnectedOut(user_id=user_id)


@router.patch(
    "/accounts/{account}",
    operation_id="update_lms_account",
    response_model=s.UpdatedOut,
    responses=problem_responses(401, 403, 404, 409, 422, *UPSTREAM),
    openapi_extra=access(Access.OPERATIONS),
)
async def update_lms_account(
    account: AccountPath,
    body: s.AccountChangesIn,
    actor: ActorDep,
    lms: LmsDep,
) -> s.UpdatedOut:
    """Change the email, name and profile fields of the account with this username or email."""
    changes = {
        k: str(v)
        for k, v in body.model_dump(exclude_unset=True, exclude={"extension"}).items()
        if v is not None
    }
    changes |= body.extension
    updated = await lms.update_account(actor=actor, lookup=account, changes=changes)
    return s.UpdatedOut(updated=list(updated))


@router.post(
    "/enrollment-codes",
    operation_id="generate_enrollment_codes",
    status_code=status.HTTP_201_CREATED,
    response_model=s.EnrollmentCodesOut,
    responses=problem_responses(401, 403, 422, *UPSTREAM),
    openapi_extra=access(Access.OPERATIONS),
)
async def generate_enrollment_codes(
    body: s.GenerateCodesIn, actor: ActorDep, lms: LmsDep
) -> s.EnrollmentCodesOut:
    """New enrollment codes for an existing course."""
    codes = await lms.generate_codes(actor=actor, course_id=body.course_id, count=body.count)
    return s.EnrollmentCodesOut.of(codes)


@router.post(
    "/enrollment-codes/{code}/redemptions",
    operation_id="redeem_enrollment_code",
    status_code=status.HTTP_201_CREATED,
    response_model=s.RedemptionOut,
    responses=problem_responses(401, 403, 422, 429, *UPSTREAM),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def redeem_enrollment_code(
    code: CodePath, body: s.RedeemIn, actor: ActorDep, lms: LmsDep
) -> s.RedemptionOut:
    """Enroll an Open edX account in the code's course: learners their own (the account with their
    login's email), staff and admins anyone's. 422 says why Open edX refused (``reason``)."""
    done = await lms.redeem_code(actor=actor, code=code, email=body.email)
    return s.RedemptionOut(code=done.code, email=done.email)


@router.post(
    "/enrollment-codes/{code}/status",
    operation_id="set_enrollment_code_status",
    response_model=s.CodeStatusOut,
    responses=problem_responses(401, 403, 404, 422, *UPSTREAM),
    openapi_extra=access(Access.OPERATIONS),
)
async def set_enrollment_code_status(
    code: CodePath, body: s.CodeStatusIn, actor: ActorDep, lms: LmsDep
) -> s.CodeStatusOut:
    """Cancel a code or make it usable again; either unenrolls whoever redeemed it."""
    await lms.set_code_status(actor=actor, code=code, action=body.action)
    return s.CodeStatusOut(code=code, action=body.action)


@router.post(
    "/bulk-enrollments",
    operation_id="bulk_enroll",
    response_model=s.BulkEnrollmentOut,
    responses=problem_responses(401, 403, 422, *UPSTREAM),
    openapi_extra=access(Access.OPERATIONS),
)
async def bulk_enroll(
    body: s.BulkEnrollmentIn, actor: ActorDep, lms: LmsDep
) -> s.BulkEnrollmentOut:
    """Enroll or unenroll people in an existing course, with each person's outcome. Emails with no
    account yet are remembered (``allowed``) and enrolled once the account exists."""
    result = await lms.bulk_enrollment(
        actor=actor,
        course_id=body.course_id,
        identifiers=body.identifiers,
        action=body.action,
        auto_enroll=body.auto_enroll,
        email_students=body.email_students,
    )
    return s.BulkEnrollmentOut.of(result)


@router.get(
    "/analytics/accounts",
    operation_id="lms_account_analytics",
    response_model=s.LmsAccountPage,
    responses=problem_responses(401, 403, 422, *UPSTREAM) | PAGED,
    openapi_extra=access(Access.OPERATIONS),
)
async def lms_account_analytics(
    request: Request,
    response: Response,
    actor: ActorDep,
    lms: LmsDep,
    joined_after: Annotated[IsoDateTime | None, Query(description="Strictly after.")] = None,
    joined_before: Annotated[IsoDateTime | None, Query(description="Strictly before.")] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> s.LmsAccountPage:
    """The site's accounts (service accounts included), in join order."""
    found = await lms.accounts(
        actor=actor, where=AccountFilter(joined_after=joined_after, joined_before=joined_before)
    )
    items = window(request, response, found, limit=limit, offset=offset)
    return s.LmsAccountPage(items=[s.LmsAccountOut.of(a) for a in items], total=len(found))


@router.get(
    "/analytics/enrollments",
    operation_id="lms_enrollment_analytics",
    response_model=s.LmsEnrollmentPage,
    responses=problem_responses(401, 403, 422, *UPSTREAM) | PAGED,
    openapi_extra=access(Access.OPERATIONS),
)
async def lms_enrollment_analytics(
    request: Request,
    response: Response,
    actor: ActorDep,
    lms: LmsDep,
    course_id: Annotated[s.CourseKey | None, Query()] = None,
    username: Annotated[s.Username | None, Query()] = None,
    enrolled_after: Annotated[IsoDateTime | None, Query(description="Strictly after.")] = None,
    enrolled_before: Annotated[IsoDateTime | None, Query(description="Strictly before.")] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> s.LmsEnrollmentPage:
    """Enrollments, with the certificate when one was issued. Open edX keeps the enrollment of
    someone unenrolled and does not say which are current."""
    found = await lms.enrollments(
        actor=actor,
        where=EnrollmentFilter(
            course_id=course_id,
            username=username,
            enrolled_after=enrolled_after,
            enrolled_before=enrolled_before,
        ),
    )
    items = window(request, response, found, limit=limit, offset=offset)
    return s.LmsEnrollmentPage(items=[s.LmsEnrollmentOut.of(e) for e in items], total=len(found))
