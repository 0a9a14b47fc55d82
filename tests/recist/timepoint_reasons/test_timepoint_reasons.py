"""``recist.timepoint_reasons`` (reasons put together from codes and tables of distinct
texts) against the sentences written row by row with ``%``, on random seeded time
points: every target sentence, non-target and new-lesion part, DEC-13 back-dating,
DEC-17 notes, baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recist.arrays import round_half_away
from recist.criteria import RECIST_1_1
from recist.response_table import NEW_LESION_ORDER, NONTARGET_ORDER, TARGET_ORDER, lookup
from recist.timepoint_reasons import _target_templates, timepoint_reasons


def _time_points(seed: int, n: int = 3000):
    rng = np.random.default_rng(seed)
    nadir = np.round(rng.uniform(0, 80, n), 2)
    nadir[rng.random(n) < 0.15] = 0.0
    partial = np.round(nadir + rng.normal(0, 10, n), 2).clip(0)
    base = np.round(rng.uniform(10, 90, n), 2)
    lesions = np.array([f"NEW{i}" for i in rng.integers(0, 3, n)], dtype=object)
    backdated = rng.random(n) < 0.05
    f = {
        "partial_sum_mm": partial, "nadir_mm": nadir, "baseline_sum_mm": base,
        "pct_from_baseline": round_half_away((partial - base) / base * 100, 2),
        "n_targets_missing": rng.integers(0, 3, n), "targets_complete": rng.random(n) < 0.7,
        "n_nt_progression": rng.integers(0, 3, n), "n_nt_missing": rng.integers(0, 3, n),
        "n_nt_present": rng.integers(0, 5, n), "n_new_unequivocal": rng.integers(0, 3, n),
        "backdated_lesions": np.where(backdated, lesions, ""),
        "backdated_confirmed": np.where(backdated, "2024-05-06", ""),
    }
    codes = {"target": rng.integers(0, len(TARGET_ORDER), n),
             "nontarget": rng.integers(0, len(NONTARGET_ORDER), n),
             "new": rng.integers(0, len(NEW_LESION_ORDER), n)}
    overall, rule = lookup(codes["target"], codes["nontarget"], codes["new"])
    rule[backdated] = "NEW-3, DEC-13"
    overall[backdated] = "PD"
    therapy = np.where(rng.random(n) < 0.1, "on or after new anticancer therapy on "
                       "2024-03-01: not counted for BOR or PFS (DEC-17)", "").astype(object)
    baseline = rng.random(n) < 0.1
    return f, codes, overall, rule, backdated & ~baseline, therapy, baseline


def _plain(i, f, codes, overall, rule, backdated, therapy, baseline, criteria):
    """One row's reason, written directly."""
    if baseline[i]:
        return "baseline"
    partial, nadir = float(f["partial_sum_mm"][i]), float(f["nadir_mm"][i])
    numbers = {"partial": partial, "nadir": nadir, "base": f["baseline_sum_mm"][i],
               "pct_base": f["pct_from_baseline"][i], "missing": f["n_targets_missing"][i],
               "increase": round_half_away(partial - nadir, 2),
               "pct_nadir": round_half_away((partial - nadir) / nadir * 100, 2)
               if nadir > 0 else math.nan}
    parts = []
    target = TARGET_ORDER[codes["target"][i]]
    for response, positive, complete, template, columns in _target_templates(criteria):
        if (response == target and positive in (None, nadir > 0)
                and complete in (None, bool(f["targets_complete"][i]))):
            parts.append(template % tuple(numbers[c] for c in columns))
    nontarget = NONTARGET_ORDER[codes["nontarget"][i]]
    if nontarget == "PD":
        parts.append(f"non-target PD (NT-PD, R11 4.3.3): {f['n_nt_progression'][i]} "
                     "non-target(s) with unequivocal progression")
    elif nontarget == "NE":
        parts.append(f"non-target NE (NT-NE, DEC-5): {f['n_nt_missing'][i]} non-target(s) "
                     "not evaluated")
    elif nontarget == "CR":
        parts.append("non-target CR (NT-CR, R11 4.3.3): every non-target gone")
    elif nontarget == "NON-CR/NON-PD":
        parts.append(f"non-target NON-CR/NON-PD (R11 4.3.3): {f['n_nt_present'][i]} "
                     "non-target(s) present")
    new = NEW_LESION_ORDER[codes["new"][i]]
    if new == "Y":
        parts.append(f"{f['n_new_unequivocal'][i]} unequivocal new lesion(s) (NEW-1, "
                     "R11 4.3.5)")
    elif new == "EQUIVOCAL" and not backdated[i]:
        parts.append("equivocal new lesion(s) not counted as PD (NEW-3, DEC-14)")
    if backdated[i]:
        parts.append(f"new lesion {f['backdated_lesions'][i]} first seen here, confirmed on "
                     f"{f['backdated_confirmed'][i]} (NEW-3, DEC-13)")
    if therapy[i]:
        parts.append(therapy[i])
    parts.append(f"overall {overall[i]} ({rule[i]})")
    return "; ".join(parts)


@pytest.mark.parametrize("seed,options", [(1, {}), (2, {"pr_decrease_pct": 25.0}),
                                          (3, {"pd_min_increase_mm": 4.0})])
def test_reasons_equal_the_sentences_written_row_by_row(seed, options):
    criteria = RECIST_1_1.replace(**options)
    f, codes, overall, rule, backdated, therapy, baseline = _time_points(seed)
    got = timepoint_reasons(f, codes, overall, rule, backdated, therapy, baseline, criteria)
    expected = [_plain(i, f, codes, overall, rule, backdated, therapy, baseline, criteria)
                for i in range(len(baseline))]
    assert got.tolist() == expected
    assert len({text.split(" (")[0] for text in got.tolist()}) >= 12  # sentences exercised


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_reasons_of_few_or_no_time_points(n):
    for seed in range(10):
        f, codes, overall, rule, backdated, therapy, baseline = _time_points(seed, n)
        got = timepoint_reasons(f, codes, overall, rule, backdated, therapy, baseline,
                                RECIST_1_1)
        assert got.dtype == object
        assert got.tolist() == [_plain(i, f, codes, overall, rule, backdated, therapy,
                                       baseline, RECIST_1_1) for i in range(n)]


def test_no_therapy_texts_read_as_none_on_every_row():
    # ``None`` (no patient has a cut-off, ``assess_timepoints``' call) reads as "" on
    # every row, the DEC-13 rows written one by one included
    f, codes, overall, rule, backdated, _, baseline = _time_points(4)
    empty = np.full(len(baseline), "", dtype=object)
    got = timepoint_reasons(f, codes, overall, rule, backdated, None, baseline, RECIST_1_1)
    assert backdated.any()
    assert got.tolist() == [_plain(i, f, codes, overall, rule, backdated, empty, baseline,
                                   RECIST_1_1) for i in range(len(baseline))]
