"""QTI's settings group: ``BFF_QTI_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from adapters.timeback.settings import TimebackServiceSettings
from adapters.upstream import UpstreamUrl


class QtiSettings(TimebackServiceSettings):
    """TimeBack's QTI service (production ``https://qti.alpha-1edtech.ai/api``): its own base URL,
    TimeBack's token endpoint and client, so one token serves OneRoster and QTI alike."""

    base_url: UpstreamUrl = "http://qti.timeback.sim"
