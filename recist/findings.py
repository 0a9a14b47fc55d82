"""Findings: what a data-quality check or a rule decision reports to the user.

A check function (``check_…``) returns a list of ``Finding``; the caller decides whether
a finding is a warning to print or an error to raise (``raise_for_errors``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter

import numpy as np
import pandas as pd

from recist.errors import RecistDataError

__all__ = ["Finding", "Severity", "findings_frame", "make_finding", "make_findings",
           "raise_for_errors"]


class Severity(StrEnum):
    """How serious a finding is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One observation about the input or a decision, with where it applies.

    Parameters
    ----------
    code
        Stable short name of the check, e.g. ``"cr-then-pr"``.
    message
        A complete sentence naming patient, date and lesion, what was found and what to do.
    severity
        ``Severity.WARNING`` by default.
    rule
        The rule or decision id behind it (e.g. ``"DEC-2"``), if any.
    """

    code: str
    message: str
    severity: Severity = Severity.WARNING
    patient_id: str | None = None
    date: str | None = None
    visit: str | None = None
    lesion_id: str | None = None
    rule: str | None = None

    def __str__(self) -> str:
        """``severity: message`` as one printable line: a control character quoted from an
        input cell (a NUL in a visit label) is shown as ``?``, never sent to a terminal.

        >>> str(Finding("x", "visit \\x00 of P1\\nnext"))
        'warning: visit ? of P1?next'
        """
        text = f"{self.severity}: {self.message}"
        if text.isprintable():
            return text
        return "".join(c if c.isprintable() else "?" for c in text)


_new = object.__new__


def make_finding(code: str, message: str, severity: Severity, rule: str | None,
                 patient_id: str | None, date: str | None, visit: str | None,
                 lesion_id: str | None) -> Finding:
    """``Finding(code=…, …)`` without the per-field ``object.__setattr__`` of a frozen
    dataclass's ``__init__`` (4x faster; a cohort gives 10⁵ findings).

    ``Finding`` has no ``__post_init__``, so the instance equals the one ``Finding(…)``
    builds (``tests/recist/test_findings.py`` checks both).

    >>> make_finding("x", "m", Severity.WARNING, None, "P", None, None, None) == Finding(
    ...     "x", "m", Severity.WARNING, "P")
    True
    """
    made = _new(Finding)
    made.__dict__.update(code=code, message=message, severity=severity, patient_id=patient_id,
                         date=date, visit=visit, lesion_id=lesion_id, rule=rule)
    return made


def make_findings(codes: Iterable[str], messages: Iterable[str],
                  severities: Iterable[Severity], rules: Iterable[str | None],
                  patient_ids: Iterable[str | None], dates: Iterable[str | None],
                  visits: Iterable[str | None], lesion_ids: Iterable[str | None]
                  ) -> list[Finding]:
    """``make_finding`` of each finding's values, given as columns of equal length (a value
    shared by all: ``itertools.repeat(value, n)``); a cohort's checks give 10⁴ findings.

    >>> make_findings(["x", "y"], ["m", "n"], [Severity.WARNING] * 2, [None] * 2,
    ...               ["P", "Q"], [None] * 2, [None] * 2, [None] * 2) == [
    ...     Finding("x", "m", patient_id="P"), Finding("y", "n", patient_id="Q")]
    True
    """
    out = []
    for code, message, severity, rule, patient_id, date, visit, lesion_id in zip(
            codes, messages, severities, rules, patient_ids, dates, visits, lesion_ids,
            strict=True):
        made = _new(Finding)  # as make_finding, its dict given whole
        _set(made, "__dict__", {
            "code": code, "message": message, "severity": severity, "patient_id": patient_id,
            "date": date, "visit": visit, "lesion_id": lesion_id, "rule": rule})
        out.append(made)
    return out


_set = object.__setattr__


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a table (one row each, an object column per field), for CSV output.

    Column by column: what ``dataclasses.asdict`` per finding gave (the fields are plain
    values), each column's values fetched by a C attribute getter straight into an object
    array (no row dicts, no list per column; a cohort gives 10⁵ findings).

    >>> findings_frame([Finding("x", "m", patient_id="P1")]).loc[0, ["code", "patient_id"]].tolist()
    ['x', 'P1']
    """
    columns = list(Finding.__dataclass_fields__)
    listed = list(findings)
    return pd.DataFrame({name: np.fromiter(map(attrgetter(name), listed), dtype=object,
                                           count=len(listed))
                         for name in columns}, columns=columns, copy=False)


def raise_for_errors(findings: Iterable[Finding]) -> None:
    """Raise ``RecistDataError`` carrying all findings if any has severity error.

    The message is the first error's message, followed by a count of further errors.
    """
    error = Severity.ERROR  # looked up once: an enum member lookup costs more than the test
    errors = [f for f in findings if f.severity == error]
    if errors:
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise RecistDataError(errors[0].message + more, findings=errors)
