"""Zoho wire mapping: Projects form fields, Desk bodies, the tag marker, ids and data centres."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from adapters.zoho.data_centres import DataCentres
from adapters.zoho.mapping import (
    day_groups_logs,
    desk_body,
    hours_hhmm,
    id_of,
    projects_form,
    read_desk_entry,
    read_projects_log,
    strip_tag,
    tag_of,
    with_tag,
    zone_name,
)
from domain.errors import InvalidInput
from domain.models.timesheets import UpstreamEntry


def entry(**overrides: object) -> UpstreamEntry:
    values: dict[str, object] = {
        "project_id": "170876000004061003",
        "task": "Meeting",
        "day": date(2026, 3, 9),
        "started_at": datetime(2026, 3, 9, 23, 30, 0, 123456, tzinfo=UTC),
        "minutes": 90,
        "billable": True,
        "notes": "Sprint planning",
        "tag": "log-7f3a",
    }
    return UpstreamEntry(**(values | overrides))  # type: ignore[arg-type]


def test_projects_form_uses_zoho_formats() -> None:
    assert projects_form(entry()) == {
        "name": "Meeting",
        "date": "03-09-2026",
        "bill_status": "Billable",
        "hours": "01:30",
        "notes": "Sprint planning [bff:log-7f3a]",
    }
    assert projects_form(entry(billable=False))["bill_status"] == "Non Billable"


@pytest.mark.parametrize(
    ("minutes", "hhmm"), [(0, "00:00"), (5, "00:05"), (600, "10:00"), (1500, "25:00")]
)
def test_hours_keep_whole_days(minutes: int, hhmm: str) -> None:
    assert hours_hhmm(minutes) == hhmm


def test_negative_durations_are_refused() -> None:
    with pytest.raises(InvalidInput):
        hours_hhmm(-1)


def test_tag_marker_round_trips_and_replaces_an_old_one() -> None:
    assert with_tag("", "abc") == "[bff:abc]"
    tagged = with_tag("notes [bff:old]", "new")
    assert tagged == "notes [bff:new]"
    assert tag_of(tagged) == "new"
    assert strip_tag(tagged) == "notes"
    # a marker in the middle of the text is the user's words, not ours
    assert tag_of("see [bff:x] later") is None
    assert tag_of(None) is None


def test_a_tag_that_could_not_be_parsed_back_is_refused() -> None:
    with pytest.raises(InvalidInput):
        with_tag("notes", "has space]")


def test_ids_come_from_id_string_never_from_a_float() -> None:
    big = 170876000004061003  # above 2**53: a float would end in ...000
    assert id_of({"id": float(big), "id_string": str(big)}) == "170876000004061003"
    assert id_of({"id": big}) == "170876000004061003"
    assert id_of({"id": "1892000000093030"}) == "1892000000093030"
    with pytest.raises(ValueError, match="usable id"):
        id_of({"id": 1.7e17})


def test_a_projects_log_reads_back_without_its_marker() -> None:
    body = {
        "timelogs": {
            "date": [
                {
                    "display_format": "03-09-2026",
                    "generallogs": [
                        {
                            "id": 170876000004337009,
                            "id_string": "170876000004337009",
                            "name": "Meeting",
                            "notes": "Sprint planning [bff:log-7f3a]",
                            "log_date": "03-09-2026",
                            "hours_display": "01:30",
                            "total_minutes": 90,
                            "bill_status": "Non Billable",
                        }
                    ],
                }
            ]
        }
    }
    (log,) = day_groups_logs(body)
    read = read_projects_log(log)
    assert (read.upstream_id, read.task, read.day, read.minutes) == (
        "170876000004337009",
        "Meeting",
        date(2026, 3, 9),
        90,
    )
    assert (read.billable, read.notes, read.tag) == (False, "Sprint planning", "log-7f3a")
    assert day_groups_logs(None) == []


def test_desk_body_is_an_instant_in_utc_with_millis() -> None:
    local = datetime(2026, 3, 10, 1, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    body = desk_body(entry(started_at=local, minutes=135))
    assert body == {
        "executedTime": "2026-03-09T23:30:00.123Z",
        "hoursSpent": 2,
        "minutesSpent": 15,
        "secondsSpent": 0,
        "isBillable": True,
        "description": "Meeting\nSprint planning [bff:log-7f3a]",
    }
    read = read_desk_entry({"id": "55", **body})
    assert (read.task, read.notes, read.tag, read.minutes) == (
        "Meeting",
        "Sprint planning",
        "log-7f3a",
        135,
    )


def test_naive_starts_are_refused_for_desk() -> None:
    with pytest.raises(InvalidInput):
        desk_body(entry(started_at=datetime(2026, 3, 9, 12, 0)))  # noqa: DTZ001


def test_time_zones_fall_back_to_utc() -> None:
    assert zone_name("Europe/London") == "Europe/London"
    assert zone_name("(GMT -5:0) Eastern Standard Time") == "UTC"
    assert zone_name(None) == "UTC"


def test_data_centres_resolve_keys_aliases_and_overrides() -> None:
    zoho = DataCentres()
    assert zoho["eu"].projects_url == "https://projectsapi.zoho.eu"
    assert zoho["us"].accounts_url == "https://accounts.zoho.com"
    assert zoho["ca"].desk_url == "https://desk.zohocloud.ca"
    assert zoho["AU"].key == "com.au"
    with pytest.raises(InvalidInput):
        zoho["mars"]
    sandbox = DataCentres.routed_to(
        accounts_url="http://accounts.zoho.sim/",
        projects_url="http://projectsapi.zoho.sim",
        desk_url="http://desk.zoho.sim",
    )
    assert sandbox["jp"].accounts_url == "http://accounts.zoho.sim"
    assert sandbox["jp"].key == "jp"
    assert list(sandbox.keys()) == list(zoho.keys())
