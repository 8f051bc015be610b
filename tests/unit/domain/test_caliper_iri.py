"""Roster ids of any shape make valid IRIs in the events the BFF composes (a learner id with a
space once made a completion's event invalid after PowerPath had finalized it)."""

from __future__ import annotations

import pytest

from domain.caliper.formats import is_iri
from domain.caliper.iri import segment

BASE = "https://timeback.example/ims/oneroster/rostering/v1p2/users/"


@pytest.mark.parametrize(
    "sourced_id",
    ["9161ae91-7817-4623-8f59-10ea039a5bde", "student one", "a/b", 'é<>"{}|\\^`', "x#y?z", "%"],
)
def test_any_sourced_id_is_one_valid_segment(sourced_id: str) -> None:
    iri = BASE + segment(sourced_id)
    assert is_iri(iri)
    assert iri.count("/") == BASE.count("/")


def test_timeback_ids_pass_unchanged() -> None:
    assert segment("9161ae91-7817-4623-8f59-10ea039a5bde") == "9161ae91-7817-4623-8f59-10ea039a5bde"
    assert segment("course.math_5~a") == "course.math_5~a"
