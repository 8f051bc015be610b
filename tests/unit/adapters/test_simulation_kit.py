"""The simulation kit's pure parts: fault plan, redaction, clock and tokens, seeded data."""

from __future__ import annotations

from collections import Counter

import pytest

from simulators.kit.clock import SimClock
from simulators.kit.faults import FaultPlan
from simulators.kit.population import build_population
from simulators.kit.requestlog import REDACTED, redact_headers, redact_query
from simulators.kit.seed import SeedGenerator
from simulators.kit.tokens import TokenStatus, TokenStore


def test_a_scripted_failure_is_used_up_after_its_times() -> None:
    plan = FaultPlan()
    plan.fail_next(503, times=2)
    first, second, third = (plan.next_action("/x") for _ in range(3))
    assert first.failure is not None
    assert first.failure.status == 503
    assert second.failure is not None
    assert third.failure is None
    assert plan.describe() == []


def test_failures_and_hangs_apply_in_the_order_they_were_scripted() -> None:
    plan = FaultPlan()
    plan.timeout_next()
    plan.fail_next(429, headers={"Retry-After": "3"})
    assert plan.next_action("/a").hang
    action = plan.next_action("/a")
    assert action.failure is not None
    assert action.failure.headers == {"Retry-After": "3"}
    assert plan.next_action("/a") == type(action)()


def test_a_path_limits_a_rule_to_requests_under_it() -> None:
    plan = FaultPlan()
    plan.fail_next(500, path="/ims/")
    assert plan.next_action("/oauth2/token").failure is None
    assert plan.next_action("/ims/oneroster/x").failure is not None


def test_latency_stacks_and_persists_until_cleared_unless_limited() -> None:
    plan = FaultPlan()
    plan.add_latency(0.25)
    plan.add_latency(0.5, times=1)
    assert plan.next_action("/").latency == pytest.approx(0.75)
    assert plan.next_action("/").latency == pytest.approx(0.25)
    plan.clear()
    assert plan.next_action("/").latency == 0


def test_nonsense_faults_are_refused() -> None:
    plan = FaultPlan()
    with pytest.raises(ValueError, match="4xx or 5xx"):
        plan.fail_next(200)
    with pytest.raises(ValueError, match="at least 1"):
        plan.fail_next(503, times=0)
    with pytest.raises(ValueError, match="negative"):
        plan.add_latency(-1)


def test_credentials_are_redacted_but_the_scheme_stays() -> None:
    headers = redact_headers(
        [(b"Authorization", b"Bearer abc.def"), (b"Cookie", b"s=1"), (b"Accept", b"*/*")]
    )
    assert headers == {
        "authorization": f"Bearer {REDACTED}",
        "cookie": REDACTED,
        "accept": "*/*",
    }


def test_secrets_in_a_query_string_are_redacted() -> None:
    query = redact_query("grant_type=refresh_token&refresh_token=1000.abc&client_secret=s&x=1")
    assert "1000.abc" not in query
    assert "client_secret=%5Bredacted%5D" in query
    assert "grant_type=refresh_token" in query
    assert "x=1" in query
    assert redact_query("limit=1&offset=2") == "limit=1&offset=2"


def test_tokens_tell_expired_from_unknown_by_the_simulator_clock() -> None:
    clock = SimClock()
    store = TokenStore(clock, ttl=60)
    token = store.issue("client")
    assert store.check(token.value)[0] is TokenStatus.VALID
    clock.advance(61)
    assert store.check(token.value)[0] is TokenStatus.EXPIRED
    assert store.check("never-issued")[0] is TokenStatus.UNKNOWN
    assert store.live() == 0
    assert len(store) == 1
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_expire_all_ends_every_live_token_now() -> None:
    store = TokenStore(SimClock(), ttl=3600)
    tokens = [store.issue(f"c{i}") for i in range(3)]
    store.expire_all()
    assert all(store.check(t.value)[0] is TokenStatus.EXPIRED for t in tokens)


def test_the_same_seed_gives_the_same_values_and_streams_are_independent() -> None:
    a, b = SeedGenerator(5), SeedGenerator(5)
    assert [a.uuid(), a.given_name(), a.moment()] == [b.uuid(), b.given_name(), b.moment()]
    assert SeedGenerator(5).uuid() != SeedGenerator(6).uuid()
    # drawing from one stream does not shift another
    root = SeedGenerator(5)
    first = root.stream("zoho").hex(8)
    root.stream("timeback").hex(100)
    assert root.stream("zoho").hex(8) == first


def test_population_size_follows_users_and_classes() -> None:
    population = build_population(1, users=25, classes=7)
    roles = Counter(p.role for p in population.people)
    assert roles["student"] == 25
    assert roles["teacher"] == 7
    assert len(population.schools) == 3  # one school per three classes, rounded up
    assert roles["administrator"] == 1 + len(population.schools)
    assert 0 < roles["guardian"] <= 25


def test_guardians_and_children_point_at_each_other() -> None:
    population = build_population(3, users=30, classes=3)
    people = {p.key: p for p in population.people}
    guardians = [p for p in population.people if p.role == "guardian"]
    assert guardians
    for guardian in guardians:
        assert guardian.agents
        for child in guardian.agents:
            assert people[child].role == "student"
            assert guardian.key in people[child].agents


def test_population_is_deterministic_and_usernames_unique() -> None:
    first = build_population(9, users=40, classes=6)
    assert first == build_population(9, users=40, classes=6)
    assert first != build_population(10, users=40, classes=6)
    usernames = [p.username for p in first.people]
    assert len(usernames) == len(set(usernames))


def test_chaos_fails_about_its_rate_and_the_same_seed_fails_the_same_requests() -> None:
    def run(seed: int) -> list[str]:
        plan = FaultPlan()
        plan.set_chaos(0.3, seed=seed)
        outcomes = []
        for _ in range(2000):
            action = plan.next_action("/x")
            if action.hang:
                outcomes.append("hang")
            elif action.lose_reply:
                outcomes.append("lost")
            elif action.failure is not None:
                outcomes.append(str(action.failure.status))
            else:
                outcomes.append("ok")
        assert sum(plan.chaos_injected().values()) == sum(o != "ok" for o in outcomes)
        assert plan.chaos_seen() == len(outcomes)
        return outcomes

    first = run(1)
    assert first == run(1)
    assert first != run(2)
    failed = sum(o != "ok" for o in first) / len(first)
    assert 0.26 < failed < 0.34
    assert {"hang", "lost", "429"} <= set(first)
    assert {"500", "502", "503"} & set(first)


def test_chaos_respects_its_kinds_and_path_and_clears() -> None:
    plan = FaultPlan()
    plan.set_chaos(1.0, kinds=("throttle",), path="/api")
    assert plan.next_action("/other").failure is None
    throttled = plan.next_action("/api/x").failure
    assert throttled is not None
    assert throttled.status == 429
    assert throttled.headers == {"Retry-After": "1"}
    plan.clear()
    assert plan.next_action("/api/x").failure is None
    with pytest.raises(ValueError, match="share"):
        plan.set_chaos(1.5)
    with pytest.raises(ValueError, match="kinds"):
        plan.set_chaos(0.5, kinds=())
