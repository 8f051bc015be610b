"""Caliper-specific ``/_sim/caliper/`` controls: what a harness over a socket needs beyond the
kit's. None of it exists at TimeBack.

* ``POST /jobs {"fail": n, "reason"}``: the next n accepted envelopes get failing jobs;
  ``{"step_seconds": s}``: simulator seconds per job step.
* ``GET /stored[?duplicates=true]``: how many rows each event id was stored as (only those stored
  more than once with ``duplicates``), with the totals: what an exactly-once check reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from simulators.caliper.app import CaliperSimulator


class _Jobs(BaseModel):
    fail: int | None = Field(default=None, ge=1)
    reason: str = "Processing failed"
    step_seconds: float | None = Field(default=None, ge=0)


def caliper_control_routes(sim: CaliperSimulator) -> list[Route]:
    async def jobs(request: Request) -> Response:
        try:
            body = _Jobs.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            return JSONResponse({"detail": errors}, status_code=422)
        if body.fail is not None:
            sim.fail_next_jobs(body.fail, reason=body.reason)
        if body.step_seconds is not None:
            sim.set_job_step(body.step_seconds)
        return JSONResponse({"step_seconds": sim.job_step_seconds}, status_code=201)

    async def stored(request: Request) -> Response:
        counts = sim.store_counts()
        only_duplicates = request.query_params.get("duplicates", "").lower() in ("1", "true")
        shown = {k: n for k, n in counts.items() if n > 1} if only_duplicates else counts
        return JSONResponse(
            {
                "rows": sum(counts.values()),
                "distinct": len(counts),
                "duplicated": sum(1 for n in counts.values() if n > 1),
                "counts": shown,
            }
        )

    return [
        Route("/jobs", jobs, methods=["POST"]),
        Route("/stored", stored, methods=["GET"]),
    ]
