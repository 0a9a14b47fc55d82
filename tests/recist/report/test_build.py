"""``write_reports``' progress: a bar shows before the assessment, and the worker
processes' pages are counted while the cohort page is still being drawn (issue 14: the
bar of ``recist report`` used to appear only at the end, after ~45 s of silence)."""

from __future__ import annotations

import threading

import recist.report.build as build
from recist.report import write_reports


def test_progress_starts_at_once_and_counts_pages_while_the_cohort_is_drawn(
        tmp_path, sample_measurements, sample_patients, monkeypatch):
    calls: list[tuple[int, int]] = []
    pages_counted = threading.Event()
    n_patients = sample_measurements["patient_id"].nunique()

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        if done >= n_patients:
            pages_counted.set()

    real_cohort = build.write_cohort_report

    def slow_cohort(*args, **kwargs):
        # the cohort page waits until the workers' pages have been counted: counting them
        # only after the cohort page (the old code) times out here
        seen_in_time = pages_counted.wait(timeout=240)
        path = real_cohort(*args, **kwargs)
        return path if seen_in_time else None

    monkeypatch.setattr(build, "write_cohort_report", slow_cohort)
    files = write_reports(sample_measurements, tmp_path, patients=sample_patients,
                          workers=2, progress=progress)
    total = n_patients + 1
    assert files.cohort is not None, "the pages were counted only after the cohort page"
    assert calls[0] == (0, total)  # before respond: the bar shows at once
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (total, total) and {t for _, t in calls} == {total}
    assert sorted(files.patients) == sorted(sample_measurements["patient_id"].unique())


def test_progress_in_one_process_counts_every_page(tmp_path, sample_measurements,
                                                  sample_patients):
    calls: list[tuple[int, int]] = []
    write_reports(sample_measurements, tmp_path, patients=sample_patients, workers=1,
                  progress=lambda done, total: calls.append((done, total)))
    total = sample_measurements["patient_id"].nunique() + 1
    assert calls == [(done, total) for done in range(total + 1)]
