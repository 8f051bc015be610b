from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm

from api.access import Access, access
from api.deps import ActorDep, AuthServiceDep, ContainerDep, SsoServiceDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.sandbox_redirects import callback_url, for_browser
from api.schemas.identity import LogoutIn, RefreshIn, TokenOut
from api.strict_json import StrictJsonRoute
from domain.errors import Unauthenticated
from domain.models.identity import IssuedTokens

router = APIRouter(
    prefix="/v1/auth", tags=["auth"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute
)

SSO_COOKIE = "bff_sso_pending"


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _a_form(request: Request) -> None:
    """Front ends often send JSON here first; FastAPI would answer "username: field required",
    which hides the real mistake. Route-level, so it runs before the form is read."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _FORMS:
        raise HTTPException(
            415,
            "This endpoint takes a form (application/x-www-form-urlencoded) with `username` "
            "(your email) and `password`, as OAuth2's password grant does, not "
            f"{media_type or 'a body without a Content-Type'}.",
        )


def _out(tokens: IssuedTokens) -> TokenOut:
    return TokenOut(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        refresh_token=tokens.refresh_token,
    )


@router.post(
    "/token",
    operation_id="login",
    response_model=TokenOut,
    responses=problem_responses(401, 415, 429),
    dependencies=[Depends(_a_form)],
    openapi_extra=access(Access.PUBLIC),
)
async def login(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], auth: AuthServiceDep
) -> TokenOut:
    """Log in with email (as ``username``) and password: a short-lived access token and a refresh token.

    Repeated failures for one account or from one address are throttled (429 with ``Retry-After``).
    """
    address = request.client.host if request.client else None
    return _out(
        await auth.login(email=form.username, password=form.password, client_address=address)
    )


@router.post(
    "/refresh",
    operation_id="refresh_token",
    response_model=TokenOut,
    responses=problem_responses(401),
    openapi_extra=access(Access.PUBLIC),
)
async def refresh(body: RefreshIn, auth: AuthServiceDep) -> TokenOut:
    """Trade a refresh token for new tokens. Each refresh token works once; reuse ends the session.

    Presented again within ``BFF_AUTH_REFRESH_GRACE_SECONDS`` (10 s) of its first use (two tabs, a
    retry), it answers with the same new pair as the first time; later, reuse revokes the session.
    """
    return _out(await auth.refresh(refresh_token=body.refresh_token))


@router.post(
    "/logout",
    operation_id="logout",
    status_code=204,
    responses=problem_responses(401),
    openapi_extra=access(Access.AUTHENTICATED),
)
async def logout(body: LogoutIn, actor: ActorDep, auth: AuthServiceDep) -> Response:
    """End this session (with its refresh token), or, without one, log out everywhere: every
    session, access token and personal API token of the account stops working at once."""
    await auth.logout(actor=actor, refresh_token=body.refresh_token)
    return Response(status_code=204)


@router.get(
    "/sso/login",
    operation_id="sso_login",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "Redirect to the identity provider"}, **problem_responses(503)},
    openapi_extra=access(Access.PUBLIC),
)
async def sso_login(
    request: Request, sso: SsoServiceDep, container: ContainerDep
) -> RedirectResponse:
    """Start single sign-on: redirects the browser to the OpenID Connect provider."""
    settings = container.settings
    callback = callback_url(request, settings, "sso_callback", settings.oidc, "redirect_url")
    url, sealed = await sso.start(redirect_url=callback)
    response = RedirectResponse(for_browser(url, request, settings), status_code=302)
    response.set_cookie(
        SSO_COOKIE, sealed, max_age=600, httponly=True, samesite="lax", path="/v1/auth/sso"
    )
    return response


@router.get(
    "/sso/callback",
    operation_id="sso_callback",
    response_model=TokenOut,
    responses=problem_responses(401, 503),
    openapi_extra=access(Access.PUBLIC),
)
async def sso_callback(
    request: Request,
    sso: SsoServiceDep,
    state: Annotated[str, Query(min_length=1, max_length=512)],
    code: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Where the provider sends the browser back: BFF tokens for the matching account."""
    if error is not None or code is None:
        # RFC 6749 §4.1.2.1: the provider said no (or sent nothing); only its error code is echoed.
        raise Unauthenticated(f"The identity provider did not sign you in ({error or 'no code'}).")
    tokens = await sso.finish(code=code, state=state, sealed=request.cookies.get(SSO_COOKIE))
    response = Response(_out(tokens).model_dump_json(), media_type="application/json")
    response.delete_cookie(SSO_COOKIE, path="/v1/auth/sso")
    return response
