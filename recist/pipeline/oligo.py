"""The oligometastatic follow-up composed with the response assessment.

Reads the optional lesions and therapies tables (``recist.oligo``), hands the lesion
history to the baseline rules (MEAS-10) and the therapy timeline's follow-up cut-off to
the response engine (DEC-23 through ``new_therapy_date``, DEC-17).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from recist.oligo.failure_pattern import FailurePattern

if TYPE_CHECKING:
    from recist.criteria import Criteria
    from recist.response import RespondResult

__all__ = ["OLIGO_FILES", "OligoResult", "assess_oligo", "join_patient_summary",
           "lesion_history_of", "patients_with_therapies", "respond_oligo", "therapies_of"]


def lesion_history_of(measurements: pd.DataFrame,
                      lesions: pd.DataFrame | str | Path | None = None,
                      therapies: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """The lesion history: the lesions table (or its CSV) and/or the measurements' columns,
    plus each lesion of each local therapy of the therapies table (normalised).

    None when none gives one. A lesion given in both tables must agree; organs named in
    both tables must agree (``recist.oligo.lesion_history``).
    """
    from recist.oligo.lesion_history import (
        check_organs,
        combine_histories,
        lesion_history_from_measurements,
        normalise_lesion_history,
        read_lesion_history,
    )

    table = None
    if isinstance(lesions, (str, Path)):
        table = read_lesion_history(lesions)
    elif lesions is not None:
        table = normalise_lesion_history(lesions)
    history = combine_histories(table, lesion_history_from_measurements(measurements))
    check_organs(history, measurements)
    if therapies is not None and len(therapies):
        from recist.oligo.therapies import therapies_as_history

        extra = therapies_as_history(therapies)
        if len(extra):
            history = extra if history is None else pd.concat(
                [history[list(extra.columns)], extra], ignore_index=True)
    return history


def therapies_of(therapies: pd.DataFrame | str | Path | None, measurements: pd.DataFrame,
                 patients: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """The therapies table (or its CSV) normalised and checked against the other tables
    (``recist.oligo.therapies.check_therapies``), or None."""
    if therapies is None:
        return None
    from recist.oligo.therapies import check_therapies, normalise_therapies, read_therapies

    table = (read_therapies(therapies) if isinstance(therapies, (str, Path))
             else normalise_therapies(therapies))
    check_therapies(table, measurements, patients)
    return table


#: The extra files ``recist respond`` writes with ``--lesions`` / ``--therapies``.
OLIGO_FILES = ("lesion_control.csv", "recurrences.csv", "recurrence_status.csv",
               "local_failure.csv", "local_control.csv")


@dataclass(frozen=True)
class OligoResult:
    """The follow-up after local treatment of a cohort (``assess_oligo``).

    Attributes
    ----------
    history, therapies
        The lesion history and the therapies table as read (None when not given).
    pattern
        ``recist.oligo.failure_pattern.FailurePattern``: lesion control, recurrence
        events, oligometastatic status at each recurrence.
    patients
        One row per patient: ``recist.oligo.endpoints.PATIENT_ENDPOINT_COLUMNS``.
    lesions
        One row per treated lesion: time to local failure (``LESION_ENDPOINT_COLUMNS``).
    local_control
        Cumulative incidence of local failure and local control at 1 and 2 years.
    """

    history: pd.DataFrame | None
    therapies: pd.DataFrame | None
    pattern: FailurePattern
    patients: pd.DataFrame
    lesions: pd.DataFrame
    local_control: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables by file name (``OLIGO_FILES``)."""
        return dict(zip(OLIGO_FILES, (self.pattern.lesion_control, self.pattern.recurrences,
                                      self.pattern.recurrence_status, self.lesions,
                                      self.local_control)))


def patients_with_therapies(measurements: pd.DataFrame, patients: pd.DataFrame | None,
                            therapies: pd.DataFrame | None,
                            criteria: Criteria) -> pd.DataFrame | None:
    """The patients table whose ``new_therapy_date`` is the therapy timeline's follow-up
    cut-off (DEC-23: the first systemic therapy; see ``recist.oligo.therapies``)."""
    if therapies is None:
        return patients
    from recist.oligo.therapies import followup_cutoffs, with_followup_cutoffs
    from recist.patients import normalise_patients

    cutoffs = followup_cutoffs(therapies, measurements, criteria)
    table = with_followup_cutoffs(patients, cutoffs)
    return None if table is None else normalise_patients(table)


def assess_oligo(measurements: pd.DataFrame, patients: pd.DataFrame | None,
                 history: pd.DataFrame | None, therapies: pd.DataFrame | None,
                 criteria: Criteria) -> OligoResult:
    """Failure pattern and endpoints after local treatment (DEC-24..DEC-27).

    ``patients`` is normalised (``recist.patients``); ``history`` and ``therapies`` as
    ``lesion_history_of`` and ``therapies_of`` return them.
    """
    from recist.oligo.endpoints import lesion_endpoints, patient_endpoints
    from recist.oligo.failure_pattern import failure_pattern, local_treatments
    from recist.oligo.incidence import local_control
    from recist.oligo.therapies import repeat_local_therapies

    pattern = failure_pattern(measurements, local_treatments(history, therapies), criteria)
    repeat = None if therapies is None else repeat_local_therapies(therapies, measurements)
    per_patient = patient_endpoints(measurements, patients, therapies, pattern, criteria,
                                    repeat)
    per_lesion = lesion_endpoints(pattern, patients, criteria)
    return OligoResult(history=history, therapies=therapies, pattern=pattern,
                       patients=per_patient, lesions=per_lesion,
                       local_control=local_control(per_lesion))


def join_patient_summary(summary: pd.DataFrame, oligo: OligoResult) -> pd.DataFrame:
    """``patient_summary`` with the endpoint columns after local treatment appended.

    >>> s = pd.DataFrame({"patient_id": ["A"], "bor": ["PR"]})
    >>> list(join_patient_summary(s, _empty())["patient_id"])
    ['A']
    """
    extra = oligo.patients.copy()
    extra["patient_id"] = extra["patient_id"].astype(str)
    keyed = summary.assign(_key=summary["patient_id"].astype(str))
    out = keyed.merge(extra.rename(columns={"patient_id": "_key"}), on="_key", how="left")
    return out.drop(columns="_key")


def _empty() -> OligoResult:
    from recist.oligo.endpoints import LESION_ENDPOINT_COLUMNS, PATIENT_ENDPOINT_COLUMNS
    from recist.oligo.failure_pattern import (
        CONTROL_COLUMNS,
        RECURRENCE_COLUMNS,
        STATUS_COLUMNS,
    )

    def frame(columns: tuple[str, ...]) -> pd.DataFrame:
        return pd.DataFrame(columns=list(columns))

    return OligoResult(None, None, FailurePattern(frame(CONTROL_COLUMNS),
                                                  frame(RECURRENCE_COLUMNS),
                                                  frame(STATUS_COLUMNS)),
                       frame(PATIENT_ENDPOINT_COLUMNS), frame(LESION_ENDPOINT_COLUMNS),
                       pd.DataFrame())


def respond_oligo(measurements: pd.DataFrame, patients: pd.DataFrame | None,
                  criteria: Criteria, *, lesions: pd.DataFrame | str | Path | None = None,
                  therapies: pd.DataFrame | str | Path | None = None,
                  ) -> tuple[RespondResult, OligoResult | None]:
    """``recist.response.respond`` with the lesion history and therapy timeline.

    Without a lesions table, a therapies table or lesion-history columns in the
    measurements this is ``respond`` and None. Otherwise: the therapies set each
    patient's ``new_therapy_date`` (DEC-23), ``respond`` assesses RECIST, and
    ``assess_oligo`` adds the failure pattern and endpoints, whose patient columns are
    appended to ``patient_summary``.
    """
    from dataclasses import replace

    from recist.patients import normalise_patients
    from recist.response import respond

    table = None if patients is None else normalise_patients(patients)
    therapy_table = therapies_of(therapies, measurements, table)
    history = lesion_history_of(measurements, lesions)
    if therapy_table is None and history is None:
        return respond(measurements, patients, criteria), None
    table = patients_with_therapies(measurements, table, therapy_table, criteria)
    result = respond(measurements, table, criteria)
    oligo = assess_oligo(measurements, table, history, therapy_table, criteria)
    summary = join_patient_summary(result.patient_summary, oligo)
    return replace(result, patient_summary=summary), oligo
