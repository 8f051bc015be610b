"""TimeBack environment presets (reference §1, §2) and a client built from one."""

from __future__ import annotations

import httpx
import pytest

from adapters.timeback.client import make_timeback_client
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.presets import (
    DEFAULT_ENVIRONMENT,
    DEFAULT_PLATFORM,
    LEGACY_STAGING_TOKEN_URL,
    PRESETS,
    UnknownPreset,
    timeback_preset,
)
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from simulators.timeback.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET


def test_the_default_is_beyond_ai_staging() -> None:
    assert (DEFAULT_PLATFORM, DEFAULT_ENVIRONMENT) == ("beyond_ai", "staging")
    preset = timeback_preset()
    assert preset.api_base_url == "https://api.staging.alpha-1edtech.ai"
    assert preset.token_url == (
        "https://staging-beyond-timeback-api-2-idp.auth.us-east-1.amazoncognito.com/oauth2/token"
    )
    assert preset.service_path("rostering") == "/ims/oneroster/rostering/v1p2"
    assert (preset.default_page_size, preset.max_page_size) == (1000, 3000)


def test_production_urls_from_the_reference() -> None:
    preset = timeback_preset("PRODUCTION")
    assert preset.api_base_url == "https://api.alpha-1edtech.ai"
    assert preset.token_url == (
        "https://prod-beyond-timeback-api-2-idp.auth.us-east-1.amazoncognito.com/oauth2/token"
    )
    assert preset.qti_base_url == "https://qti.alpha-1edtech.ai/api"
    assert preset.caliper_base_url == "https://caliper.alpha-1edtech.ai"
    assert preset.service_path("gradebook") == "/ims/oneroster/gradebook/v1p2"
    assert preset.service_path("resources") == "/ims/oneroster/resources/v1p2"
    assert preset.powerpath_path == "/powerpath"
    assert preset.scope is None
    assert timeback_preset("prod") == preset


def test_learnwith_ai_has_its_own_paths_scope_and_page_limits() -> None:
    preset = timeback_preset("production", "learnwith-ai")
    assert preset.token_url == "https://platform.timeback.com/auth/1.0/token"
    assert preset.service_path("rostering") == "/rostering/1.0"
    assert preset.scope == "https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.write"
    assert preset.max_page_size == 100
    assert preset.powerpath_path is None
    with pytest.raises(UnknownPreset):
        preset.service_path("resources")
    assert timeback_preset("staging", "learnwith_ai").api_base_url == (
        "https://platform.dev.timeback.com"
    )


def test_every_url_can_be_overridden_and_unknown_names_are_refused() -> None:
    preset = timeback_preset("staging", token_url=LEGACY_STAGING_TOKEN_URL, api_base_url="")
    assert preset.token_url == LEGACY_STAGING_TOKEN_URL
    assert preset.api_base_url == "https://api.staging.alpha-1edtech.ai"  # "" means unset
    local = timeback_preset(api_base_url="http://timeback.sim/", token_url="http://timeback.sim/t")
    assert (local.api_base_url, local.token_url) == ("http://timeback.sim", "http://timeback.sim/t")
    with pytest.raises(UnknownPreset, match="beyond_ai/production"):
        timeback_preset("qa")
    with pytest.raises(UnknownPreset):
        timeback_preset("production", "other")
    assert len(PRESETS) == 4


async def test_a_client_built_from_an_overridden_preset_reads_the_simulator() -> None:
    sim = TimebackSimulator(seed=7, users=12, classes=4)
    preset = timeback_preset(
        "production",
        api_base_url="http://timeback.sim",
        token_url="http://timeback.sim/oauth2/token",
    )
    http: httpx.AsyncClient = make_timeback_client(
        base_url=preset.api_base_url,
        token_url=preset.token_url,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        timeout=5.0,
        transport=SimulatorTransport(sim.app),
    )
    async with http:
        roster = OneRosterClient.for_service(http, "rostering", preset)
        page = await roster.list_page("orgs")
    assert page.total == 3
    assert page.limit == 1000
