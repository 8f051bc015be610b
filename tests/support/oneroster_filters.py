"""Values of the OpenAPI format ``oneroster-filter`` for schemathesis: filters in the documented
grammar, which no regular expression in the document could describe. Registered by the schemathesis
test and by ``bench.fuzz_live``'s hooks, so both fuzz the filter the way a client would write it."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st


def oneroster_filters() -> st.SearchStrategy[str]:
    """Filters in the documented grammar (format ``oneroster-filter``) over the fields every
    OneRoster kind has, with what a regular expression could not say: parentheses, days 29-31,
    date-times, quotes doubled, lists."""
    day = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
    when = st.one_of(
        day.map(lambda d: f"'{d.isoformat()}'"),
        day.map(lambda d: f"'{d.isoformat()}T08:30:00Z'"),
    )
    text = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), max_size=12)
    quoted = text.map(lambda t: "'" + t.replace("'", "''") + "'")
    comparison = st.one_of(
        st.builds(
            lambda op, v: f"dateLastModified{op}{v}", st.sampled_from(["=", ">=", "<"]), when
        ),
        st.builds(lambda op, v: f"status{op}{v}", st.sampled_from(["=", "!=", "~"]), quoted),
        st.builds(
            lambda v: f"sourcedId@'{v},x'", text.filter(lambda t: "'" not in t and "," not in t)
        ),
    )
    return st.recursive(
        comparison,
        lambda inner: st.builds(
            lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(["AND", "OR"]), inner
        ),
        max_leaves=4,
    )


def oneroster_fields() -> st.SearchStrategy[str]:
    """Values of the format ``oneroster-fields`` (sparse fields): names every OneRoster kind has."""
    names = st.sampled_from(["sourcedId", "status", "dateLastModified"])
    return st.lists(names, min_size=1).map(",".join)
