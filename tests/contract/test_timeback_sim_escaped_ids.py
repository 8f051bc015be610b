"""An id with an escaped slash names no record: the simulator answers 404, not a redirect.

Starlette redirects a path with a trailing slash too many (307); with an id ending in ``%2F`` that
redirect reached the BFF as "HTTP 307 from TimeBack" (a 502) where TimeBack answers 404. Found by
schemathesis posting an enrollment whose user sourcedId ended in "/".
"""

from __future__ import annotations

import pytest

from tests.support.timeback_sim import bearer_client, simulator_with_token

TOKEN = "escaped-ids"
USERS = "/ims/oneroster/rostering/v1p2/users"


@pytest.mark.parametrize("sourced_id", ["abc%2F", "%2F", "a%2Fb%2F"])
async def test_an_id_ending_in_an_escaped_slash_is_not_found(sourced_id: str) -> None:
    sim = simulator_with_token(TOKEN, seed=3, users=10, classes=2)
    async with bearer_client(sim, TOKEN, "http://timeback.sim") as client:
        reply = await client.get(f"{USERS}/{sourced_id}")
    assert reply.status_code == 404
    assert reply.json()["imsx_codeMajor"] == "failure"
