"""Types shared by several schemas."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AllowInfNan,
    AwareDatetime,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
)

#: Deep enough for any real list; bounded so no offset overflows a database integer.
MAX_OFFSET = 1_000_000_000

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_only(value: Any) -> Any:
    # pydantic also reads numbers as Unix times; the API documents RFC 3339 date-times only.
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return value
    if isinstance(value, str | int | float):
        raise ValueError("use an RFC 3339 date-time with a time zone, e.g. 2026-11-24T09:00:00Z")
    return value


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_only)]

#: A login email. Deliberately loose (something@domain): schools use internal and reserved domains
#: (``.local``, ``.test``) that strict validators refuse, and an unreachable address does no harm
#: here because the BFF never mails anyone.
Email = Annotated[
    str,
    # Explicit ranges, not \s: Python and the JavaScript of OpenAPI tools disagree on what \s is.
    StringConstraints(
        max_length=320, pattern=r"^[^@\x00-\x20\x7f]{1,64}@[^@\x00-\x20\x7f]{1,255}$"
    ),
]

#: A OneRoster ``sourcedId``, in a body or a path: 1-255 characters, no control character (C0, DEL,
#: C1) anywhere and not only spaces. TimeBack refuses such ids with a 400, which without this check
#: reached the caller as a 502; checked here they are the caller's 422, naming the field. A pattern,
#: not a validator, so that the OpenAPI document says exactly what is accepted.
SourcedId = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=255,
        pattern=r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
    ),
]

#: A JSON number: ``true`` / ``"5"`` are refused, not read as 1 / 5, and so are NaN and the
#: infinities (also refused earlier, where a body is decoded: :mod:`api.strict_json`).
FiniteNumber = Annotated[float, Strict(), AllowInfNan(False)]

#: Bounds of a OneRoster ``metadata`` object (its extensions): room for real extensions, none for
#: a document carried upstream inside a write. The body limit (``BFF_HTTP_MAX_BODY_BYTES``) bounds
#: the whole request; this bounds what is stored.
METADATA_MAX_KEYS = 100
METADATA_MAX_BYTES = 16_384


def _bounded_metadata(value: dict[str, Any]) -> dict[str, Any]:
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > METADATA_MAX_BYTES:
        raise ValueError(f"metadata is {size} bytes as JSON; at most {METADATA_MAX_BYTES}")
    return value


Metadata = Annotated[
    dict[str, Any],
    Field(
        max_length=METADATA_MAX_KEYS,
        description=f"Extensions: at most {METADATA_MAX_KEYS} keys and "
        f"{METADATA_MAX_BYTES // 1024} KiB as compact JSON.",
    ),
    AfterValidator(_bounded_metadata),
]

#: Free text bounds: a name or code, and a description or comment.
SHORT_TEXT = 255
LONG_TEXT = 4000
