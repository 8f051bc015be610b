"""Single sign-on: send the browser to the provider, then match who comes back to a BFF account.

The pending request (state, nonce, PKCE verifier) travels in a cookie encrypted with the Cipher port,
so any BFF process can finish a login another one started, and nothing needs cleaning up.
"""

from __future__ import annotations

import json
from datetime import timedelta

from domain.errors import DomainError, InvalidInput, Unauthenticated
from domain.models.identity import Account, IssuedTokens
from domain.ports import Clock, UnitOfWorkFactory
from domain.ports.identity import Cipher
from domain.ports.sso import AuthorizationRequest, IdentityProvider
from domain.services.auth import AuthService

PENDING_TTL = timedelta(minutes=10)


class SsoService:
    def __init__(
        self,
        *,
        provider: IdentityProvider,
        cipher: Cipher,
        auth: AuthService,
        uow: UnitOfWorkFactory,
        clock: Clock,
        redirect_url: str,
        match_by: str,
    ) -> None:
        self._provider = provider
        self._cipher = cipher
        self._auth = auth
        self._uow = uow
        self._clock = clock
        self._redirect_url = redirect_url
        self._match_by = match_by

    async def start(self, redirect_url: str | None = None) -> tuple[str, str]:
        """The provider URL to redirect to, and the sealed pending request to keep in a cookie.
        ``redirect_url``: the callback as this request reaches the BFF (sandbox mode, any port),
        else the configured one; the sealed request keeps it for the code exchange."""
        redirect_url = redirect_url or self._redirect_url
        request = await self._provider.authorization_request(redirect_url=redirect_url)
        sealed = self._cipher.encrypt(
            json.dumps(
                {
                    "url": request.url,
                    "state": request.state,
                    "nonce": request.nonce,
                    "verifier": request.code_verifier,
                    "at": self._clock.now().timestamp(),
                    "redirect": redirect_url,
                }
            ).encode()
        )
        return request.url, sealed

    async def finish(self, *, code: str, state: str, sealed: str | None) -> IssuedTokens:
        request, redirect_url = self._unseal(sealed)
        if state != request.state:
            raise Unauthenticated(
                "The login response does not belong to this browser's login attempt."
            )
        identity = await self._provider.complete(
            code=code, request=request, redirect_url=redirect_url
        )
        async with self._uow() as uow:
            account: Account | None
            if self._match_by == "subject":
                account = await uow.accounts.by_sso_subject(f"{identity.issuer}|{identity.subject}")
            elif identity.email and identity.email_verified:
                account = await uow.accounts.by_email(identity.email)
            else:
                account = None
        if account is None or not account.active:
            raise Unauthenticated(
                "No active BFF account matches this sign-in; ask an administrator."
            )
        return await self._auth.login_sso(account=account)

    def _unseal(self, sealed: str | None) -> tuple[AuthorizationRequest, str]:
        if not sealed:
            raise Unauthenticated("No login attempt is pending in this browser; start again.")
        try:
            data = json.loads(self._cipher.decrypt(sealed))
        except (DomainError, ValueError) as exc:
            raise Unauthenticated("The pending login could not be read; start again.") from exc
        if (
            not isinstance(data, dict)
            or self._clock.now().timestamp() - float(data.get("at", 0))
            > PENDING_TTL.total_seconds()
        ):
            raise Unauthenticated("The login attempt expired; start again.")
        try:
            request = AuthorizationRequest(
                url=str(data["url"]),
                state=str(data["state"]),
                nonce=str(data["nonce"]),
                code_verifier=str(data["verifier"]),
            )
            return request, str(data.get("redirect") or self._redirect_url)
        except KeyError as exc:
            raise InvalidInput("The pending login is incomplete; start again.") from exc
