"""Connections to time trackers: connect (OAuth code grant), reconnect, test, disconnect, and the
authorized sessions the log sync and the project search call trackers with.

The OAuth ``state`` is the pending connection itself (account, kind, data centre, wanted workspace,
a nonce, an expiry) sealed with the ``Cipher`` port. The tracker sends the browser back without our
bearer token, so the state is what proves who asked; sealing it means any BFF process can finish a
connection another one started and nothing server-side needs expiring.

Access tokens live only in this process's memory, per integration, until a margin before they
expire. A lock per integration makes concurrent callers share one refresh: Zoho allows ten refreshes
per refresh token in ten minutes and then blocks the rest of the window.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    ReconnectNeeded,
    Unauthenticated,
    UpstreamError,
    UpstreamUnavailable,
)
from domain.models.identity import Actor
from domain.models.timesheets import (
    Integration,
    IntegrationStatus,
    TrackerSession,
    Workspace,
)
from domain.policy import AccountRef, Action, Policy
from domain.ports import Clock, UnitOfWorkFactory
from domain.ports.identity import Cipher
from domain.ports.time_tracker import TrackerAuth, TrackerPlugin, TrackerRegistry, TrackerSessions


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrationConfig:
    #: The BFF's callback, as registered with the tracker's OAuth client.
    redirect_url: str
    state_ttl: timedelta = timedelta(minutes=10)
    #: Refresh this long before the tracker's expiry, so a token never dies mid-request.
    token_margin: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerKind:
    kind: str
    label: str
    project_noun: str
    data_centres: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionTest:
    ok: bool
    status: IntegrationStatus
    #: How many projects (or tickets) the tracker listed.
    projects: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pending:
    account_id: str
    kind: str
    data_centre: str
    workspace_id: str | None
    #: the redirect URI the authorization asked for, when not the configured one (the code
    #: exchange must name the same)
    redirect_url: str | None = None


@dataclass(frozen=True, slots=True)
class _Cached:
    plugin: TrackerPlugin
    session: TrackerSession
    expires_at: datetime


class IntegrationService(TrackerSessions):
    """Build one per process: it holds the access-token cache and the refresh locks."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        trackers: TrackerRegistry,
        cipher: Cipher,
        clock: Clock,
        policy: Policy,
        config: IntegrationConfig,
        on_reconnected: Callable[[str], Awaitable[object]] | None = None,
    ) -> None:
        """``on_reconnected`` hears of an integration whose grant works again, so work that
        waited for it (logs to push) can go at once instead of at its next slow retry."""
        self._on_reconnected = on_reconnected
        self._uow = uow
        self._trackers = trackers
        self._cipher = cipher
        self._clock = clock
        self._policy = policy
        self._config = config
        self._tokens: dict[str, _Cached] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    # -- what can be connected -------------------------------------------------------------

    def kinds(self) -> list[TrackerKind]:
        return [
            TrackerKind(
                kind=p.kind,
                label=p.label,
                project_noun=p.project_noun,
                data_centres=tuple(p.auth.data_centres()),
            )
            for p in sorted(self._trackers.values(), key=lambda p: p.kind)
        ]

    # -- connecting ------------------------------------------------------------------------

    async def start(
        self,
        *,
        actor: Actor,
        kind: str,
        data_centre: str,
        workspace_id: str | None = None,
        redirect_url: str | None = None,
    ) -> str:
        """The tracker's authorization URL to send the browser to; ``redirect_url``: the callback
        as this request reaches the BFF (sandbox mode, any port), else the configured one."""
        await self._policy.require(actor, Action.WRITE, AccountRef(actor.account_id))
        # The registry is only known at run time, so the schema cannot list kinds or data
        # centres: an unknown one is a missing resource, not malformed input.
        plugin = self._trackers.get(kind)
        if plugin is None:
            raise NotFound(
                f"No tracker {kind!r}; expected one of {', '.join(sorted(self._trackers))}."
            )
        if data_centre not in plugin.auth.data_centres():
            raise NotFound(
                f"{plugin.label} has no data centre {data_centre!r}; expected one of "
                f"{', '.join(plugin.auth.data_centres())}."
            )
        expires = self._clock.now() + self._config.state_ttl
        state = self._cipher.encrypt(
            json.dumps(
                {
                    "a": actor.account_id,
                    "k": kind,
                    "dc": data_centre,
                    "w": workspace_id,
                    # Two connects with the same inputs still get different states.
                    "n": secrets.token_urlsafe(12),
                    "exp": expires.timestamp(),
                    "r": redirect_url,
                },
                separators=(",", ":"),
            ).encode()
        )
        return plugin.auth.authorization_url(
            data_centre=data_centre,
            state=state,
            redirect_url=redirect_url or self._config.redirect_url,
        )

    async def callback(
        self,
        *,
        code: str,
        state: str,
        location: str | None = None,
        accounts_server: str | None = None,
    ) -> Integration:
        """Finish a connection: trade the code, pick the workspace, store the sealed grant.

        Connecting a workspace the account already has is a reconnect: the same integration gets
        the new grant and is CONNECTED again (its logs keep pointing at it).
        """
        pending = self._unseal_state(state)
        plugin = self._trackers.get(pending.kind)
        if plugin is None:
            raise NotFound(f"Tracker {pending.kind!r} is no longer available.")
        async with self._uow() as uow:
            account = await uow.accounts.get(pending.account_id)
        if account is None or not account.active:
            raise Unauthenticated("The account that started this connection is not active.")
        data_centre = _redirected_data_centre(
            plugin.auth, pending.data_centre, location, accounts_server
        )
        # A refused code raises ReconnectNeeded: the user has to start connecting again.
        grant = await plugin.auth.exchange_code(
            data_centre=data_centre,
            code=code,
            redirect_url=pending.redirect_url or self._config.redirect_url,
        )
        workspaces = await plugin.tracker.workspaces(
            data_centre=data_centre, access_token=grant.access_token
        )
        workspace = _pick_workspace(workspaces, pending.workspace_id, plugin.label)
        now = self._clock.now()
        sealed = self._cipher.encrypt(grant.refresh_token.encode())
        async with self._uow() as uow:
            existing = await uow.integrations.find(
                account_id=pending.account_id,
                kind=pending.kind,
                workspace_id=workspace.workspace_id,
            )
            if existing is not None:
                integration = replace(
                    existing,
                    name=workspace.name,
                    data_centre=data_centre,
                    time_zone=workspace.time_zone,
                    sealed_refresh_token=sealed,
                    status=IntegrationStatus.CONNECTED,
                    last_error=None,
                    updated_at=now,
                )
                await uow.integrations.update(integration)
            else:
                integration = Integration(
                    id=uuid.uuid4().hex,
                    account_id=pending.account_id,
                    kind=pending.kind,
                    name=workspace.name,
                    data_centre=data_centre,
                    workspace_id=workspace.workspace_id,
                    time_zone=workspace.time_zone,
                    sealed_refresh_token=sealed,
                    created_at=now,
                    updated_at=now,
                )
                await uow.integrations.add(integration)
            await uow.commit()
        # The exchange already gave us an access token: using it saves a refresh from the quota.
        self._tokens[integration.id] = _Cached(
            plugin,
            _session(integration, grant.access_token, grant.api_domain),
            now + timedelta(seconds=grant.expires_in),
        )
        if existing is not None:
            # Zoho keeps at most 20 refresh tokens per user and app; retire the one we replaced.
            await self._revoke(plugin, existing, keep=grant.refresh_token)
            await self._reconnected(integration.id)
        return integration

    # -- reading, testing, disconnecting ---------------------------------------------------

    async def list_integrations(self, *, actor: Actor) -> Sequence[Integration]:
        async with self._uow() as uow:
            return await uow.integrations.for_account(actor.account_id)

    async def get(self, *, actor: Actor, integration_id: str) -> Integration:
        return await self._owned(actor, integration_id, Action.READ)

    async def test(self, *, actor: Actor, integration_id: str) -> ConnectionTest:
        """Refresh the grant and list projects; a dead grant is reported, not raised. A grant that
        works again (the user fixed it at the tracker) makes the integration CONNECTED again."""
        integration = await self._owned(actor, integration_id, Action.WRITE)
        try:
            async with self._lock(integration_id):
                self._tokens.pop(integration_id, None)
                cached = await self._refresh(integration)
            projects = await cached.plugin.tracker.projects(cached.session, query="")
        except ReconnectNeeded as exc:
            await self._mark_dead(integration_id, exc.detail)
            return ConnectionTest(
                ok=False, status=IntegrationStatus.RECONNECT_NEEDED, error=exc.detail
            )
        except UpstreamError as exc:
            return ConnectionTest(ok=False, status=integration.status, error=exc.detail)
        if integration.status is not IntegrationStatus.CONNECTED:
            await self._set_status(integration_id, IntegrationStatus.CONNECTED, None)
            await self._reconnected(integration_id)
        return ConnectionTest(ok=True, status=IntegrationStatus.CONNECTED, projects=len(projects))

    async def disconnect(self, *, actor: Actor, integration_id: str) -> None:
        """Revoke the grant at the tracker (best effort) and forget the integration."""
        integration = await self._owned(actor, integration_id, Action.WRITE)
        plugin = self._trackers.get(integration.kind)
        if plugin is not None:
            await self._revoke(plugin, integration)
        async with self._uow() as uow:
            await uow.integrations.delete(integration_id)
            await uow.commit()
        self._tokens.pop(integration_id, None)
        self._locks.pop(integration_id, None)

    # -- TrackerSessions -------------------------------------------------------------------

    async def session_for(self, integration_id: str) -> tuple[TrackerPlugin, TrackerSession]:
        cached = self._fresh(integration_id)
        if cached is None:
            async with self._lock(integration_id):
                cached = self._fresh(integration_id)  # another caller may have refreshed
                if cached is None:
                    async with self._uow() as uow:
                        integration = await uow.integrations.get(integration_id)
                    if integration is None:
                        raise NotFound(f"No integration {integration_id!r}.")
                    if integration.status is IntegrationStatus.RECONNECT_NEEDED:
                        # Retrying a dead grant only burns the tracker's refresh quota.
                        raise ReconnectNeeded(
                            integration.last_error or "Reconnect this integration.",
                            upstream=integration.kind,
                        )
                    cached = await self._refresh(integration)
        return cached.plugin, cached.session

    async def invalidate(self, integration_id: str) -> None:
        self._tokens.pop(integration_id, None)

    # -- internals -------------------------------------------------------------------------

    def _fresh(self, integration_id: str) -> _Cached | None:
        cached = self._tokens.get(integration_id)
        if cached is None or cached.expires_at - self._config.token_margin <= self._clock.now():
            return None
        return cached

    def _lock(self, integration_id: str) -> asyncio.Lock:
        return self._locks.setdefault(integration_id, asyncio.Lock())

    async def _refresh(self, integration: Integration) -> _Cached:
        plugin = self._trackers.get(integration.kind)
        if plugin is None:
            raise UpstreamUnavailable(
                f"Tracker {integration.kind!r} is not available on this BFF.",
                upstream=integration.kind,
            )
        try:
            refresh_token = self._cipher.decrypt(integration.sealed_refresh_token).decode()
        except DomainError as exc:
            # The key that sealed it was retired: only the user can make a new grant.
            reason = "The stored grant can no longer be read; connect again."
            await self._mark_dead(integration.id, reason)
            raise ReconnectNeeded(reason, upstream=integration.kind) from exc
        try:
            grant = await plugin.auth.refresh(
                data_centre=integration.data_centre, refresh_token=refresh_token
            )
        except ReconnectNeeded as exc:
            await self._mark_dead(integration.id, exc.detail)
            raise
        cached = _Cached(
            plugin,
            _session(integration, grant.access_token, grant.api_domain),
            self._clock.now() + timedelta(seconds=grant.expires_in),
        )
        self._tokens[integration.id] = cached
        return cached

    async def _mark_dead(self, integration_id: str, reason: str) -> None:
        self._tokens.pop(integration_id, None)
        await self._set_status(integration_id, IntegrationStatus.RECONNECT_NEEDED, reason)

    async def _reconnected(self, integration_id: str) -> None:
        if self._on_reconnected is not None:
            await self._on_reconnected(integration_id)

    async def _set_status(
        self, integration_id: str, status: IntegrationStatus, reason: str | None
    ) -> None:
        async with self._uow() as uow:
            current = await uow.integrations.get(integration_id)
            if current is None:
                return
            await uow.integrations.update(
                replace(current, status=status, last_error=reason, updated_at=self._clock.now())
            )
            await uow.commit()

    async def _revoke(
        self, plugin: TrackerPlugin, integration: Integration, *, keep: str | None = None
    ) -> None:
        try:
            token = self._cipher.decrypt(integration.sealed_refresh_token).decode()
            if token != keep:
                await plugin.auth.revoke(data_centre=integration.data_centre, refresh_token=token)
        except DomainError:
            pass  # best effort: an unrevoked grant expires at the tracker on its own

    async def _owned(self, actor: Actor, integration_id: str, action: Action) -> Integration:
        async with self._uow() as uow:
            integration = await uow.integrations.get(integration_id)
        # Someone else's integration is "not found": its existence is not the caller's business.
        if integration is None or not await self._policy.allows(
            actor, action, AccountRef(integration.account_id)
        ):
            raise NotFound(f"No integration {integration_id!r}.")
        return integration

    def _unseal_state(self, state: str) -> _Pending:
        """The state is the callback's only credential, so a bad one is ``Unauthenticated``."""
        try:
            data = json.loads(self._cipher.decrypt(state))
        except (DomainError, ValueError) as exc:
            raise Unauthenticated(
                "The connection request could not be read; start connecting again."
            ) from exc
        if not isinstance(data, dict):
            raise Unauthenticated("The connection request is malformed; start connecting again.")
        try:
            expires = float(data["exp"])
            pending = _Pending(
                account_id=str(data["a"]),
                kind=str(data["k"]),
                data_centre=str(data["dc"]),
                workspace_id=None if data.get("w") is None else str(data["w"]),
                redirect_url=None if data.get("r") is None else str(data["r"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Unauthenticated(
                "The connection request is incomplete; start connecting again."
            ) from exc
        if self._clock.now().timestamp() > expires:
            raise Unauthenticated("The connection request expired; start connecting again.")
        return pending


def _session(integration: Integration, access_token: str, api_domain: str) -> TrackerSession:
    return TrackerSession(
        data_centre=integration.data_centre,
        workspace_id=integration.workspace_id,
        time_zone=integration.time_zone,
        access_token=access_token,
        api_domain=api_domain,
    )


def _redirected_data_centre(
    auth: TrackerAuth, chosen: str, location: str | None, accounts_server: str | None
) -> str:
    """Where the user's account really lives. The tracker's redirect may say (Zoho adds
    ``location`` and ``accounts-server``) and then wins over what the user picked, but only when
    it names a data centre the tracker knows: the redirect's query is not ours to trust blindly."""
    known = list(auth.data_centres())
    if location and location in known:
        return location
    if accounts_server:
        host = (urlsplit(accounts_server).hostname or accounts_server).lower()
        matches = [dc for dc in known if host == dc or host.endswith("." + dc)]
        if matches:
            return max(matches, key=len)  # "com.au" over "au"
    return chosen


def _pick_workspace(workspaces: Sequence[Workspace], wanted: str | None, label: str) -> Workspace:
    if wanted is not None:
        for workspace in workspaces:
            if workspace.workspace_id == wanted:
                return workspace
        raise InvalidInput(
            f"This {label} login cannot reach workspace {wanted!r}.", field="workspace_id"
        )
    if not workspaces:
        raise InvalidInput(f"This {label} login has no workspace to connect.", field="code")
    # Trackers list the user's default workspace first.
    return workspaces[0]
