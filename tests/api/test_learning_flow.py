"""The learner flow over HTTP against the sandbox's PowerPath, TimeBack and Caliper simulators,
on SQLite and PostgreSQL: start -> next/answer -> complete with no answer key in any answer, and
one gradebook result and one Caliper event upstream whatever is repeated, down or killed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.settings import EventSettings, LearningSettings, Settings
from domain.errors import InvalidInput
from domain.models.learning import ResultState
from tests.conftest import make_settings
from tests.support.learning import LESSONS, Flow, open_flow, practise

GRADEBOOK = "/ims/oneroster/gradebook/v1p2/assessment"
CALIPER_SEND = "/caliper/event"


@pytest.fixture
def settings(db_url: str) -> Settings:
    # leases and back-offs short enough that the periodic task retries within a test
    learning = LearningSettings(
        lease_seconds=0.2, backoff_base_seconds=0.01, backoff_max_seconds=0.05
    )
    # a send refused with a 5xx is in doubt (D61): asked about again after the settle time
    events = EventSettings(backoff_base_seconds=0.01, backoff_max_seconds=0.05, settle_seconds=0.05)
    return make_settings(db_url, learning=learning, events=events)


@pytest.fixture
async def flow(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Flow]:
    async with open_flow(settings, demo) as opened:
        yield opened


async def complete(
    flow: Flow, lesson: str, key: str | None = None, role: str = "student"
) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    done = await flow.post(
        f"{LESSONS}/{lesson}/complete", role, json={"learner": flow.student}, headers=headers
    )
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


async def upstream_once(flow: Flow, body: dict[str, Any]) -> None:
    """Exactly one result and one event upstream for this completion."""
    result_id = body["side_effects"]["result"]["id"]
    results = [r for r in flow.results_for(flow.student) if r["sourcedId"] == result_id]
    assert len(results) == 1
    assert results[0]["metadata"]["completionId"] == body["completion_id"]
    (event,) = body["side_effects"]["events"]
    seen = await flow.deliver_events(event["id"])
    assert flow.events_upstream(event["id"]) == 1, seen


async def test_a_demo_student_practises_and_completes_once(flow: Flow) -> None:
    lesson = flow.lesson("powerpath-100")
    answered = await practise(flow, lesson)
    assert len(answered) >= 6
    first = await complete(flow, lesson)
    assert first["finalized"] is True
    assert first["total_questions"] == len(answered)
    assert first["side_effects"]["result"]["state"] == "delivered"
    await upstream_once(flow, first)
    stored = flow.caliper.stored_events()
    (event,) = [e for e in stored if e["externalId"] == first["side_effects"]["events"][0]["id"]]
    metrics = {m["type"]: m["value"] for m in event["generated"]["items"]}
    assert metrics["totalQuestions"] == len(answered)
    assert metrics["correctQuestions"] == first["correct_questions"]
    # repeated, double-tapped, replayed: the first completion every time, nothing new upstream
    again = await complete(flow, lesson)
    keyed = await complete(flow, lesson, key="k-1")
    assert again["completion_id"] == keyed["completion_id"] == first["completion_id"]
    await upstream_once(flow, first)
    attempts = await flow.call("GET", f"{LESSONS}/{lesson}/attempts")
    assert attempts.status_code == 200, attempts.text
    (shown,) = [a for a in attempts.json()["items"] if a["attempt"] == first["attempt"]]
    assert shown["side_effects"]["result"]["state"] == "delivered"
    one = await flow.call("GET", f"{LESSONS}/{lesson}/attempts/{first['attempt']}")
    assert one.status_code == 200, one.text
    assert one.json()["side_effects"]["result"]["id"] == first["side_effects"]["result"]["id"]
    assert "qti-correct-response" not in one.text


async def test_an_idempotency_key_replays_and_refuses_another_body(flow: Flow) -> None:
    quiz, other = flow.lesson("quiz"), flow.lesson("quiz", skip=1)
    await practise(flow, quiz, answers=5)
    first = await complete(flow, quiz, key="same")
    replay = await complete(flow, quiz, key="same")
    assert replay["completion_id"] == first["completion_id"]
    misused = await flow.post(
        f"{LESSONS}/{other}/complete",
        json={"learner": flow.student},
        headers={"Idempotency-Key": "same"},
    )
    assert misused.status_code == 422, misused.text
    await upstream_once(flow, first)
    # a new attempt after a finalized one, and its own completion
    started = await flow.post(f"{LESSONS}/{quiz}/start", json={})
    assert started.json()["attempt"] == first["attempt"] + 1
    assert started.json()["finalized"] is False


async def test_an_answer_key_replays_the_first_answer(flow: Flow) -> None:
    lesson = flow.lesson("powerpath-100")
    await flow.post(f"{LESSONS}/{lesson}/start", json={})
    question = (await flow.call("GET", f"{LESSONS}/{lesson}/next")).json()["question"]
    body = {"question": question["id"], "response": flow.response(question["id"], right=True)}
    key = {"Idempotency-Key": "answer-1"}
    first = await flow.post(f"{LESSONS}/{lesson}/answer", json=body, headers=key)
    again = await flow.post(f"{LESSONS}/{lesson}/answer", json=body, headers=key)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    other = {**body, "response": flow.response(question["id"], right=False)}
    refused = await flow.post(f"{LESSONS}/{lesson}/answer", json=other, headers=key)
    assert refused.status_code == 422, refused.text
    twice = await flow.post(f"{LESSONS}/{lesson}/answer", json=body)
    assert twice.status_code == 409, twice.text
    unknown = await flow.post(f"{LESSONS}/{lesson}/answer", json={**body, "question": "nope"})
    assert unknown.status_code == 422, unknown.text
    progress = (await flow.post(f"{LESSONS}/{lesson}/start", json={})).json()
    assert progress["total_questions"] == 1


async def test_gradebook_down_the_step_succeeds_and_the_task_delivers(flow: Flow) -> None:
    lesson = flow.lesson("quiz")
    await practise(flow, lesson, answers=5)
    flow.timeback.fail_next(503, times=50, path=GRADEBOOK)
    done = await complete(flow, lesson)
    assert done["side_effects"]["result"]["state"] == "pending"
    assert flow.results_for(flow.student) == []
    flow.timeback.faults.clear()
    assert await flow.deliver_result(done["completion_id"]) is ResultState.DELIVERED
    replay = await complete(flow, lesson)
    assert replay["side_effects"]["result"]["state"] == "delivered"
    await upstream_once(flow, done)


async def test_caliper_down_the_outbox_delivers_later(flow: Flow) -> None:
    lesson = flow.lesson("quiz")
    await practise(flow, lesson, answers=5)
    flow.caliper.fail_next(503, times=50, path=CALIPER_SEND)
    done = await complete(flow, lesson)
    # the gradebook is up: its write is tried at once (on a loaded machine it may outlast the
    # test's short lease and be left to the task)
    assert done["side_effects"]["result"]["state"] in ("delivered", "pending")
    assert await flow.deliver_result(done["completion_id"]) is ResultState.DELIVERED
    (event,) = done["side_effects"]["events"]
    assert flow.events_upstream(event["id"]) == 0
    flow.caliper.faults.clear()
    await upstream_once(flow, done)


async def two_completions_killed_after_finalize(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """Two quiz lessons practised and completed by a process killed between PowerPath's finalize
    and the ledger's commit: both attempts finalized upstream, neither recorded."""
    completions = flow.container.completions()
    first, second = flow.lesson("quiz"), flow.lesson("quiz", skip=1)
    for lesson in (first, second):
        await practise(flow, lesson, answers=5)

    async def killed(**_: Any) -> Any:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(completions, "record", killed)
    for lesson in (first, second):
        lost = await flow.post(f"{LESSONS}/{lesson}/complete", json={})
        assert lost.status_code == 500
        assert flow.powerpath.state.attempts[(flow.student, lesson)][-1].finalized
    monkeypatch.undo()
    return first, second


async def settled_by_the_task(flow: Flow, lesson: str) -> Any:
    """Rounds of the periodic task until the lesson's last attempt is delivered (an intent is
    found once its lease is over); that attempt's side effects."""
    effects = None
    for _ in range(200):
        await flow.container.completions().reconcile()
        attempts = (await flow.call("GET", f"{LESSONS}/{lesson}/attempts")).json()["items"]
        effects = attempts[-1]["side_effects"]
        if effects and effects["result"]["state"] == "delivered":
            break
        await asyncio.sleep(0.01)
    return effects


async def test_a_process_killed_after_powerpath_finalized_is_noticed(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between PowerPath's finalize and the ledger's commit: the next request records
    it (one lesson), the periodic task another (a second lesson)."""
    first, second = await two_completions_killed_after_finalize(flow, monkeypatch)
    assert flow.results_for(flow.student) == []
    # the learner taps again: the finalized attempt is recorded, once
    again = await complete(flow, first)
    await upstream_once(flow, again)
    # nobody comes back for the other: the periodic task finds the intent once its lease is over
    effects = await settled_by_the_task(flow, second)
    assert effects["result"]["state"] == "delivered"
    recovered = await complete(flow, second)
    assert recovered["side_effects"] == effects | {"events": recovered["side_effects"]["events"]}
    await upstream_once(flow, recovered)


async def test_an_intent_that_cannot_be_settled_does_not_stop_the_others(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The periodic task meets two intents a killed process left; settling the first fails (an
    event it cannot compose, PowerPath down...): the second is still recorded."""
    first, second = await two_completions_killed_after_finalize(flow, monkeypatch)
    completions = flow.container.completions()
    recover = completions.recover
    assert recover is not None
    refused: list[str] = []

    async def fails_on_first(c: Any, token: str) -> None:
        if c.lesson == first:
            refused.append(c.id)
            raise InvalidInput("The completion's Caliper event is not valid")
        await recover(c, token)

    monkeypatch.setattr(completions, "recover", fails_on_first)
    effects = await settled_by_the_task(flow, second)
    assert refused
    assert effects is not None
    assert effects["result"]["state"] == "delivered"


async def test_mastery_without_complete_is_recorded_at_the_next_start(flow: Flow) -> None:
    lesson = flow.lesson("powerpath-100")
    await flow.post(f"{LESSONS}/{lesson}/start", json={})
    for _ in range(12):
        got = (await flow.call("GET", f"{LESSONS}/{lesson}/next")).json()
        if got["done"]:
            break
        question = got["question"]["id"]
        given = flow.response(question, right=True)
        await flow.post(
            f"{LESSONS}/{lesson}/answer", json={"question": question, "response": given}
        )
    assert got["done"] is True
    started = (await flow.post(f"{LESSONS}/{lesson}/start", json={})).json()
    assert started["attempt"] == 2
    attempts = (await flow.call("GET", f"{LESSONS}/{lesson}/attempts")).json()["items"]
    assert attempts[0]["side_effects"]["result"]["state"] == "delivered"
    assert attempts[1]["side_effects"] is None


async def test_who_may_act_for_a_learner(flow: Flow) -> None:
    lesson = flow.lesson("powerpath-100")
    me = {"learner": flow.student}
    teacher = await flow.post(f"{LESSONS}/{lesson}/start", "teacher", json=me)
    assert teacher.status_code == 200, teacher.text
    for path in ("start", "complete"):
        refused = await flow.post(f"{LESSONS}/{lesson}/{path}", "guardian", json=me)
        assert refused.status_code == 403, refused.text
    answer = {"question": "q", "response": "A", **me}
    refused = await flow.post(f"{LESSONS}/{lesson}/answer", "guardian", json=answer)
    assert refused.status_code == 403, refused.text
    read = await flow.call("GET", f"{LESSONS}/{lesson}/attempts", "guardian", params=me)
    assert read.status_code == 200, read.text
    other = flow.other_student()
    lesson_of_other = flow.lesson("powerpath-100", learner=other)
    for path in ("start", "complete"):
        refused = await flow.post(f"{LESSONS}/{lesson_of_other}/{path}", json={"learner": other})
        assert refused.status_code == 403, refused.text
    ghost = await flow.post(f"{LESSONS}/{lesson}/start", "admin", json={"learner": "ghost"})
    assert ghost.status_code == 422, ghost.text
    nameless = await flow.post(f"{LESSONS}/{lesson}/start", "admin", json={})
    assert nameless.status_code == 422, nameless.text
    missing = await flow.post(f"{LESSONS}/no-such-lesson/start", json={})
    assert missing.status_code == 404, missing.text


async def test_an_activity_completes_once(flow: Flow) -> None:
    lesson = flow.lesson("alpha-read-article")
    body = {"lesson": lesson, "xp": 20, "score": 90, "correct_questions": 9, "total_questions": 10}
    first = await flow.post("/v1/learning/activity/complete", json=body)
    assert first.status_code == 200, first.text
    tapped = await flow.post("/v1/learning/activity/complete", json=body)
    assert tapped.json()["completion_id"] == first.json()["completion_id"]
    keyed = await flow.post(
        "/v1/learning/activity/complete", json=body, headers={"Idempotency-Key": "a1"}
    )
    assert keyed.json()["completion_id"] != first.json()["completion_id"]
    replay = await flow.post(
        "/v1/learning/activity/complete", json=body, headers={"Idempotency-Key": "a1"}
    )
    assert replay.json()["completion_id"] == keyed.json()["completion_id"]
    for done in (first.json(), keyed.json()):
        assert done["side_effects"]["result"]["state"] == "delivered"
        await upstream_once(flow, done)
    unknown = await flow.post("/v1/learning/activity/complete", json={**body, "lesson": "nope"})
    assert unknown.status_code == 422, unknown.text


async def test_lost_replies_of_powerpath_writes_are_learned_from_progress(flow: Flow) -> None:
    """PowerPath did the write but its reply was lost: the BFF does not send it again (a second
    answer would be refused or counted twice), it reads progress and answers from it."""
    lesson, quiz = flow.lesson("powerpath-100"), flow.lesson("quiz")
    await flow.post(f"{LESSONS}/{lesson}/start", json={})
    question = (await flow.call("GET", f"{LESSONS}/{lesson}/next")).json()["question"]
    given = flow.response(question["id"], right=True)
    flow.powerpath.faults.set_chaos(
        1.0, kinds=("lost_reply",), path="/powerpath/updateStudentQuestionResponse"
    )
    sent = await flow.post(
        f"{LESSONS}/{lesson}/answer", json={"question": question["id"], "response": given}
    )
    flow.powerpath.faults.set_chaos(None)
    assert sent.status_code == 200, sent.text
    assert sent.json()["correct"] is True
    assert sent.json()["progress"]["total_questions"] == 1
    await practise(flow, quiz, answers=5)
    flow.powerpath.faults.set_chaos(
        1.0, kinds=("lost_reply",), path="/powerpath/finalStudentAssessmentResponse"
    )
    done = await complete(flow, quiz)
    flow.powerpath.faults.set_chaos(None)
    assert done["finalized"] is True
    await upstream_once(flow, done)
    finalizes = flow.powerpath.log.entries(path="/powerpath/finalStudentAssessmentResponse")
    assert len(finalizes) == 1


async def test_a_double_tap_at_the_same_moment_completes_once(flow: Flow) -> None:
    lesson = flow.lesson("quiz")
    await practise(flow, lesson, answers=5)
    both = await asyncio.gather(complete(flow, lesson), complete(flow, lesson))
    assert both[0]["completion_id"] == both[1]["completion_id"]
    assert both[0]["side_effects"]["result"]["id"] == both[1]["side_effects"]["result"]["id"]
    await upstream_once(flow, both[0])
    assert len(flow.results_for(flow.student)) == 1


async def test_a_keyed_retry_after_powerpath_failed_to_finalize_completes(flow: Flow) -> None:
    """The first request left an intent (PowerPath's finalize failed, 409): the client's retry
    under the same Idempotency-Key finalizes and records, it is not answered the intent."""
    quiz = flow.lesson("quiz")
    await practise(flow, quiz, answers=5)
    flow.powerpath.faults.set_chaos(
        1.0, kinds=("error",), path="/powerpath/finalStudentAssessmentResponse"
    )
    failed = await flow.post(
        f"{LESSONS}/{quiz}/complete",
        json={"learner": flow.student},
        headers={"Idempotency-Key": "retry-me"},
    )
    flow.powerpath.faults.set_chaos(None)
    assert failed.status_code in (409, 503), failed.text
    assert not flow.powerpath.state.attempts[(flow.student, quiz)][-1].finalized
    retried = await complete(flow, quiz, key="retry-me")
    assert flow.powerpath.state.attempts[(flow.student, quiz)][-1].finalized
    assert retried["side_effects"]["result"]["state"] == "delivered"
    assert retried["attempt"] == 1
    await upstream_once(flow, retried)


async def test_two_different_activity_completions_at_once_are_both_recorded(flow: Flow) -> None:
    lesson = flow.lesson("alpha-read-article")
    bodies = [{"lesson": lesson, "xp": xp, "score": 90} for xp in (10, 20)]
    both = await asyncio.gather(
        *(flow.post("/v1/learning/activity/complete", json=body) for body in bodies)
    )
    assert [r.status_code for r in both] == [200, 200], [r.text for r in both]
    ids = {r.json()["completion_id"] for r in both}
    assert len(ids) == 2
    results = flow.results_for(flow.student)
    assert sorted(r["metadata"]["xp"] for r in results) == [10, 20]


async def test_one_key_on_two_lessons_at_once_is_refused_not_answered_another(flow: Flow) -> None:
    first, second = flow.lesson("quiz"), flow.lesson("quiz", skip=1)
    for lesson in (first, second):
        await practise(flow, lesson, answers=5)
    both = await asyncio.gather(
        *(
            flow.post(
                f"{LESSONS}/{lesson}/complete",
                json={"learner": flow.student},
                headers={"Idempotency-Key": "one-key"},
            )
            for lesson in (first, second)
        )
    )
    done = [r for r in both if r.status_code == 200]
    assert len(done) == 1, [r.text for r in both]
    refused = [r for r in both if r.status_code != 200]
    assert [r.status_code for r in refused] == [422], refused[0].text
    assert done[0].json()["lesson"] == (first if both[0].status_code == 200 else second)


async def test_a_quiz_answer_tells_nothing_of_right_or_wrong_before_it_is_finalized(
    flow: Flow,
) -> None:
    """A quiz's answers can be changed until it is finalized: were right or wrong shown (or a
    count of right answers), a learner would change each answer until it is right."""
    quiz = flow.lesson("quiz")
    started = (await flow.post(f"{LESSONS}/{quiz}/start", json={})).json()
    question = (await flow.call("GET", f"{LESSONS}/{quiz}/next")).json()["question"]["id"]
    wrong = {"question": question, "response": flow.response(question, right=False)}
    sent = await flow.post(f"{LESSONS}/{quiz}/answer", json=wrong)
    assert sent.status_code == 200, sent.text
    shown = sent.json()
    assert (shown["correct"], shown["score"], shown["feedback"]) == (None, None, None)
    assert shown["progress"]["correct_questions"] is None
    assert shown["progress"]["accuracy"] is None
    again = (await flow.post(f"{LESSONS}/{quiz}/start", json={})).json()
    assert again["attempt"] == started["attempt"]
    assert (again["correct_questions"], again["accuracy"], again["score"]) == (None, None, None)
    open_ = (await flow.call("GET", f"{LESSONS}/{quiz}/attempts/{again['attempt']}")).json()
    assert (open_["correct_questions"], open_["accuracy"]) == (None, None), open_
    right = {"question": question, "response": flow.response(question, right=True)}
    changed = await flow.post(f"{LESSONS}/{quiz}/answer", json=right)
    assert changed.status_code == 200, changed.text
    assert changed.json()["correct"] is None
    done = await complete(flow, quiz)
    assert done["correct_questions"] == 1
    detail = (await flow.call("GET", f"{LESSONS}/{quiz}/attempts/{done['attempt']}")).json()
    assert [q["correct"] for q in detail["questions"] if q["id"] == question] == [True]


async def test_a_lesson_powerpath_scores_is_no_activity_to_report(flow: Flow) -> None:
    """A learner may not write their own score for a quiz (or a test-out, or practice) as an
    activity: PowerPath scores those, through the lesson's own complete."""
    for kind in ("quiz", "powerpath-100"):
        lesson = flow.lesson(kind)
        body = {"lesson": lesson, "score": 100, "correct_questions": 5, "total_questions": 5}
        refused = await flow.post("/v1/learning/activity/complete", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"] == ["body", "lesson"]
    assert flow.results_for(flow.student) == []
