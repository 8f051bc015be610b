"""References become BFF routes once, when a record arrives from TimeBack (domain/roster/refs.py)."""

from __future__ import annotations

from domain.roster.entities import EntityKind
from domain.roster.refs import local_refs, record_from_upstream

UP = "https://timeback.example/ims/oneroster/rostering/v1p2"


def _ref(kind: str, path: str, sourced_id: str) -> dict[str, str]:
    return {"href": f"{UP}/{path}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def test_every_reference_at_any_depth_points_at_the_bff() -> None:
    user = {
        "sourcedId": "u-1",
        "dateLastModified": "2026-01-01T00:00:00Z",
        "primaryOrg": _ref("org", "orgs", "o-1"),
        "roles": [{"role": "student", "roleType": "primary", "org": _ref("org", "orgs", "o 2")}],
        "agents": [_ref("user", "users", "u-9")],
        "metadata": {"note": {"href": "https://elsewhere.example/x"}},
    }
    record = record_from_upstream(EntityKind.USERS, user)
    payload = record.payload
    assert payload["primaryOrg"]["href"] == "/v1/roster/orgs/o-1"
    assert payload["roles"][0]["org"]["href"] == "/v1/roster/orgs/o%202"
    assert payload["agents"][0]["href"] == "/v1/roster/users/u-9"
    # a link that is no typed reference is left alone, and the indexed keys are unchanged
    assert payload["metadata"] == user["metadata"]
    assert record.org_id == "o-1"
    assert record.agent_ids == ("u-9",)
    # the object TimeBack sent is not changed in place
    assert user["primaryOrg"]["href"].startswith(UP)  # type: ignore[index]


def test_sessions_and_resources_and_unknown_types() -> None:
    klass = {
        "terms": [_ref("term", "terms", "t-1"), _ref("academicSession", "academicSessions", "s")],
        "resources": [{"href": "https://r/x", "sourcedId": "r-1", "type": "resource"}],
        "other": {"href": "https://r/y", "sourcedId": "z", "type": "somethingElse"},
    }
    out = local_refs(klass)
    assert [t["href"] for t in out["terms"]] == [
        "/v1/roster/academic-sessions/t-1",
        "/v1/roster/academic-sessions/s",
    ]
    assert out["resources"][0]["href"] == "/v1/resources/r-1"
    assert out["other"] == klass["other"]


def test_a_payload_without_references_is_returned_as_is() -> None:
    plain = {"sourcedId": "x", "title": "t", "grades": ["09"], "nested": {"a": [1, 2]}}
    assert local_refs(plain) is plain
    already = {"org": {"href": "/v1/roster/orgs/o", "sourcedId": "o", "type": "org"}}
    assert local_refs(already) is already
