"""The report pages in headless Chromium at 1400 and 800 px: they load offline without a
console error, nothing overflows horizontally, every picture loads, and a screenshot of
each is kept under ``out/browser/`` (test artefacts, not committed).

Chromium comes from Debian (``sh tests/system_tools/install_browser.sh``). Without it the
test is skipped locally and FAILS when the ``CI`` environment variable is set. One browser
serves every page and width (DevTools over a pipe, ``support.chromium``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from recist.criteria import RECIST_1_1
from recist.report import write_reports

from support.chromium import INSTALL, Browser, chromium_path
from support.paths import REPO

SCREENSHOTS = REPO / "out" / "browser"
WIDTHS = (1400, 800)
PAGE_STATE = """(() => ({
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  images: document.images.length,
  broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
                              .map(i => i.alt),
  title: document.title,
  text: document.body.innerText.length,
}))()"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = chromium_path()
    if executable is None:
        message = f"headless Chromium is not installed; run `{INSTALL}` (as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"), executable)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The sample's pages, with a lesion picture for every visit of LUNG1."""
    from matplotlib.image import imsave

    from recist.patients import read_patients
    from recist.report.figures import overlay_file_name
    from recist.table import read_measurements

    from support.paths import SAMPLE_DATA

    folder = tmp_path_factory.mktemp("browser")
    overlays = folder / "overlays"
    overlays.mkdir()
    for visit in ("V0", "V1", "V2", "V3"):
        image = np.random.default_rng(len(visit)).random((60, 60))
        imsave(overlays / overlay_file_name("LUNG1", visit, "T1"), image, cmap="gray")
    files = write_reports(read_measurements(SAMPLE_DATA / "measurements_expected.csv"),
                          folder / "report",
                          patients=read_patients(SAMPLE_DATA / "patients.csv"),
                          criteria=RECIST_1_1.replace(confirmation=True),
                          overlays_dir=overlays, workers=1)
    return {"patient_LUNG1": files.patients["LUNG1"], "cohort": files.cohort,
            "cohort_trial": _trial_cohort_page(folder / "trial")}


def _trial_cohort_page(folder):
    """The cohort page of the 60-patient two-arm trial (sample_data/cohort/): its tables,
    paged swimmer and per-arm figures are what a statistician reads (issue 14)."""
    from recist.patients import read_patients
    from recist.report import write_cohort_report
    from recist.response import respond
    from recist.table import read_measurements

    from support.paths import SAMPLE_DATA

    measurements = read_measurements(SAMPLE_DATA / "cohort" / "measurements.csv")
    patients = read_patients(SAMPLE_DATA / "cohort" / "patients.csv")
    criteria = RECIST_1_1.replace(confirmation=True)
    result = respond(measurements, patients, criteria)
    folder.mkdir()
    return write_cohort_report(folder / "cohort.html", measurements, result.timepoints,
                               result.patient_summary, patients=patients, criteria=criteria,
                               findings=result.findings)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name, least_images", [("patient_LUNG1", 5), ("cohort", 6),
                                                ("cohort_trial", 6)])
def test_page_in_chromium(browser, pages, name, least_images, width):
    browser.open(pages[name].resolve().as_uri(), width)
    state = browser.evaluate(PAGE_STATE)
    browser.screenshot(SCREENSHOTS / f"{name}_{width}.png")
    assert browser.console_errors() == []
    assert state["overflow"] <= 0, f"{name} is {state['overflow']} px too wide at {width} px"
    # LUNG1: 4 lesion pictures and the target-sum plot; cohorts: 6 figures or more
    assert state["images"] >= least_images and state["broken"] == []
    assert state["title"].startswith("RECIST 1.1") and state["text"] > 500
    from matplotlib.image import imread

    pixels = imread(SCREENSHOTS / f"{name}_{width}.png")[..., :3]
    assert pixels.shape[1] == width and float(np.var(pixels)) > 0.005  # drawn, not blank


PATIENT_LAYOUT = """(() => ({
  thumbs: [...document.querySelectorAll('figure.thumb img')]
            .map(i => Math.round(i.getBoundingClientRect().width)),
  captions: [...document.querySelectorAll('figure.thumb figcaption')].map(c => c.innerText),
  rules: [...document.querySelectorAll('table.timepoints tr.rule td')]
           .map(td => [Math.round(td.getBoundingClientRect().width), td.innerText]),
  table: Math.round(document.querySelector('table.timepoints').getBoundingClientRect().width),
  dates: [...document.querySelectorAll('table.timepoints td.date')].map(td => {
           const range = document.createRange(); range.selectNodeContents(td);
           return range.getClientRects().length; }),
}))()"""


@pytest.mark.parametrize("width, least_thumb", [(1400, 250), (800, 180)])
def test_patient_page_course_reads_on_one_screen_at_any_width(browser, pages, width,
                                                             least_thumb):
    # issue 14: thumbnails readable at 800 px (they were 160 px with 4-7 px text), each
    # captioned with its diameters in page text; the deciding rule across the table
    browser.open(pages["patient_LUNG1"].resolve().as_uri(), width)
    layout = browser.evaluate(PATIENT_LAYOUT)
    assert len(layout["thumbs"]) == 4 and min(layout["thumbs"]) >= least_thumb
    assert 4 * least_thumb + 3 * 8 <= width - 32  # the four visits fit in one row
    assert layout["captions"][1].replace("\n", " ") == "V1 · 2024-03-11 LD 9.7 · SA 6.2 mm"
    assert len(layout["rules"]) == 4
    assert all(abs(w - layout["table"]) <= 2 for w, _ in layout["rules"])
    assert layout["rules"][1][1].startswith("rule that decided: target PR (TGT-PR")
    assert layout["dates"] == [1, 1, 1, 1]  # each date on one line (text boxes)
