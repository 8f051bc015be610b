"""Caliper's settings group: ``BFF_CALIPER_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from adapters.timeback.settings import TimebackServiceSettings
from adapters.upstream import UpstreamUrl


class CaliperSettings(TimebackServiceSettings):
    """TimeBack's Caliper host, behind TimeBack's token endpoint: with the same token URL and
    client as ``BFF_TIMEBACK_*`` the two share one token."""

    base_url: UpstreamUrl = "http://caliper.timeback.sim"
