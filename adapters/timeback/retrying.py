"""Bounded retries for TimeBack calls: exponential backoff with jitter, ``Retry-After``, a deadline.

Retried (tenacity drives the loop; this module only decides):

* **idempotent** requests (GET, PUT, DELETE, ...): 429, 502, 503, 504 and transport failures
  (connection errors, timeouts, dropped connections);
* **POST** (creates are not idempotent): only when the request provably never reached the server
  (``httpx.ConnectError``/``ConnectTimeout``: no connection was made; a 429/502/503/504 from the
  *token* endpoint, before the API request was sent), or on a 429 or 503 that carries
  ``Retry-After`` (the server says it did not act and asks us to come back).

The delay before attempt *n+1* is ``Retry-After`` when the answer sent one (seconds or an HTTP
date), otherwise ``base_delay * 2**(n-1)`` capped at ``max_delay``, times a random factor in
``[1 - jitter, 1]``. The loop stops after ``max_attempts`` attempts, when the next delay would end
after ``deadline`` seconds from the first attempt, or when ``Retry-After`` asks for more than
``max_retry_after`` seconds (coming back earlier than asked would only be refused again). Whatever
the last attempt gave is handed back as it was: the response (the caller turns it into a typed
error, once) or the exception.

``sleep``, ``clock`` and ``random`` are injectable so tests script time instead of waiting it.
"""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from tenacity import AsyncRetrying, RetryCallState

from adapters.http.retry_after import retry_after_seconds

RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: statuses after which a POST may be retried, and only when the answer carries Retry-After
POST_RETRY_STATUSES = frozenset({429, 503})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt as the retry loop saw it (for logs and tests)."""

    number: int
    status: int | None
    error: str | None
    delay: float | None  # the wait before the next attempt; None: no further attempt


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    #: fraction of the delay taken off at random (0: none, 1: "full jitter")
    jitter: float = 0.5
    #: longest ``Retry-After`` honoured; a longer one ends the retries
    max_retry_after: float = 30.0
    #: seconds from the first attempt after which no new attempt starts
    deadline: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    random: Callable[[], float] = field(default=_random.random)
    #: called after each retryable failure with the delay before the next attempt (None: gave up)
    on_attempt: Callable[[Attempt], None] | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")

    async def call(
        self, method: str, send: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        """``send()`` until it gives an answer not worth retrying or the budget is spent; returns
        the last response or raises the last exception, untouched."""
        idempotent = method.upper() in IDEMPOTENT
        started = self.clock()

        def retryable(state: RetryCallState) -> bool:
            outcome = state.outcome
            if outcome is None:  # pragma: no cover - tenacity always sets it before asking
                return False
            if outcome.failed:
                return _retryable_exception(outcome.exception(), idempotent=idempotent)
            return _retryable_response(outcome.result(), idempotent=idempotent)

        def wait(state: RetryCallState) -> float:
            after = _retry_after(state)
            if after is not None:
                return after
            growth = float(2 ** (state.attempt_number - 1))
            backoff = min(self.max_delay, self.base_delay * growth)
            return backoff * (1 - self.jitter * self.random())

        def stop(state: RetryCallState) -> bool:
            delay = state.upcoming_sleep
            after = _retry_after(state)
            give_up = (
                state.attempt_number >= self.max_attempts
                or (after is not None and after > self.max_retry_after)
                or self.clock() - started + delay > self.deadline
            )
            self._report(state, None if give_up else delay)
            return give_up

        def last_outcome(state: RetryCallState) -> httpx.Response:
            assert state.outcome is not None  # noqa: S101 (tenacity sets it)
            response: httpx.Response = state.outcome.result()  # raises the last exception
            return response

        retrying = AsyncRetrying(
            sleep=self.sleep,
            retry=retryable,
            wait=wait,
            stop=stop,
            retry_error_callback=last_outcome,
            reraise=True,
        )
        response: httpx.Response = await retrying(send)
        return response

    def _report(self, state: RetryCallState, delay: float | None) -> None:
        if self.on_attempt is None or state.outcome is None:
            return
        if state.outcome.failed:
            exc = state.outcome.exception()
            status, error = None, type(exc).__name__
        else:
            status, error = state.outcome.result().status_code, None
        self.on_attempt(Attempt(state.attempt_number, status, error, delay))


NO_RETRIES = RetryPolicy(max_attempts=1)


def _retry_after(state: RetryCallState) -> float | None:
    outcome = state.outcome
    if outcome is None or outcome.failed:
        return None
    response: httpx.Response = outcome.result()
    return retry_after_seconds(response.headers.get("retry-after"))


def _retryable_exception(exc: BaseException | None, *, idempotent: bool) -> bool:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return True  # no connection, so the server never saw the request
    if isinstance(exc, httpx.HTTPStatusError):
        # the token endpoint failed (ClientCredentialsClient raises these): the API request
        # itself was never sent, so even a POST may go again
        return exc.response.status_code in RETRY_STATUSES
    if idempotent:
        return isinstance(exc, httpx.TransportError)  # timeouts, dropped connections, ...
    return False


def _retryable_response(response: httpx.Response, *, idempotent: bool) -> bool:
    if idempotent:
        return response.status_code in RETRY_STATUSES
    return response.status_code in POST_RETRY_STATUSES and "retry-after" in response.headers
