"""Laws: any valid measurements table survives SDTM out → in unchanged (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from recist.cdisc import read_sdtm
from recist.cdisc.sdtm_out import measurements_to_sdtm
from recist.table import normalise_measurements

CORE = ["patient_id", "date", "visit", "lesion_id", "kind", "organ", "nodal", "ld_mm",
        "sa_mm", "status"]
mm = st.integers(min_value=10, max_value=900).map(lambda v: v / 10)


@st.composite
def lesion_rows(draw, patient: str, n_visits: int):
    rows = []
    dates = pd.date_range("2024-01-01", periods=n_visits, freq="56D")
    lesions = []
    for index in range(draw(st.integers(1, 3))):
        nodal = draw(st.booleans())
        lesions.append((f"T{index + 1:02d}", "target", nodal,
                        "hilar lymph node" if nodal else draw(st.sampled_from(
                            ["lung", "liver", "bone"]))))
    for index in range(draw(st.integers(0, 2))):
        lesions.append((f"NT{index + 1:02d}", "non-target", False, "pleura"))
    for visit, date in enumerate(dates):
        for lesion_id, kind, nodal, organ in lesions:
            base = {"patient_id": patient, "date": date.strftime("%Y-%m-%d"),
                    "visit": f"V{visit}", "lesion_id": lesion_id, "kind": kind,
                    "organ": organ, "nodal": nodal, "ld_mm": None, "sa_mm": None}
            if kind == "non-target":
                status = "present" if visit == 0 else draw(st.sampled_from(
                    ["present", "absent", "progression", "not_evaluated"]))
                rows.append({**base, "status": status})
                continue
            status = "measured" if visit == 0 else draw(st.sampled_from(
                ["measured", "measured", "too_small", "absent", "merged", "not_evaluated"]))
            counted, other = ("sa_mm", "ld_mm") if nodal else ("ld_mm", "sa_mm")
            if status == "measured":
                row = {**base, "status": status, counted: draw(mm)}
                if draw(st.booleans()):
                    row[other] = draw(mm)
                if not nodal and visit > 0 and draw(st.integers(0, 4)) == 0:
                    rows.append({**row, other: None})  # a second fragment (split lesion)
                    row[other] = None
                rows.append(row)
            elif status == "absent":
                rows.append({**base, "status": status, counted: 0.0})
            else:
                rows.append({**base, "status": status})
        if visit > 0 and draw(st.integers(0, 3)) == 0:
            rows.append({"patient_id": patient, "date": date.strftime("%Y-%m-%d"),
                         "visit": f"V{visit}", "lesion_id": "NEW01", "kind": "new",
                         "organ": "liver", "nodal": False,
                         "ld_mm": draw(st.one_of(st.none(), mm)), "sa_mm": None,
                         "status": draw(st.sampled_from(["unequivocal", "equivocal"]))})
    return rows


@st.composite
def measurement_tables(draw):
    rows = []
    for number in range(draw(st.integers(1, 3))):
        rows.extend(draw(lesion_rows(f"P{number}", draw(st.integers(1, 4)))))
    return normalise_measurements(pd.DataFrame(rows))


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[CORE].copy()
    for column in ("patient_id", "visit", "lesion_id", "kind", "organ", "status"):
        out[column] = out[column].astype(str)
    return out.sort_values(CORE[:5] + ["status", "ld_mm", "sa_mm"]).reset_index(drop=True)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(measurement_tables())
def test_sdtm_round_trip_keeps_every_row(table):
    tables = measurements_to_sdtm(table)
    back = read_sdtm(tables["TU"], tables["TR"]).measurements
    pd.testing.assert_frame_equal(_canonical(back), _canonical(table))
