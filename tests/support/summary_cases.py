"""The golden patient summary cases (BOR, confirmation, PD date, PFS, DoR) per rule id.

Every patient starts treatment on 2024-01-01 (the baseline scan date unless a case says
otherwise); follow-ups at day 42 (D1), 84 (D2), 126 (D3), 168 (D4), or earlier (E28 =
day 28, E35, E41). Durations are ``end - start + 1`` days (TTE-10). Each expected value
was worked out by hand from docs/rules.md; dates are compared exactly. A patient is
written as ``support.review_patients`` reads it.
"""

from __future__ import annotations

B, D1, D2, D3, D4 = "2024-01-01", "2024-02-12", "2024-03-25", "2024-05-06", "2024-06-17"
E28, E35, E41 = "2024-01-29", "2024-02-05", "2024-02-11"
D1P27, D1P28 = "2024-03-10", "2024-03-11"
CONF = {"confirmation": True}

# One non-nodal target T1 (baseline 50 mm): PR = 30, SD = 50, CR = absent. After a PR
# of 30 mm, 35.5 mm is SD (-29 % from baseline, +18.3 % over the nadir) and 36 mm PD.
PR_, SD_, CR_ = "T1 30", "T1 50", "T1 absent"


def _p(*visits):
    return list(visits)


def want(**values):
    """The expected summary values of one case."""
    return values


# (id, visits, criteria options, patients-table dates (None: no table), expected)
CASES = [
    # --- BOR without confirmation ----------------------------------------------------
    ("bor-1-stops-at-first-pd", _p((B, "T1 50"), (D1, PR_), (D2, "T1 36"), (D3, CR_)), {}, {},
     want(bor="PR", bor_date=D1, pd_date=D2, pfs_event=True, pfs_date=D2, pfs_days=85,
          response_date=D1, dor_days=43)),
    ("bor-2-sd-pr-pd-gives-pr", _p((B, "T1 50"), (D1, "T1 40"), (D2, "T1 35"), (D3, "T1 42")),
     {}, {}, want(bor="PR", bor_date=D2, pd_date=D3, response_date=D2, dor_days=43)),
    ("bor-3-early-pr-counts", _p((B, "T1 50"), (E28, PR_)), {}, {},
     want(bor="PR", bor_date=E28, pd_date=None, pfs_event=False, pfs_date=E28, pfs_days=29)),
    ("bor-4-sd-day-42-inclusive", _p((B, "T1 50"), (D1, SD_)), {}, {},
     want(bor="SD", bor_date=D1)),
    ("bor-5-sd-day-41-then-nothing-ne", _p((B, "T1 50"), (E41, SD_)), {}, {},
     want(bor="NE", pd_date=None)),
    ("bor-5-sd-day-41-then-pd", _p((B, "T1 50"), (E41, SD_), (D2, "T1 60")), {}, {},
     want(bor="PD", bor_date=D2, pd_date=D2)),
    ("bor-6-dec-6-early-non-cr-non-pd-ne", _p((B, "NT1"), ("2024-01-22", "NT1")), {}, {},
     want(bor="NE")),
    ("bor-6-dec-6-option-off", _p((B, "NT1"), ("2024-01-22", "NT1")),
     {"sd_min_for_non_cr_non_pd": False}, {}, want(bor="NON-CR/NON-PD", bor_date="2024-01-22")),
    ("bor-6-non-cr-non-pd-late", _p((B, "NT1"), (D1, "NT1")), {}, {},
     want(bor="NON-CR/NON-PD", bor_date=D1)),
    ("bor-7-dec-16-no-follow-up", _p((B, "T1 50")), {}, {},
     want(bor="NE", bor_date=None, pd_date=None, pfs_event=False, pfs_date=B, pfs_days=1)),
    ("bor-7-dec-16-early-death", _p((B, "T1 50")), {}, {"death_date": "2024-01-20"},
     want(bor="NE", pfs_event=True, pfs_date="2024-01-20", pfs_days=20, censor_reason=None)),
    ("bor-8-first-time-point-of-best", _p((B, "T1 50"), (D1, SD_), (D2, SD_)), {}, {},
     want(bor="SD", bor_date=D1)),
    ("bor-nt-only-cr", _p((B, "NT1"), (D1, "NT1 absent")), {}, {},
     want(bor="CR", bor_date=D1, response_date=D1)),
    # --- confirmation, Table 3 cell by cell ------------------------------------------
    ("conf-t3-1-cr-cr", _p((B, "T1 50"), (D1, CR_), (D2, CR_)), CONF, {},
     want(bor="CR", confirmed_bor="CR", response_date=D1, dor_days=43)),
    ("conf-t3-2-cr-pr-dec-2", _p((B, "T1 20"), (D1, "T1 absent"), (D2, "T1 4")), CONF, {},
     want(bor="CR", confirmed_bor="SD", response_date=None)),
    ("conf-t3-3-cr-sd-dec-3", _p((B, "LN1 16"), (D1, "LN1 8"), (D2, "LN1 12")), CONF, {},
     want(bor="CR", confirmed_bor="SD", response_date=None)),
    ("conf-t3-3-cr-sd-neither-meets-minimum", _p((B, "LN1 16"), (E28, "LN1 8"),
                                                  (E35, "LN1 12")), CONF, {},
     want(confirmed_bor="NE")),
    ("conf-t3-4-cr-pd-sd-minimum-met", _p((B, "T1 20"), (D1, CR_), (D2, "T1 5")), CONF, {},
     want(bor="CR", confirmed_bor="SD", pd_date=D2)),
    ("conf-t3-4-cr-pd-too-early", _p((B, "T1 20"), (E28, CR_), (D1, "T1 5")), CONF, {},
     want(bor="CR", confirmed_bor="PD", pd_date=D1)),
    ("conf-t3-5-cr-ne-minimum-met", _p((B, "T1 20", "T2 20"), (D1, CR_, "T2 absent"),
                                       (D2, CR_, "T2 not_evaluated")), CONF, {},
     want(confirmed_bor="SD")),
    ("conf-t3-5-cr-ne-too-early", _p((B, "T1 20", "T2 20"), (E28, CR_, "T2 absent"),
                                     (D1, CR_, "T2 not_evaluated")), CONF, {},
     want(confirmed_bor="NE")),
    ("conf-t3-6-pr-cr", _p((B, "T1 50"), (D1, PR_), (D2, CR_)), CONF, {},
     want(confirmed_bor="PR", response_date=D1)),
    ("conf-t3-7-pr-pr", _p((B, "T1 50"), (D1, PR_), (D2, PR_)), CONF, {},
     want(confirmed_bor="PR", response_date=D1, dor_days=43)),
    ("conf-t3-8-pr-sd", _p((B, "T1 50"), (D1, PR_), (D2, "T1 35.5")), CONF, {},
     want(bor="PR", confirmed_bor="SD", response_date=None, pd_date=None)),
    ("conf-t3-9-pr-pd-minimum-met", _p((B, "T1 50"), (D1, PR_), (D2, "T1 36")), CONF, {},
     want(confirmed_bor="SD", pd_date=D2)),
    ("conf-t3-9-pr-pd-too-early", _p((B, "T1 50"), (E28, PR_), (D1, "T1 36")), CONF, {},
     want(confirmed_bor="PD", pd_date=D1)),
    ("conf-t3-10-pr-ne-minimum-met", _p((B, "T1 50", "T2 50"), (D1, "T1 30", "T2 40"),
                                        (D2, "T1 30", "T2 not_evaluated")), CONF, {},
     want(confirmed_bor="SD")),
    ("conf-t3-10-pr-ne-too-early", _p((B, "T1 50", "T2 50"), (E28, "T1 30", "T2 40"),
                                      (D1, "T1 30", "T2 not_evaluated")), CONF, {},
     want(confirmed_bor="NE")),
    ("conf-t3-11-ne-ne", _p((B, "T1 50", "T2 50"), (D1, "T1 30", "T2 not_evaluated"),
                            (D2, "T1 30", "T2 not_evaluated")), CONF, {},
     want(bor="NE", confirmed_bor="NE", pfs_event=False, pfs_date=B, pfs_days=1)),
    # --- confirmation details (CONF-2, CONF-3, CONF-5..7, DEC-8) -----------------------
    ("conf-2-interval-28-inclusive", _p((B, "T1 50"), (D1, PR_), (D1P28, PR_)), CONF, {},
     want(confirmed_bor="PR", response_date=D1)),
    ("conf-6-interval-27-not-confirmed", _p((B, "T1 50"), (D1, PR_), (D1P27, PR_)), CONF, {},
     want(confirmed_bor="SD", response_date=None)),
    ("conf-6-two-early-crs", _p((B, "T1 50"), (E28, CR_), (E41, CR_)), CONF, {},
     want(bor="CR", confirmed_bor="NE")),
    ("conf-3-pr-ne-pr-confirmed", _p((B, "T1 50", "T2 50"), (D1, "T1 30", "T2 30"),
                                     (D2, "T1 30", "T2 not_evaluated"),
                                     (D3, "T1 30", "T2 30")), CONF, {},
     want(confirmed_bor="PR", response_date=D1)),
    ("conf-3-pr-ne-ne-pr-not-confirmed", _p((B, "T1 50", "T2 50"), (D1, "T1 30", "T2 30"),
                                            (D2, "T1 30", "T2 not_evaluated"),
                                            (D3, "T1 30", "T2 not_evaluated"),
                                            (D4, "T1 30", "T2 30")), CONF, {},
     want(confirmed_bor="SD")),
    ("conf-3-pr-sd-pr-not-confirmed", _p((B, "T1 50"), (D1, PR_), (D2, "T1 35.5"), (D3, PR_)),
     CONF, {}, want(confirmed_bor="SD", response_date=None)),
    ("conf-3-dec-8-accept-sd", _p((B, "T1 50"), (D1, PR_), (D2, "T1 35.5"), (D3, PR_)),
     {**CONF, "accept_sd": True}, {}, want(confirmed_bor="PR", response_date=D1)),
    ("conf-5-lone-pr-at-last-time-point", _p((B, "T1 50"), (D1, SD_), (D2, PR_)), CONF, {},
     want(bor="PR", confirmed_bor="SD", response_date=None)),
    ("conf-5-nt-only-unconfirmed-cr", _p((B, "NT1"), (D1, "NT1 absent"), (D2, "NT1")),
     CONF, {}, want(bor="CR", confirmed_bor="NON-CR/NON-PD")),
    ("conf-7-response-date-first-of-pair", _p((B, "T1 50"), (D1, "T1 40"), (D2, PR_),
                                              (D3, PR_), (D4, "T1 36")), CONF, {},
     want(confirmed_bor="PR", response_date=D2, pd_date=D4, dor_days=85)),
    ("conf-dec-13-backdated-pd-breaks-confirmation",
     _p((B, "T1 50"), (D1, PR_), (D2, PR_, "NEW1 equivocal"), (D3, PR_, "NEW1 unequivocal")),
     CONF, {}, want(bor="PR", confirmed_bor="SD", pd_date=D2, pfs_date=D2, pfs_days=85)),
    # --- progression date and time to event ------------------------------------------
    ("tte-1-backdated-equivocal", _p((B, "T1 50"), (D1, SD_, "NEW1 equivocal"),
                                     (D2, SD_, "NEW1 unequivocal")), {}, {},
     want(bor="PD", bor_date=D1, pd_date=D1, pfs_event=True, pfs_date=D1, pfs_days=43)),
    ("tte-1-nt-progression-date", _p((B, "T1 50", "NT1"), (D1, SD_, "NT1 progression")), {}, {},
     want(bor="PD", pd_date=D1)),
    ("tte-3-death-is-not-pd", _p((B, "T1 50"), (D1, SD_), (D2, SD_)), {},
     {"death_date": "2024-04-15"},
     want(bor="SD", pd_date=None, pfs_event=True, pfs_date="2024-04-15", pfs_days=106,
          censor_reason=None)),
    ("tte-4-pd-before-death", _p((B, "T1 50"), (D1, "T1 60")), {}, {"death_date": "2024-04-15"},
     want(pd_date=D1, pfs_event=True, pfs_date=D1, pfs_days=43)),
    ("tte-5-censor-last-adequate", _p((B, "T1 50", "T2 50"), (D1, "T1 50", "T2 50"),
                                      (D2, "T1 50", "T2 not_evaluated")), {}, {},
     want(bor="SD", pfs_event=False, pfs_date=D1, pfs_days=43)),
    ("tte-5-no-adequate-censor-at-start", _p((B, "T1 50", "T2 50"),
                                             (D1, "T1 50", "T2 not_evaluated")), {}, {},
     want(bor="NE", pfs_event=False, pfs_date=B, pfs_days=1)),
    ("tte-5-missed-assessments-option", _p((B, "T1 50"), (D1, SD_), (D4, "T1 60")),
     {"censor_after_missed_assessments": True}, {},
     want(pd_date=D4, pfs_event=False, pfs_date=D1, pfs_days=43)),
    ("tte-5-missed-assessments-default-event", _p((B, "T1 50"), (D1, SD_), (D4, "T1 60")),
     {}, {}, want(pd_date=D4, pfs_event=True, pfs_date=D4, pfs_days=169)),
    ("tte-6-dor-pr-to-pd", _p((B, "T1 50"), (D1, PR_), (D2, PR_), (D3, "T1 36")), {}, {},
     want(response_date=D1, pd_date=D3, dor_days=85)),
    ("tte-6-dor-censored-last-adequate", _p((B, "T1 50"), (D1, PR_), (D2, PR_)), {}, {},
     want(response_date=D1, dor_days=43, pfs_event=False, pfs_date=D2)),
    ("tte-10-add-one-off", _p((B, "T1 50"), (D1, PR_), (D2, PR_)), {"add_one_day": False}, {},
     want(pfs_days=84, dor_days=42)),
    ("dec-7-start-date-drives-sd-minimum", _p((B, "T1 50"), (E41, SD_)), {},
     {"start": "2023-12-30"}, want(bor="SD", bor_date=E41, pfs_days=44)),
    ("dec-17-new-therapy-excludes-later", _p((B, "T1 50"), (D1, SD_), (D2, "T1 60")), {},
     {"new_therapy_date": "2024-03-01"},
     want(bor="SD", pd_date=None, pfs_event=False, pfs_date=D1, pfs_days=43)),
    ("dec-17-death-after-new-therapy-not-event", _p((B, "T1 50"), (D1, SD_)), {},
     {"new_therapy_date": "2024-03-01", "death_date": "2024-04-01"},
     want(pfs_event=False, pfs_date=D1)),
    ("dec-17-new-therapy-on-scan-day-excluded", _p((B, "T1 50"), (D1, PR_), (D2, "T1 40")), {},
     {"new_therapy_date": D2}, want(bor="PR", pfs_date=D1)),
]
