"""``search_courses``: the course list API's shape, filtered by a search term and org; no auth."""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.responses import Response

from simulators.appsembler.state import Course, LmsState
from simulators.appsembler.wire import iso, json


def search_courses(state: LmsState, query: QueryParams) -> Response:
    term = (query.get("search_term") or "").lower()
    org = (query.get("org") or "").lower()
    found = [
        c
        for c in state.courses.values()
        if (not term or term in c.name.lower() or term in c.number.lower())
        and (not org or c.org.lower() == org)
    ]
    return json(
        {
            "results": [_course_json(c) for c in found],
            "pagination": {"next": None, "previous": None, "count": len(found), "num_pages": 1},
        }
    )


def _course_json(course: Course) -> dict[str, object]:
    return {
        "blocks_url": f"/api/courses/v1/blocks/?course_id={course.course_id}",
        "course_id": course.course_id,
        "id": course.course_id,
        "name": course.name,
        "number": course.number,
        "org": course.org,
        "start": iso(course.start),
        "start_display": course.start.strftime("%B %d, %Y"),
        "start_type": "timestamp",
        "end": None,
        "enrollment_start": None,
        "enrollment_end": None,
        "mobile_available": False,
        "hidden": False,
        "invitation_only": False,
        "pacing": "self" if course.run == "self_paced" else "instructor",
    }
