"""What every call to a TimeBack service host (QTI, PowerPath) shares: the send under TimeBack's
retry policy, transport failures as the service's typed errors, a successful answer's JSON.

Each service keeps its own reading of a refusal (their error bodies differ), in its ``calls``
module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.http.errors import ErrorFamily, to_domain_error
from adapters.timeback.retrying import RetryPolicy


class ServiceCalls:
    def __init__(
        self, http: httpx.AsyncClient, family: ErrorFamily[Any], retry: RetryPolicy
    ) -> None:
        self._http = http
        self._family = family
        self._retry = retry

    async def _send(
        self,
        method: str,
        path: str,
        *,
        retry_as: str,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """The answer, after the retries ``retry_as`` (the method the policy sees) allows."""

        async def send() -> httpx.Response:
            return await self._http.request(method, path, params=params, json=json)

        try:
            return await self._retry.call(retry_as, send)
        except Exception as exc:
            raise to_domain_error(self._family.wrap(exc)) from exc

    def _decoded(self, response: httpx.Response) -> Any:
        """A successful answer's JSON (None for an empty answer)."""
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise to_domain_error(self._family.wrap(exc)) from exc
