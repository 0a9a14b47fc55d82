"""The ``reasons`` column of the time point table: a pandas ``string`` column kept in
Arrow as written (``recist.timepoints._text_column``), or an object column when a text
cannot be UTF-8 (a lone surrogate in a back-dated lesion id, DEC-13); tables of both kinds
concatenate (as ``recist.pipeline`` joins readers' or partitions' tables)."""

from __future__ import annotations

import pandas as pd

from recist.timepoints import assess_timepoints

from support.new_therapy_patients import EQUIVOCAL_THEN_CONFIRMED, measurements

_BACKDATED = ("new lesion {} first seen here, confirmed on 2024-03-25 (NEW-3, DEC-13); "
              "overall PD (NEW-3, DEC-13)")


def _with_new_lesion(lesion_id):
    return [row[:3] + (lesion_id,) + row[4:] if row[3] == "N1" else row
            for row in EQUIVOCAL_THEN_CONFIRMED]


def test_reasons_are_arrow_strings():
    reasons = assess_timepoints(measurements(EQUIVOCAL_THEN_CONFIRMED))["reasons"]
    assert reasons.dtype == pd.StringDtype("pyarrow")
    assert reasons[0] == "baseline"
    assert reasons[1].endswith(_BACKDATED.format("N1"))
    assert all(type(text) is str for text in reasons.tolist())


def test_reasons_utf8_cannot_hold_keep_their_text():
    lesion = "N\udcff1"  # a lone surrogate (a byte read with surrogateescape)
    reasons = assess_timepoints(measurements(_with_new_lesion(lesion)))["reasons"]
    assert reasons.dtype == object
    assert reasons[1].endswith(_BACKDATED.format(lesion))
    assert reasons[0] == "baseline"


def test_reasons_of_both_kinds_concatenate():
    plain = assess_timepoints(measurements(EQUIVOCAL_THEN_CONFIRMED))
    odd = assess_timepoints(measurements(_with_new_lesion("N\udcff1")))
    for parts in ((plain, odd), (odd, plain)):
        joined = pd.concat(parts, ignore_index=True)["reasons"]
        assert joined.tolist() == parts[0]["reasons"].tolist() + parts[1]["reasons"].tolist()


def test_reasons_of_no_time_points():
    empty = measurements(EQUIVOCAL_THEN_CONFIRMED).iloc[:0]
    reasons = assess_timepoints(empty)["reasons"]
    assert reasons.tolist() == []
