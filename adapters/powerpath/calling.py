"""One call to PowerPath, its retries and its errors in the domain's terms.

Retries follow the shared TimeBack policy (``adapters/timeback/retrying.py``): reads and
and the POSTs that cannot do anything twice (``idempotent=True``: PowerPath's
create-or-fetch of a lesson plan, a placement reset), are retried on 429/5xx and transport
failures; creations (a test assignment, a plan operation) only when the request provably never
reached PowerPath.

PowerPath's errors are TimeBack's imsx bodies: 404 is ``NotFound``; a 400/422 on what the caller
wrote (``caller_input=True``; 409 too) is ``UpstreamRefusedInput`` with PowerPath's description and its
``imsx_error_details``; a 400/422 on a request the BFF composed is the BFF's bug and stays a 502
(decision D43); anything else the shared mapping (503/502).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.http.errors import to_domain_error
from adapters.timeback.calls import ServiceCalls
from domain.errors import DomainError, NotFound, UpstreamRefusedInput

UPSTREAM = "PowerPath"


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _description(body: Any, response: httpx.Response) -> str:
    if isinstance(body, Mapping):
        for key in ("imsx_description", "message", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return response.reason_phrase or f"HTTP {response.status_code}"


def _details(body: Any) -> tuple[str, ...]:
    listed = body.get("imsx_error_details") if isinstance(body, Mapping) else None
    found = []
    for entry in listed if isinstance(listed, list) else ():
        if isinstance(entry, Mapping) and isinstance(entry.get("message"), str):
            where = entry.get("path")
            found.append(f"{where}: {entry['message']}" if where else entry["message"])
    return tuple(found)


class PowerPathCalls(ServiceCalls):
    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        idempotent: bool = False,
        caller_input: bool = False,
    ) -> Any:
        """The answer's JSON (None for an empty answer), or the domain's error."""
        # The policy sees a write as a POST whatever its verb: a second
        # updateStudentQuestionResponse (a PUT) would answer twice.
        as_method = "GET" if idempotent or method == "GET" else "POST"

        response = await self._send(method, path, retry_as=as_method, params=params, json=json)
        if response.is_success:
            return self._decoded(response)
        raise self._error(response, caller_input=caller_input)

    def _error(self, response: httpx.Response, *, caller_input: bool) -> DomainError:
        body = _body(response)
        status = response.status_code
        if status == 404:
            return NotFound(f"{UPSTREAM}: {_description(body, response)}")
        if caller_input and status in (400, 409, 422):
            return UpstreamRefusedInput(
                _description(body, response), upstream=UPSTREAM, messages=_details(body)
            )
        return to_domain_error(self._family.from_response(response))
