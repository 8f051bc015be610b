"""QTI response processing (simulators/qti/scoring.py) over items written here: every standard
template, every custom operator and rule, every interaction type, extended text pending, and the
feedback the outcomes show."""

# XML fragments read best whole, one to a line.
# ruff: noqa: E501

from __future__ import annotations

import pytest

from simulators.qti.model import QTI_NS
from simulators.qti.parse import item_from_xml, parse_xml
from simulators.qti.scoring import Response, Result, ScoringError, process
from simulators.qti.validate import check

TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"


def item(declarations: str, body: str = "", processing: str = "", extra: str = "") -> str:
    return (
        f'<qti-assessment-item xmlns="{QTI_NS}" identifier="it-1" title="T" adaptive="false" '
        f'time-dependent="false">{declarations}'
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>'
        '<qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>'
        f"<qti-item-body>{body}</qti-item-body>{processing}{extra}</qti-assessment-item>"
    )


def score(xml: str, response: Response, identifier: str = "RESPONSE") -> float:
    return run(xml, {identifier: response}).score


def run(xml: str, responses: dict[str, Response]) -> Result:
    root = parse_xml(xml)
    assert check("item", root) == []
    return process(item_from_xml(root), responses)


def template(name: str) -> str:
    return f'<qti-response-processing template="{TEMPLATES}{name}.xml"/>'


def custom(rules: str) -> str:
    return f"<qti-response-processing>{rules}</qti-response-processing>"


def choices(*ids: str) -> str:
    return "".join(f'<qti-simple-choice identifier="{i}">{i}</qti-simple-choice>' for i in ids)


SINGLE = (
    '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
    "<qti-correct-response><qti-value>B</qti-value></qti-correct-response></qti-response-declaration>"
)
SINGLE_BODY = f'<qti-choice-interaction response-identifier="RESPONSE" max-choices="1">{choices("A", "B", "C")}</qti-choice-interaction>'
MULTIPLE = (
    '<qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="identifier">'
    "<qti-correct-response><qti-value>A</qti-value><qti-value>C</qti-value></qti-correct-response>"
    '<qti-mapping lower-bound="0" upper-bound="2" default-value="0">'
    '<qti-map-entry map-key="A" mapped-value="1"/><qti-map-entry map-key="C" mapped-value="1"/>'
    '<qti-map-entry map-key="B" mapped-value="-1"/></qti-mapping></qti-response-declaration>'
)
MULTIPLE_BODY = f'<qti-choice-interaction response-identifier="RESPONSE" max-choices="0">{choices("A", "B", "C")}</qti-choice-interaction>'


def set_score(expression: str) -> str:
    return f'<qti-set-outcome-value identifier="SCORE">{expression}</qti-set-outcome-value>'


def base(value: str, base_type: str = "float") -> str:
    return f'<qti-base-value base-type="{base_type}">{value}</qti-base-value>'


def var(identifier: str = "RESPONSE") -> str:
    return f'<qti-variable identifier="{identifier}"/>'


def when(condition: str, then: str, otherwise: str = set_score(base("0"))) -> str:
    return (
        f"<qti-response-condition><qti-response-if>{condition}{then}</qti-response-if>"
        f"<qti-response-else>{otherwise}</qti-response-else></qti-response-condition>"
    )


# -- standard templates -----------------------------------------------------------------------


@pytest.mark.parametrize(("response", "expected"), [("B", 1.0), ("A", 0.0), (None, 0.0)])
def test_match_correct_scores_a_single_choice(response: str | None, expected: float) -> None:
    assert score(item(SINGLE, SINGLE_BODY, template("match_correct")), response) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [(["A", "C"], 2.0), (["A"], 1.0), (["A", "B"], 0.0), (["A", "B", "C"], 1.0), ([], 0.0)],
)
def test_map_response_sums_mapped_choices_within_bounds(
    response: list[str], expected: float
) -> None:
    assert score(item(MULTIPLE, MULTIPLE_BODY, template("map_response")), response) == expected


def test_map_response_counts_a_repeated_value_once() -> None:
    assert score(item(MULTIPLE, MULTIPLE_BODY, template("map_response")), ["A", "A"]) == 1.0


def test_match_correct_on_multiple_ignores_order_but_not_membership() -> None:
    xml = item(MULTIPLE, MULTIPLE_BODY, template("match_correct"))
    assert score(xml, ["C", "A"]) == 1.0
    assert score(xml, ["A"]) == 0.0


POINT = (
    '<qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="point">'
    '<qti-area-mapping default-value="0" upper-bound="3">'
    '<qti-area-map-entry shape="circle" coords="10,10,5" mapped-value="1"/>'
    '<qti-area-map-entry shape="rect" coords="20,20,40,40" mapped-value="2"/>'
    '<qti-area-map-entry shape="poly" coords="50,50,60,50,60,60,50,60" mapped-value="1"/>'
    "</qti-area-mapping></qti-response-declaration>"
)
POINT_BODY = '<qti-select-point-interaction response-identifier="RESPONSE" max-choices="3"><qti-prompt>Pick</qti-prompt></qti-select-point-interaction>'


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (["10 12"], 1.0),  # inside the circle
        (["25 30"], 2.0),  # inside the rectangle
        (["55 55"], 1.0),  # inside the polygon
        (["10 10", "11 11"], 1.0),  # one area counts once
        (["10 10", "30 30", "55 55"], 3.0),  # capped by the upper bound
        (["90 90"], 0.0),
    ],
)
def test_map_response_point_scores_areas_hit(points: list[str], expected: float) -> None:
    assert score(item(POINT, POINT_BODY, template("map_response_point")), points) == expected


# -- custom processing: every operator --------------------------------------------------------


def test_if_else_if_else_takes_the_first_branch_that_holds() -> None:
    rules = (
        "<qti-response-condition>"
        f"<qti-response-if><qti-match>{var()}{base('A', 'identifier')}</qti-match>{set_score(base('1'))}</qti-response-if>"
        f"<qti-response-else-if><qti-match>{var()}{base('B', 'identifier')}</qti-match>{set_score(base('2'))}</qti-response-else-if>"
        f"<qti-response-else>{set_score(base('3'))}</qti-response-else>"
        "</qti-response-condition>"
    )
    xml = item(SINGLE, SINGLE_BODY, custom(rules))
    assert [score(xml, r) for r in ("A", "B", "C")] == [1.0, 2.0, 3.0]


def test_qti_correct_and_match() -> None:
    rules = when(
        f'<qti-match>{var()}<qti-correct identifier="RESPONSE"/></qti-match>', set_score(base("1"))
    )
    xml = item(SINGLE, SINGLE_BODY, custom(rules))
    assert (score(xml, "B"), score(xml, "A")) == (1.0, 0.0)


def test_member_tests_a_value_against_a_container() -> None:
    rules = when(f"<qti-member>{base('B', 'identifier')}{var()}</qti-member>", set_score(base("1")))
    xml = item(MULTIPLE, MULTIPLE_BODY, custom(rules))
    assert (score(xml, ["A", "B"]), score(xml, ["A", "C"])) == (1.0, 0.0)


def test_is_null_holds_for_no_response() -> None:
    rules = when(f"<qti-is-null>{var()}</qti-is-null>", set_score(base("5")), set_score(base("1")))
    xml = item(SINGLE, SINGLE_BODY, custom(rules))
    assert (score(xml, None), score(xml, ""), score(xml, "A")) == (5.0, 5.0, 1.0)


def test_sum_adds_to_the_outcome_so_far() -> None:
    rules = set_score(base("2")) + set_score(
        f"<qti-sum>{var('SCORE')}{base('1.5')}{base('0.5')}</qti-sum>"
    )
    assert score(item(SINGLE, SINGLE_BODY, custom(rules)), "A") == 4.0


def test_map_response_inside_custom_processing() -> None:
    rules = set_score('<qti-map-response identifier="RESPONSE"/>')
    assert score(item(MULTIPLE, MULTIPLE_BODY, custom(rules)), ["A", "C"]) == 2.0


def test_map_response_point_inside_custom_processing() -> None:
    rules = set_score('<qti-map-response-point identifier="RESPONSE"/>')
    assert score(item(POINT, POINT_BODY, custom(rules)), ["25 25"]) == 2.0


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        (
            f"<qti-and><qti-member>{base('A', 'identifier')}{var()}</qti-member><qti-member>{base('C', 'identifier')}{var()}</qti-member></qti-and>",
            1.0,
        ),
        (
            f"<qti-and><qti-member>{base('A', 'identifier')}{var()}</qti-member><qti-member>{base('B', 'identifier')}{var()}</qti-member></qti-and>",
            0.0,
        ),
        (
            f"<qti-or><qti-member>{base('B', 'identifier')}{var()}</qti-member><qti-member>{base('C', 'identifier')}{var()}</qti-member></qti-or>",
            1.0,
        ),
        (f"<qti-not><qti-member>{base('B', 'identifier')}{var()}</qti-member></qti-not>", 1.0),
        (f"<qti-not><qti-member>{base('A', 'identifier')}{var()}</qti-member></qti-not>", 0.0),
    ],
)
def test_and_or_not(operator: str, expected: float) -> None:
    xml = item(MULTIPLE, MULTIPLE_BODY, custom(when(operator, set_score(base("1")))))
    assert score(xml, ["A", "C"]) == expected


def test_multiple_builds_an_unordered_container() -> None:
    container = f"<qti-multiple>{base('C', 'identifier')}{base('A', 'identifier')}</qti-multiple>"
    xml = item(
        MULTIPLE,
        MULTIPLE_BODY,
        custom(when(f"<qti-match>{var()}{container}</qti-match>", set_score(base("1")))),
    )
    assert (score(xml, ["A", "C"]), score(xml, ["A"])) == (1.0, 0.0)


ORDER = (
    '<qti-response-declaration identifier="RESPONSE" cardinality="ordered" base-type="identifier">'
    "<qti-correct-response><qti-value>C</qti-value><qti-value>A</qti-value><qti-value>B</qti-value>"
    "</qti-correct-response></qti-response-declaration>"
)
ORDER_BODY = f'<qti-order-interaction response-identifier="RESPONSE">{choices("A", "B", "C")}</qti-order-interaction>'


def test_ordered_builds_a_sequence_that_order_matters_for() -> None:
    sequence = "".join(base(i, "identifier") for i in "CAB")
    condition = f"<qti-match>{var()}<qti-ordered>{sequence}</qti-ordered></qti-match>"
    xml = item(ORDER, ORDER_BODY, custom(when(condition, set_score(base("1")))))
    assert (score(xml, ["C", "A", "B"]), score(xml, ["A", "B", "C"])) == (1.0, 0.0)


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        (f"<qti-gt>{base('3')}{base('2')}</qti-gt>", 1.0),
        (f"<qti-gte>{base('2')}{base('2')}</qti-gte>", 1.0),
        (f"<qti-lt>{base('3')}{base('2')}</qti-lt>", 0.0),
        (f"<qti-lte>{base('2')}{base('2')}</qti-lte>", 1.0),
        (f"<qti-equal>{base('2')}{base('2', 'integer')}</qti-equal>", 1.0),
        (
            f'<qti-string-match case-sensitive="false">{base("Paris", "string")}{base("paris", "string")}</qti-string-match>',
            1.0,
        ),
        (
            f'<qti-string-match case-sensitive="true">{base("Paris", "string")}{base("paris", "string")}</qti-string-match>',
            0.0,
        ),
        (
            f"<qti-contains><qti-multiple>{base('A', 'identifier')}{base('B', 'identifier')}</qti-multiple><qti-multiple>{base('B', 'identifier')}</qti-multiple></qti-contains>",
            1.0,
        ),
        ("<qti-is-null><qti-null/></qti-is-null>", 1.0),
    ],
)
def test_comparisons_and_string_match(operator: str, expected: float) -> None:
    xml = item(SINGLE, SINGLE_BODY, custom(when(operator, set_score(base("1")))))
    assert score(xml, "A") == expected


def test_arithmetic_product_and_subtract() -> None:
    rules = set_score(
        f"<qti-subtract><qti-product>{base('3')}{base('4')}</qti-product>{base('2')}</qti-subtract>"
    )
    assert score(item(SINGLE, SINGLE_BODY, custom(rules)), "A") == 10.0


def test_exit_response_keeps_what_was_set() -> None:
    rules = set_score(base("1")) + "<qti-exit-response/>" + set_score(base("9"))
    assert score(item(SINGLE, SINGLE_BODY, custom(rules)), "A") == 1.0


def test_a_null_operand_makes_the_condition_false() -> None:
    rules = when(
        f"<qti-match>{var()}{base('A', 'identifier')}</qti-match>",
        set_score(base("1")),
        set_score(base("2")),
    )
    assert score(item(SINGLE, SINGLE_BODY, custom(rules)), None) == 2.0


# -- interaction types ------------------------------------------------------------------------


TEXT = (
    '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">'
    "<qti-correct-response><qti-value>Paris</qti-value></qti-correct-response>"
    '<qti-mapping default-value="0"><qti-map-entry map-key="Paris" mapped-value="1" case-sensitive="false"/>'
    '<qti-map-entry map-key="Lyon" mapped-value="0.5"/></qti-mapping></qti-response-declaration>'
)
TEXT_BODY = '<p>Capital: <qti-text-entry-interaction response-identifier="RESPONSE" expected-length="10"/></p>'


def test_text_entry_match_correct_is_exact_and_map_response_honours_case_sensitivity() -> None:
    exact = item(TEXT, TEXT_BODY, template("match_correct"))
    assert (score(exact, "Paris"), score(exact, "paris")) == (1.0, 0.0)
    mapped = item(TEXT, TEXT_BODY, template("map_response"))
    assert (score(mapped, "PARIS"), score(mapped, "Lyon"), score(mapped, "lyon")) == (1.0, 0.5, 0.0)


INLINE = (
    '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
    "<qti-correct-response><qti-value>gt</qti-value></qti-correct-response></qti-response-declaration>"
)
INLINE_BODY = (
    '<p>5 is <qti-inline-choice-interaction response-identifier="RESPONSE">'
    '<qti-inline-choice identifier="gt">greater than</qti-inline-choice>'
    '<qti-inline-choice identifier="lt">less than</qti-inline-choice></qti-inline-choice-interaction> 3</p>'
)


def test_inline_choice() -> None:
    xml = item(INLINE, INLINE_BODY, template("match_correct"))
    assert (score(xml, "gt"), score(xml, "lt")) == (1.0, 0.0)


def test_order_interaction_scores_the_exact_order_only() -> None:
    xml = item(ORDER, ORDER_BODY, template("match_correct"))
    assert (score(xml, ["C", "A", "B"]), score(xml, ["C", "B", "A"])) == (1.0, 0.0)


MATCH = (
    '<qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="directedPair">'
    "<qti-correct-response><qti-value>S1 T2</qti-value><qti-value>S2 T1</qti-value></qti-correct-response>"
    '<qti-mapping default-value="0"><qti-map-entry map-key="S1 T2" mapped-value="1"/>'
    '<qti-map-entry map-key="S2 T1" mapped-value="1"/></qti-mapping></qti-response-declaration>'
)
MATCH_BODY = (
    '<qti-match-interaction response-identifier="RESPONSE" max-associations="2">'
    '<qti-simple-match-set><qti-simple-associable-choice identifier="S1" match-max="1">a</qti-simple-associable-choice>'
    '<qti-simple-associable-choice identifier="S2" match-max="1">b</qti-simple-associable-choice></qti-simple-match-set>'
    '<qti-simple-match-set><qti-simple-associable-choice identifier="T1" match-max="1">1</qti-simple-associable-choice>'
    '<qti-simple-associable-choice identifier="T2" match-max="1">2</qti-simple-associable-choice></qti-simple-match-set>'
    "</qti-match-interaction>"
)


def test_match_interaction_pairs_are_directed() -> None:
    xml = item(MATCH, MATCH_BODY, template("map_response"))
    assert score(xml, ["S2 T1", "S1 T2"]) == 2.0
    assert score(xml, ["T2 S1", "S2 T1"]) == 1.0  # the reversed pair maps to nothing
    assert score(item(MATCH, MATCH_BODY, template("match_correct")), ["S2 T1", "S1 T2"]) == 1.0


def test_extended_text_is_pending_not_scored() -> None:
    xml = item(
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>',
        '<qti-extended-text-interaction response-identifier="RESPONSE"/>',
    )
    result = run(xml, {"RESPONSE": "an essay"})
    assert (result.status, result.score, result.feedback) == ("pending", 0.0, None)


def test_choice_item_parses_its_interaction() -> None:
    parsed = item_from_xml(parse_xml(item(MULTIPLE, MULTIPLE_BODY, template("map_response"))))
    (interaction,) = parsed.interactions
    assert (interaction.kind, interaction.max_choices) == ("choice", 0)
    assert [c.identifier for c in interaction.choices] == ["A", "B", "C"]
    assert parsed.responses[0].mapping is not None
    assert parsed.template == "map_response"


# -- feedback ---------------------------------------------------------------------------------


MODAL = (
    '<qti-modal-feedback outcome-identifier="FEEDBACK" identifier="RIGHT" show-hide="show" title="Yes">'
    "<qti-content-body><p>Well done</p></qti-content-body></qti-modal-feedback>"
    '<qti-modal-feedback outcome-identifier="FEEDBACK" identifier="RIGHT" show-hide="hide" title="No">'
    "<qti-content-body><p>Try again</p></qti-content-body></qti-modal-feedback>"
)


def test_modal_feedback_shows_by_outcome_and_show_hide() -> None:
    rules = when(
        f'<qti-match>{var()}<qti-correct identifier="RESPONSE"/></qti-match>',
        set_score(base("1"))
        + f'<qti-set-outcome-value identifier="FEEDBACK">{base("RIGHT", "identifier")}</qti-set-outcome-value>',
    )
    xml = item(SINGLE, SINGLE_BODY, custom(rules), MODAL)
    right, wrong = run(xml, {"RESPONSE": "B"}), run(xml, {"RESPONSE": "A"})
    assert right.feedback is not None
    assert wrong.feedback is not None
    assert (right.feedback.content, wrong.feedback.content) == ("Well done", "Try again")
    assert (right.correct, wrong.correct) == (True, False)


# -- refusals ---------------------------------------------------------------------------------


def test_a_malformed_response_is_a_scoring_error() -> None:
    xml = item(MATCH, MATCH_BODY, template("map_response"))
    with pytest.raises(ScoringError):
        score(xml, ["S1"])  # a directed pair is two identifiers
    with pytest.raises(ScoringError):
        score(item(SINGLE, SINGLE_BODY, template("match_correct")), ["A", "B"])


def test_an_unsupported_expression_is_a_scoring_error() -> None:
    xml = item(SINGLE, SINGLE_BODY, custom(set_score("<qti-random-integer min='1' max='2'/>")))
    with pytest.raises(ScoringError, match="unsupported"):
        score(xml, "A")
