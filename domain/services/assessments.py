"""Assessment content at TimeBack's QTI service, with the answer key kept for its authors.

Reads: anyone logged in; authors (``domain/assessments/authoring.py``) get each object whole,
everyone else its delivery form (``domain/assessments/delivery.py``), decided object by object,
so a list or a test's questions mix forms when the caller authors some of them. Writes: authors
only, on what is stored *and* on what the body names (its courses, its item and stimulus
references).
"""

from __future__ import annotations

from domain.assessments.authoring import Authoring
from domain.assessments.delivery import QUESTION_REF, delivery, select_fields
from domain.assessments.forms import Forms
from domain.errors import InvalidInput
from domain.models.identity import Actor
from domain.ports.assessments import (
    AssessmentContent,
    ContentKind,
    ContentPage,
    ContentQuery,
    DeliveryRenderer,
    Reference,
    SectionPath,
    TestStructure,
    WireObject,
)
from domain.services.assessment_references import (
    part_item_refs,
    references_in,
    require_existing,
    section_item_refs,
)

Fields = frozenset[str] | None
TESTS, ITEMS = ContentKind.TESTS, ContentKind.ITEMS


class AssessmentService:
    def __init__(
        self,
        *,
        content: AssessmentContent,
        structure: TestStructure,
        renderer: DeliveryRenderer,
        authoring: Authoring,
    ) -> None:
        self._content = content
        self._structure = structure
        self._renderer = renderer
        self._authoring = authoring
        self._forms = Forms(renderer)

    async def _shape(
        self, actor: Actor, kind: ContentKind, obj: WireObject, memo: dict[str, bool]
    ) -> WireObject:
        whole = kind is ContentKind.STIMULI or await self._authoring.holds_key(actor, obj, memo)
        return self._forms.of(kind, obj, whole=whole)

    async def page(
        self, *, actor: Actor, kind: ContentKind, query: ContentQuery, fields: Fields = None
    ) -> ContentPage:
        page = await self._content.list(kind, query)
        memo: dict[str, bool] = {}
        shaped = [
            select_fields(await self._shape(actor, kind, obj, memo), fields) for obj in page.items
        ]
        return ContentPage(shaped, page.total)

    async def get(
        self, *, actor: Actor, kind: ContentKind, identifier: str, fields: Fields = None
    ) -> WireObject:
        obj = await self._content.get(kind, identifier)
        return select_fields(await self._shape(actor, kind, obj, {}), fields)

    async def create(self, *, actor: Actor, kind: ContentKind, body: WireObject) -> WireObject:
        await self._authoring.check_body(actor, body)
        await require_existing(self._content, references_in(kind, body, self._renderer))
        made = await self._content.create(kind, body)
        return await self._shape(actor, kind, made, {})

    async def update(
        self, *, actor: Actor, kind: ContentKind, identifier: str, body: WireObject
    ) -> WireObject:
        await self._authoring.require_author(actor, await self._content.get(kind, identifier))
        await self._authoring.check_body(actor, body)
        named = body.get("identifier")
        if named is not None and named != identifier:
            raise InvalidInput(
                "The identifier in the body differs from the path's.", field="identifier"
            )
        await require_existing(self._content, references_in(kind, body, self._renderer))
        stored = await self._content.update(kind, identifier, body)
        return await self._shape(actor, kind, stored, {})

    async def delete(self, *, actor: Actor, kind: ContentKind, identifier: str) -> None:
        await self._authoring.require_author(actor, await self._content.get(kind, identifier))
        await self._content.delete(kind, identifier)

    async def questions(self, *, actor: Actor, test: str) -> WireObject:
        answer = await self._content.questions(test)
        memo: dict[str, bool] = {}
        questions = []
        for entry in answer.get("questions") or []:
            question = entry.get("question") if isinstance(entry, dict) else None
            if not isinstance(question, dict):
                continue
            whole = await self._authoring.holds_key(actor, question, memo)
            reference = entry.get("reference") or {}
            questions.append(
                {
                    "reference": reference if whole else delivery(reference, QUESTION_REF),
                    "question": self._forms.item(question, whole=whole),
                }
            )
        return {
            "assessmentTest": answer.get("assessmentTest", test),
            "title": answer.get("title"),
            "totalQuestions": len(questions),
            "questions": questions,
        }

    # -- a test's structure: its form follows the test's --------------------------------------

    async def _test_key(self, actor: Actor, test: str) -> bool:
        if self._authoring.authors_everything(actor) or not self._authoring.may_author_some(actor):
            return self._authoring.authors_everything(actor)
        return await self._authoring.holds_key(actor, await self._content.get(TESTS, test))

    async def _require_test_author(self, actor: Actor, test: str) -> None:
        await self._authoring.require_author(actor, await self._content.get(TESTS, test))

    async def parts(self, *, actor: Actor, test: str, query: ContentQuery) -> ContentPage:
        whole = await self._test_key(actor, test)
        found = await self._structure.parts(test, query)
        return ContentPage([self._forms.part(p, whole=whole) for p in found.items], found.total)

    async def part(self, *, actor: Actor, test: str, part: str) -> WireObject:
        whole = await self._test_key(actor, test)
        return self._forms.part(await self._structure.part(test, part), whole=whole)

    async def create_part(self, *, actor: Actor, test: str, body: WireObject) -> WireObject:
        await self._require_test_author(actor, test)
        await require_existing(self._content, part_item_refs(body))
        return self._forms.part(await self._structure.create_part(test, body), whole=True)

    async def update_part(
        self, *, actor: Actor, test: str, part: str, body: WireObject
    ) -> WireObject:
        await self._require_test_author(actor, test)
        await require_existing(self._content, part_item_refs(body))
        return self._forms.part(await self._structure.update_part(test, part, body), whole=True)

    async def delete_part(self, *, actor: Actor, test: str, part: str) -> None:
        await self._require_test_author(actor, test)
        await self._structure.delete_part(test, part)

    async def sections(
        self, *, actor: Actor, test: str, part: str, query: ContentQuery
    ) -> ContentPage:
        whole = await self._test_key(actor, test)
        found = await self._structure.sections(test, part, query)
        shaped = [self._forms.section(s, whole=whole) for s in found.items]
        return ContentPage(shaped, found.total)

    async def section(self, *, actor: Actor, where: SectionPath) -> WireObject:
        whole = await self._test_key(actor, where.test)
        return self._forms.section(await self._structure.section(where), whole=whole)

    async def create_section(
        self, *, actor: Actor, test: str, part: str, body: WireObject
    ) -> WireObject:
        await self._require_test_author(actor, test)
        await require_existing(self._content, section_item_refs(body))
        made = await self._structure.create_section(test, part, body)
        return self._forms.section(made, whole=True)

    async def update_section(
        self, *, actor: Actor, where: SectionPath, body: WireObject
    ) -> WireObject:
        await self._require_test_author(actor, where.test)
        await require_existing(self._content, section_item_refs(body))
        stored = await self._structure.update_section(where, body)
        return self._forms.section(stored, whole=True)

    async def delete_section(self, *, actor: Actor, where: SectionPath) -> None:
        await self._require_test_author(actor, where.test)
        await self._structure.delete_section(where)

    async def add_item_ref(
        self, *, actor: Actor, where: SectionPath, ref: WireObject
    ) -> WireObject:
        await self._require_test_author(actor, where.test)
        item = ref.get("identifier")
        if not isinstance(item, str) or not await self._content.exists(ITEMS, item):
            raise InvalidInput(f"No assessment item with identifier {item!r}.", field="identifier")
        added = await self._structure.add_item_ref(where, ref)
        return self._forms.section(added, whole=True)

    async def remove_item_ref(self, *, actor: Actor, where: SectionPath, item: str) -> None:
        await self._require_test_author(actor, where.test)
        await self._structure.remove_item_ref(where, item)

    async def reorder_item_refs(
        self, *, actor: Actor, where: SectionPath, refs: list[WireObject]
    ) -> WireObject:
        await self._require_test_author(actor, where.test)
        named = [
            Reference(f"items.{i}.identifier", ITEMS, str(r.get("identifier")))
            for i, r in enumerate(refs)
        ]
        await require_existing(self._content, named)
        stored = await self._structure.reorder_item_refs(where, refs)
        return self._forms.section(stored, whole=True)
