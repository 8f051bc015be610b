"""Sandbox mode only: the simulators under the BFF's own origin, ``/_sandbox/upstreams/{host}/...``.

Two callers need them there: the sandbox's other processes (``bff worker``, ``bff sync roster``),
which must use this server's simulators rather than fresh ones of their own (D47), and browsers,
which cannot resolve ``idp.sim`` or ``accounts.zoho.sim`` but can follow the SSO and Zoho
redirects here (D48). Requests go through the container's simulators, in-process or shared.
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.composition import UPSTREAMS_PATH, Container, browser_url, is_sandbox_host
from domain.errors import NotFound, UpstreamUnavailable

#: hop-by-hop or re-computed by the server; everything else is passed on as the simulator sent it
_DROPPED = {"connection", "content-length", "content-encoding", "transfer-encoding", "keep-alive"}


async def simulated_upstream(request: Request) -> Response:
    host, path = request.path_params["host"], request.path_params["path"]
    container: Container = request.state.container
    sims = container.simulators
    if sims is None or not is_sandbox_host(host):
        raise NotFound(f"No simulated upstream {host!r} here.")
    headers = [
        (k, v) for k, v in request.headers.raw if k.decode().lower() not in {"host", *_DROPPED}
    ]
    url = httpx.URL(f"http://{host}/{path}", query=request.url.query.encode())
    try:
        async with httpx.AsyncClient(transport=sims.transport(), timeout=30) as client:
            answer = await client.request(
                request.method, url, headers=headers, content=await request.body()
            )
    except httpx.HTTPError as exc:  # the shared simulators are down, or the host is not served
        raise UpstreamUnavailable(
            f"The simulated {host} did not answer: {exc}", upstream=host
        ) from exc
    out = Response(content=answer.content, status_code=answer.status_code)
    for key, value in answer.headers.multi_items():
        if key.lower() in _DROPPED:
            continue
        if key.lower() == "location":
            value = browser_url(value, str(request.base_url))
        out.headers.append(key, value)
    return out


#: A plain route, outside the OpenAPI document and the access matrix: it is no API of the BFF,
#: it stands in for the upstreams' own hosts.
router = APIRouter()
router.routes.append(
    Route(
        UPSTREAMS_PATH + "/{host}/{path:path}",
        simulated_upstream,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    )
)
