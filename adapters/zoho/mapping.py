"""A time log as Zoho Projects v2 and Zoho Desk v1 want it, and back.

Exactly once without an idempotency key
---------------------------------------
Neither Zoho API accepts an idempotency key or a client-chosen id, so a create whose reply is lost
(timeout, worker killed between Zoho's answer and our commit) cannot simply be sent again: Zoho may
already hold the log, and a second POST makes a second one. Every pushed log therefore carries a
marker of its own id, ``[bff:<tag>]``, at the end of its notes (Projects) or description (Desk).
Before re-sending an interrupted create, the sync asks the tracker for a log carrying that marker
(``find_tagged``) and adopts it instead of creating another. The marker is short, trailing and
readable so it survives Zoho's editors and does not get in the way of people reading the log; it is
stripped again when a log is read back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput
from domain.models.timesheets import UpstreamEntry

#: A tag is a log id: letters, digits and ``-_.`` keep the marker unambiguous to parse.
_TAG = re.compile(r"[A-Za-z0-9_.-]{1,64}")
#: The last marker of a text, at its very end (whitespace aside).
_MARKER = re.compile(r"\s*\[bff:([A-Za-z0-9_.-]{1,64})\]\s*$")

PROJECTS_DATE = "%m-%d-%Y"
BILLABLE, NON_BILLABLE = "Billable", "Non Billable"


def marker(tag: str) -> str:
    if not _TAG.fullmatch(tag):
        raise InvalidInput(f"log tag {tag!r} cannot be stored upstream", field="tag")
    return f"[bff:{tag}]"


def with_tag(text: str, tag: str) -> str:
    """``text`` with the tag's marker at the end (a marker already there is replaced)."""
    body = strip_tag(text)
    return f"{body} {marker(tag)}" if body else marker(tag)


def tag_of(text: str | None) -> str | None:
    found = _MARKER.search(text or "")
    return found.group(1) if found else None


def strip_tag(text: str | None) -> str:
    return _MARKER.sub("", text or "").rstrip()


def hours_hhmm(minutes: int) -> str:
    """Zoho Projects' ``hh:mm``; whole days are kept as hours (``25:00``), never dropped."""
    if minutes < 0:
        raise InvalidInput("a log cannot last a negative time", field="minutes")
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes_of_hhmm(value: str) -> int:
    hours, _, minutes = value.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def zone_name(value: object) -> str:
    """The IANA zone a workspace names, or UTC when it names none this machine knows (log days
    are computed in it, so an unusable name must not reach the domain)."""
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return "UTC"
        return value
    return "UTC"


def id_of(obj: Mapping[str, Any]) -> str:
    """An object's id as a string: Zoho's ids exceed 2**53, so a float would have lost digits."""
    text = obj.get("id_string")
    if isinstance(text, str) and text:
        return text
    raw = obj.get("id")
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)  # Python's JSON reads big integers exactly
    raise ValueError(f"Zoho object without a usable id: {raw!r}")


# --- Zoho Projects v2 general logs -------------------------------------------------------------


def projects_form(entry: UpstreamEntry) -> dict[str, str]:
    """The form fields of a general log (``name`` is what Zoho calls the task)."""
    return {
        "name": entry.task,
        "date": entry.day.strftime(PROJECTS_DATE),
        "bill_status": BILLABLE if entry.billable else NON_BILLABLE,
        "hours": hours_hhmm(entry.minutes),
        "notes": with_tag(entry.notes, entry.tag),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamLog:
    """A log read back from a tracker, marker removed."""

    upstream_id: str
    task: str
    day: date
    minutes: int
    billable: bool
    notes: str
    tag: str | None


def read_projects_log(log: Mapping[str, Any]) -> UpstreamLog:
    notes = log.get("notes")
    minutes = log.get("total_minutes")
    if not isinstance(minutes, int):
        minutes = minutes_of_hhmm(str(log.get("hours_display", "0:0")))
    return UpstreamLog(
        upstream_id=id_of(log),
        task=str(log.get("name", "")),
        day=datetime.strptime(str(log["log_date"]), PROJECTS_DATE).date(),  # noqa: DTZ007 (a date)
        minutes=minutes,
        billable=log.get("bill_status") == BILLABLE,
        notes=strip_tag(notes if isinstance(notes, str) else ""),
        tag=tag_of(notes if isinstance(notes, str) else None),
    )


def day_groups_logs(body: Any) -> list[Mapping[str, Any]]:
    """The general logs of a day-grouped list reply (``{"timelogs": {"date": [...]}}``)."""
    if not isinstance(body, dict):
        return []
    days = (body.get("timelogs") or {}).get("date") or []
    return [log for day in days for log in (day.get("generallogs") or [])]


# --- Zoho Desk v1 time entries -----------------------------------------------------------------


def executed_time(moment: datetime) -> str:
    """Desk's ``executedTime``: UTC, milliseconds, ``Z``."""
    if moment.tzinfo is None:
        raise InvalidInput("a log's start must carry a time zone", field="start")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def desk_body(entry: UpstreamEntry) -> dict[str, Any]:
    """Desk has no task field: the task is the description's first line, the notes follow."""
    if entry.minutes < 0:
        raise InvalidInput("a log cannot last a negative time", field="minutes")
    text = "\n".join(part for part in (entry.task.strip(), entry.notes.strip()) if part)
    return {
        "executedTime": executed_time(entry.started_at),
        "hoursSpent": entry.minutes // 60,
        "minutesSpent": entry.minutes % 60,
        "secondsSpent": 0,
        "isBillable": entry.billable,
        "description": with_tag(text, entry.tag),
    }


def read_desk_entry(entry: Mapping[str, Any]) -> UpstreamLog:
    description = entry.get("description")
    text = description if isinstance(description, str) else ""
    task, _, notes = strip_tag(text).partition("\n")
    executed = str(entry["executedTime"]).replace("Z", "+00:00")
    return UpstreamLog(
        upstream_id=id_of(entry),
        task=task,
        day=datetime.fromisoformat(executed).date(),
        minutes=int(entry.get("hoursSpent") or 0) * 60 + int(entry.get("minutesSpent") or 0),
        billable=bool(entry.get("isBillable")),
        notes=notes,
        tag=tag_of(text),
    )
