"""PowerPath's settings group: ``BFF_POWERPATH_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from adapters.timeback.settings import TimebackServiceSettings
from adapters.upstream import UpstreamUrl


class PowerPathSettings(TimebackServiceSettings):
    """PowerPath answers under ``/powerpath`` on the OneRoster host in production (set
    ``base_url`` to it); the sandbox simulates it on a host of its own. It takes TimeBack's token,
    so ``token_url`` and the client are TimeBack's."""

    base_url: UpstreamUrl = "http://powerpath.timeback.sim"
