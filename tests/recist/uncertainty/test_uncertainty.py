"""Measurement uncertainty of RECIST 1.1 calls (recist.uncertainty, docs/rules.md UNC-1..6).

Truth: the error model's arithmetic by hand, the threshold distances by hand (DEC-22
boundaries included), the probability of PR against a normal distribution computed
independently (the difference of two sums of independent normal errors is normal), and
the engine's own target responses for the size classifier.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.response import respond
from recist.response_table import TARGET_ORDER
from recist.size_response import classify_size_sums, recist_thresholds
from recist.table import normalise_measurements
from recist.uncertainty import assess_uncertainty, lesion_error_sd_mm, threshold_distances

from support.timepoint_rows import random_cohort, table, targets

CRITERIA = RECIST_1_1.replace(confirmation=False)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _assess(rows, criteria=CRITERIA, patients=None):
    measurements = table(rows)
    result = respond(measurements, patients, criteria)
    return result, assess_uncertainty(measurements, result.timepoints,
                                      result.patient_summary, patients, criteria)


def test_unc_1_error_model_matches_oxnard():
    # 25 mm: sqrt(1.5^2 + 0.75^2) = 1.677 mm; two measurements differ by sqrt(2) x that.
    sd = lesion_error_sd_mm([25.0, 10.0, 40.0])
    assert sd[0] == pytest.approx(math.sqrt(1.5 ** 2 + 0.75 ** 2))
    assert math.sqrt(2) * sd[0] == pytest.approx(2.37, abs=0.005)  # OX11: 2.4 mm
    assert 1.96 * math.sqrt(2) * sd[2] == pytest.approx(5.33, abs=0.01)  # 4 cm: +-5 mm
    assert sd[1] / 10 > sd[2] / 40  # smaller lesions vary more in percent
    assert lesion_error_sd_mm([25.0], RECIST_1_1.replace(error_floor_mm=0.0,
                                                         error_relative_pct=10.0))[0] == 2.5


CASES = [  # (case, sum, baseline, nadir, expected distances), each checked by hand
    # 25 -> 30 mm is PD exactly at the threshold: 0.01 mm less is SD (DEC-22).
    ("unc-2-pd-at-threshold", 30.0, 40.0, 25.0,
     {"to_pd_mm": 0.0, "to_pd_5mm_mm": 0.0, "to_pd_pct": 0.0, "flip_mm": 0.01,
      "flip_to": "SD"}),
    # 50 -> 34.6: PR; 0.4 mm under the 35 mm threshold, leaves PR at 35.01 (0.41 mm).
    ("unc-2-pr-margin", 34.6, 50.0, 50.0,
     {"pr_threshold_mm": 35.0, "to_pr_mm": 0.4, "to_pr_pct": 0.8, "flip_mm": 0.41,
      "flip_to": "SD"}),
    # Large nadir: the 20 % term binds (100 -> 120), the 5 mm term is passed already; PR
    # (150 x 0.7 = 105 mm) is nearer than PD: flip 5 mm to PR.
    ("unc-2-20pct-binds", 110.0, 150.0, 100.0,
     {"pd_threshold_mm": 120.0, "to_pd_mm": 10.0, "to_pd_5mm_mm": -5.0, "to_pd_pct": 10.0,
      "to_pr_mm": -5.0, "flip_mm": 5.0, "flip_to": "PR"}),
    # Small nadir: 5 mm binds (10 -> 15).
    ("unc-2-5mm-binds", 13.0, 30.0, 10.0,
     {"pd_threshold_mm": 15.0, "to_pd_mm": 2.0, "to_pd_5mm_mm": 2.0, "flip_mm": 2.0}),
    # DEC-22: 1000 -> 700.04 mm is -29.996 %, rounded -30.00 %: PR; 700.05 is -29.995
    # -> -30.00 as well (half away from zero), 700.06 -> -29.99: SD. flip = 0.02 mm.
    ("unc-2-dec-22-rounding", 700.04, 1000.0, 1000.0, {"flip_mm": 0.02, "flip_to": "SD"}),
]


@pytest.mark.parametrize("case, sum_mm, baseline, nadir, expected", CASES,
                         ids=[c[0] for c in CASES])
def test_unc_2_threshold_distances(case, sum_mm, baseline, nadir, expected):
    frame = pd.DataFrame({"sum_mm": [sum_mm], "baseline_sum_mm": [baseline],
                          "nadir_mm": [nadir]})
    got = threshold_distances(frame).iloc[0]
    for column, value in expected.items():
        assert got[column] == (value if isinstance(value, str) else pytest.approx(value)), \
            (case, column)


def test_unc_3_probability_of_pr_matches_the_normal_distribution():
    # One lesion, 50 mm -> 35.5 mm: PR needs S1 <= 0.7 S0; S1 - 0.7 S0 is normal.
    criteria = CRITERIA.replace(uncertainty_draws=20000)
    result, unc = _assess([*targets("2024-01-01", "BL", ("T1", 50.0)),
                           *targets("2024-03-01", "W8", ("T1", 35.5))], criteria)
    s0, s1 = lesion_error_sd_mm([50.0, 35.5])
    expected = _normal_cdf((0.7 * 50.0 - 35.5) / math.sqrt(s1 ** 2 + 0.49 * s0 ** 2))
    row = unc.timepoints.iloc[1]
    assert result.timepoints["overall_response"].iloc[1] == "SD"
    assert row["p_pr"] == pytest.approx(expected, abs=0.01)  # 20,000 draws: SE 0.0035
    assert row["p_sd"] == pytest.approx(1 - expected, abs=0.01)
    assert row["p_same"] == row["p_sd"]
    assert row["sum_sd_mm"] == pytest.approx(s1)
    assert bool(row["fragile"]) is True
    assert row["fragility"].startswith("SD, 0.50 mm from target PR: within measurement")
    # One follow-up: the BOR is that time point's call.
    assert unc.patients["p_bor_same"].iloc[0] == pytest.approx(row["p_same"])


def test_unc_3_far_calls_are_certain_and_draws_are_seeded():
    rows = [*targets("2024-01-01", "BL", ("T1", 50.0), ("T2", 30.0)),
            *targets("2024-03-01", "W8", ("T1", 20.0), ("T2", 10.0))]
    first = _assess(rows)[1]
    row = first.timepoints.iloc[1]
    assert (row["p_pr"], row["p_same"], bool(row["fragile"])) == (1.0, 1.0, False)
    assert row["fragility"] == ""
    near = [*targets("2024-01-01", "BL", ("T1", 50.0)), *targets("2024-03-01", "W8",
                                                                 ("T1", 35.2))]
    a, b = _assess(near)[1], _assess(near)[1]
    pd.testing.assert_frame_equal(a.timepoints, b.timepoints)
    other = _assess(near, CRITERIA.replace(uncertainty_seed=7))[1]
    assert other.timepoints["p_pr"].iloc[1] != a.timepoints["p_pr"].iloc[1]


def test_unc_4_pd_by_a_fraction_of_a_millimetre():
    # Nadir 25 mm, sum 30.4 mm: PD by 0.41 mm (30.4 -> 29.99 is SD), within error.
    _, unc = _assess([*targets("2024-01-01", "BL", ("T1", 25.0)),
                      *targets("2024-03-01", "W8", ("T1", 30.4))])
    row = unc.timepoints.iloc[1]
    assert row["fragility"].startswith("PD by 0.41 mm: within measurement error")
    assert 0.4 < row["p_pd"] < 0.9


def test_unc_5_confirmed_bor_probability():
    # PR at W8 (34 mm of 50), confirmed at W16 (34.5 mm): each PR is ~1 SD from 35 mm.
    criteria = CRITERIA.replace(confirmation=True, uncertainty_draws=2000)
    rows = [*targets("2024-01-01", "BL", ("T1", 50.0)),
            *targets("2024-03-01", "W8", ("T1", 34.0)),
            *targets("2024-05-01", "W16", ("T1", 34.5))]
    result, unc = _assess(rows, criteria)
    assert result.patient_summary["confirmed_bor"].iloc[0] == "PR"
    p = unc.timepoints["p_pr"].to_numpy()[1:]
    patient = unc.patients.iloc[0]
    # Confirmation needs both PRs: at most the smaller one; BOR (unconfirmed) needs either.
    assert patient["p_confirmed_bor_same"] <= min(p) + 0.02
    assert patient["p_bor_same"] >= max(p) - 0.02
    assert bool(patient["bor_fragile"]) is True
    cohort = unc.cohort.set_index("measure")
    assert cohort.loc["ORR", "error_low_pct"] == 0.0
    assert cohort.loc["ORR", "error_high_pct"] == 100.0  # 1 of 1 patient, as a percentage
    assert (cohort.loc["ORR", "rate_pct"], cohort.loc["ORR", "ci_high_pct"]) == (100.0, 100.0)
    assert cohort.loc["fragile BOR", "count"] == 1


def test_unc_6_cohort_intervals_contain_the_rate():
    measurements = normalise_measurements(random_cohort(40, seed=3))
    result = respond(measurements, None, CRITERIA)
    unc = assess_uncertainty(measurements, result.timepoints, result.patient_summary,
                             None, CRITERIA)
    for row in unc.cohort.itertuples():
        if row.measure == "fragile BOR":
            continue
        assert (row.ci_low_pct <= row.error_low_pct <= row.rate_pct <= row.error_high_pct
                <= row.ci_high_pct)
        assert row.rate_pct == round(100 * row.count / row.n, 2)  # n = 40: exact in percent
    assert unc.patients["p_bor_same"].between(0, 1).all()
    assert len(unc.timepoints) == len(result.timepoints)


def test_size_classifier_agrees_with_the_engine_on_a_random_cohort():
    measurements = normalise_measurements(random_cohort(150, seed=11))
    tp = respond(measurements, None, CRITERIA).timepoints
    follow = tp["target_response"].notna().to_numpy()
    # The engine's target CR and NE come from lesion rows; compare PR/SD/PD where the sum
    # is complete (the classifier's sum arithmetic).
    complete = tp["sum_mm"].notna().to_numpy() & follow
    cr = (tp["target_response"] == "CR").to_numpy()
    codes = classify_size_sums(tp["sum_mm"], tp["baseline_sum_mm"], tp["nadir_mm"],
                               complete=complete, cr_met=cr, has_targets=complete,
                               thresholds=recist_thresholds(CRITERIA))
    got = np.array(TARGET_ORDER, dtype=object)[codes]
    assert complete.sum() > 100
    assert (got[complete] == tp["target_response"].to_numpy()[complete]).all()


def test_unc_3_draw_classifier_is_the_rule_on_continuous_values():
    from recist.uncertainty import classify_draws

    rng = np.random.default_rng(4)
    n = 20000
    base = np.round(rng.uniform(10, 200, n), 2)
    nadir = np.round(base * rng.uniform(0.3, 1.0, n), 2)
    sums = np.round(nadir * rng.uniform(0.5, 1.6, n) + rng.normal(0, 0.003, n), 2)
    complete = rng.random(n) > 0.05
    expected = classify_size_sums(sums, base, nadir, complete=complete,
                                  cr_met=np.zeros(n, dtype=bool), has_targets=np.ones(n, bool),
                                  thresholds=recist_thresholds(CRITERIA))
    got = classify_draws(sums, base, nadir, complete, np.zeros(n, dtype=bool),
                         np.ones(n, dtype=bool), CRITERIA)
    assert (got == expected).mean() > 0.999


def _reference_codes(layout, complete, has_targets, z, criteria, new_of_old):
    """The target codes of draws ``z`` computed directly on every row and time point (the
    rule as written: a time point's pooled diameters (UNC-3: measured, at least
    NO_CLIP_Z SDs above 0, not a node read by a CR test) drawn as one normal with their
    summed variance, every other measured diameter alone and clipped at 0; sums with the
    pool first, then the rows in row order; the baseline and running nadir of
    ``recist.size_response``, ``classify_draws``). ``z``: one row per pool, in the order
    of the time points renumbered by ``new_of_old``, then one per diameter drawn alone,
    in row order."""
    from recist.size_response import running_nadir
    from recist.uncertainty import NO_CLIP_Z, classify_draws

    k = z.shape[1]
    sd = lesion_error_sd_mm(layout.value, criteria)
    read_by_cr = (layout.lesion_nodal[layout.lesion]
                  & (complete & ~layout.fixed_not_cr)[layout.row_tp])
    pooled = layout.measured & ~read_by_cr & (layout.value >= NO_CLIP_Z * sd)
    alone = np.flatnonzero(layout.measured & ~pooled)
    pool_tps = np.unique(layout.row_tp[pooled])
    pool_tps = pool_tps[np.argsort(new_of_old[pool_tps])]
    assert len(pool_tps) + len(alone) == len(z)
    pool_value = np.zeros(layout.n_tp)
    np.add.at(pool_value, layout.row_tp[pooled], layout.value[pooled])
    pool_var = np.zeros(layout.n_tp)
    np.add.at(pool_var, layout.row_tp[pooled], sd[pooled] ** 2)
    sums = np.zeros((layout.n_tp, k), dtype=np.float32)
    sums[pool_tps] = np.maximum(
        pool_value[pool_tps].astype(np.float32)[:, None]
        + np.sqrt(pool_var[pool_tps]).astype(np.float32)[:, None] * z[:len(pool_tps)],
        np.float32(0))
    values = np.repeat(layout.value.astype(np.float32)[:, None], k, axis=1)
    values[alone] = np.maximum(layout.value[alone].astype(np.float32)[:, None]
                               + sd[alone].astype(np.float32)[:, None] * z[len(pool_tps):],
                               np.float32(0))
    values[pooled] = 0.0  # in their pool
    np.add.at(sums, layout.row_tp, values)  # after the pool, in row order
    sums = np.round(sums.astype(float), 2)
    lesion_sum = np.zeros((len(layout.lesion_tp), k), dtype=np.float32)
    np.add.at(lesion_sum, layout.lesion, values)  # nodes read by a CR test: never pooled
    bad = layout.lesion_nodal[:, None] & (np.round(lesion_sum.astype(float), 2) >= 10.0)
    pathological = np.zeros(sums.shape, dtype=bool)
    np.logical_or.at(pathological, layout.lesion_tp, bad)
    base_index = np.flatnonzero(layout.tp_order == 0)
    baseline_of = base_index[np.searchsorted(base_index, np.arange(layout.n_tp), "right") - 1]
    baseline = np.where(complete[baseline_of][:, None], sums[baseline_of], np.nan)
    nadir = running_nadir(sums, complete, layout.tp_order)
    cr_met = complete[:, None] & ~layout.fixed_not_cr[:, None] & ~pathological
    return classify_draws(sums, baseline, nadir, complete[:, None], cr_met,
                          has_targets[:, None], criteria)


@pytest.mark.parametrize(("seed", "criteria"), [
    (5, CRITERIA), (6, CRITERIA),
    # no minimum growth: an unchanged sum meets both, only increase > 0 refuses PD
    (5, CRITERIA.replace(pd_min_increase_mm=0.0, pd_increase_pct=0.0))])
def test_unc_3_draws_by_order_blocks_equal_the_direct_computation(seed, criteria):
    # The plan renumbers time points by order and drops rows that add 0: the codes of
    # every time point and draw must be those of the direct computation, exactly.
    from recist.uncertainty import _draw_plan, _draw_target_codes, _layout

    measurements = normalise_measurements(random_cohort(200, seed=seed))
    tp = respond(measurements, None, criteria).timepoints
    layout = _layout(measurements, tp, criteria)
    complete = tp["sum_mm"].notna().to_numpy()
    has_targets = tp["baseline_sum_mm"].notna().to_numpy()
    assert len(set(np.bincount(layout.tp_patient).tolist())) > 2  # uneven follow-up
    plan = _draw_plan(layout, complete, has_targets)
    # Pools and diameters drawn alone both present.
    assert 0 < len(plan.pool_tp) < len(plan.drawn_value) < int(layout.measured.sum())
    z = np.random.default_rng(seed).standard_normal((len(plan.drawn_value), 60),
                                                    dtype=np.float32)
    expected = _reference_codes(layout, complete, has_targets, z, criteria, plan.new_of_old)

    def buffer():  # the draws z in the measured rows of the plan's buffer
        values = np.full((plan.tp_indicator.shape[1], z.shape[1]), np.nan, dtype=np.float32)
        values[:len(z)] = z
        return values

    got = _draw_target_codes(plan, buffer(), criteria)[plan.new_of_old]
    follow = tp["overall_response"].notna().to_numpy()
    codes = set(np.unique(expected[follow]).tolist())
    assert {TARGET_ORDER.index(c) for c in ("CR", "PR", "SD", "PD", "NE")} <= codes
    np.testing.assert_array_equal(got, expected)
    # With a table of cells (overall responses), each draw reads its code's cell.
    table = np.random.default_rng(seed).integers(-1, 6, (plan.n_tp, len(TARGET_ORDER)),
                                                 dtype=np.int8)
    cells = _draw_target_codes(plan, buffer(), criteria, table=table)
    plan_codes = expected[plan.perm]
    np.testing.assert_array_equal(cells, np.take_along_axis(table, plan_codes.astype(np.intp),
                                                            axis=1))


@pytest.mark.parametrize("group_values", [1, 7 * 60, 33 * 60])
def test_unc_3_draws_by_patient_groups_equal_the_direct_computation(monkeypatch,
                                                                    group_values):
    # Patients classified a group at a time (_GROUP_VALUES / draws patients): groups of
    # 1, 7 and 33 patients, so groups end inside the orders where fewer patients remain
    # and later groups stop at earlier orders; codes as computed directly, exactly.
    import recist.uncertainty as unc

    monkeypatch.setattr(unc, "_GROUP_VALUES", group_values)
    measurements = normalise_measurements(random_cohort(200, seed=7))
    tp = respond(measurements, None, CRITERIA).timepoints
    layout = unc._layout(measurements, tp, CRITERIA)
    complete = tp["sum_mm"].notna().to_numpy()
    has_targets = tp["baseline_sum_mm"].notna().to_numpy()
    plan = unc._draw_plan(layout, complete, has_targets)
    assert len(set(plan.sizes)) > 2  # uneven follow-up
    z = np.random.default_rng(7).standard_normal((len(plan.drawn_value), 60),
                                                 dtype=np.float32)
    expected = _reference_codes(layout, complete, has_targets, z, CRITERIA, plan.new_of_old)
    values = np.zeros((plan.tp_indicator.shape[1], 60), dtype=np.float32)
    values[:len(z)] = z
    out = np.full((plan.n_tp, 80), -9, dtype=np.int8)  # written into a slice, in place
    unc._draw_target_codes(plan, values, CRITERIA, {}, out=out[:, 10:70])
    np.testing.assert_array_equal(out[:, 10:70][plan.new_of_old], expected)
    assert (out[:, :10] == -9).all() and (out[:, 70:] == -9).all()


def test_the_table_respond_read_gives_the_same_uncertainty():
    # RespondResult.indexed carries respond's encoding of the table; reading it instead of
    # the plain table must change nothing.
    measurements = normalise_measurements(random_cohort(120, seed=8))
    criteria = CRITERIA.replace(confirmation=True)
    result = respond(measurements, None, criteria)
    assert result.indexed is not None and len(result.indexed) == len(measurements)
    plain = assess_uncertainty(measurements, result.timepoints, result.patient_summary, None,
                               criteria)
    shared = assess_uncertainty(result.indexed, result.timepoints, result.patient_summary,
                                None, criteria)
    assert (plain.timepoints["p_same"] < 1).any()
    pd.testing.assert_frame_equal(plain.timepoints, shared.timepoints, check_exact=True)
    pd.testing.assert_frame_equal(plain.patients, shared.patients, check_exact=True)


def test_draw_buffer_holds_the_seeded_draws():
    # The draws are written straight into the buffer: they must be the values (and the
    # order) of drawing the (pools and diameters drawn alone x draws) array on its own.
    from recist.uncertainty import _draw_buffer, _draw_plan, _layout

    measurements = normalise_measurements(random_cohort(30, seed=2))
    tp = respond(measurements, None, CRITERIA).timepoints
    layout = _layout(measurements, tp, CRITERIA)
    plan = _draw_plan(layout, tp["sum_mm"].notna().to_numpy(),
                      tp["baseline_sum_mm"].notna().to_numpy())
    n_drawn = len(plan.drawn_value)
    assert plan.tp_indicator.shape[1] > n_drawn  # fixed rows too
    buffer = _draw_buffer(plan, np.random.default_rng(9), 7)
    expected = np.random.default_rng(9).standard_normal((n_drawn, 7), dtype=np.float32)
    np.testing.assert_array_equal(buffer[:n_drawn], expected)


def test_unc_3_pooled_diameters_give_the_normal_probability():
    # Three lesions pooled into one draw and a 6 mm one drawn alone (within NO_CLIP_Z
    # SDs of 0): the PR probability is still that of the sum of independent normals.
    criteria = CRITERIA.replace(uncertainty_draws=20000)
    base = (("T1", 40.0), ("T2", 30.0), ("T3", 20.0), ("T4", 10.0))
    follow = (("T1", 28.0), ("T2", 21.0), ("T3", 15.5), ("T4", 6.0))
    result, unc = _assess([*targets("2024-01-01", "BL", *base),
                           *targets("2024-03-01", "W8", *follow)], criteria)
    s0 = lesion_error_sd_mm([d for _, d in base])
    s1 = lesion_error_sd_mm([d for _, d in follow])
    threshold, total = 0.7 * sum(d for _, d in base), sum(d for _, d in follow)
    expected = _normal_cdf((threshold - total)
                           / math.sqrt((s1 ** 2).sum() + 0.49 * (s0 ** 2).sum()))
    assert result.timepoints["target_response"].iloc[1] == "SD"  # 70.5 mm > 70 % of 100
    assert unc.timepoints["p_pr"].iloc[1] == pytest.approx(expected, abs=0.01)  # SE 0.0035


@pytest.mark.parametrize(("threshold", "below"), [(-29.995, True), (19.995, False),
                                                  (-30.0, True), (20.0, False),
                                                  (-49.5, True), (0.005, False)])
def test_percent_bound_answers_as_the_rounded_percentage(threshold, below):
    # For every double ratio q: q <= bound (q >= bound) exactly when q * 100 <= threshold
    # (>= threshold), the product rounded to a double as numpy rounds it.
    from recist.uncertainty import _percent_bound

    bound = _percent_bound(threshold, below=below)
    around = [bound]
    for direction in (np.inf, -np.inf):
        q = bound
        for _ in range(2000):  # the 2000 doubles on each side of the bound
            q = np.nextafter(q, direction)
            around.append(q)
    rng = np.random.default_rng(3)
    q = np.concatenate([np.array(around), threshold / 100 + rng.normal(0, 1e-6, 100_000),
                        [np.inf, -np.inf, np.nan, 0.0]])
    with np.errstate(invalid="ignore"):
        product = np.multiply(q, 100.0)
        expected = product <= threshold if below else product >= threshold
        got = q <= bound if below else q >= bound
    np.testing.assert_array_equal(got, expected)
    assert expected.any() and not expected.all()


@pytest.mark.parametrize("n_draws", [1, 7, 200, 248, 249, 601])
def test_code_counts_are_the_counts_of_each_code(n_draws):
    # Counted 8 draws to a word: every row alike (one code in every draw included) and
    # blocks of draws of any width.
    from recist.uncertainty import _code_counts

    codes = np.random.default_rng(n_draws).integers(-1, 6, (300, n_draws)).astype(np.int8)
    codes[0] = 5
    expected = np.stack([(codes == c).sum(axis=1) for c in range(6)], axis=1)
    np.testing.assert_array_equal(_code_counts(codes, 6), expected)
    assert _code_counts(codes, 6)[0, 5] == n_draws


@pytest.mark.parametrize("relabel", [False, True])
def test_changed_sequences_codes_describe_their_frame(relabel):
    # The summary of the draws' sequences reads their TimepointCodes: the same summary
    # as from the frame's texts; with target labels that are not the engine's own
    # (here 'sd '), no codes are given (the texts are read, cleaned).
    import recist.uncertainty as unc
    from recist.arrays import order_codes
    from recist.patient_summary import summarise_patients_with_findings
    from recist.response_table import NEW_LESION_ORDER, NONTARGET_ORDER, OVERALL_ORDER

    criteria = CRITERIA.replace(confirmation=True)
    measurements = normalise_measurements(random_cohort(150, seed=12))
    tp = respond(measurements, None, criteria).timepoints
    if relabel:
        tp = tp.assign(target_response=tp["target_response"].replace("SD", "sd "))
    layout = unc._layout(measurements, tp, criteria)
    complete = tp["sum_mm"].notna().to_numpy()
    plan = unc._draw_plan(layout, complete, tp["baseline_sum_mm"].notna().to_numpy())
    engine = order_codes(tp["overall_response"], OVERALL_ORDER)
    target = order_codes(tp["target_response"], TARGET_ORDER)
    table = unc._overall_table(order_codes(tp["nontarget_response"], NONTARGET_ORDER),
                               order_codes(tp["new_lesions"], NEW_LESION_ORDER), engine,
                               target, np.zeros(len(tp), dtype=bool))[plan.perm]
    values = unc._draw_buffer(plan, np.random.default_rng(3), 40)
    draws = unc._draw_target_codes(plan, values, criteria, table=table)
    found = unc._alternative_sequences(tp, np.arange(len(tp)), plan, draws, engine, target)
    assert found is not None
    frame, codes = found[0], found[1]
    assert (codes is None) == relabel
    if relabel:
        return
    assert frame["target_response"].isna().any() and frame["patient_id"].nunique() > 20
    with_codes = summarise_patients_with_findings(frame, None, criteria, codes=codes)[0]
    from_texts = summarise_patients_with_findings(frame, None, criteria)[0]
    pd.testing.assert_frame_equal(with_codes, from_texts, check_exact=True)


def _uncertainty_of(result, criteria):
    """A call of ``assess_uncertainty`` on ``respond``'s result, to repeat under patches."""
    return lambda: assess_uncertainty(result.indexed, result.timepoints,
                                      result.patient_summary, None, criteria)


@pytest.mark.parametrize("patients_per_group", [1, 7])
def test_groups_of_patients_change_no_output(monkeypatch, patients_per_group):
    # Draws classified and sequences keyed a group of patients at a time: groups of 1 and
    # 7 patients (ending inside the orders where fewer patients remain) give the outputs
    # of one group holding every patient, exactly.
    import recist.uncertainty as unc

    criteria = CRITERIA.replace(confirmation=True, uncertainty_draws=50)
    measurements = normalise_measurements(random_cohort(120, seed=21))
    assess = _uncertainty_of(respond(measurements, None, criteria), criteria)

    monkeypatch.setattr(unc, "_GROUP_VALUES", 10 ** 9)
    whole = assess()
    monkeypatch.setattr(unc, "_GROUP_VALUES", 50 * patients_per_group)
    grouped = assess()
    assert (whole.patients["p_bor_same"] < 1).sum() > 10
    pd.testing.assert_frame_equal(grouped.timepoints, whole.timepoints, check_exact=True)
    pd.testing.assert_frame_equal(grouped.patients, whole.patients, check_exact=True)
    pd.testing.assert_frame_equal(grouped.cohort, whole.cohort, check_exact=True)


@pytest.mark.parametrize("digits", [2, 7])
def test_sequence_keys_of_several_words_change_no_output(monkeypatch, digits):
    # Patients followed for up to 14 time points: their sequence keys take two words of
    # _DIGITS_PER_WORD (10) digits; keys of 2 or 7 digits a word give the same outputs.
    import recist.uncertainty as unc

    rng = np.random.default_rng(14)
    rows = []
    for p in range(12):
        base = float(rng.integers(30, 80))
        for v in range(int(rng.integers(6, 15))):
            date = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=42 * v)).strftime("%Y-%m-%d")
            size = base if v == 0 else round(base * rng.uniform(0.62, 0.78), 1)
            rows += [(f"P{p:02d}", *row) for row in targets(date, f"V{v}", ("T1", size))]
    criteria = CRITERIA.replace(confirmation=True, uncertainty_draws=60)
    result = respond(table(rows), None, criteria)
    assert result.timepoints.groupby("patient_id").size().max() > 10
    assess = _uncertainty_of(result, criteria)

    default = assess()
    monkeypatch.setattr(unc, "_DIGITS_PER_WORD", digits)
    other = assess()
    assert (default.patients["p_bor_same"] < 1).sum() > 3
    pd.testing.assert_frame_equal(other.timepoints, default.timepoints, check_exact=True)
    pd.testing.assert_frame_equal(other.patients, default.patients, check_exact=True)
    pd.testing.assert_frame_equal(other.cohort, default.cohort, check_exact=True)


def test_code_counts_by_blocks_of_rows_and_of_codes(monkeypatch):
    # Rows counted 7 at a time, and only the codes asked for (the others 0).
    import recist.uncertainty as unc

    monkeypatch.setattr(unc, "_COUNT_ROWS", 7)
    codes = np.random.default_rng(5).integers(-1, 6, (50, 300)).astype(np.int8)
    expected = np.stack([(codes == c).sum(axis=1) for c in range(6)], axis=1)
    np.testing.assert_array_equal(unc._code_counts(codes, 6), expected)
    only = unc._code_counts(codes, 6, (1, 4))
    np.testing.assert_array_equal(only[:, [1, 4]], expected[:, [1, 4]])
    assert not only[:, [0, 2, 3, 5]].any()


def test_probabilities_count_the_engine_calls_beyond_the_four_shown(monkeypatch):
    # Only CR, PR, SD and PD are counted for every time point, NE and NON-CR/NON-PD only
    # where they are the engine's call: the outputs of counting every code everywhere.
    import recist.uncertainty as unc

    criteria = CRITERIA.replace(confirmation=True, uncertainty_draws=80)
    measurements = normalise_measurements(random_cohort(150, seed=31))
    result = respond(measurements, None, criteria)
    assess = _uncertainty_of(result, criteria)

    counted = assess()
    calls = result.timepoints["overall_response"]
    tp = counted.timepoints
    assert ((calls == "NE") & (tp["p_same"] > 0) & (tp["p_same"] < 1)).any()
    assert ((calls == "NON-CR/NON-PD") & (tp["p_same"] > 0)).any()
    every_code = unc._code_counts

    def count_every_code_once(codes, n_codes, only=None):
        # the count of every row (the first call): every code; the second: nothing more
        if only is None or unc._PD in only:
            return every_code(codes, n_codes)
        return np.zeros((len(codes), n_codes), dtype=np.int64)

    monkeypatch.setattr(unc, "_code_counts", count_every_code_once)
    pd.testing.assert_frame_equal(assess().timepoints, tp, check_exact=True)
