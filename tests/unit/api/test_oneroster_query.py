"""The paging links every OneRoster list answers with: other parameters kept in their order,
``limit`` and ``offset`` replaced, and a path with non-ASCII ids quoted so the header stays ASCII."""

from __future__ import annotations

import pytest
from starlette.datastructures import URL

from api.paging import link_header
from api.routers.oneroster_query import split_fields


def links(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(", "):
        url, rel = part.split("; ")
        out[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return out


def test_middle_page_has_all_four_links_and_keeps_other_parameters() -> None:
    url = URL("http://bff/v1/roster/users?filter=status%3D%27active%27&limit=10&offset=20&sort=a")
    got = links(link_header(url, limit=10, offset=20, total=95))
    prefix = "http://bff/v1/roster/users?filter=status%3D%27active%27&sort=a&limit=10"
    assert got == {
        "first": f"{prefix}&offset=0",
        "prev": f"{prefix}&offset=10",
        "next": f"{prefix}&offset=30",
        "last": f"{prefix}&offset=90",
    }


def test_first_and_only_page_has_neither_prev_nor_next() -> None:
    got = links(link_header(URL("http://bff/v1/x"), limit=100, offset=0, total=3))
    assert got == {
        "first": "http://bff/v1/x?limit=100&offset=0",
        "last": "http://bff/v1/x?limit=100&offset=0",
    }


def test_offset_past_the_end_points_prev_at_the_last_page() -> None:
    got = links(link_header(URL("http://bff/v1/x"), limit=10, offset=500, total=25))
    assert got["prev"].endswith("offset=20")
    assert got["last"].endswith("offset=20")
    assert "next" not in got


def test_non_ascii_ids_are_quoted_so_the_header_encodes() -> None:
    # Starlette's URL holds the decoded path, as the ASGI scope gives it.
    url = URL("http://bff/v1/roster/classes/κλάση-1:a/students")
    header = link_header(url, limit=5, offset=0, total=1)
    header.encode("latin-1")  # what Starlette does with a header value
    assert links(header)["first"] == (
        "http://bff/v1/roster/classes/%CE%BA%CE%BB%CE%AC%CF%83%CE%B7-1:a/students?limit=5&offset=0"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, None), ("a", ("a",)), (" a , b ,, ", ("a", "b")), ("", ())],
)
def test_split_fields(given: str | None, expected: tuple[str, ...] | None) -> None:
    assert split_fields(given) == expected
