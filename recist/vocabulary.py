"""The words of the measurements table and of the response tables, in one place.

Every category a rule reads or writes is a ``StrEnum`` whose values are the strings seen in
CSV files and reports, so ``LesionKind.TARGET == "target"`` and a column of plain strings
compares equal to the members. Order matters where the guideline ranks categories: the
members of ``OverallResponse`` are listed best first (BOR-2, ``docs/rules.md``).

The table contract is ``docs/tables.md``; the rules that use each word are in
``docs/rules.md``.

>>> LesionKind("non-target") is LesionKind.NON_TARGET
True
>>> [str(r) for r in OverallResponse][:3]
['CR', 'PR', 'SD']
>>> OverallResponse.PR.rank < OverallResponse.SD.rank
True
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "IRecistResponse",
    "KINDS",
    "LESION_STATUSES",
    "LesionKind",
    "LocalTherapy",
    "NewLesionStatus",
    "NewLesions",
    "NonTargetResponse",
    "NonTargetStatus",
    "OverallResponse",
    "TargetResponse",
    "TargetStatus",
    "TherapyKind",
]


class LesionKind(StrEnum):
    """What a lesion is in the assessment (column ``kind``; R11 3.2-3.3, 4.3.5)."""

    TARGET = "target"
    NON_TARGET = "non-target"
    NEW = "new"


class TargetStatus(StrEnum):
    """Status of a target lesion at one scan (column ``status``; SUM-2..6)."""

    MEASURED = "measured"
    TOO_SMALL = "too_small"  # present but too small to measure: counts 5 mm (SUM-3)
    ABSENT = "absent"  # disappeared: 0 mm (SUM-4)
    MERGED = "merged"  # coalesced into another target: 0 mm, still evaluated (SUM-6)
    NOT_EVALUATED = "not_evaluated"


class NonTargetStatus(StrEnum):
    """Status of a non-target lesion at one scan (R11 4.3.3)."""

    PRESENT = "present"
    ABSENT = "absent"
    PROGRESSION = "progression"  # unequivocal progression, the reader's call
    NOT_EVALUATED = "not_evaluated"


class NewLesionStatus(StrEnum):
    """Status of a new lesion (R11 4.3.5; NEW-1, NEW-3)."""

    UNEQUIVOCAL = "unequivocal"
    EQUIVOCAL = "equivocal"


KINDS: tuple[LesionKind, ...] = tuple(LesionKind)
"""The lesion kinds in the order the table contract lists them."""

LESION_STATUSES: dict[LesionKind, tuple[str, ...]] = {
    LesionKind.TARGET: tuple(TargetStatus),
    LesionKind.NON_TARGET: tuple(NonTargetStatus),
    LesionKind.NEW: tuple(NewLesionStatus),
}
"""The statuses each kind accepts, in the table contract's order."""


class TargetResponse(StrEnum):
    """Target lesion response at one time point (R11 4.3.1; ``NA``: no target at baseline)."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"
    NE = "NE"
    NA = "NA"


class NonTargetResponse(StrEnum):
    """Non-target lesion response at one time point (R11 4.3.3; ``NA``: none at baseline)."""

    CR = "CR"
    NON_CR_NON_PD = "NON-CR/NON-PD"
    PD = "PD"
    NE = "NE"
    NA = "NA"


class NewLesions(StrEnum):
    """The new-lesion column of Tables 1-2: yes, no, or only equivocal (NEW-1, NEW-3)."""

    Y = "Y"
    N = "N"
    EQUIVOCAL = "EQUIVOCAL"


class OverallResponse(StrEnum):
    """Overall time point response (R11 Tables 1-2), best first (BOR-2).

    ``rank`` is the BOR-2 ranking: a smaller rank is a better response.
    """

    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "NON-CR/NON-PD"
    PD = "PD"
    NE = "NE"

    @property
    def rank(self) -> int:
        """Position in the BOR-2 order, 0 for CR."""
        return _OVERALL_ORDER.index(self)


_OVERALL_ORDER: tuple[OverallResponse, ...] = tuple(OverallResponse)


class LocalTherapy(StrEnum):
    """Local treatment of one lesion (lesion history, column ``local_therapy``; MEAS-10).

    ``none`` says the lesion was not treated locally; the others are the destructive
    treatments of oligometastatic disease (surgery, stereotactic body radiotherapy,
    conventional radiotherapy, radiofrequency / microwave ablation, cryoablation,
    endoscopic mucosal resection).
    """

    SURGERY = "surgery"
    SBRT = "sbrt"
    RADIOTHERAPY = "radiotherapy"
    RFA = "rfa"
    MWA = "mwa"
    CRYO = "cryo"
    EMR = "emr"
    NONE = "none"


class TherapyKind(StrEnum):
    """A row of the therapies table: a local treatment or a systemic therapy (DEC-23)."""

    LOCAL = "local"
    SYSTEMIC = "systemic"


class IRecistResponse(StrEnum):
    """iRECIST time point response and best overall iResponse, best first (IR-7, IR-9;
    Seymour et al. 2017). ``NON-iCR/NON-iUPD`` is Table 2's non-target-only category."""

    ICR = "iCR"
    IPR = "iPR"
    ISD = "iSD"
    NON_ICR_NON_IUPD = "NON-iCR/NON-iUPD"
    IUPD = "iUPD"
    ICPD = "iCPD"
    INE = "iNE"

    @property
    def rank(self) -> int:
        """Position in the best-first order (IR-9), 0 for iCR."""
        return tuple(IRecistResponse).index(self)
