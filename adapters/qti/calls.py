"""One call to the QTI service, its retries and its errors in the domain's terms.

Retries (the shared TimeBack policy, ``adapters/timeback/retrying.py``) only where a second try
cannot do anything twice: reads, and ``process-response``, which stores nothing. Writes are
retried only when the request provably never reached QTI (the policy's POST rule).

QTI's errors (``{"error", "details"}``; ``/validate``'s ``validationErrors``; zod's
``meta.issues``) become: 404 ``NotFound``, 409 ``Conflict``, 400/422 ``UpstreamRefusedInput``
carrying every validation message QTI gave (a 422 problem listing them), anything else the
shared mapping (503/502).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.http.errors import UpstreamError, to_domain_error
from adapters.timeback.calls import ServiceCalls
from domain.errors import Conflict, DomainError, NotFound, UpstreamRefusedInput

UPSTREAM = "QTI"
#: a request that stores nothing, though QTI takes it as a POST
SAFE_POSTS = frozenset({"process-response"})


def validation_messages(body: Any) -> tuple[str, ...]:
    """Every message QTI's error body lists, in order, without repeats."""
    if not isinstance(body, Mapping):
        return ()
    found: list[str] = []
    listed = body.get("validationErrors")
    if isinstance(listed, list):
        for entry in listed:
            if isinstance(entry, str):
                found.append(entry)
            elif isinstance(entry, Mapping) and isinstance(entry.get("message"), str):
                where = entry.get("field") or entry.get("path") or entry.get("line")
                found.append(f"{where}: {entry['message']}" if where else entry["message"])
    meta = body.get("meta")
    issues = meta.get("issues") if isinstance(meta, Mapping) else None
    if isinstance(issues, list):
        for issue in issues:
            if isinstance(issue, Mapping) and isinstance(issue.get("message"), str):
                field = issue.get("field")
                found.append(f"{field}: {issue['message']}" if field else issue["message"])
    details = body.get("details")
    if isinstance(details, str) and details:
        found.append(details)
    elif isinstance(details, list):
        found += [d for d in details if isinstance(d, str)]
    return tuple(dict.fromkeys(found))


def _reason(body: Any, response: httpx.Response) -> str:
    if isinstance(body, Mapping):
        for key in ("error", "message"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return response.reason_phrase or f"HTTP {response.status_code}"


class QtiCalls(ServiceCalls):
    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> Any:
        """The answer's JSON (None for an empty answer), or the domain's error."""
        safe = method == "GET" or path.rsplit("/", 1)[-1] in SAFE_POSTS
        as_method = "GET" if safe else "POST"

        response = await self._send(method, path, retry_as=as_method, params=params, json=json)
        if response.is_success:
            return self._decoded(response)
        raise self._error(response)

    def _error(self, response: httpx.Response) -> DomainError:
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if status == 404:
            return NotFound(f"{UPSTREAM}: {_reason(body, response)}")
        if status == 409:
            return Conflict(f"{UPSTREAM}: {_reason(body, response)}")
        if status in (400, 422):
            return UpstreamRefusedInput(
                _reason(body, response), upstream=UPSTREAM, messages=validation_messages(body)
            )
        error: UpstreamError = self._family.from_response(response)
        return to_domain_error(error)
