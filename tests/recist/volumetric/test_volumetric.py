"""Volumetric response (recist.volumetric; docs/rules.md section 19, VOL-1..4), by hand,
and its equivalence with RECIST 1.1 for spheres away from the rounding boundaries."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recist.criteria import RECIST_1_1
from recist.errors import RecistDataError
from recist.response import respond
from recist.volumetric import assess_volumetric, sphere_volume_mm3, volumes_mm3

from support.criteria_rows import sized

BL, W8 = ("2024-01-01", "BL"), ("2024-02-26", "W8")

CASES = [
    # (case, baseline volume, follow-up volume, expected response) with 1000 mm³ baseline
    ("vol-2-pr-at-65.7", 1000.0, 343.0, "PR"),       # 0.7³ = 0.343: -65.70 %
    ("vol-2-dec-22-65.699", 1000.0, 343.01, "PR"),   # -65.699 % -> -65.70 (half away)
    ("vol-2-65.69-is-sd", 1000.0, 343.1, "SD"),      # -65.69 %
    ("vol-3-pd-at-72.8", 1000.0, 1728.0, "PD"),      # 1.2³ = 1.728: +72.80 %
    ("vol-3-72.79-is-sd", 1000.0, 1727.9, "SD"),     # +72.79 %
]


@pytest.mark.parametrize("case, v0, v1, expected", CASES, ids=[c[0] for c in CASES])
def test_volumetric_case(case, v0, v1, expected):
    measurements = sized([(*BL, "T1", 20.0, None, v0), (*W8, "T1", 20.0, None, v1)])
    result = respond(measurements, None, RECIST_1_1)
    out = assess_volumetric(measurements, result.timepoints)
    assert out.timepoints["volume_response"].tolist() == [None, expected]
    assert out.timepoints["volume_sum_mm3"].tolist() == [v0, v1]


def test_vol_3_absolute_minimum_is_an_option():
    criteria = RECIST_1_1.replace(volume_pd_min_increase_mm3=1000.0)
    measurements = sized([(*BL, "T1", 20.0, None, 1000.0), (*W8, "T1", 20.0, None, 1728.0)])
    result = respond(measurements, None, criteria)
    out = assess_volumetric(measurements, result.timepoints, None, criteria)
    assert out.timepoints["volume_response"].iat[1] == "SD"  # +728 mm³ < 1000 mm³


def test_vol_1_too_small_counts_a_5mm_sphere():
    assert sphere_volume_mm3(5.0) == pytest.approx(65.45, abs=0.005)
    measurements = sized([(*BL, "T1", 20.0, None, 1000.0),
                          (*W8, "T1", None, None, None, "too_small")])
    result = respond(measurements, None, RECIST_1_1)
    out = assess_volumetric(measurements, result.timepoints)
    assert out.timepoints["volume_sum_mm3"].iat[1] == 65.45
    assert out.timepoints["volume_response"].iat[1] == "PR"


def test_vol_4_missing_volumes():
    measurements = sized([(*BL, "T1", 20.0, None, 1000.0), (*BL, "T2", 20.0, None, 900.0),
                          (*W8, "T1", 20.0, None, 1000.0), (*W8, "T2", 20.0, None, None)])
    result = respond(measurements, None, RECIST_1_1)
    out = assess_volumetric(measurements, result.timepoints)
    assert out.timepoints["volume_response"].iat[1] == "NE"
    assert [f.code for f in out.findings] == ["volume-size-missing"]
    with pytest.raises(RecistDataError, match="needs the column volume_mm3"):
        volumes_mm3(measurements.drop(columns="volume_mm3"))
    with pytest.raises(RecistDataError, match="not a volume"):
        volumes_mm3(measurements.assign(volume_mm3=["-1", "1", "1", ""]))
    with pytest.raises(RecistDataError, match="row 3: volume_mm3 1e\\+09 is outside"):
        volumes_mm3(measurements.assign(volume_mm3=["1", "1e9", "1", ""]))


@settings(max_examples=10, deadline=None, derandomize=True)
@given(d0=st.floats(12.0, 80.0), ratio=st.floats(0.3, 1.6))
def test_vol_2_3_sphere_volumes_follow_recist_diameters(d0, ratio):
    # One spherical lesion: its volume crosses -65.7 % / +72.8 % exactly where its diameter
    # crosses -30 % / +20 % (away from the 0.01 rounding steps; RECIST's 5 mm minimum met).
    if min(abs(ratio - 0.7), abs(ratio - 1.2)) < 0.002 or (1.2 <= ratio and d0 * (ratio - 1) < 5):
        return
    d1 = d0 * ratio
    measurements = sized([(*BL, "T1", d0, None, sphere_volume_mm3(d0)),
                          (*W8, "T1", d1, None, sphere_volume_mm3(d1))])
    result = respond(measurements, None, RECIST_1_1)
    out = assess_volumetric(measurements, result.timepoints)
    assert out.timepoints["volume_response"].iat[1] == result.timepoints[
        "overall_response"].iat[1], (d0, d1, math.pow(ratio, 3))
