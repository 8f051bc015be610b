"""What an upstream declares about itself, once: the :class:`Upstream` descriptor.

Each upstream package holds one in ``adapters/<upstream>/upstream.py``: its settings group, how its
HTTP client, health probe, tracker plugins or identity provider are built, its simulator (a module
path) and the sandbox hosts that simulator answers on. ``api/settings.py`` lists the declarations,
one line each; the composition root, production's checks, the sandbox and ``bff simulate`` read
that list and name no upstream.

Declarations are cheap to import and build nothing: each factory imports its adapter's modules when
it is called, so reading settings imports neither authlib nor a client, and a simulator, named by
module path, is imported only by the sandbox wiring (production never loads one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

if TYPE_CHECKING:
    import httpx

    from adapters.http.oauth import TokenRegistry
    from domain.ports import UpstreamProbe
    from domain.ports.sso import IdentityProvider
    from domain.ports.time_tracker import TrackerPlugin

#: Upstream hosts under this suffix are served by the simulators, in-process (sandbox mode).
SIMULATED_HOST_SUFFIX = ".sim"


class _UpstreamUrlMark:
    """Marks a settings field as an address of the upstream (production refuses simulated ones)."""

    def __repr__(self) -> str:
        return "UpstreamUrl"


#: A settings field holding an upstream's address: still a ``str`` to the code that reads it.
UpstreamUrl = Annotated[str, _UpstreamUrlMark()]

S = TypeVar("S", bound=BaseModel)
#: what to await at shutdown
Close = Callable[[], Awaitable[None]]


def is_simulated(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith(SIMULATED_HOST_SUFFIX)


def _always(_: BaseModel) -> bool:
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class Upstream(Generic[S]):
    """One upstream as the composition root sees it. Secrets are the settings group's ``SecretStr``
    fields and addresses its :data:`UpstreamUrl` fields; the first address says whether sandbox mode
    routes the upstream to its simulator."""

    #: the settings group on ``Settings`` (``BFF_<NAME>_*``), the ``/ready`` check, ``Container.http``
    name: str
    settings: type[S]
    #: its one long-lived HTTP client; the transport reaches the simulator in sandbox mode, else
    #: None; clients of one process share the token registry (TimeBack's services, on four hosts,
    #: accept one token: one fetch serves them all)
    client: Callable[[S, httpx.AsyncBaseTransport | None, TokenRegistry], httpx.AsyncClient]
    #: the health probe over that client (``/ready``, the periodic upstream check)
    probe: Callable[[S, httpx.AsyncClient], UpstreamProbe]
    #: its simulator class as ``"module:Class"``, imported only by the sandbox wiring
    simulator: str | None = None
    #: the sandbox hosts its simulator answers on
    hosts: tuple[str, ...] = ()
    #: what ``bff simulate <cli_name>`` runs
    cli_name: str | None = None
    #: settings docker-compose.yml passes through besides the secrets and addresses
    compose: tuple[str, ...] = ()
    #: whether it is used at all with these settings (a disabled upstream is neither built nor checked)
    enabled: Callable[[S], bool] = _always
    #: time-tracker plugins by kind, and what to close at shutdown
    trackers: (
        Callable[[S, httpx.AsyncBaseTransport | None], tuple[Mapping[str, TrackerPlugin], Close]]
        | None
    ) = None
    #: the single sign-on provider, and what to close at shutdown
    identity_provider: (
        Callable[[S, httpx.AsyncBaseTransport | None], tuple[IdentityProvider, Close]] | None
    ) = None

    def group(self, settings: BaseModel) -> S:
        """This upstream's settings group out of the whole ``Settings``."""
        group = getattr(settings, self.name)
        if not isinstance(group, self.settings):
            raise TypeError(f"settings.{self.name} is not {self.settings.__name__}")
        return group

    def secret_fields(self) -> tuple[str, ...]:
        fields = self.settings.model_fields
        return tuple(name for name, info in fields.items() if info.annotation is SecretStr)

    def url_fields(self) -> tuple[str, ...]:
        fields = self.settings.model_fields
        return tuple(
            name
            for name, info in fields.items()
            if any(isinstance(m, _UpstreamUrlMark) for m in info.metadata)
        )

    def compose_fields(self) -> tuple[str, ...]:
        """What docker-compose.yml must pass through, in the group's field order."""
        wanted = {*self.url_fields(), *self.secret_fields(), *self.compose}
        return tuple(name for name in self.settings.model_fields if name in wanted)

    def secrets(self, group: S) -> dict[str, str]:
        """The group's secrets, leaving out an optional one (empty by default) left unset."""
        found: dict[str, str] = {}
        for name in self.secret_fields():
            value = getattr(group, name).get_secret_value()
            default = self.settings.model_fields[name].default
            if not value and isinstance(default, SecretStr) and not default.get_secret_value():
                continue
            found[name] = value
        return found

    def urls(self, group: S) -> dict[str, str]:
        return {name: getattr(group, name) for name in self.url_fields()}

    def address(self, group: S) -> str:
        """The first address: the one sandbox mode checks to route this upstream to a simulator."""
        return str(getattr(group, self.url_fields()[0]))

    def env_name(self, field: str) -> str:
        return f"BFF_{self.name}_{field}".upper()


def declared(settings_type: type[BaseModel]) -> tuple[Upstream[Any], ...]:
    """The upstreams a settings class lists: its fields annotated with an :class:`Upstream`."""
    found: list[Upstream[Any]] = []
    for name, info in settings_type.model_fields.items():
        for upstream in (m for m in info.metadata if isinstance(m, Upstream)):
            if upstream.name != name or info.annotation is not upstream.settings:
                raise TypeError(
                    f"{settings_type.__name__}.{name} must be "
                    f"{upstream.settings.__name__} to carry the {upstream.name!r} upstream"
                )
            if not upstream.url_fields():
                raise TypeError(f"{upstream.settings.__name__} declares no UpstreamUrl field")
            found.append(upstream)
    return tuple(found)
