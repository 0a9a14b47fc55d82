"""The patient page's course (lesion × visit table, picture rows, target-sum thresholds)
and the cohort page's sections, against the sample scenario worked out by hand."""

from __future__ import annotations

import re

import matplotlib
import pytest

from recist.criteria import RECIST_1_1
from recist.report import render_cohort_html, render_patient_html
from recist.report.course import lesion_visit_table
from recist.report.figures import overlay_file_name
from recist.report.sections import CohortContext, CohortSection
from recist.response import respond


def _plain(html_text: str) -> str:
    """Visible text: tags removed, entities undone, spaces collapsed."""
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_text)).split())


def _cells(html_text: str) -> list[list[str]]:
    """Rows of the first table, each cell's text (tags removed, spaces collapsed)."""
    body = html_text.split("<table", 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([_plain(c) for c in cells])
    return rows


def test_lesion_by_visit_table_of_lung1(sample_measurements):
    # sample_data/README.md: T1 16.66 mm at V0, 9.70 (V1), 8.91 (V2), 16.66 (V3);
    # PR, PR, PD. % change of the lesion: -41.8 -> -42 %, -46.5 -> -47 %, 0 %.
    result = respond(sample_measurements)
    rows = sample_measurements[sample_measurements["patient_id"] == "LUNG1"]
    tp = result.timepoints[result.timepoints["patient_id"] == "LUNG1"]
    cells = _cells(lesion_visit_table(rows, tp))
    assert cells[0] == ["lesion", "V0 2024-01-08", "V1 2024-03-11", "V2 2024-05-06",
                        "V3 2024-07-01"]
    t1 = cells[1]
    assert t1[0].startswith("T1 target · lung")
    assert t1[1].startswith("LD 16.7") and "+0%" in t1[1]
    assert t1[2].startswith("LD 9.7") and "-42%" in t1[2]
    assert t1[3].startswith("LD 8.9") and "-47%" in t1[3]
    assert t1[4].startswith("LD 16.7") and "+0%" in t1[4]
    assert cells[2] == ["target sum (mm)", "16.7", "9.7", "8.9", "16.7"]
    assert cells[3] == ["% from baseline", "+0.0%", "-41.8%", "-46.5%", "+0.0%"]
    assert cells[4] == ["overall response", "baseline", "PR", "PR", "PD"]


def test_new_lesion_row_and_picture_strip(tmp_path, sample_measurements, tiny_png):
    overlays = tmp_path / "ov"
    for visit in ("V0", "V1"):
        tiny_png(overlays / overlay_file_name("LUNG2", visit, "T1"))
    result = respond(sample_measurements)
    page = render_patient_html("LUNG2", sample_measurements, result.timepoints,
                               result.patient_summary, overlays_dir=overlays)
    table_rows = _cells(page.split("<h2>Lesions across visits</h2>", 1)[1])
    assert [r[0].split(" ")[0] for r in table_rows[1:3]] == ["T1", "NEW1"]
    assert table_rows[2][1:3] == ["—", "—"]  # NEW1 only at V2
    assert table_rows[-1][-1] == "PD"
    # one strip per lesion, pictures in visit order, a placeholder where there is none
    strips = re.findall(r'<div class="strip">(.*?)</div></div>', page, re.S)
    assert len(strips) == 2
    # each picture captioned in page text (readable at any size) with its diameters
    assert [_plain(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", strips[0])] == [
        "V0 · 2024-01-08 LD 55.9 · SA 32.6 mm", "V1 · 2024-03-11 LD 53.1 · SA 30.9 mm",
        "V2 · 2024-05-06"]  # V2: no picture, the placeholder's caption
    assert strips[0].count("<img") == 2 and strips[0].count("thumb missing") == 1
    # each lesion's heading says what its pictures were drawn from (lines: no outline)
    assert re.findall(r'<div class="lesion-row"><h3>(.*?)</h3>', page) == [
        'T1 <span class="note">target · lung · drawn lines</span>',
        'NEW1 <span class="note">new · lung · drawn lines</span>']
    # the course comes before the folded details (eligibility, provenance)
    assert page.index("Lesions across visits") < page.index("Time point responses") \
        < page.index("Target sum and thresholds") < page.index("<details>")


def test_target_sum_thresholds_move_with_the_nadir(sample_measurements):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from recist.plots import plot_target_sum

    result = respond(sample_measurements)
    ax = plot_target_sum(result.timepoints, "LUNG1")
    lines = {line.get_label(): line for line in ax.get_lines()}
    pr = lines["PR: −30% from baseline (11.7 mm)"]
    assert pr.get_ydata()[0] == pytest.approx(16.664 * 0.7, abs=0.01)
    pd_line = lines["PD: +20% and +5 mm over nadir"]
    # nadir 16.66 (V1, V2: vs baseline... V2 vs 9.70), V3 vs 8.91: the larger of +20 %
    # and +5 mm: 16.66 + 5 = 21.66, 9.70 + 5 = 14.70, 8.91 + 5 = 13.91
    assert list(pd_line.get_ydata()) == pytest.approx([21.664, 21.664, 14.70, 13.91],
                                                      abs=0.01)
    assert ax.get_ylim()[0] == 0
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["baseline", "PR", "PR", "PD"]
    plt.close("all")


def test_a_section_can_be_added_to_the_cohort_page(sample_measurements, sample_patients):
    result = respond(sample_measurements)
    seen = {}

    def build(context: CohortContext) -> str:
        seen["patients"] = len(context.patient_summary)
        seen["extra"] = context.extras["marker"]
        return "<p>agreement 100%</p>"

    extra = CohortSection("agreement", "Criteria agreement", build)
    empty = CohortSection("empty", "Nothing to show", lambda context: "")
    page = render_cohort_html(sample_measurements, result.timepoints,
                              result.patient_summary, patients=sample_patients,
                              extra_sections=[extra, empty], extras={"marker": "x"},
                              criteria=RECIST_1_1)
    assert seen == {"patients": 2, "extra": "x"}
    assert '<section id="agreement"><h2>Criteria agreement</h2>' in page
    assert page.index('id="time-on-study"') < page.index('id="agreement"') \
        < page.index('id="findings"')
    assert 'href="#agreement"' in page  # in the table of contents
    assert "Nothing to show" not in page  # an empty section is left out, toc too


def test_cohort_survival_tables_by_arm(sample_measurements, sample_patients):
    # LUNG1 and LUNG2 both in arm A: no comparison of arms; PFS from the start
    # 2024-01-15 to PD 2024-07-01 and 2024-05-06, counting the first day: 169 and 113
    # days, both events: KM median = the first time S <= 0.5 = 113 days; follow-up ends
    # before 6 months, so no 6-month rate; no death: OS not reached.
    result = respond(sample_measurements, sample_patients)
    page = render_cohort_html(sample_measurements, result.timepoints,
                              result.patient_summary, patients=sample_patients)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert sorted(result.patient_summary["pfs_days"]) == [113, 169]
    assert "PFS A 2 2 113 (113–169) — —" in text
    assert "OS A 2 0 NR — —" in text
    assert "Comparison of arms" not in text


def test_each_time_point_has_the_rule_that_decided_it_on_a_line_under_it(
        sample_measurements):
    # sample_data/README.md: LUNG1 V1 PR (-41.78 % from baseline), V3 PD over the nadir
    result = respond(sample_measurements)
    page = render_patient_html("LUNG1", sample_measurements, result.timepoints,
                               result.patient_summary)
    rows = _cells(page.split("<h2>Time point responses</h2>", 1)[1])
    assert rows[0][:2] == ["visit", "date"] and "rule that decided" not in rows[0]
    visits, rules = rows[1::2], rows[2::2]
    assert [v[0] for v in visits] == ["V0", "V1", "V2", "V3"]
    assert [len(r) for r in rules] == [1] * 4  # one cell across the whole table
    assert rules[0] == ["rule that decided: baseline"]
    assert rules[1][0].startswith("rule that decided: target PR (TGT-PR, R11 4.3.1): sum "
                                  "9.70 mm is -41.78% from baseline")
    assert "TGT-PD" in rules[3][0] and visits[3][-1] == "PD"
    assert f'colspan="{len(rows[0])}"' in page
