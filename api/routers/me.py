from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.access import Access, access
from api.deps import AccountServiceDep, ActorDep, AuthServiceDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, window
from api.schemas.identity import AccountOut, ApiTokenCreated, ApiTokenIn, ApiTokenOut, ApiTokenPage
from api.strict_json import StrictJsonRoute

router = APIRouter(
    prefix="/v1/me", tags=["me"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute
)


@router.get(
    "",
    operation_id="get_me",
    response_model=AccountOut,
    responses=problem_responses(401),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def me(actor: ActorDep, accounts: AccountServiceDep) -> AccountOut:
    """The caller: account, role and linked roster person."""
    return AccountOut.of(await accounts.get(actor=actor, account_id=actor.account_id))


@router.get(
    "/api-tokens",
    operation_id="list_api_tokens",
    response_model=ApiTokenPage,
    responses=problem_responses(401) | PAGED,
    openapi_extra=access(Access.AUTHENTICATED),
)
async def list_tokens(
    request: Request,
    response: Response,
    actor: ActorDep,
    auth: AuthServiceDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> ApiTokenPage:
    """The caller's personal API tokens (never their secrets)."""
    tokens = await auth.list_api_tokens(actor=actor)
    page = window(request, response, tokens, limit=limit, offset=offset)
    return ApiTokenPage(items=[ApiTokenOut.of(t) for t in page], total=len(tokens))


@router.post(
    "/api-tokens",
    operation_id="create_api_token",
    status_code=201,
    response_model=ApiTokenCreated,
    responses=problem_responses(401, 403),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def create_token(body: ApiTokenIn, actor: ActorDep, auth: AuthServiceDep) -> ApiTokenCreated:
    """A personal API token for scripts and desktop clients. The secret is in this response only."""
    token, secret = await auth.create_api_token(
        actor=actor, name=body.name, scope=body.scope, expires_in_days=body.expires_in_days
    )
    return ApiTokenCreated(**ApiTokenOut.of(token).model_dump(), token=secret)


@router.delete(
    "/api-tokens/{token_id}",
    operation_id="revoke_api_token",
    status_code=204,
    responses=problem_responses(401, 404),
    openapi_extra=access(Access.OWN_API_TOKEN),
)
async def revoke_token(token_id: str, actor: ActorDep, auth: AuthServiceDep) -> Response:
    """Revoke one of the caller's API tokens; it stops working at once."""
    await auth.revoke_api_token(actor=actor, token_id=token_id)
    return Response(status_code=204)
