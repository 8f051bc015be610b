"""Lexical checks for Caliper values: date-times, durations, IRIs, event ids. Compiled once."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

# ISO 8601 / RFC 3339 date and time with a zone: Caliper asks for UTC with milliseconds
# (YYYY-MM-DDTHH:mm:ss.SSSZ); an offset or other precision is still one instant, so accepted.
_DATETIME: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|[+-](\d{2}):(\d{2}))"
)
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION: Final = re.compile(
    rf"P(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
)
# An absolute IRI is a scheme, a colon and something after it, without spaces or control
# characters. RFC 3987 also excludes <>"{}|\^` but TimeBack's own examples carry "<user-id>"
# placeholders and its stack parses URLs as browsers do (WHATWG), which escapes those.
_IRI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]+")
# JSON-LD blank node identifiers, which the spec allows where no IRI fits
_BLANK_NODE: Final = re.compile(r"_:[^\s\x00-\x1f\x7f]+")
_UUID_URN: Final = re.compile(
    r"urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def is_datetime(value: str) -> bool:
    match = _DATETIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - a range check only
    except ValueError:
        return False
    offset_hours, offset_minutes = match.group(8), match.group(9)
    return offset_hours is None or (int(offset_hours) <= 23 and int(offset_minutes) <= 59)


def is_duration(value: str) -> bool:
    return _DURATION.fullmatch(value) is not None


def is_iri(value: str) -> bool:
    return _IRI.fullmatch(value) is not None or _BLANK_NODE.fullmatch(value) is not None


def is_uuid_urn(value: str) -> bool:
    return _UUID_URN.fullmatch(value) is not None
