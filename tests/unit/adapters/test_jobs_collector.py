"""The collector settings for bulk work: applied once for overlapping runs, then put back."""

from __future__ import annotations

import gc

import pytest

from adapters.jobs.collector import BULK_YOUNG_THRESHOLD, collector_tuned_for_bulk_work


def test_overlapping_runs_tune_the_collector_once_and_restore_it_after_the_last() -> None:
    before = gc.get_threshold()
    with collector_tuned_for_bulk_work():
        tuned = gc.get_threshold()
        assert tuned == (BULK_YOUNG_THRESHOLD, before[1], before[2])
        assert gc.get_freeze_count() > 0  # what was alive at the start is out of the scans
        with collector_tuned_for_bulk_work():
            assert gc.get_threshold() == tuned
        assert gc.get_threshold() == tuned  # the outer run is still going
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_failing_run_still_restores_the_collector() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError, match="boom"), collector_tuned_for_bulk_work():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
