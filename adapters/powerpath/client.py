"""The PowerPath HTTP client and its health probe.

The client is a TimeBack client (:func:`adapters.timeback.client.make_timeback_client`): given the
process's token registry it uses the token TimeBack's other hosts already fetched.
"""

from __future__ import annotations

from adapters.http.probe import HttpProbe
from adapters.powerpath.errors import FAMILY, raise_for_status

#: the cheapest authenticated read: one question-free placement lookup would need a student, so
#: the admin list of test assignments, one row
PROBE_PATH = "/powerpath/test-assignments/admin"


class PowerPathProbe(HttpProbe):
    """Token (fetched when needed) plus ``GET /powerpath/test-assignments/admin?limit=1``."""

    name = "powerpath"
    family = FAMILY

    async def call(self) -> str:
        response = raise_for_status(await self._client.get(PROBE_PATH, params={"limit": 1}))
        return f"PowerPath answered; {response.json()['totalCount']} test assignments"
