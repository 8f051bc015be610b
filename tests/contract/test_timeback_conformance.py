"""The TimeBack simulator against TimeBack's own OpenAPI file, with schemathesis.

The simulator serves every rostering, gradebook and resources operation of ``oneroster-api.yaml``
(found by matching the spec's paths, literal segment for literal segment, against the simulator's
own routes; the first test fails if one is missing and prints the counts). Each operation gets a
few seeded, generated requests (positive cases: the simulator validates wrappers, required fields
and ids, not every type, as a schema validator would); each response must use a documented status
code and content type and match the documented schema.

Spec defects worked around (each with its reason), applied to a copy of the spec before loading:

* ``SPEC_SLASHES``: collection paths end in ``/`` (``/users/``) while TimeBack and both clients
  call them without it; the simulator serves both spellings, so nothing is changed in the spec,
  but the operation counts treat the two as one path.
* ``NULLABLE_31``: the spec is OpenAPI 3.1 yet marks many response fields ``nullable: true`` (a
  3.0 keyword 3.1 ignores) over ``type: string``; TimeBack sends ``null`` for them (``middleName``,
  ``parent``, ...). Such schemas get ``null`` added to their ``type``.
* ``SPARSE_FIELDS``: the response schemas require every field of an entity even when the
  documented ``fields`` parameter asks for fewer, so no sparse response can conform; generated
  requests drop ``fields`` (``test_timeback_sim_queries`` covers it).
* ``LIST_KEYS``: ``GET /classes/{id}/students|teachers`` document the list under ``students`` /
  ``teachers`` but both TimeBack clients parse ``users`` (reference §4.1), which the simulator
  sends; the required key in those two schemas is relaxed to either key.
"""

from __future__ import annotations

import copy
import os
import re
from typing import Any

import pytest
import yaml

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route  # noqa: E402

from simulators.timeback import TimebackSimulator  # noqa: E402
from tests.support.timeback_sim import SPEC, simulator_with_token  # noqa: E402

ROSTERING = "/ims/oneroster/rostering/v1p2"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
RESOURCES = "/ims/oneroster/resources/v1p2"
METHODS = ("get", "post", "put", "patch", "delete")
TOKEN = "conformance-token"
MAX_EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "3"))
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = pytest.mark.skipif(not SPEC.exists(), reason="TimeBack OpenAPI fixture missing")


def _raw_spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return loaded


def _allow_null(node: Any) -> None:
    """NULLABLE_31: a 3.0 ``nullable: true`` becomes a 3.1 ``null`` in ``type``."""
    if isinstance(node, dict):
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _allow_null(value)
    elif isinstance(node, list):
        for value in node:
            _allow_null(value)


def _relax_list_keys(spec: dict[str, Any]) -> None:
    """LIST_KEYS: accept ``users`` where the spec says ``students`` / ``teachers``."""
    for child in ("students", "teachers"):
        op = spec["paths"].get(f"{ROSTERING}/classes/{{classSourcedId}}/{child}", {}).get("get")
        if op is None:
            continue
        for response in op.get("responses", {}).values():
            for media in response.get("content", {}).values():
                schema = media.get("schema", {})
                required = schema.get("required")
                if isinstance(required, list) and child in required:
                    schema["required"] = [r for r in required if r != child]
                    props = schema.get("properties", {})
                    if child in props:
                        props["users"] = props[child]


def patched_spec() -> dict[str, Any]:
    spec = copy.deepcopy(_raw_spec())
    _allow_null(spec)
    _relax_list_keys(spec)
    return spec


def _sim() -> TimebackSimulator:
    return simulator_with_token(TOKEN, seed=11, users=30, classes=6, ttl=10**9)


def _shape(path: str) -> str:
    """A path with every parameter spelled ``{}`` and no trailing slash (SPEC_SLASHES)."""
    return re.sub(r"\{[^}]*\}", "{}", path).rstrip("/")


def _served(sim: TimebackSimulator, method: str, path: str) -> bool:
    """Literal segments must match literal ones: ``/courses/components`` is not ``/courses/{id}``."""
    wanted = _shape(path)
    return any(
        isinstance(route, Route)
        and _shape(route.path) == wanted
        and method.upper() in (route.methods or ())
        for route in sim.routes()
    )


def rostering_operations(prefix: str = ROSTERING) -> list[tuple[str, str]]:
    spec = _raw_spec()
    return [
        (method, path)
        for path, ops in spec["paths"].items()
        if path.startswith(prefix)
        for method in ops
        if method in METHODS
    ]


SIM = _sim()
COVERED = [(m, p) for m, p in rostering_operations() if _served(SIM, m, p)]
GRADEBOOK_COVERED = [(m, p) for m, p in rostering_operations(GRADEBOOK) if _served(SIM, m, p)]
RESOURCES_COVERED = [(m, p) for m, p in rostering_operations(RESOURCES) if _served(SIM, m, p)]
TESTED = set(COVERED) | set(GRADEBOOK_COVERED) | set(RESOURCES_COVERED)
schema = schemathesis.openapi.from_dict(patched_spec()).include(
    func=lambda ctx: (ctx.operation.method.lower(), ctx.operation.path) in TESTED
)
schema.app = SIM.app
# Positive cases only (see the module docstring).
schema.config.generation.update(modes=[GenerationMode.POSITIVE])


def test_the_simulator_serves_every_operation_of_the_spec() -> None:
    total = len(rostering_operations())
    print(f"\nTimeBack rostering conformance: {len(COVERED)} of {total} spec operations covered")
    gradebook = len(rostering_operations(GRADEBOOK))
    print(f"TimeBack gradebook conformance: {len(GRADEBOOK_COVERED)} of {gradebook} covered")
    resources = len(rostering_operations(RESOURCES))
    print(f"TimeBack resources conformance: {len(RESOURCES_COVERED)} of {resources} covered")
    missing = sorted(
        (path, method)
        for prefix in (ROSTERING, GRADEBOOK, RESOURCES)
        for method, path in rostering_operations(prefix)
        if (method, path) not in TESTED
    )
    assert missing == []
    assert (len(COVERED), len(GRADEBOOK_COVERED), len(RESOURCES_COVERED)) == (
        total,
        gradebook,
        resources,
    )


@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_responses_conform_to_timebacks_spec(case: Any) -> None:
    if case.query:
        case.query.pop("fields", None)  # SPARSE_FIELDS
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CHECKS)
