"""Caliper 1.2 validation (with TimeBack's profile): every problem of a document in one answer.

Pure domain code: the outbox and the API call these and turn the problems into their verdicts.
The rules are the spec's tables (``caliper_v1p2.json``), decision D54.
"""

from __future__ import annotations

import orjson

from domain.caliper.checker import CONTEXT, Checker
from domain.caliper.problem import RULES, Problem
from domain.errors import InvalidInput

__all__ = [
    "CONTEXT",
    "RULES",
    "CaliperParseError",
    "Problem",
    "parse_json",
    "validate_entity",
    "validate_envelope",
    "validate_event",
]


class CaliperParseError(InvalidInput):
    """The text is not JSON; ``problem`` says where the parser stopped (rule ``not-json``)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_json(raw: bytes | str) -> object:
    """Parse a request body. NaN and Infinity, which Python's json would let in, are refused."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise CaliperParseError(Problem("$", "not-json", f"not JSON: {error}")) from None


def validate_envelope(payload: object) -> list[Problem]:
    """An envelope ``{sensor, sendTime, dataVersion, data: [event or entity, ...]}``."""
    checker = Checker()
    checker.envelope(payload)
    return checker.problems


def validate_event(event: object, *, path: str = "$") -> list[Problem]:
    """One event; ``path`` prefixes the problems' paths (``$.data[3]``)."""
    checker = Checker()
    checker.event(event, path)
    return checker.problems


def validate_entity(entity: object, *, path: str = "$") -> list[Problem]:
    """One entity (or a SystemIdentifier / TextPositionSelector) described on its own."""
    checker = Checker()
    checker.entity_document(entity, path)
    return checker.problems
