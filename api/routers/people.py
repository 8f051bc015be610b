from __future__ import annotations

from fastapi import APIRouter

from api.access import Access, access
from api.deps import ActorDep, PeopleServiceDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.schemas.roster import PersonOut

router = APIRouter(prefix="/v1/people", tags=["people"], responses=COMMON_RESPONSES)


@router.get(
    "/{person_id}",
    operation_id="get_person",
    response_model=PersonOut,
    responses=problem_responses(401, 403, 404, 503),
    openapi_extra=access(Access.PERSON),
)
async def get_person(person_id: str, actor: ActorDep, people: PeopleServiceDep) -> PersonOut:
    """A roster person the caller may see: themselves, their dependants (guardians), their classes'
    students (teachers), anyone in their orgs (staff), anyone (admins)."""
    return PersonOut.of(await people.get(actor=actor, person_id=person_id))
