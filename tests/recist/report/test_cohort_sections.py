"""The cohort page's figure jobs and the sections that show them (recist.report.
cohort_sections): waterfall and swimmer in pages of at most 60 patients, a spider panel
per arm, every page shown in order."""

from __future__ import annotations

import pandas as pd

from recist.plots import page_margins
from recist.report.cohort_sections import (
    cohort_figure_jobs,
    shrinkage_section,
    swimmer_section,
)
from recist.report.sections import CohortContext

from support.large_cohort import large_cohort


def _context(n: int, **more) -> CohortContext:
    timepoints, summary, patients = large_cohort(n)
    return CohortContext(measurements=pd.DataFrame(), timepoints=timepoints,
                         patient_summary=summary, patients=patients, **more)


def test_130_patients_make_three_pages_and_two_spider_panels():
    jobs = cohort_figure_jobs(_context(130))
    assert [name for name in jobs if name.split("-")[0] in ("waterfall", "spider",
                                                            "swimmer")] == [
        "waterfall", "waterfall-2", "waterfall-3", "spider", "spider-2",
        "swimmer", "swimmer-2", "swimmer-3"]
    # 130 = 44 + 43 + 43 patients; 0.17 in a patient + 1.4 in
    assert [jobs[f"swimmer{s}"][2] for s in ("", "-2", "-3")] == [
        (11.0, 8.88), (11.0, 8.71), (11.0, 8.71)]
    assert jobs["swimmer-2"][1].endswith("(page 2 of 3: patients 45–87 of 130)")
    assert jobs["waterfall"][2] == (11.0, 4.6)
    assert jobs["spider"][1].startswith("Spider") and "Arm A" in jobs["spider"][1]
    assert "Arm B" in jobs["spider-2"][1]


def test_60_patients_fit_one_page():
    jobs = cohort_figure_jobs(_context(60))
    assert "swimmer-2" not in jobs and "waterfall-2" not in jobs
    assert jobs["swimmer"][2] == (11.0, 11.6)
    # fixed margins for the 5-character patient ids (no constrained-layout pass)
    assert jobs["swimmer"][3] == page_margins("swimmer", (11.0, 11.6), 5)
    assert jobs["spider"][3] == page_margins("spider", (11.0, 4.6), 5)
    assert len(jobs["km_pfs"]) == 3  # the at-risk table keeps the constrained layout
    assert "page" not in jobs["swimmer"][1]


def test_sections_show_every_page_in_order():
    figures = {name: f"<figure>{name}</figure>" for name in (
        "waterfall", "waterfall-2", "spider", "spider-2", "swimmer", "swimmer-2",
        "swimmer-3", "km_pfs")}
    context = _context(3, figures=figures)
    assert shrinkage_section(context) == (
        '<div class="figures"><figure>waterfall</figure><figure>waterfall-2</figure>'
        "<figure>spider</figure><figure>spider-2</figure></div>")
    assert swimmer_section(context) == ("<figure>swimmer</figure><figure>swimmer-2</figure>"
                                        "<figure>swimmer-3</figure>")
