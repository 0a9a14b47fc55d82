"""The benchmark's synthetic SDTM reads into the expected measurements (small size)."""

from __future__ import annotations

import sys

from recist.cdisc import read_sdtm

from support.paths import REPO

BENCHMARKS = REPO / "benchmarks"


def test_benchmark_sdtm_small():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from sdtm_pipeline import make_sdtm
    finally:
        sys.path.remove(str(BENCHMARKS))
    tu, tr, dm = make_sdtm(n_patients=30, n_visits=4, seed=3)
    again = make_sdtm(n_patients=30, n_visits=4, seed=3)[1]
    assert tr.equals(again)  # deterministic
    result = read_sdtm(tu, tr, dm)
    table = result.measurements
    # one row per lesion and visit: the node's LDIAM and LPERP records make one row
    assert len(table) == len(tr) - (tr["TRTESTCD"] == "LPERP").sum()
    node = table[table["lesion_id"] == "T03"]
    assert node["nodal"].all() and node["sa_mm"].notna().all()
    lperp = tr[tr["TRTESTCD"] == "LPERP"].set_index(["USUBJID", "VISIT"])["TRSTRESN"]
    joined = node.set_index(["patient_id", "visit"])["sa_mm"]
    assert (joined.sort_index().to_numpy() == lperp.sort_index().to_numpy()).all()
    assert result.patients["patient_id"].nunique() == 30
