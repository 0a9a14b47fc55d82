"""Controlled terminology the SDTM reader understands, value by value.

Every result of the tumour and response tests is mapped explicitly; a value that is not
listed here is refused with the record named (STUDYID, USUBJID, --SEQ), never guessed.
The lists hold the CDISC Controlled Terminology values of the oncology codelists the
RECIST 1.1 domains use (TU "Tumor or Lesion Identification Test Results", TR "Tumor or
Lesion Properties Test Results", RS "Oncology Response Assessment Result" and the "No Yes
Response" codelist) and the short forms sponsors commonly write instead (``UNEQUIVOCAL``
for ``UNEQUIVOCAL PROGRESSION``, ``NE`` for ``NOT EVALUABLE``, ``TOO SMALL`` …). Values are
compared upper-cased with spaces trimmed and runs of blanks reduced to one.

Provenance of the lists: the values pharmaversesdtm's independently written RECIST 1.1
datasets use (TUMSTATE ``PRESENT``/``ABSENT``; TU ``TARGET``/``NON-TARGET``; RS
``CR``, ``PR``, ``SD``, ``PD``, ``NE``, ``NON-CR/NON-PD``) are checked against that data
by the test suite; the other CDISC values (``UNEQUIVOCAL PROGRESSION``, ``EQUIVOCAL``,
``NOT EVALUABLE``, ``PATHOLOGICAL``/``NON-PATHOLOGICAL`` of LNSTATE, ``TOO SMALL TO
MEASURE``, ``NED`` …) follow the CDISC SDTM RECIST 1.1 examples and were not checked
against a CT release file here. Whatever is not listed is refused, so a missing value is
an error naming the record, never a silent default.

What each value means here:

* ``STATE_RESULTS`` — ``TUMSTATE`` / ``LNSTATE`` results → ``present``, ``absent``,
  ``progression`` (unequivocal progression: NT-PD for a non-target, an unequivocal new
  lesion for a new one), ``equivocal`` (a new lesion that is not yet PD, NEW-3; a
  non-target that is still there) or ``not_evaluated``.
* ``DIAMETER_TEXT_RESULTS`` — a non-numeric ``TRORRES``/``TRSTRESC`` of a diameter test
  (``LDIAM``, ``LPERP``, ``DIAMETER``) → ``too_small`` (counts 5 mm, SUM-4), ``absent``
  (0 mm), ``merged`` (SUM-6) or ``not_done`` (not evaluated).
* ``LESION_ROLES`` — ``TUORRES``/``TUSTRESC`` (and ``TRGRPID``) → lesion kind and whether
  a new lesion is equivocal.
* ``RESPONSE_RESULTS`` / ``YES_NO_RESULTS`` — RS results of ``OVRLRESP``, ``TRGRESP``,
  ``NTRGRESP`` (and best response) and of ``NEWLIND`` / ``NEWLPROG``.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = [
    "DERIVED_TESTS",
    "DIAMETER_TESTS",
    "DIAMETER_TEXT_RESULTS",
    "LESION_ROLES",
    "RESPONSE_RESULTS",
    "STATE_RESULTS",
    "STATE_TESTS",
    "SUM_TESTS",
    "UNIT_FACTORS",
    "YES_NO_RESULTS",
    "canonical",
]

DIAMETER_TESTS = ("LDIAM", "LPERP", "DIAMETER")
"""TR tests that carry a lesion diameter: longest diameter, longest perpendicular (short
axis) and ``DIAMETER`` — the RECIST diameter itself (LD for a non-nodal lesion, SA for a
node)."""
STATE_TESTS = ("TUMSTATE", "LNSTATE")
SUM_TESTS = ("SUMDIAM",)
"""The sponsor's sum of diameters: cross-checked against the sum computed from the
lesions, never used instead of it."""
DERIVED_TESTS = ("SUMNLNLD", "SUMLNSA", "PCBSD", "PCNSD", "ACNSD", "ACBSD", "NADIR")
"""Summary results derived from the lesion records (sums of subsets, percent and absolute
changes from baseline or nadir): recomputed from the lesions, so not read."""

_CR_PR = {"CR": "CR", "COMPLETE RESPONSE": "CR", "PR": "PR", "PARTIAL RESPONSE": "PR"}

STATE_RESULTS: dict[str, str] = {
    # CDISC CT (TUMSTATE / LNSTATE results)
    "PRESENT": "present",
    "ABSENT": "absent",
    "UNEQUIVOCAL PROGRESSION": "progression",
    "EQUIVOCAL": "equivocal",
    "NOT EVALUABLE": "not_evaluated",
    "NOT ASSESSABLE": "not_evaluated",
    "NON-PATHOLOGICAL": "absent",
    "PATHOLOGICAL": "present",
    # short forms and spellings sponsors write
    "UNEQUIVOCAL": "progression",
    "UNEQUIVOCAL PD": "progression",
    "PROGRESSION": "progression",
    "PROGRESSIVE DISEASE": "progression",
    "PD": "progression",
    "EQUIVOCAL PROGRESSION": "equivocal",
    "NE": "not_evaluated",
    "NOT EVALUATED": "not_evaluated",
    "NOT ASSESSED": "not_evaluated",
    "NOT DONE": "not_evaluated",
    "ND": "not_evaluated",
    "NON PATHOLOGICAL": "absent",
    "NONPATHOLOGICAL": "absent",
    "NORMAL": "absent",
    "NOT PRESENT": "absent",
    "DISAPPEARED": "absent",
    "RESOLVED": "absent",
    "PRESENT, NOT PROGRESSING": "present",
    "STABLE": "present",
}

DIAMETER_TEXT_RESULTS: dict[str, str] = {
    "TOO SMALL TO MEASURE": "too_small",
    "TOO SMALL": "too_small",
    "TSTM": "too_small",
    "<5": "too_small",
    "< 5": "too_small",
    "<5 MM": "too_small",
    "< 5 MM": "too_small",
    "NOT EVALUABLE": "not_done",
    "NOT ASSESSABLE": "not_done",
    "NOT EVALUATED": "not_done",
    "NOT ASSESSED": "not_done",
    "NOT DONE": "not_done",
    "NOT MEASURABLE": "not_done",
    "NE": "not_done",
    "ND": "not_done",
    "ABSENT": "absent",
    "NOT PRESENT": "absent",
    "DISAPPEARED": "absent",
    "NON-PATHOLOGICAL": "absent",
    "TUMOR MERGED": "merged",
    "MERGED": "merged",
    "LESION MERGED": "merged",
}

LESION_ROLES: dict[str, tuple[str, bool]] = {
    "TARGET": ("target", False),
    "NON-TARGET": ("non-target", False),
    "NON TARGET": ("non-target", False),
    "NONTARGET": ("non-target", False),
    "NEW": ("new", False),
    "NEW UNEQUIVOCAL": ("new", False),
    "UNEQUIVOCAL NEW": ("new", False),
    "NEW, UNEQUIVOCAL": ("new", False),
    "NEW EQUIVOCAL": ("new", True),
    "EQUIVOCAL NEW": ("new", True),
    "NEW, EQUIVOCAL": ("new", True),
    "EQUIVOCAL": ("new", True),
}

RESPONSE_RESULTS: dict[str, str] = {
    **_CR_PR,
    "SD": "SD", "STABLE DISEASE": "SD",
    "PD": "PD", "PROGRESSIVE DISEASE": "PD",
    "NE": "NE", "NOT EVALUABLE": "NE", "NOT EVALUATED": "NE", "UNABLE TO EVALUATE": "NE",
    "NON-CR/NON-PD": "NON-CR/NON-PD", "NON CR/NON PD": "NON-CR/NON-PD",
    "NON-CR / NON-PD": "NON-CR/NON-PD", "NONCR/NONPD": "NON-CR/NON-PD",
    "NCRNPD": "NON-CR/NON-PD",
    "NA": "NA", "NOT APPLICABLE": "NA", "NOT ALL EVALUATED": "NE",
    "NED": "NED", "NO EVIDENCE OF DISEASE": "NED",
}

YES_NO_RESULTS: dict[str, str] = {
    "Y": "Y", "YES": "Y", "N": "N", "NO": "N",
    "EQUIVOCAL": "EQUIVOCAL", "UNEQUIVOCAL": "Y",
    "NE": "NE", "NOT EVALUABLE": "NE", "U": "NE", "UNKNOWN": "NE", "NA": "NA",
}

UNIT_FACTORS: dict[str, float] = {"MM": 1.0, "CM": 10.0, "M": 1000.0}
"""Length units of ``TRSTRESU``/``TRORRESU`` and their factor to millimetres."""

_BLANKS = re.compile(r"\s+")


def canonical(values: pd.Series) -> pd.Series:
    """Upper-case, trimmed, single-spaced text (the form the tables above use)."""
    return values.astype("string").str.strip().str.upper().str.replace(
        _BLANKS, " ", regex=True)
