"""The ADTTE parameters of follow-up after local treatment on the hand-checked cohort of
``support.oligo_cohort`` (values worked out in tests/recist/oligo/test_endpoints.py)."""

from __future__ import annotations

import pandas as pd

from recist.cdisc.adam import adtte_from_responses
from recist.cdisc.adtte_oligo import append_oligo_parameters
from recist.criteria import RECIST_1_1
from recist.patients import normalise_patients
from recist.pipeline.oligo import respond_oligo
from recist.table import normalise_measurements

from support.oligo_cohort import MEASUREMENTS_CSV, PATIENTS_CSV, THERAPIES_CSV, csv


def test_stfs_pfslt_ttlf_records():
    patients = normalise_patients(csv(PATIENTS_CSV))
    result, oligo = respond_oligo(normalise_measurements(csv(MEASUREMENTS_CSV)), patients,
                                  RECIST_1_1, therapies=csv(THERAPIES_CSV))
    adtte = adtte_from_responses(result.patient_summary, patients, studyid="OLIGO")
    merged = append_oligo_parameters(adtte, oligo.patients, oligo.lesions)
    assert len(merged) == len(adtte) + 3 * 2 + 6  # STFS, PFSLT per subject; 6 lesions
    a = merged[merged["USUBJID"] == "A"]
    assert a["ASEQ"].tolist() == list(range(1, len(a) + 1))
    stfs = a[a["PARAMCD"] == "STFS"].iloc[0]
    assert (stfs["STARTDT"], stfs["ADT"], stfs["AVAL"], stfs["CNSR"], stfs["EVNTDESC"]) == (
        pd.Timestamp("2024-01-10"), pd.Timestamp("2025-05-01"), 478, 0, "SYSTEMIC THERAPY")
    # the dates of every record one type, as adtte_from_responses gives them (a mixture
    # of Timestamps and text wrote "2024-01-10 00:00:00" for OS and PFS in adtte.csv)
    for column in ("STARTDT", "ADT"):
        assert merged[column].dtype == adtte[column].dtype, column
    pfs = a[a["PARAMCD"] == "PFSLT"].iloc[0]
    assert (pfs["AVAL"], pfs["CNSR"], pfs["EVNTDESC"]) == (266, 0,
                                                          "RECURRENCE: LOCAL+INTRAPULMONARY")
    ttlf = merged[merged["PARAMCD"] == "TTLF"].set_index(["USUBJID", "TRLNKID"])
    assert (ttlf.loc[("A", "T1"), "AVAL"], ttlf.loc[("A", "T1"), "CNSR"]) == (261, 0)
    died = ttlf.loc[("B", "T1")]  # death first: the competing event
    assert (died["AVAL"], died["CNSR"], died["SRCDOM"]) == (224, 1, "ADSL")
    assert died["EVNTDESC"] == "DEATH WITHOUT LOCAL FAILURE (COMPETING RISK)"
    b_stfs = merged[(merged["USUBJID"] == "B") & (merged["PARAMCD"] == "STFS")].iloc[0]
    assert (b_stfs["EVNTDESC"], b_stfs["SRCVAR"], b_stfs["ARM"]) == ("DEATH", "DTHDT",
                                                                      adtte["ARM"].iloc[0])
    assert set(merged["STUDYID"]) == {"OLIGO"}
