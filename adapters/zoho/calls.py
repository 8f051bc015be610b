"""One Zoho Projects or Desk API call: the token header, typed errors, one retry for reads.

Writes are sent exactly once: the durable log sync owns retries and backoff, and a blind retry of a
create could make a second log. A read that met a dropped connection or a gateway error is retried
once after a short pause, which is safe and spares the sync a whole backoff cycle for a blip.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_fixed,
)

from adapters.zoho.errors import ZohoError, as_zoho_error, raise_for_status, tracker_error

#: gateway answers worth one more try of a read (429 is not: the caller must back off)
_TRANSIENT = frozenset({502, 503, 504})


class ZohoApi:
    """Calls Zoho API hosts on one shared client; URLs are absolute (each data centre has its own)."""

    def __init__(
        self, client: httpx.AsyncClient, *, read_attempts: int = 2, read_pause: float = 0.2
    ) -> None:
        self._client = client
        self._read_attempts = read_attempts
        self._read_pause = read_pause

    async def call(
        self,
        method: str,
        url: str,
        *,
        token: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """The successful response (204 included); raises ``ZohoError`` otherwise."""
        all_headers = {"Authorization": f"Zoho-oauthtoken {token}", **(headers or {})}

        async def send() -> httpx.Response:
            return await self._client.request(
                method, url, headers=all_headers, params=params, data=data, json=json
            )

        try:
            if method.upper() == "GET":
                response = await self._read(send)
            else:
                response = await send()
        except httpx.HTTPError as exc:
            raise as_zoho_error(exc) from exc
        return raise_for_status(response)

    async def _read(self, send: Any) -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._read_attempts),
            wait=wait_fixed(self._read_pause),
            retry=retry_if_exception_type(httpx.TransportError)
            | retry_if_result(lambda r: r.status_code in _TRANSIENT),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            reraise=True,
        )
        response: httpx.Response = await retrying(send)
        return response


@contextmanager
def domain_errors(*, missing: Literal["not_found", "rejected"] = "not_found") -> Iterator[None]:
    """Turns the Zoho errors of the block, and replies it could not read, into domain errors."""
    try:
        yield
    except ZohoError as exc:
        raise tracker_error(exc, missing=missing) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise tracker_error(as_zoho_error(exc)) from exc
