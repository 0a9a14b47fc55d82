"""``import recist`` offers the notebook API (lazily), and the library functions the
commands are made of give what the commands give."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import recist
from recist.errors import CriteriaError
from recist.pipeline.criteria import resolve_criteria

ROWS = pd.DataFrame({
    "patient_id": ["P1"] * 3, "lesion_id": ["T1"] * 3,
    "date": ["2024-01-02", "2024-03-01", "2024-05-01"], "visit": ["V0", "V1", "V2"],
    "kind": ["target"] * 3, "status": ["measured"] * 3, "organ": ["liver"] * 3,
    "nodal": [False] * 3, "ld_mm": [40.0, 20.0, 19.0], "sa_mm": [None] * 3,
    "slice_thickness_mm": [5.0] * 3})


def test_every_public_name_resolves_and_is_documented():
    expected = {"load_series", "measure_study", "baseline", "respond", "summary",
                "read_measurements", "read_patients", "plot_waterfall", "plot_spider",
                "plot_swimmer", "plot_kaplan_meier"}
    assert expected <= set(recist.__all__)
    for name in recist.__all__:
        value = getattr(recist, name)
        if name != "__version__":
            assert callable(value), name
            assert (value.__doc__ or "").strip(), name
    assert set(recist.__all__) <= set(dir(recist))


def test_the_steps_chain_on_tables(tmp_path):
    path = tmp_path / "m.csv"
    ROWS.to_csv(path, index=False)
    measurements = recist.read_measurements(path)
    assert bool(recist.baseline(measurements).patients["measurable_disease"].iloc[0])
    result = recist.respond(measurements, confirm=True)
    assert result.criteria.confirmation
    assert result.patient_summary["confirmed_bor"].tolist() == ["PR"]
    rates = recist.summary(result).response_rates
    assert len(rates) > 0


@pytest.mark.parametrize("first", ["from recist.response import respond",
                                   "import recist.baseline_rules", "import recist"])
def test_public_functions_are_not_shadowed_by_rule_modules(first):
    """The rule modules have other names, so importing them never replaces a function."""
    code = (f"{first}\nimport recist, recist.response, recist.baseline_rules\n"
            "from recist.pipeline import api\n"
            "assert recist.respond is api.respond and recist.baseline is api.baseline\n"
            "print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_criteria_resolve_protocol_then_file_then_flags(tmp_path):
    protocol = tmp_path / "p.toml"
    protocol.write_text('[protocol]\nname = "p"\n'
                        '[criteria]\nconfirmation = true\nsd_min_days = 49\n')
    criteria = tmp_path / "c.toml"
    criteria.write_text("[criteria]\nsd_min_days = 56\n")
    chosen, loaded = resolve_criteria(criteria, protocol, confirm_min_days=35)
    assert (chosen.confirmation, chosen.sd_min_days, chosen.confirmation_min_days) == (
        True, 56, 35)
    assert loaded.criteria == chosen
    assert resolve_criteria(protocol=protocol).criteria.sd_min_days == 49
    with pytest.raises(ValueError, match="--clinical needs --protocol"):
        resolve_criteria(criteria, clinical=tmp_path / "clinical.csv")
    criteria.write_text("[criteria]\nsd_min_dayz = 56\n")
    with pytest.raises(CriteriaError, match="c.toml"):
        resolve_criteria(criteria)
