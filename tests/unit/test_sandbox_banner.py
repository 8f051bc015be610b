"""What `bff serve` prints about the sandbox's upstreams."""

from __future__ import annotations

from adapters.zoho.upstream import ZohoSettings
from api.composition import demo_login_lines
from api.settings import SandboxSettings, Settings


def test_the_banner_names_shared_simulators_and_real_socket_upstreams() -> None:
    settings = Settings(
        _env_file=None,
        sandbox=SandboxSettings(simulators_url="http://127.0.0.1:8100"),
        zoho=ZohoSettings(
            accounts_url="http://127.0.0.1:8101",
            projects_url="http://127.0.0.1:8101",
            desk_url="http://127.0.0.1:8101",
        ),
    )
    lines = demo_login_lines(settings)
    assert "Upstreams   simulated at http://127.0.0.1:8100 (seed 42)" in lines
    assert not any("in-process" in line for line in lines)
    assert "  zoho      http://127.0.0.1:8101" in lines
