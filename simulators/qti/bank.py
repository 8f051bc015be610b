"""The content bank's item authoring: one QTI 3 item per interaction type, arithmetic content
drawn from a seeded generator, written as XML text (the simulator's own; nothing copied from
1EdTech's examples) so the seed goes through the same parser as what clients send.

Each kind uses a different part of response processing: single choice ``match_correct`` plus a
custom rule setting FEEDBACK for modal feedback; multiple choice ``map_response``; text entry
custom rules (``qti-response-condition``, ``qti-match``, ``qti-string-match``, ``qti-sum``);
inline choice and order ``match_correct``; match (directed pairs) ``map_response``; extended text
none (answered "pending").
"""

# Authored XML reads best with an element to a line, however long.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulators.kit.seed import SeedGenerator
from simulators.qti.model import QTI_NS, SCHEMA_LOCATION, XSI_NS

KINDS = (
    "choice",
    "choice-multiple",
    "text-entry",
    "inline-choice",
    "order",
    "match",
    "extended-text",
)
DIFFICULTY_RANGES = {"easy": (2, 9), "medium": (10, 49), "hard": (50, 299)}
TEMPLATE = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"


@dataclass(frozen=True, slots=True)
class Authored:
    xml: str
    kind: str
    difficulty: str


def _open(identifier: str, title: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<qti-assessment-item xmlns="{QTI_NS}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{SCHEMA_LOCATION}" identifier="{identifier}" title="{title}" '
        f'adaptive="false" time-dependent="false" xml:lang="en">\n'
    )


SCORE = '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>\n'
FEEDBACK = (
    '<qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>\n'
)


def _modal(right: str, wrong: str) -> str:
    return (
        '<qti-modal-feedback outcome-identifier="FEEDBACK" identifier="CORRECT" show-hide="show" title="Correct">'
        f"<qti-content-body><p>{right}</p></qti-content-body></qti-modal-feedback>\n"
        '<qti-modal-feedback outcome-identifier="FEEDBACK" identifier="INCORRECT" show-hide="show" title="Not quite">'
        f"<qti-content-body><p>{wrong}</p></qti-content-body></qti-modal-feedback>\n"
    )


def _feedback_rule() -> str:
    return (
        "<qti-response-condition><qti-response-if>"
        '<qti-gte><qti-variable identifier="SCORE"/><qti-base-value base-type="float">1</qti-base-value></qti-gte>'
        '<qti-set-outcome-value identifier="FEEDBACK"><qti-base-value base-type="identifier">CORRECT</qti-base-value></qti-set-outcome-value>'
        "</qti-response-if><qti-response-else>"
        '<qti-set-outcome-value identifier="FEEDBACK"><qti-base-value base-type="identifier">INCORRECT</qti-base-value></qti-set-outcome-value>'
        "</qti-response-else></qti-response-condition>"
    )


def _numbers(gen: SeedGenerator, difficulty: str, count: int) -> list[int]:
    low, high = DIFFICULTY_RANGES[difficulty]
    found: list[int] = []
    while len(found) < count:
        n = gen.integer(low, high)
        if n not in found:
            found.append(n)
    return found


def choice(gen: SeedGenerator, identifier: str, difficulty: str) -> str:
    a, b = _numbers(gen, difficulty, 2)
    total = a + b
    options = [total, total + 1, total - 1, total + 10]
    options = gen.sample(options, len(options))
    letters = "ABCD"
    right = letters[options.index(total)]
    choices = "".join(
        f'<qti-simple-choice identifier="{c}">{o}</qti-simple-choice>'
        for c, o in zip(letters, options, strict=True)
    )
    return (
        _open(identifier, f"Add {a} and {b}")
        + '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
        f"<qti-correct-response><qti-value>{right}</qti-value></qti-correct-response></qti-response-declaration>\n"
        + SCORE
        + FEEDBACK
        + "<qti-item-body>"
        f'<qti-choice-interaction response-identifier="RESPONSE" max-choices="1" shuffle="false">'
        f"<qti-prompt>What is {a} + {b}?</qti-prompt>{choices}</qti-choice-interaction></qti-item-body>\n"
        "<qti-response-processing>"
        '<qti-response-condition><qti-response-if><qti-match><qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/></qti-match>'
        '<qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">1</qti-base-value></qti-set-outcome-value>'
        "</qti-response-if><qti-response-else>"
        '<qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">0</qti-base-value></qti-set-outcome-value>'
        "</qti-response-else></qti-response-condition>"
        + _feedback_rule()
        + "</qti-response-processing>\n"
        + _modal(f"Yes: {a} + {b} = {total}.", f"Add the ones first: {a} + {b} = {total}.")
        + "</qti-assessment-item>\n"
    )


def choice_multiple(gen: SeedGenerator, identifier: str, difficulty: str) -> str:
    numbers = _numbers(gen, difficulty, 5)
    letters = "ABCDE"
    even = [c for c, n in zip(letters, numbers, strict=True) if n % 2 == 0] or ["A"]
    if even == ["A"] and numbers[0] % 2:
        numbers[0] += 1
    correct = "".join(f"<qti-value>{c}</qti-value>" for c in even)
    entries = "".join(
        f'<qti-map-entry map-key="{c}" mapped-value="{1 if c in even else -1}"/>' for c in letters
    )
    choices = "".join(
        f'<qti-simple-choice identifier="{c}">{n}</qti-simple-choice>'
        for c, n in zip(letters, numbers, strict=True)
    )
    return (
        _open(identifier, "Pick the even numbers")
        + '<qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="identifier">'
        f"<qti-correct-response>{correct}</qti-correct-response>"
        f'<qti-mapping lower-bound="0" upper-bound="{len(even)}" default-value="0">{entries}</qti-mapping></qti-response-declaration>\n'
        + SCORE
        + "<qti-item-body>"
        f'<qti-choice-interaction response-identifier="RESPONSE" max-choices="0">'
        f"<qti-prompt>Select every even number.</qti-prompt>{choices}</qti-choice-interaction></qti-item-body>\n"
        f'<qti-response-processing template="{TEMPLATE}map_response.xml"/>\n'
        "</qti-assessment-item>\n"
    )


def text_entry(gen: SeedGenerator, identifier: str, difficulty: str) -> str:
    a, b = _numbers(gen, difficulty, 2)
    product = a * b
    return (
        _open(identifier, f"Multiply {a} by {b}")
        + '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">'
        f"<qti-correct-response><qti-value>{product}</qti-value></qti-correct-response></qti-response-declaration>\n"
        + SCORE
        + FEEDBACK
        + f"<qti-item-body><p>{a} &#215; {b} = "
        f'<qti-text-entry-interaction response-identifier="RESPONSE" expected-length="{len(str(product)) + 2}"/></p></qti-item-body>\n'
        "<qti-response-processing>"
        '<qti-response-condition><qti-response-if><qti-is-null><qti-variable identifier="RESPONSE"/></qti-is-null>'
        '<qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">0</qti-base-value></qti-set-outcome-value>'
        "</qti-response-if><qti-response-else-if>"
        '<qti-match><qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/></qti-match>'
        '<qti-set-outcome-value identifier="SCORE"><qti-sum><qti-variable identifier="SCORE"/><qti-base-value base-type="float">1</qti-base-value></qti-sum></qti-set-outcome-value>'
        "</qti-response-else-if><qti-response-else>"
        '<qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">0</qti-base-value></qti-set-outcome-value>'
        "</qti-response-else></qti-response-condition>"
        + _feedback_rule()
        + "</qti-response-processing>\n"
        + _modal(f"Right: {a} &#215; {b} = {product}.", f"Not quite: {a} &#215; {b} = {product}.")
        + "</qti-assessment-item>\n"
    )


def inline_choice(gen: SeedGenerator, identifier: str, difficulty: str) -> str:
    a, b = _numbers(gen, difficulty, 2)
    right = "greater" if a > b else "less"
    return (
        _open(identifier, f"Compare {a} and {b}")
        + '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
        f"<qti-correct-response><qti-value>{right}</qti-value></qti-correct-response></qti-response-declaration>\n"
        + SCORE
        + f"<qti-item-body><p>{a} is "
        '<qti-inline-choice-interaction response-identifier="RESPONSE" shuffle="false">'
        '<qti-inline-choice identifier="greater">greater than</qti-inline-choice>'
        '<qti-inline-choice identifier="less">less than</qti-inline-choice>'
        '<qti-inline-choice identifier="equal">equal to</qti-inline-choice>'
        f"</qti-inline-choice-interaction> {b}.</p></qti-item-body>\n"
        f'<qti-response-processing template="{TEMPLATE}match_correct.xml"/>\n'
        "</qti-assessment-item>\n"
    )


def order(gen: SeedGenerator, identifier: str, difficulty: str) -> str:
    numbers = _numbers(gen, difficulty, 4)
    letters = "ABCD"
    ranked = "".join(
        f"<qti-value>{c}</qti-value>" for _, c in sorted(zip(numbers, letters, strict=True))
    )
    choices = "".join(
        f'<qti-simple-choice identifier="{c}">{n}</qti-simple-choice>'
        for c, n in zip(letters, numbers, strict=True)
    )
    return (
        _open(identifier, "Order the numbers")
        + '<qti-response-declaration identifier="RESPONSE" cardinality="ordered" base-type="identifier">'
        f"<qti-correct-response>{ranked}</qti-correct-response></qti-response-declaration>\n"
        + SCORE
        + "<qti-item-body>"
        '<qti-order-interaction response-identifier="RESPONSE" shuffle="true">'
        f"<qti-prompt>Put the numbers in order, smallest first.</qti-prompt>{choices}</qti-order-interaction></qti-item-body>\n"
        f'<qti-response-processing template="{TEMPLATE}match_correct.xml"/>\n'
        "</qti-assessment-item>\n"
    )


def match(gen: SeedGenerator, identifier: str, difficulty: str) -> str:
    # a1 < a2 < a3 and b = 1, 2, 3 give three different sums
    pairs = [(a, b) for b, a in enumerate(sorted(_numbers(gen, difficulty, 3)), 1)]
    sums = [a + b for a, b in pairs]
    sources = "".join(
        f'<qti-simple-associable-choice identifier="E{i}" match-max="1">{a} + {b}</qti-simple-associable-choice>'
        for i, (a, b) in enumerate(pairs, 1)
    )
    shuffled = gen.sample(list(enumerate(sums, 1)), len(sums))
    targets = "".join(
        f'<qti-simple-associable-choice identifier="V{i}" match-max="1">{s}</qti-simple-associable-choice>'
        for i, s in shuffled
    )
    correct = "".join(f"<qti-value>E{i} V{i}</qti-value>" for i in range(1, 4))
    entries = "".join(f'<qti-map-entry map-key="E{i} V{i}" mapped-value="1"/>' for i in range(1, 4))
    return (
        _open(identifier, "Match each sum to its value")
        + '<qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="directedPair">'
        f"<qti-correct-response>{correct}</qti-correct-response>"
        f'<qti-mapping default-value="0" lower-bound="0">{entries}</qti-mapping></qti-response-declaration>\n'
        + SCORE
        + "<qti-item-body>"
        '<qti-match-interaction response-identifier="RESPONSE" max-associations="3" shuffle="false">'
        "<qti-prompt>Match each sum to its value.</qti-prompt>"
        f"<qti-simple-match-set>{sources}</qti-simple-match-set><qti-simple-match-set>{targets}</qti-simple-match-set>"
        "</qti-match-interaction></qti-item-body>\n"
        f'<qti-response-processing template="{TEMPLATE}map_response.xml"/>\n'
        "</qti-assessment-item>\n"
    )


def extended_text(
    gen: SeedGenerator, identifier: str, difficulty: str, stimulus: str | None = None
) -> str:
    a, b = _numbers(gen, difficulty, 2)
    ref = (
        f'<qti-assessment-stimulus-ref identifier="{stimulus}" href="stimuli/{stimulus}" title="Lesson reading"/>\n'
        if stimulus
        else ""
    )
    return (
        _open(identifier, f"Explain {a} + {b}")
        + '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>\n'
        + SCORE
        + ref
        + "<qti-item-body>"
        '<qti-extended-text-interaction response-identifier="RESPONSE" expected-length="400">'
        f"<qti-prompt>Explain, in your own words, how you would work out {a} + {b}.</qti-prompt>"
        "</qti-extended-text-interaction></qti-item-body>\n"
        "</qti-assessment-item>\n"
    )


AUTHORS: dict[str, Callable[[SeedGenerator, str, str], str]] = {
    "choice": choice,
    "choice-multiple": choice_multiple,
    "text-entry": text_entry,
    "inline-choice": inline_choice,
    "order": order,
    "match": match,
}


def stimulus_content(title: str, gen: SeedGenerator) -> str:
    a, b = gen.integer(2, 20), gen.integer(2, 20)
    return (
        f"<h2>{title}</h2><p>To add {a} and {b}, start from the larger number and count on. "
        f"Grouping tens first makes bigger sums easier.</p>"
    )
