from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.access import Access, access
from api.deps import AccountServiceDep, ActorDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers
from api.schemas.identity import AccountIn, AccountOut, AccountPage, AccountPatch
from api.strict_json import StrictJsonRoute
from domain.models.identity import NewAccount, Role
from domain.services.accounts import AccountChanges

router = APIRouter(
    prefix="/v1/accounts",
    tags=["accounts"],
    responses=COMMON_RESPONSES,
    route_class=StrictJsonRoute,
)


@router.get(
    "",
    operation_id="list_accounts",
    response_model=AccountPage,
    responses=problem_responses(401, 403) | PAGED,
    openapi_extra=access(Access.ADMIN),
)
async def list_accounts(
    request: Request,
    response: Response,
    actor: ActorDep,
    accounts: AccountServiceDep,
    role: Role | None = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> AccountPage:
    """BFF accounts, by email (admins only)."""
    items, total = await accounts.list(actor=actor, role=role, limit=limit, offset=offset)
    paging_headers(request, response, limit=limit, offset=offset, total=total)
    return AccountPage(items=[AccountOut.of(a) for a in items], total=total)


@router.post(
    "",
    operation_id="create_account",
    status_code=201,
    response_model=AccountOut,
    responses=problem_responses(401, 403, 409),
    openapi_extra=access(Access.ADMIN),
)
async def create_account(
    body: AccountIn, actor: ActorDep, accounts: AccountServiceDep
) -> AccountOut:
    """Create an account linked to a roster person (admins only)."""
    account = await accounts.create(
        actor=actor,
        new=NewAccount(
            email=str(body.email),
            display_name=body.display_name,
            role=body.role,
            person_sourced_id=body.person_sourced_id,
            password=body.password,
            sso_subject=body.sso_subject,
        ),
    )
    return AccountOut.of(account)


@router.get(
    "/{account_id}",
    operation_id="get_account",
    response_model=AccountOut,
    responses=problem_responses(401, 404),
    openapi_extra=access(Access.OWN_ACCOUNT),
)
async def get_account(account_id: str, actor: ActorDep, accounts: AccountServiceDep) -> AccountOut:
    """One account: your own, or any for admins."""
    return AccountOut.of(await accounts.get(actor=actor, account_id=account_id))


@router.patch(
    "/{account_id}",
    operation_id="update_account",
    response_model=AccountOut,
    responses=problem_responses(401, 403, 404, 409, 429),
    openapi_extra=access(Access.OWN_ACCOUNT),
)
async def update_account(
    account_id: str, body: AccountPatch, actor: ActorDep, accounts: AccountServiceDep
) -> AccountOut:
    """Change an account. People change their own name and password (giving ``current_password``);
    admins change anything, but not their own role or active flag, nor remove the last active admin.

    A new password or a deactivation ends every session and personal API token of the account at
    once; a new role or person ends its access tokens (a refresh brings the new role).
    """
    changes = AccountChanges(**body.model_dump(exclude_unset=True))
    return AccountOut.of(await accounts.update(actor=actor, account_id=account_id, changes=changes))
