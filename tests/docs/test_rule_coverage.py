"""Every rule id of docs/rules.md is checked by a named golden case of the test modules
read below, or is stated as not modelled by the toolkit (with the reason) — in both
places. The rule book is part of the repository, so a rule added there without a test
here fails, and so does a missing or unparsable rule book."""

from __future__ import annotations

import inspect
import re

from support.modules import load_module
from support.paths import REPO

test_review = load_module("recist/baseline_rules/test_review.py")
test_c1_issues = load_module("golden/test_c1_issues.py")
test_cohort_isolation = load_module("golden/test_cohort_isolation.py")
test_contract_and_errors = load_module("recist/response/test_contract_and_errors.py")
test_findings_rules = load_module("recist/checks/test_findings_rules.py")
test_summary_rules = load_module("recist/patient_summary/test_summary_rules.py")
test_timepoint_rules = load_module("recist/timepoints/test_timepoint_rules.py")
test_lesion_history = load_module("recist/oligo/test_lesion_history.py")
test_therapies = load_module("recist/oligo/test_therapies.py")
test_failure_pattern = load_module("recist/oligo/test_failure_pattern.py")
test_oligo_endpoints = load_module("recist/oligo/test_endpoints.py")
test_scan_history = load_module("recist/oligo/test_scan_history.py")
test_uncertainty = load_module("recist/uncertainty/test_uncertainty.py")
test_irecist = load_module("recist/irecist/test_irecist.py")
test_who = load_module("recist/who_criteria/test_who.py")
test_volumetric = load_module("recist/volumetric/test_volumetric.py")
test_criteria_agreement = load_module("recist/criteria_agreement/test_criteria_agreement.py")

RULES = REPO / "docs" / "rules.md"
NOT_MODELLED = "not modelled"
RULE_ID = (r"(?:MEAS|SEL|SUM|TGT|NT|NEW|OVR|NE|BOR|CONF|TTE|DEC|UNC|IR|WHO|VOL|AGR)"
           r"-[A-Za-z0-9/-]*[A-Za-z0-9]")

COVERAGE = {
    "MEAS-1": ["meas-13-10.0-inclusive"], "MEAS-2": ["meas-2-6mm-12.0", "meas-2-5.5mm-is-11"],
    "MEAS-3": NOT_MODELLED + ": no acquisition-method column (calipers, X-ray, ultrasound)",
    "MEAS-4": ["meas-4-sa-15.0", "meas-4-sa-not-ld"], "MEAS-5": ["meas-5-sa-14.9"],
    "MEAS-6": ["meas-6-sa-9.9"], "MEAS-7": ["meas-13-9.9", "meas-5-sa-14.9"],
    "MEAS-8": NOT_MODELLED + ": no bone-lesion type column",
    "MEAS-9": NOT_MODELLED + ": no cyst column",
    "MEAS-10": ["test_meas_10_treated_before_baseline_not_measurable",
                "test_meas_10_protocol_override", "test_meas_10_screening_uses_it"],
    "MEAS-11": ["test_meas_11_baseline_window_checked_by_respond"],
    "MEAS-12": ["test_meas_12_no_measurable_lesion_no_measurable_disease"],
    "MEAS-13": ["meas-13-10.0-inclusive", "meas-13-9.9"],
    "SEL-1": ["test_sel_1_sel_3_findings"], "SEL-2": ["test_sel_1_sel_3_findings"],
    "SEL-3": ["test_dec_21_organ_keys"], "SEL-4": ["test_nontarget_first_seen_after_baseline_is_flagged"],
    "SEL-5": ["dec-18-target-first-seen-after-baseline", "dec-18-nontarget-becomes-target"],
    "SEL-6": NOT_MODELLED + ": the reader measures the current axis; the table holds it",
    "SUM-1": ["sum-1-nodal-uses-sa"], "SUM-2": ["tgt-pd-vs-nadir-not-previous"],
    "SUM-3": ["sum-3-cr-sum-not-zero"],
    "SUM-4": ["sum-4-too-small-5mm-absent-0", "sum-4-reported-number-below-5-used"],
    "SUM-5": ["sum-5-split-fragments-add"],
    "SUM-6": ["sum-6-merged-0mm-evaluable", "sum-6-merged-into-disappeared-is-cr"],
    "SUM-7": ["sum-7-ne-no-sum-not-nadir"],
    "SUM-8": ["sum-8-nadir-includes-baseline", "sum-8-nadir-is-running-minimum"],
    "TGT-PD": ["tgt-pd-inclusive-25-to-30", "tgt-pd-20pct-but-under-5mm",
               "tgt-pd-5mm-but-under-20pct", "tgt-pd-nadir-zero-5mm"],
    "TGT-CR": ["tgt-cr-node-9.9", "tgt-cr-node-10.0-not-cr", "tgt-cr-too-small-nonnodal-not-cr"],
    "TGT-PR": ["tgt-pr-inclusive-50-to-35", "tgt-pr-35.01-is-sd"], "TGT-SD": ["tgt-sd-neither"],
    "TGT-NE": ["tgt-ne-missing-target-row"], "TGT-NA": ["ovr-t2-1-nt-cr"],
    "TGT-after-PR": ["tgt-after-pr-default-paper-sd", "dec-1-continuing-response"],
    "NT-CR": ["nt-cr-all-gone-node-absent"], "NT-NON-CR/NON-PD": ["nt-non-cr-non-pd"],
    "NT-PD": ["nt-pd-progression-status"], "NT-NE": ["nt-ne-partly-evaluated-dec-5"],
    "NT-NA": ["ovr-t1-1-dec-19-cr-no-nontargets"],
    "NT-reappearance": ["nt-reappearance-present-not-pd", "dec-9-present-after-cr"],
    "NEW-1": ["new-1-unequivocal-pd-despite-cr"],
    "NEW-2": NOT_MODELLED + ": the reader records such a lesion as new (then NEW-1 applies)",
    "NEW-3": ["new-3-equivocal-not-pd", "new-3-dec-13-backdated"],
    "NEW-4": NOT_MODELLED + ": no PET rows",
    "NEW-5": NOT_MODELLED + (": the reader records such a small new node as equivocal "
                            "(then NEW-3 applies)"),
    "NEW-6": ["new-6-not-in-sum"],
    **{f"OVR-T1-{i}": [c[0] for c in test_timepoint_rules.CASES
                       if c[0].startswith(f"ovr-t1-{i}-")] for i in range(1, 10)},
    **{f"OVR-T2-{i}": [c[0] for c in test_timepoint_rules.CASES
                       if c[0].startswith(f"ovr-t2-{i}-")] for i in range(1, 6)},
    "NE-1": ["ne-1-nothing-evaluated"], "NE-2": ["ne-2a-r11-example-partial-sum-pd",
                                                 "ne-2b-nt-progression-with-target-missing",
                                                 "ne-2c-new-lesion-with-target-missing"],
    "NE-3": ["ovr-t1-3-cr-nt-ne", "ovr-t2-3-nt-ne"], "NE-4": ["ne-4-incomplete-never-nadir"],
    **{f"BOR-{i}": [c[0] for c in test_summary_rules.CASES if c[0].startswith(f"bor-{i}-")]
       for i in range(1, 9)},
    "CONF-1": ["test_summary_without_confirmation_has_no_confirmed_bor"],
    **{f"CONF-{i}": [c[0] for c in test_summary_rules.CASES if c[0].startswith(f"conf-{i}-")]
       for i in (2, 3, 5, 6, 7)},
    "CONF-4": ["conf-t3-1-cr-cr"],
    **{f"CONF-T3-{i}": [c[0] for c in test_summary_rules.CASES
                        if c[0].startswith(f"conf-t3-{i}-")] for i in range(1, 12)},
    "TTE-1": ["tte-1-backdated-equivocal", "tte-1-nt-progression-date"],
    "TTE-2": ["dec-20-pd-date-earliest-documenting-row"], "TTE-3": ["tte-3-death-is-not-pd"],
    "TTE-4": ["tte-4-pd-before-death"],
    "TTE-5": ["tte-5-censor-last-adequate", "tte-5-no-adequate-censor-at-start",
              "tte-5-missed-assessments-option"],
    "TTE-6": ["tte-6-dor-pr-to-pd", "tte-6-dor-censored-last-adequate"],
    "TTE-7": NOT_MODELLED + ": duration of CR is not a patient_summary column",
    "TTE-8": NOT_MODELLED + ": duration of SD is not a patient_summary column",
    "TTE-9": ["test_tte_9_time_to_response_from_start_date"], "TTE-10": ["tte-10-add-one-off"],
    "TTE-11": NOT_MODELLED + ": early death / inevaluable are defined per study",
    "DEC-1": ["dec-1-continuing-response", "dec-1-continuing-stops-at-pd",
              "dec-1-confirmed-only"],
    "DEC-2": ["conf-t3-2-cr-pr-dec-2", "dec-2-cr-then-pr"],
    "DEC-3": ["dec-3-cr-then-nodal-regrowth-sd", "conf-t3-3-cr-sd-dec-3",
              "dec-3-cr-then-sd-nodal-regrowth"],
    "DEC-4": ["dec-4-target-cr-nontarget-node-pathological"],
    "DEC-5": ["nt-ne-partly-evaluated-dec-5", "ovr-t2-3-nt-ne"],
    "DEC-6": ["bor-6-dec-6-early-non-cr-non-pd-ne", "bor-6-dec-6-option-off"],
    "DEC-7": ["dec-7-start-date-drives-sd-minimum",
              "test_dec_7_and_dec_16_reference_date_findings"],
    "DEC-8": ["conf-3-pr-ne-pr-confirmed", "conf-3-pr-ne-ne-pr-not-confirmed",
              "conf-3-dec-8-accept-sd"],
    "DEC-9": ["dec-9-present-after-cr"], "DEC-10": ["dec-10-too-small-node-cr"],
    "DEC-11": ["dec-11-split-node-sa-added", "dec-11-split-node", "dec-11-merged-node"],
    "DEC-12": ["dec-12-node-fixed-15"],
    "DEC-13": ["new-3-dec-13-backdated", "conf-dec-13-backdated-pd-breaks-confirmation"],
    "DEC-14": ["dec-14-equivocal-never-confirmed"],
    "DEC-15": NOT_MODELLED + ": a note on sources, no behaviour",
    "DEC-16": ["bor-7-dec-16-no-follow-up", "bor-7-dec-16-early-death"],
    "DEC-17": ["dec-17-new-therapy-excludes-later", "dec-17-death-after-new-therapy-not-event",
               "dec-17-new-therapy-on-scan-day-excluded"],
    "DEC-18": [c[0] for c in test_contract_and_errors.CONTRADICTIONS],
    "DEC-19": ["ovr-t1-1-dec-19-cr-no-nontargets"],
    "DEC-20": ["dec-20-pd-date-earliest-documenting-row", "dec-20-sum-pd-date-earliest-target-row",
               "dec-20-other-timepoint-latest-scan"],
    "DEC-21": ["test_dec_21_organ_keys"],
    "DEC-22": ["tgt-pd-inclusive-25-to-30", "tgt-pr-inclusive-50-to-35", "dec-22-float-noise-sums"],
    "DEC-23": ["test_dec_23_repeat_local_treatment_does_not_end_followup",
               "test_dec_23_protocol_option_local_treatment_ends_followup",
               "test_dec_23_first_systemic_therapy_ends_followup",
               "test_dec_23_new_therapy_date_must_agree"],
    "DEC-24": ["test_dec_24_local_failure_over_post_treatment_nadir",
               "test_dec_24_thresholds_inclusive_and_both_needed"],
    "DEC-25": ["test_dec_25_recurrence_events_and_pattern"],
    "DEC-26": ["test_dec_26_still_oligometastatic"],
    "DEC-27": ["test_dec_27_patient_endpoints", "test_dec_27_pfs_after_systemic_therapy_is_censored",
               "test_dec_27_time_to_local_failure_death_competes",
               "test_dec_27_local_control_aalen_johansen_by_hand"],
    "DEC-28": ["test_dec_28_ned_interval_from_the_scans",
               "test_dec_28_clinical_dates_win_and_the_alternative_reading"],
    "UNC-1": ["test_unc_1_error_model_matches_oxnard"],
    "UNC-2": [c for c in ("unc-2-pd-at-threshold", "unc-2-pr-margin", "unc-2-20pct-binds",
                          "unc-2-5mm-binds", "unc-2-dec-22-rounding")],
    "UNC-3": ["test_unc_3_probability_of_pr_matches_the_normal_distribution",
              "test_unc_3_far_calls_are_certain_and_draws_are_seeded"],
    "UNC-4": ["test_unc_4_pd_by_a_fraction_of_a_millimetre"],
    "UNC-5": ["test_unc_5_confirmed_bor_probability"],
    "UNC-6": ["test_unc_6_cohort_intervals_contain_the_rate"],
    "IR-1": ["ir-1-no-iupd-is-recist",
             "test_ir_1_irecist_equals_recist_until_the_first_pd_on_a_random_cohort"],
    "IR-2": ["ir-1-no-iupd-is-recist", "ir-4-target-growth-confirms"],
    "IR-3": ["ir-3-too-early-then-confirmed", "ir-3-late-confirmation",
             "test_ir_3_late_confirmation_is_a_finding"],
    "IR-4": ["ir-4-target-growth-confirms", "ir-4-more-new-lesions",
             "ir-4-non-target-progression-confirms"],
    "IR-5": ["ir-5-new-lesion-target-sum-grows-5mm", "ir-5-new-lesion-target-sum-grows-4.9mm",
             "test_ir_5_new_lesion_targets_at_most_5_and_2_per_organ"],
    "IR-6": ["ir-6-growth-under-5mm-persists", "test_ir_6_ne_after_iupd_keeps_it_pending"],
    "IR-7": ["ir-7-after-icpd"],
    "IR-8": ["ir-8-reset-then-new-iupd", "ir-8-new-lesion-gone-resets"],
    "IR-9": ["ir-8-new-lesion-gone-resets", "ir-4-target-growth-confirms"],
    "IR-10": ["test_ir_10_unmeasured_new_lesion_is_a_finding"],
    "WHO-1": ["who-1-too-small-and-node", "test_who_1_sums_and_changes_by_hand",
              "test_who_1_table_without_perpendiculars_is_refused"],
    "WHO-2": ["who-2-pr-at-50pct", "who-2-dec-22-49.995", "who-2-49.99-is-sd",
              "who-2-recist-pr-who-sd"],
    "WHO-3": ["who-3-pd-at-25pct", "who-3-dec-22-24.995", "who-3-24.99-is-sd",
              "who-3-pd-over-nadir"],
    "WHO-4": ["test_who_4_missing_perpendicular_is_ne_with_a_finding"],
    "VOL-1": ["test_vol_1_too_small_counts_a_5mm_sphere"],
    "VOL-2": ["vol-2-pr-at-65.7", "vol-2-dec-22-65.699", "vol-2-65.69-is-sd",
              "test_vol_2_3_sphere_volumes_follow_recist_diameters"],
    "VOL-3": ["vol-3-pd-at-72.8", "vol-3-72.79-is-sd", "test_vol_3_absolute_minimum_is_an_option"],
    "VOL-4": ["test_vol_4_missing_volumes"],
    "AGR-1": ["test_agr_1_3_tables_and_reasons"], "AGR-2": ["test_agr_2_kappa_by_hand"],
    "AGR-3": ["test_agr_1_3_tables_and_reasons"],
}


# docs/rules.md section 15, "The rules an implementation most often gets wrong".
SUBTLE = {
    1: ["tgt-pd-20pct-but-under-5mm", "tgt-pd-5mm-but-under-20pct", "tgt-pd-vs-nadir-not-previous",
        "ne-4-incomplete-never-nadir", "tgt-pd-while-30pct-below-baseline"],
    2: ["tgt-pd-inclusive-25-to-30", "tgt-pr-inclusive-50-to-35", "tgt-pd-nadir-zero-5mm"],
    3: ["sum-8-nadir-is-running-minimum", "tgt-after-pr-default-paper-sd"],
    4: ["sum-1-nodal-uses-sa", "tgt-cr-node-10.0-not-cr", "sum-3-cr-sum-not-zero"],
    5: ["tgt-cr-too-small-nonnodal-not-cr", "sum-6-merged-0mm-evaluable",
        "sum-5-split-fragments-add"],
    6: ["tgt-ne-missing-target-row", "ne-2a-r11-example-partial-sum-pd",
        "ne-2b-nt-progression-with-target-missing", "ne-2c-new-lesion-with-target-missing",
        "ne-4-incomplete-never-nadir"],
    7: ["ovr-t1-2-cr-noncr", "ovr-t1-3-cr-nt-ne"],
    8: ["ovr-t2-2-non-cr-non-pd-never-sd"],
    9: ["new-3-equivocal-not-pd", "new-3-dec-13-backdated", "tte-1-backdated-equivocal"],
    10: ["bor-1-stops-at-first-pd", "bor-3-early-pr-counts", "bor-4-sd-day-42-inclusive",
         "bor-5-sd-day-41-then-pd", "bor-5-sd-day-41-then-nothing-ne"],
    11: ["conf-2-interval-28-inclusive", "conf-3-pr-ne-pr-confirmed",
         "conf-t3-9-pr-pd-too-early", "conf-t3-10-pr-ne-too-early",
         "conf-5-lone-pr-at-last-time-point"],
    12: ["test_dec_21_organ_keys", "test_sel_1_sel_3_findings"],
    13: ["tte-3-death-is-not-pd"],
}


def test_every_subtle_rule_has_cases():
    known = _known_ids()
    assert sorted(SUBTLE) == list(range(1, 14))
    for number, cases in SUBTLE.items():
        assert set(cases) <= known, (number, sorted(set(cases) - known))


def _known_ids() -> set[str]:
    known: set[str] = set()
    for module in (test_review, test_c1_issues, test_cohort_isolation,
                   test_contract_and_errors, test_findings_rules, test_summary_rules,
                   test_timepoint_rules, test_lesion_history, test_therapies,
                   test_failure_pattern, test_oligo_endpoints, test_scan_history,
                   test_uncertainty, test_irecist, test_who, test_volumetric,
                   test_criteria_agreement):
        known |= {name for name, _ in inspect.getmembers(module, inspect.isfunction)
                  if name.startswith("test_")}
        for table in ("CASES", "CONTRADICTIONS"):
            known |= {c[0] for c in getattr(module, table, [])}
    known |= {x[8] for x in test_review.LESIONS}
    return known


def test_every_mapped_case_exists():
    known = _known_ids()
    for rule, cases in COVERAGE.items():
        if isinstance(cases, str):
            assert cases.startswith(NOT_MODELLED), rule
            continue
        assert cases, f"{rule}: no case"
        assert set(cases) <= known, (rule, sorted(set(cases) - known))


def rule_book() -> dict[str, str]:
    """Rule id -> its text in docs/rules.md.

    A rule is defined by a heading ``### <id> — title`` (its text runs to the next
    heading) or by a table row whose first cell is the id (its text is the row). Each id
    is defined once.
    """
    assert RULES.is_file(), f"the rule book {RULES} is missing"
    rules: dict[str, str] = {}
    current: str | None = None
    for line in RULES.read_text(encoding="utf-8").splitlines():
        heading = re.match(rf"#+ ({RULE_ID})(?: |$)", line)
        row = re.match(rf"\| ({RULE_ID}) \|", line)
        if line.startswith("#"):
            current = None
        rule = heading or row
        if rule:
            assert rule.group(1) not in rules, f"{rule.group(1)} is defined twice"
            rules[rule.group(1)] = ""
            current = rule.group(1) if heading else None
            if row:
                rules[rule.group(1)] = line
                continue
        if current is not None:
            rules[current] += line + "\n"
    return rules


def test_every_rule_of_the_rule_book_is_covered():
    rules = rule_book()
    assert len(rules) > 100
    assert sorted(set(rules) - set(COVERAGE)) == []  # a rule without a case
    assert sorted(set(COVERAGE) - set(rules)) == []  # a case for a rule not in the book


def test_not_modelled_rules_agree_with_the_rule_book():
    """A rule is marked "**Not modelled:** <reason>" in the book exactly when it is here."""
    rules = rule_book()
    in_book = {rule for rule, text in rules.items()
               if re.search(r"^\*\*Not modelled:\*\* \S", text, re.MULTILINE)}
    here = {rule for rule, cases in COVERAGE.items() if isinstance(cases, str)}
    assert sorted(in_book ^ here) == []
    for rule in in_book:  # the mark is the rule's own, and gives the reason stated here
        assert rules[rule].count("**Not modelled:**") == 1, rule
        reason = _words(rules[rule].split("**Not modelled:**", 1)[1])
        assert _words(COVERAGE[rule].split(":", 1)[1]) in reason, (rule, reason)


def test_every_rule_id_the_rule_book_mentions_is_defined_there():
    """Cross-references ("see DEC-5", "OVR-T1-3") name rules the book defines."""
    rules = rule_book()
    text = RULES.read_text(encoding="utf-8")
    mentioned = set(re.findall(rf"(?<![A-Za-z0-9-]){RULE_ID}", text))
    assert sorted(mentioned - set(rules)) == []


def _words(text: str) -> str:
    """Text without markup and with single spaces, for comparing reasons."""
    return " ".join(text.replace("`", "").split())
