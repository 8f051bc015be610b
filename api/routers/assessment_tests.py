"""A test's questions, parts, sections and item references under ``/v1/assessments/tests``.

Reads follow the test's form: whole for its authors, the delivery form for everyone else. Writes
are its authors'; an item reference must name an existing item (422 naming the field).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.access import Access, access
from api.deps import ActorDep, AssessmentsDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers
from api.routers.assessments import json_answer
from api.schemas.assessments import (
    ItemOrderIn,
    ItemRefIn,
    QuestionsOut,
    StructureIn,
    StructureOut,
    StructurePage,
)
from api.strict_json import StrictJsonRoute
from domain.ports.assessments import ContentQuery, SectionPath

router = APIRouter(
    prefix="/v1/assessments/tests/{test_id}",
    tags=["assessments"],
    responses=COMMON_RESPONSES,
    route_class=StrictJsonRoute,
)

TestId = Annotated[str, Path(max_length=255)]
PartId = Annotated[str, Path(max_length=255)]
SectionId = Annotated[str, Path(max_length=255)]
ItemId = Annotated[str, Path(max_length=255)]
READ = problem_responses(401, 404, 502, 503)
WRITE = problem_responses(401, 403, 404, 502, 503)
SECTION = "/parts/{part_id}/sections/{section_id}"


@router.get(
    "/questions",
    operation_id="list_assessment_test_questions",
    response_model=QuestionsOut,
    responses=READ,
    openapi_extra=access(Access.DELIVERY),
)
async def questions(test_id: TestId, actor: ActorDep, assessments: AssessmentsDep) -> Response:
    """Every item the test references, with where it sits; each item whole for its authors,
    in the delivery form for everyone else."""
    return json_answer(await assessments.questions(actor=actor, test=test_id))


@router.get(
    "/parts",
    operation_id="list_assessment_test_parts",
    response_model=StructurePage,
    responses=READ | PAGED,
    openapi_extra=access(Access.DELIVERY),
)
async def list_parts(
    request: Request,
    response: Response,
    test_id: TestId,
    actor: ActorDep,
    assessments: AssessmentsDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Any:
    """The test's parts."""
    query = ContentQuery(limit=limit, offset=offset)
    page = await assessments.parts(actor=actor, test=test_id, query=query)
    paging_headers(request, response, limit=limit, offset=offset, total=page.total)
    return {"items": page.items, "total": page.total}


@router.post(
    "/parts",
    status_code=201,
    operation_id="create_assessment_test_part",
    response_model=StructureOut,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def create_part(
    test_id: TestId, body: StructureIn, actor: ActorDep, assessments: AssessmentsDep
) -> Any:
    """Add a part to the test (its authors)."""
    return await assessments.create_part(actor=actor, test=test_id, body=body.wire())


@router.get(
    "/parts/{part_id}",
    operation_id="get_assessment_test_part",
    response_model=StructureOut,
    responses=READ,
    openapi_extra=access(Access.DELIVERY),
)
async def get_part(
    test_id: TestId, part_id: PartId, actor: ActorDep, assessments: AssessmentsDep
) -> Any:
    """One part of the test."""
    return await assessments.part(actor=actor, test=test_id, part=part_id)


@router.put(
    "/parts/{part_id}",
    operation_id="update_assessment_test_part",
    response_model=StructureOut,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def update_part(
    test_id: TestId,
    part_id: PartId,
    body: StructureIn,
    actor: ActorDep,
    assessments: AssessmentsDep,
) -> Any:
    """Replace a part (its test's authors)."""
    return await assessments.update_part(actor=actor, test=test_id, part=part_id, body=body.wire())


@router.delete(
    "/parts/{part_id}",
    status_code=204,
    operation_id="delete_assessment_test_part",
    response_class=Response,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def delete_part(
    test_id: TestId, part_id: PartId, actor: ActorDep, assessments: AssessmentsDep
) -> Response:
    """Remove a part (its test's authors)."""
    await assessments.delete_part(actor=actor, test=test_id, part=part_id)
    return Response(status_code=204)


@router.get(
    "/parts/{part_id}/sections",
    operation_id="list_assessment_test_sections",
    response_model=StructurePage,
    responses=READ | PAGED,
    openapi_extra=access(Access.DELIVERY),
)
async def list_sections(
    request: Request,
    response: Response,
    test_id: TestId,
    part_id: PartId,
    actor: ActorDep,
    assessments: AssessmentsDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Any:
    """The part's sections, with their item references."""
    query = ContentQuery(limit=limit, offset=offset)
    page = await assessments.sections(actor=actor, test=test_id, part=part_id, query=query)
    paging_headers(request, response, limit=limit, offset=offset, total=page.total)
    return {"items": page.items, "total": page.total}


@router.post(
    "/parts/{part_id}/sections",
    status_code=201,
    operation_id="create_assessment_test_section",
    response_model=StructureOut,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def create_section(
    test_id: TestId,
    part_id: PartId,
    body: StructureIn,
    actor: ActorDep,
    assessments: AssessmentsDep,
) -> Any:
    """Add a section to a part (its test's authors); its item references must exist."""
    return await assessments.create_section(
        actor=actor, test=test_id, part=part_id, body=body.wire()
    )


@router.get(
    SECTION,
    operation_id="get_assessment_test_section",
    response_model=StructureOut,
    responses=READ,
    openapi_extra=access(Access.DELIVERY),
)
async def get_section(
    test_id: TestId,
    part_id: PartId,
    section_id: SectionId,
    actor: ActorDep,
    assessments: AssessmentsDep,
) -> Any:
    """One section, with its item references."""
    return await assessments.section(actor=actor, where=SectionPath(test_id, part_id, section_id))


@router.put(
    SECTION,
    operation_id="update_assessment_test_section",
    response_model=StructureOut,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def update_section(
    test_id: TestId,
    part_id: PartId,
    section_id: SectionId,
    body: StructureIn,
    actor: ActorDep,
    assessments: AssessmentsDep,
) -> Any:
    """Replace a section (its test's authors); its item references must exist."""
    where = SectionPath(test_id, part_id, section_id)
    return await assessments.update_section(actor=actor, where=where, body=body.wire())


@router.delete(
    SECTION,
    status_code=204,
    operation_id="delete_assessment_test_section",
    response_class=Response,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def delete_section(
    test_id: TestId,
    part_id: PartId,
    section_id: SectionId,
    actor: ActorDep,
    assessments: AssessmentsDep,
) -> Response:
    """Remove a section (its test's authors)."""
    await assessments.delete_section(actor=actor, where=SectionPath(test_id, part_id, section_id))
    return Response(status_code=204)


@router.put(
    f"{SECTION}/items/order",
    operation_id="reorder_assessment_test_section_items",
    response_model=StructureOut,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def reorder_items(
    test_id: TestId,
    part_id: PartId,
    section_id: SectionId,
    body: ItemOrderIn,
    actor: ActorDep,
    assessments: AssessmentsDep,
) -> Any:
    """Put the section's item references in this order (its test's authors)."""
    where = SectionPath(test_id, part_id, section_id)
    refs = [r.wire() for r in body.items]
    return await assessments.reorder_item_refs(actor=actor, where=where, refs=refs)


@router.post(
    f"{SECTION}/items",
    status_code=201,
    operation_id="add_assessment_test_section_item",
    response_model=StructureOut,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def add_item(
    test_id: TestId,
    part_id: PartId,
    section_id: SectionId,
    body: ItemRefIn,
    actor: ActorDep,
    assessments: AssessmentsDep,
) -> Any:
    """Reference an existing item from the section (its test's authors); answers the section."""
    where = SectionPath(test_id, part_id, section_id)
    return await assessments.add_item_ref(actor=actor, where=where, ref=body.wire())


@router.delete(
    f"{SECTION}/items/{{item_id}}",
    status_code=204,
    operation_id="remove_assessment_test_section_item",
    response_class=Response,
    responses=WRITE,
    openapi_extra=access(Access.ASSESSMENT_AUTHOR),
)
async def remove_item(
    test_id: TestId,
    part_id: PartId,
    section_id: SectionId,
    item_id: ItemId,
    actor: ActorDep,
    assessments: AssessmentsDep,
) -> Response:
    """Remove an item reference from the section (its test's authors); the item stays."""
    where = SectionPath(test_id, part_id, section_id)
    await assessments.remove_item_ref(actor=actor, where=where, item=item_id)
    return Response(status_code=204)
