"""The :class:`~domain.ports.caliper.CaliperSink` over TimeBack's Caliper API.

Retries, only where they cannot store an event twice (:class:`~adapters.timeback.retrying.
RetryPolicy`'s rules):

* ``send`` (``POST /caliper/event``) is tried again only when the request provably never reached
  Caliper (no connection, or the token request failed) or Caliper answered 429/503 with
  ``Retry-After`` (it did not act). A send that timed out, lost its connection mid-way or got a
  502/504 may have been ingested: it is **not** retried here but raised as
  ``UpstreamUnavailable``, and the caller decides (TimeBack stores an event id sent twice twice,
  decision D57).
* ``job`` (``GET /jobs/{id}/status``) is a read: retried on 429, 502-504 and transport failures.

A refused envelope (400, or a 200 whose ``status`` is ``error``) is a ``CaliperRefusal`` naming
TimeBack's reasons per event id; everything else maps through :mod:`adapters.caliper.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.caliper.errors import (
    FAMILY,
    as_caliper_error,
    raise_for_status,
    refusal,
    to_domain_error,
)
from adapters.http.errors import Unavailable
from adapters.http.paths import seg
from adapters.timeback.retrying import RetryPolicy
from domain.ports.caliper import (
    CaliperJob,
    CaliperRefusal,
    CaliperSink,
    Envelope,
    JobState,
    StoredEvent,
)

SEND_PATH = "/caliper/event"
DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
REFUSED = frozenset({400, 422})


class TimebackCaliperSink(CaliperSink):
    def __init__(self, client: httpx.AsyncClient, *, retry: RetryPolicy | None = None) -> None:
        self._client = client
        self._retry = retry or RetryPolicy()

    async def send(self, envelope: Envelope) -> str:
        body = {
            "sensor": envelope.sensor,
            "sendTime": envelope.send_time,
            "dataVersion": DATA_VERSION,
            "data": [dict(event) for event in envelope.data],
        }

        async def post() -> httpx.Response:
            return await self._client.post(SEND_PATH, json=body)

        try:
            response = await self._retry.call("POST", post)
            if response.status_code in REFUSED:
                raise refusal(response)
            payload = raise_for_status(response).json()
            if isinstance(payload, Mapping) and payload.get("status") == "error":
                raise refusal(response)
            job_id = payload.get("jobId") if isinstance(payload, Mapping) else None
            if not isinstance(job_id, str | int) or isinstance(job_id, bool) or job_id == "":
                raise FAMILY[Unavailable]("Caliper accepted the envelope but named no job")
            return str(job_id)
        except CaliperRefusal:
            raise
        except Exception as exc:
            raise to_domain_error(as_caliper_error(exc)) from exc

    async def job(self, job_id: str) -> CaliperJob:
        path = f"/jobs/{seg(job_id)}/status"

        async def get() -> httpx.Response:
            return await self._client.get(path)

        try:
            response = await self._retry.call("GET", get)
            return parse_job(raise_for_status(response).json(), job_id)
        except Exception as exc:
            raise to_domain_error(as_caliper_error(exc)) from exc


def parse_job(body: Any, job_id: str) -> CaliperJob:
    """``{"job": {id, state, returnValue: {status, results: [{allocatedId, externalId}]},
    failedReason?}}``; anything else raises (``ValueError``/``KeyError``/``TypeError``)."""
    raw = body.get("job", body) if isinstance(body, Mapping) else None
    if not isinstance(raw, Mapping):
        raise TypeError("a job status without a job")
    state = JobState(raw["state"])
    returned = raw.get("returnValue")
    returned = returned if isinstance(returned, Mapping) else {}
    results = returned.get("results") or []
    stored = tuple(
        StoredEvent(allocated_id=str(r["allocatedId"]), external_id=str(r["externalId"]))
        for r in results
    )
    reason = raw.get("failedReason")
    if state is JobState.FAILED and not isinstance(reason, str):
        reason = str(returned.get("message") or "the ingestion job failed")
    return CaliperJob(
        job_id=str(raw.get("id", job_id)),
        state=state,
        stored=stored,
        reason=reason if isinstance(reason, str) else None,
    )
