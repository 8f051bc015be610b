"""QTI's ``process-response``, ``/validate`` and question/lesson feedback."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from adapters.qti.calls import QtiCalls
from domain.errors import NotFound
from domain.ports.assessments import (
    FeedbackKind,
    LearnerFeedback,
    QtiValidator,
    ResponseScorer,
    WireObject,
)


def _object(answer: Any) -> WireObject:
    return answer if isinstance(answer, dict) else {}


class QtiScorer(ResponseScorer):
    def __init__(self, calls: QtiCalls) -> None:
        self._calls = calls

    async def score(self, item: str, response: str | list[str]) -> WireObject:
        path = f"/assessment-items/{quote(item, safe='')}/process-response"
        body = {"identifier": item, "response": response}
        return _object(await self._calls.call("POST", path, json=body))


class QtiValidation(QtiValidator):
    def __init__(self, calls: QtiCalls) -> None:
        self._calls = calls

    async def validate(self, schema: str, *, xml: str | None, entity_id: str | None) -> WireObject:
        body: dict[str, str] = {"schema": schema}
        if entity_id is not None:
            body["entityId"] = entity_id
        if xml is not None:
            body["xml"] = xml
        answer = _object(await self._calls.call("POST", "/validate", json=body))
        # TimeBack sends success as a string ("true"/"false") as often as a boolean
        success = answer.get("success")
        if isinstance(success, str):
            answer["success"] = success.lower() == "true"
        return answer


class QtiFeedback(LearnerFeedback):
    def __init__(self, calls: QtiCalls) -> None:
        self._calls = calls

    async def create(self, kind: FeedbackKind, body: WireObject) -> WireObject:
        return _object(await self._calls.call("POST", f"/{kind.value}", json=body))

    async def of_lesson(self, lesson: str) -> list[WireObject]:
        try:
            answer = await self._calls.call("GET", f"/lesson/{quote(lesson, safe='')}")
        except NotFound:  # QTI's answer for a lesson nobody has written about yet
            return []
        if isinstance(answer, dict):  # timeback-qti parses one object; the spec says a list
            return [answer] if answer else []
        return [x for x in answer if isinstance(x, dict)] if isinstance(answer, list) else []

    async def delete(self, identifier: str) -> None:
        await self._calls.call("DELETE", f"/{quote(identifier, safe='')}")
