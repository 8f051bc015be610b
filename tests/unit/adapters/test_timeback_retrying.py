"""The retry policy: which answers it retries, how long it waits, when it stops (time is faked)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from adapters.timeback.retrying import Attempt, RetryPolicy


class Script:
    """Answers (or exceptions) handed out one per attempt, and a clock that sleeping advances."""

    def __init__(self, *outcomes: httpx.Response | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0
        self.now = 100.0
        self.slept: list[float] = []
        self.attempts: list[Attempt] = []

    async def send(self) -> httpx.Response:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def policy(self, **overrides: object) -> RetryPolicy:
        options: dict[str, object] = {
            "sleep": self.sleep,
            "clock": lambda: self.now,
            "random": lambda: 0.0,
            "on_attempt": self.attempts.append,
        }
        return RetryPolicy(**(options | overrides))  # type: ignore[arg-type]


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "http://t/x"))


REQUEST = httpx.Request("GET", "http://t/x")


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_reads_retry_retryable_statuses_with_exponential_backoff(status: int) -> None:
    script = Script(answer(status), answer(status), answer(200))
    response = await script.policy().call("GET", script.send)
    assert response.status_code == 200
    assert script.calls == 3
    assert script.slept == [0.5, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 500, 501])
async def test_other_statuses_are_not_retried(status: int) -> None:
    script = Script(answer(status), answer(200))
    response = await script.policy().call("GET", script.send)
    assert (response.status_code, script.calls, script.slept) == (status, 1, [])


async def test_attempts_are_bounded_and_the_last_answer_is_handed_back() -> None:
    script = Script(answer(503))
    response = await script.policy(max_attempts=3).call("GET", script.send)
    assert response.status_code == 503
    assert script.calls == 3
    assert script.slept == [0.5, 1.0]
    assert [(a.number, a.status, a.delay) for a in script.attempts] == [
        (1, 503, 0.5),
        (2, 503, 1.0),
        (3, 503, None),
    ]


async def test_backoff_is_capped_and_jittered() -> None:
    script = Script(answer(503))
    policy = script.policy(max_attempts=6, base_delay=1.0, max_delay=4.0, random=lambda: 1.0)
    await policy.call("GET", script.send)
    assert script.slept == [0.5, 1.0, 2.0, 2.0, 2.0]  # jitter 0.5 at its maximum: half the delay
    script = Script(answer(503))
    await script.policy(max_attempts=6, base_delay=1.0, max_delay=4.0).call("GET", script.send)
    assert script.slept == [1.0, 2.0, 4.0, 4.0, 4.0]


async def test_retry_after_in_seconds_is_honoured_exactly() -> None:
    script = Script(answer(429, **{"Retry-After": "3"}), answer(200))
    assert (await script.policy().call("GET", script.send)).status_code == 200
    assert script.slept == [3.0]


async def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = datetime.now(UTC) + timedelta(seconds=20)
    script = Script(answer(503, **{"Retry-After": format_datetime(when, usegmt=True)}), answer(200))
    await script.policy().call("GET", script.send)
    assert len(script.slept) == 1
    assert 17 <= script.slept[0] <= 20


async def test_a_retry_after_beyond_the_cap_ends_the_retries() -> None:
    script = Script(answer(429, **{"Retry-After": "120"}), answer(200))
    response = await script.policy(max_retry_after=30).call("GET", script.send)
    assert (response.status_code, response.headers["retry-after"]) == (429, "120")
    assert (script.calls, script.slept) == (1, [])


async def test_the_deadline_stops_retries_that_would_end_too_late() -> None:
    script = Script(answer(429, **{"Retry-After": "4"}))
    response = await script.policy(max_attempts=10, deadline=10).call("GET", script.send)
    assert response.status_code == 429
    assert script.slept == [4.0, 4.0]  # a third wait would end 12 s after the start
    assert script.calls == 3


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("refused", request=REQUEST),
        httpx.ConnectTimeout("slow connect", request=REQUEST),
        httpx.ReadTimeout("slow", request=REQUEST),
        httpx.RemoteProtocolError("dropped", request=REQUEST),
    ],
)
async def test_reads_retry_transport_failures(error: Exception) -> None:
    script = Script(error, answer(200))
    assert (await script.policy().call("GET", script.send)).status_code == 200
    assert script.calls == 2


async def test_a_transport_failure_that_persists_is_raised_as_it_was() -> None:
    script = Script(httpx.ReadTimeout("slow", request=REQUEST))
    with pytest.raises(httpx.ReadTimeout):
        await script.policy(max_attempts=2).call("GET", script.send)
    assert script.calls == 2


async def test_other_exceptions_are_not_retried() -> None:
    script = Script(ValueError("bug"), answer(200))
    with pytest.raises(ValueError, match="bug"):
        await script.policy().call("GET", script.send)
    assert script.calls == 1


@pytest.mark.parametrize("method", ["PUT", "DELETE", "get"])
async def test_idempotent_writes_retry_like_reads(method: str) -> None:
    script = Script(answer(502), httpx.ReadTimeout("slow", request=REQUEST), answer(204))
    assert (await script.policy().call(method, script.send)).status_code == 204
    assert script.calls == 3


@pytest.mark.parametrize(
    "first",
    [
        answer(503),
        answer(502),
        answer(504),
        answer(429),
        httpx.ReadTimeout("slow", request=REQUEST),
        httpx.RemoteProtocolError("dropped", request=REQUEST),
    ],
)
async def test_a_post_is_not_retried_when_it_may_have_reached_the_server(
    first: httpx.Response | Exception,
) -> None:
    script = Script(first, answer(201))
    try:
        response = await script.policy().call("POST", script.send)
    except httpx.TransportError:
        pass
    else:
        assert response.status_code != 201
    assert script.calls == 1


@pytest.mark.parametrize(
    "first",
    [
        httpx.ConnectError("refused", request=REQUEST),
        httpx.ConnectTimeout("slow connect", request=REQUEST),
        answer(429, **{"Retry-After": "1"}),
        answer(503, **{"Retry-After": "1"}),
    ],
)
async def test_a_post_is_retried_when_it_provably_did_not_act(
    first: httpx.Response | Exception,
) -> None:
    script = Script(first, answer(201))
    assert (await script.policy().call("POST", script.send)).status_code == 201
    assert script.calls == 2


async def test_a_failed_token_request_is_retried_even_for_a_post() -> None:
    token_failure = httpx.HTTPStatusError(
        "token endpoint down", request=REQUEST, response=answer(503)
    )
    script = Script(token_failure, answer(201))
    assert (await script.policy().call("POST", script.send)).status_code == 201
    refused = httpx.HTTPStatusError("bad secret", request=REQUEST, response=answer(401))
    script = Script(refused, answer(201))
    with pytest.raises(httpx.HTTPStatusError):
        await script.policy().call("POST", script.send)
    assert script.calls == 1


@pytest.mark.parametrize(
    "bad", [lambda: RetryPolicy(max_attempts=0), lambda: RetryPolicy(jitter=1.5)]
)
def test_nonsense_policies_are_refused(bad: Callable[[], RetryPolicy]) -> None:
    with pytest.raises(ValueError, match="must be"):
        bad()
