"""HTML reports: content against the sample scenario, escaping, offline-ness, atomicity."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest

from recist import __version__
from recist.criteria import RECIST_1_1
from recist.errors import RecistDataError
from recist.report import (
    patient_report_file_name,
    render_patient_html,
    write_patient_report,
    write_reports,
)
from recist.report.figures import overlay_file_name
from recist.report.html import cell_text, esc, table
from recist.response import respond

EVIL_LESION = "<script>alert(1)</script>"
EVIL_SERIES = '<b>bold</b><img src=x onerror="alert(2)">'
EVIL_ORGAN = "lung & <i>pleura</i>"


def _text(html_text: str) -> str:
    """Visible text: tags removed, entities undone (enough for these assertions)."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", html_text))


_VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "area", "base", "wbr"}


def _assert_well_formed(html_text: str) -> None:
    """Every element opened is closed in order (the pages are written by hand)."""
    from html.parser import HTMLParser

    class Nesting(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in _VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
            self.stack.pop()

    parser = Nesting()
    parser.feed(html_text)
    parser.close()
    assert parser.stack == []


def _assert_offline(html_text: str) -> None:
    lowered = html_text.lower()
    assert "<script" not in lowered
    assert "://" not in html_text  # no http(s)/file URL anywhere (base64 has no ':')
    assert "<link" not in lowered and "@import" not in lowered
    for source in re.findall(r'src="([^"]*)"', html_text):
        assert source.startswith("data:image/"), source[:40]


def test_patient_pages_show_the_sample_scenario(tmp_path, sample_measurements,
                                                sample_patients):
    # sample_data/README.md: LUNG1 PR, PR, PD (V3, 2024-07-01); LUNG2 SD, PD (new lesion).
    files = write_reports(sample_measurements, tmp_path, patients=sample_patients,
                          criteria=RECIST_1_1.replace(confirmation=True),
                          inputs={"measurements": "measurements_expected.csv"})
    assert set(files.patients) == {"LUNG1", "LUNG2"}
    assert files.cohort == tmp_path / "cohort.html"
    lung1 = files.patients["LUNG1"].read_text(encoding="utf-8")
    cards = lung1.split('<div class="cards">', 1)[1].split("</div></div>")
    assert ">PR</span>" in cards[0] and ">PR</span>" in cards[1]  # BOR, confirmed BOR
    assert "2024-07-01" in cards[2]  # PD date
    text1 = _text(lung1)
    assert "169 d, event" in text1  # PFS 2024-01-15 -> 2024-07-01
    # every time point with the rule that decided it
    assert "TGT-PR, R11 4.3.1" in lung1 and "TGT-PD, R11 4.3.1" in lung1
    assert "16.66" in text1 and "9.70" in text1 and "8.91" in text1  # LD of each visit
    assert "86.98" in text1  # % over nadir at V3
    # provenance: version, series and SOP UIDs of every visit, input file
    assert f"recist {__version__}" in text1
    for uid in sample_measurements.loc[sample_measurements.patient_id == "LUNG1",
                                       "sop_instance_uid"]:
        assert str(uid) in lung1
    assert "measurements_expected.csv" in text1
    # trajectory plot inlined as SVG
    assert lung1.count('src="data:image/svg+xml;base64,') == 1
    lung2 = _text(files.patients["LUNG2"].read_text(encoding="utf-8"))
    assert "NEW-1, R11 4.3.5" in lung2 and "2024-05-06" in lung2
    assert "LUNG1" not in lung2.replace("patient_LUNG1", "")
    _assert_offline(lung1)
    _assert_well_formed(lung1)
    assert files.patients["LUNG1"].stat().st_mode & 0o777 == 0o644  # a page for others


def test_cohort_page_links_and_rates(tmp_path, sample_measurements, sample_patients):
    files = write_reports(sample_measurements, tmp_path, patients=sample_patients)
    cohort = files.cohort.read_text(encoding="utf-8")
    assert 'href="patient_LUNG1.html"' in cohort and 'href="patient_LUNG2.html"' in cohort
    text = _text(cohort)
    # ORR: LUNG1 PR of 2 patients; DCR: PR + SD = 2/2 (Clopper-Pearson 1.3-98.7 %)
    assert "1/2 = 50.0% (1.3–98.7%)" in text
    assert "2/2 = 100.0% (15.8–100.0%)" in text
    # waterfall, spider, swimmer, Kaplan-Meier of PFS, OS and DoR
    assert cohort.count('src="data:image/svg+xml;base64,') == 6
    # statistician first: rates, then time to event, ..., the patient list near the end
    order = [cohort.index(f'<section id="{key}">') for key in (
        "response", "time-to-event", "shrinkage", "time-on-study", "findings", "patients",
        "provenance")]
    assert order == sorted(order)
    _assert_offline(cohort)
    _assert_well_formed(cohort)


def test_overlay_pictures_are_inlined(tmp_path, sample_measurements, tiny_png):
    overlays = tmp_path / "overlays"
    payload = tiny_png(overlays / overlay_file_name("LUNG2", "V2", "NEW1"))
    result = respond(sample_measurements)
    html_text = render_patient_html("LUNG2", sample_measurements, result.timepoints,
                                    result.patient_summary, overlays_dir=overlays)
    assert base64.b64encode(payload).decode() in html_text
    assert html_text.count('src="data:image/png;base64,') == 1
    # NEW1 exists at V2 only: one tile; T1's visits have no picture, each says so
    assert html_text.count('class="thumb missing"') == 3
    assert "V2 · 2024-05-06" in html_text


def test_every_data_string_is_escaped(tmp_path, sample_measurements, sample_patients,
                                      tiny_png):
    m = sample_measurements.copy()
    m["lesion_id"] = m["lesion_id"].astype(object)
    m.loc[m["lesion_id"] == "NEW1", "lesion_id"] = EVIL_LESION
    m["series_description"] = EVIL_SERIES
    m["organ"] = EVIL_ORGAN
    overlays = tmp_path / "ov"
    tiny_png(overlays / overlay_file_name("LUNG2", "V2", EVIL_LESION))
    files = write_reports(m, tmp_path / "out", patients=sample_patients,
                          overlays_dir=overlays,
                          inputs={"measurements": "<u>in.csv</u>"})
    pages = [files.patients["LUNG2"].read_text(encoding="utf-8"),
             files.cohort.read_text(encoding="utf-8")]
    lung2 = pages[0]
    assert esc(EVIL_LESION) in lung2  # shown as text ...
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in lung2
    assert "&lt;b&gt;bold&lt;/b&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in lung2
    assert "lung &amp; &lt;i&gt;pleura&lt;/i&gt;" in lung2
    assert "&lt;u&gt;in.csv&lt;/u&gt;" in lung2
    for page in pages:  # ... and never as markup
        _assert_offline(page)
        _assert_well_formed(page)
        for raw in ("<b>bold", "<i>pleura", "onerror=\"alert", "<u>in.csv"):
            assert raw not in page
    # the escaped lesion's picture was found and its caption escaped too
    assert lung2.count('src="data:image/png;base64,') == 1


def test_table_and_cell_formatting():
    frame = pd.DataFrame({"lesion_id": ["<T1>"], "ld_mm": [9.7049],
                          "date": [pd.Timestamp("2024-03-11")], "nodal": [False],
                          "overall_response": ["NON-CR/NON-PD"], "sa_mm": [float("nan")]})
    html_text = table(frame)
    assert "<td>&lt;T1&gt;</td>" in html_text
    assert '<td class="num">9.70</td>' in html_text
    assert '<td class="date">2024-03-11</td>' in html_text
    assert "<td>no</td>" in html_text and "<td class=\"num\">—</td>" in html_text
    assert 'class="badge NON-CR-NON-PD">NON-CR/NON-PD</span>' in html_text
    assert cell_text(pd.NA) == "—" and cell_text(3) == "3"
    assert "none" in table(frame.iloc[0:0])


def test_unknown_patient_is_an_error_and_nothing_is_written(tmp_path, sample_measurements):
    result = respond(sample_measurements)
    target = tmp_path / "patient_X.html"
    target.write_text("older report", encoding="utf-8")
    with pytest.raises(RecistDataError, match="patient_id NOPE is not in the measurements"):
        write_patient_report(target, "NOPE", sample_measurements, result.timepoints,
                             result.patient_summary)
    assert target.read_text(encoding="utf-8") == "older report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patient_X.html"]


def test_patient_file_names_stay_inside_the_folder():
    assert patient_report_file_name("LUNG1") == "patient_LUNG1.html"
    assert "/" not in patient_report_file_name("../../etc/passwd")
