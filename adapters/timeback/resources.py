"""Resources on TimeBack (``/ims/oneroster/resources/v1p2``), over :class:`OneRosterClient`.

TimeBack documents the per-class, per-course and per-user lists under ``/resources/...``
(``/resources/classes/{id}/resources``), not at the 1EdTech paths (``/classes/{id}/resources``)
that the ``timeback`` client calls; we use TimeBack's.
"""

from __future__ import annotations

from adapters.http.paths import seg
from adapters.timeback.gradebook import TimebackObjects
from domain.ports.gradebook import Listing, Parent


class TimebackResources(TimebackObjects):
    """``client`` is a :class:`OneRosterClient` for the resources service."""

    def list_path(self, listing: Listing) -> str:
        match listing.parent:
            case None:
                return "resources"
            case Parent.CLASS:
                return f"resources/classes/{seg(listing.parent_ids[0])}/resources"
            case Parent.COURSE:
                return f"resources/courses/{seg(listing.parent_ids[0])}/resources"
            case Parent.USER:
                return f"resources/users/{seg(listing.parent_ids[0])}/resources"
            case _:
                raise NotImplementedError(f"resources are not listed by {listing.parent}")
