"""The contract every public figure of recist.plots, recist.plots_criteria and
recist.plots_oligo keeps (docs/cli.md 'recist plot', issue 14): it draws on the ``ax``
given and returns it, takes ``color_by``, and writes no text under 8 pt."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from recist import plots, plots_criteria, plots_oligo
from recist.cdisc import read_sdtm

from support.oligo_cohort import oligo_result

PUBLIC = sorted((module.__name__, name) for module in (plots, plots_criteria, plots_oligo)
                for name in module.__all__ if name.startswith("plot_"))


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def oligo():
    return oligo_result()


@pytest.fixture
def calls(timepoints, patient_summary, patients, small_tu, small_tr, oligo):
    """Name → function drawing that figure on the ``ax`` given."""
    measurements = read_sdtm(small_tu, small_tr).measurements
    result, oligo_patients = oligo
    kappa = pd.DataFrame({"criterion": ["who"], "level": ["time point"],
                          "agreement": [0.9], "kappa": [0.8], "n": [10]})
    margins = pd.DataFrame({"sum_sd_mm": [1.0, 2.0], "flip_mm": [3.0, 0.5],
                            "fragile": [False, True]})
    return {
        "plot_waterfall": lambda ax: plots.plot_waterfall(timepoints, patient_summary,
                                                          patients, ax=ax),
        "plot_spider": lambda ax: plots.plot_spider(timepoints, patients, ax=ax),
        "plot_swimmer": lambda ax: plots.plot_swimmer(patient_summary, timepoints,
                                                      patients, ax=ax),
        "plot_kaplan_meier": lambda ax: plots.plot_kaplan_meier(patient_summary, patients,
                                                                ax=ax),
        "plot_target_sum": lambda ax: plots.plot_target_sum(timepoints, "A", ax=ax),
        "plot_lesion_trajectories": lambda ax: plots.plot_lesion_trajectories(
            measurements, "P1", ax=ax),
        "plot_criteria_agreement": lambda ax: plots_criteria.plot_criteria_agreement(
            kappa, ax=ax),
        "plot_threshold_margins": lambda ax: plots_criteria.plot_threshold_margins(
            margins, ax=ax),
        "plot_cumulative_incidence": lambda ax: plots_oligo.plot_cumulative_incidence(
            result.lesions, ax=ax),
        "plot_therapy_swimmer": lambda ax: plots_oligo.plot_therapy_swimmer(
            result.patients, result.therapies, oligo_patients, ax=ax),
    }


def _texts(figure) -> list:
    out = []
    for ax in figure.axes:
        out += ax.get_xticklabels() + ax.get_yticklabels() + list(ax.texts)
        out += [ax.title, ax.xaxis.label, ax.yaxis.label]
        if ax.get_legend() is not None:
            out += ax.get_legend().get_texts() + [ax.get_legend().get_title()]
    return [t for t in out if t.get_text().strip()]


def test_every_public_plot_is_covered(calls):
    assert sorted(calls) == sorted(name for _, name in PUBLIC)


@pytest.mark.parametrize("module,name", PUBLIC)
def test_draws_on_the_given_axes_and_returns_them(calls, module, name):
    ax = plt.figure(figsize=(9, 6)).add_subplot()
    assert calls[name](ax) is ax
    assert ax.has_data()
    texts = _texts(ax.figure)
    assert texts and min(t.get_fontsize() for t in texts) >= 8, [
        (t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 8]


@pytest.mark.parametrize("module,name", PUBLIC)
def test_takes_color_by(module, name):
    function = getattr(__import__(module, fromlist=[name]), name)
    assert "color_by" in inspect.signature(function).parameters


def test_target_sum_one_series_per_reader(timepoints):
    # reader 2 reads every sum 4 mm larger: baseline 54, nadirs 4 mm larger
    second = timepoints.assign(evaluator="R2", **{
        column: pd.to_numeric(timepoints[column]) + 4
        for column in ("sum_mm", "baseline_sum_mm", "nadir_mm")})
    both = pd.concat([timepoints.assign(evaluator="R1"), second], ignore_index=True)
    ax = plots.plot_target_sum(both, "A", color_by="evaluator")
    sums = {line.get_label(): line for line in ax.get_lines()
            if line.get_label().endswith("sum of target diameters")}
    assert list(sums) == ["R1: sum of target diameters", "R2: sum of target diameters"]
    assert list(sums["R1: sum of target diameters"].get_ydata()) == [50.0, 30.0, 20.0]
    assert list(sums["R2: sum of target diameters"].get_ydata()) == [54.0, 34.0, 24.0]
    colours = {label.split(":")[0]: {to_hex(line.get_color()) for line in ax.get_lines()
                                      if line.get_label().startswith(label.split(":")[0])}
               for label in sums}
    assert colours == {"R1": {"#0072b2"}, "R2": {"#e69f00"}}  # sum and thresholds alike
    pr = [line for line in ax.get_lines() if "PR: −30% from baseline" in line.get_label()]
    assert sorted(line.get_ydata()[0] for line in pr) == pytest.approx([35.0, 37.8])
    with pytest.raises(ValueError, match="color_by='site': no such column"):
        plots.plot_target_sum(timepoints, "A", color_by="site")
