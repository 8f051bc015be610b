"""Each route's declared access rule, published in OpenAPI as ``x-access``.

The declaration documents who may call a route; enforcement lives in the domain policy and the
authentication dependency. The authorization-matrix test fails for any route that declares nothing,
and checks that what each route does matches what it declares.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Access(StrEnum):
    PUBLIC = "public"  # anyone, logged in or not
    AUTHENTICATED = "authenticated"  # any logged-in person, about themselves only
    ADMIN = "admin"
    OPERATIONS = "operations"  # staff and admins
    OWN_ACCOUNT = (
        "own-account"  # the account in the path is the caller's, or the caller is an admin
    )
    OWN_API_TOKEN = "own-api-token"  # noqa: S105 - the token in the path is the caller's
    PERSON = "person"  # the roster person in the path is visible to the caller under the policy
    SCOPED = "scoped"  # any logged-in caller; results narrowed to what the policy lets them see
    OWNED = "owned"  # the resource in the path belongs to the caller's account, or the caller is an admin
    ROSTER_WRITE = "roster-write"  # admins; staff for roster records at the orgs they reach
    # class-to-course links: admins; staff (manage) and teachers (read) for classes they reach
    LMS_LINKS = "lms-links"
    #: any logged-in caller; answer keys only for the content's authors, the delivery form for
    #: everyone else (docs/api.md, "Assessments")
    DELIVERY = "delivery"
    #: admins and staff; teachers for the content of courses they teach
    ASSESSMENT_AUTHOR = "assessment-author"
    #: a learner's learning (``LearnerRef``): the learner, their guardians (read only), their
    #: teachers, staff of their orgs, admins; some acts narrowed further (docs/api.md, "Learning")
    LEARNER = "learner"


def access(rule: Access) -> dict[str, Any]:
    """``openapi_extra`` for a route."""
    return {"x-access": rule.value}
