"""Roster writes and what they refer to (decision D38): references outside the caller's reach are
403, references to nothing (from an admin, who reaches everything) and references that do not fit
together are 422 naming the field; none of them reaches TimeBack."""

from __future__ import annotations

from tests.api.test_roster_writes import Env, env, new_user, problem, staff_school

__all__ = ["env"]  # the fixture, imported to be used here


def roster_writes(env: Env) -> int:
    return sum(
        len(env.sim.log.entries(path="/ims/oneroster/rostering", method=m))
        for m in ("POST", "PUT", "PATCH", "DELETE")
    )


async def test_staff_cannot_link_a_new_user_to_someone_elsewhere(env: Env) -> None:
    p = env.population
    home = staff_school(env)
    outsider = min(x.key for x in p.with_role("guardian") if x.org != home)
    before = roster_writes(env)
    made = await env.call(
        "POST", "users", "staff", json=new_user(home, agents=[{"sourcedId": outsider}])
    )
    problem(made, 403)
    colleague = min(x.key for x in p.with_role("student") if x.org == home)
    linked = await env.call(
        "PATCH",
        f"users/{colleague}",
        "staff",
        json={"user": {"agents": [{"sourcedId": outsider}]}},
    )
    problem(linked, 403)
    assert roster_writes(env) == before
    # a colleague's guardian at the same school is fine
    neighbour = min(x.key for x in p.with_role("guardian") if x.org == home)
    ok = await env.call(
        "POST", "users", "staff", json=new_user(home, agents=[{"sourcedId": neighbour}])
    )
    assert ok.status_code == 201, ok.text


async def test_references_to_nothing_and_misfits_are_422_naming_the_field(env: Env) -> None:
    p = env.population
    home, away = p.schools[0].key, p.schools[1].key
    klass = next(c for c in p.classes if c.school == home)
    student = next(e.person for e in p.enrollments if e.school == home and e.role == "student")
    before = roster_writes(env)
    # an enrollment naming a school that is not its class's
    misfit = await env.call(
        "POST",
        "enrollments",
        json={
            "enrollment": {
                "role": "student",
                "user": {"sourcedId": student},
                "class": {"sourcedId": klass.key},
                "school": {"sourcedId": away},
            }
        },
    )
    assert problem(misfit, 422)["errors"][0]["loc"] == ["body", "enrollment", "school"]
    # an enrollment in a class that does not exist: admins are told which field
    nothing = await env.call(
        "POST",
        "enrollments",
        json={
            "enrollment": {
                "role": "student",
                "user": {"sourcedId": student},
                "class": {"sourcedId": "no-such-class"},
            }
        },
    )
    assert problem(nothing, 422)["errors"][0]["loc"] == ["body", "enrollment", "class"]
    # staff are refused as for someone else's record, whether or not it exists
    as_staff = await env.call(
        "POST",
        "enrollments",
        "staff",
        json={
            "enrollment": {
                "role": "student",
                "user": {"sourcedId": student},
                "class": {"sourcedId": "no-such-class"},
            }
        },
    )
    problem(as_staff, 403)
    assert roster_writes(env) == before
    # a class whose course belongs to another school
    course = await env.call(
        "POST", "courses", json={"course": {"title": "Away only", "org": {"sourcedId": away}}}
    )
    assert course.status_code == 201, course.text
    theirs = course.json()["course"]["sourcedId"]
    wrong = await env.call(
        "POST",
        "classes",
        json={
            "class": {
                "title": "Misfit",
                "course": {"sourcedId": theirs},
                "org": {"sourcedId": home},
                "terms": [{"sourcedId": klass.term}],
            }
        },
    )
    assert problem(wrong, 422)["errors"][0]["loc"] == ["body", "class", "course"]
