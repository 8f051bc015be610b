"""Where TimeBack lives: base URLs and token URLs per platform and environment, as data.

From the reference (``timeback.md`` §0-§2). Two platforms exist:

* ``beyond_ai`` (**the default**, the one both Python clients target): API ``api.alpha-1edtech.ai``
  with OneRoster under ``/ims/oneroster/{rostering,gradebook,resources}/v1p2`` and PowerPath under
  ``/powerpath``; QTI and Caliper on their own hosts; Cognito client credentials, no scope.
* ``learnwith_ai`` (``platform.timeback.com``): OneRoster 1.1-style paths ``/rostering/1.0``,
  ``/gradebook/1.0``, a token endpoint wanting a scope, pages of at most 100, no PowerPath.

The default environment is **staging**: a deployment that forgets to choose touches test data and
fails loudly on production credentials, rather than touching production by accident.

The sources disagree on the staging token URL: ``timeback-common`` (the newer client) uses the
``staging-beyond-timeback-api-2-idp`` Cognito pool, which is the preset; ``timeback`` and TimeBack's
docs still name the older ``alpha-auth-development-idp`` pool, kept as
:data:`LEGACY_STAGING_TOKEN_URL`. Any URL can be overridden (:func:`timeback_preset`'s keywords), so
settings can point at either pool, or at the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

Platform = Literal["beyond_ai", "learnwith_ai"]
Environment = Literal["production", "staging"]
Service = Literal["rostering", "gradebook", "resources"]


class UnknownPreset(ValueError):
    pass


DEFAULT_PLATFORM: Platform = "beyond_ai"
DEFAULT_ENVIRONMENT: Environment = "staging"

PRODUCTION_TOKEN_URL = (
    "https://prod-beyond-timeback-api-2-idp.auth.us-east-1.amazoncognito.com/oauth2/token"  # noqa: S105
)
STAGING_TOKEN_URL = (
    "https://staging-beyond-timeback-api-2-idp.auth.us-east-1.amazoncognito.com/oauth2/token"  # noqa: S105
)
LEGACY_STAGING_TOKEN_URL = (
    "https://alpha-auth-development-idp.auth.us-west-2.amazoncognito.com/oauth2/token"  # noqa: S105
)
LEGACY_PRODUCTION_TOKEN_URL = (
    "https://alpha-auth-production-idp.auth.us-west-2.amazoncognito.com/oauth2/token"  # noqa: S105
)

BEYOND_AI_PATHS: dict[Service, str] = {
    "rostering": "/ims/oneroster/rostering/v1p2",
    "gradebook": "/ims/oneroster/gradebook/v1p2",
    "resources": "/ims/oneroster/resources/v1p2",
}
LEARNWITH_AI_PATHS: dict[Service, str] = {
    "rostering": "/rostering/1.0",
    "gradebook": "/gradebook/1.0",
}  # the reference names no resources path on LearnWith.AI
LEARNWITH_AI_SCOPE = "https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.write"


@dataclass(frozen=True, slots=True)
class TimebackPreset:
    platform: Platform
    environment: Environment
    #: OneRoster (and PowerPath, CASE) host
    api_base_url: str
    token_url: str
    #: OneRoster service -> path prefix on ``api_base_url``
    paths: dict[Service, str]
    qti_base_url: str | None
    caliper_base_url: str | None
    #: PowerPath prefix on ``api_base_url``; None where the platform has none
    powerpath_path: str | None
    #: scope to request with the token (``None``: none)
    scope: str | None
    max_page_size: int
    default_page_size: int

    def service_path(self, service: Service) -> str:
        if service not in self.paths:
            raise UnknownPreset(f"TimeBack {self.platform} has no known {service} path")
        return self.paths[service]


PRESETS: dict[tuple[Platform, Environment], TimebackPreset] = {
    ("beyond_ai", "production"): TimebackPreset(
        platform="beyond_ai",
        environment="production",
        api_base_url="https://api.alpha-1edtech.ai",
        token_url=PRODUCTION_TOKEN_URL,
        paths=BEYOND_AI_PATHS,
        qti_base_url="https://qti.alpha-1edtech.ai/api",
        caliper_base_url="https://caliper.alpha-1edtech.ai",
        powerpath_path="/powerpath",
        scope=None,
        max_page_size=3000,
        default_page_size=1000,
    ),
    ("beyond_ai", "staging"): TimebackPreset(
        platform="beyond_ai",
        environment="staging",
        api_base_url="https://api.staging.alpha-1edtech.ai",
        token_url=STAGING_TOKEN_URL,
        paths=BEYOND_AI_PATHS,
        qti_base_url="https://qti-staging.alpha-1edtech.ai/api",
        caliper_base_url="https://caliper-staging.alpha-1edtech.ai",
        powerpath_path="/powerpath",
        scope=None,
        max_page_size=3000,
        default_page_size=1000,
    ),
    ("learnwith_ai", "production"): TimebackPreset(
        platform="learnwith_ai",
        environment="production",
        api_base_url="https://platform.timeback.com",
        token_url="https://platform.timeback.com/auth/1.0/token",  # noqa: S106
        paths=LEARNWITH_AI_PATHS,
        qti_base_url=None,
        caliper_base_url=None,
        powerpath_path=None,
        scope=LEARNWITH_AI_SCOPE,
        max_page_size=100,
        default_page_size=100,
    ),
    ("learnwith_ai", "staging"): TimebackPreset(
        platform="learnwith_ai",
        environment="staging",
        api_base_url="https://platform.dev.timeback.com",
        token_url="https://platform.dev.timeback.com/auth/1.0/token",  # noqa: S106
        paths=LEARNWITH_AI_PATHS,
        qti_base_url=None,
        caliper_base_url=None,
        powerpath_path=None,
        scope=LEARNWITH_AI_SCOPE,
        max_page_size=100,
        default_page_size=100,
    ),
}

_ALIASES = {
    "prod": "production",
    "production": "production",
    "stage": "staging",
    "staging": "staging",
    "beyond_ai": "beyond_ai",
    "beyond-ai": "beyond_ai",
    "beyondai": "beyond_ai",
    "learnwith_ai": "learnwith_ai",
    "learnwith-ai": "learnwith_ai",
    "learnwithai": "learnwith_ai",
}


def timeback_preset(
    environment: str | None = None,
    platform: str | None = None,
    *,
    api_base_url: str | None = None,
    token_url: str | None = None,
    qti_base_url: str | None = None,
    caliper_base_url: str | None = None,
) -> TimebackPreset:
    """The preset for ``environment`` (``production``/``staging``, any case; default staging) on
    ``platform`` (``beyond_ai``/``learnwith_ai``; default beyond_ai), with any URL overridden by
    the keyword of the same name (empty strings count as not given, as unset settings do)."""
    env = _ALIASES.get((environment or DEFAULT_ENVIRONMENT).strip().lower())
    plat = _ALIASES.get((platform or DEFAULT_PLATFORM).strip().lower())
    preset = PRESETS.get((plat, env))  # type: ignore[arg-type]
    if preset is None:
        known = ", ".join(f"{p}/{e}" for p, e in PRESETS)
        raise UnknownPreset(
            f"no TimeBack preset for platform {platform!r}, environment {environment!r} "
            f"(known: {known})"
        )
    overrides: dict[str, Any] = {
        "api_base_url": api_base_url,
        "token_url": token_url,
        "qti_base_url": qti_base_url,
        "caliper_base_url": caliper_base_url,
    }
    changes: dict[str, Any] = {k: str(v).rstrip("/") for k, v in overrides.items() if v}
    return replace(preset, **changes)
