"""RECIST 1.1 Tables 1 and 2 as data: (target, non-target, new lesions) → overall response.

The rows below are the guideline's tables (R11 4.4.1 Table 1 for patients with target
lesions, Table 2 for patients with non-target lesions only), written top to bottom in the
order they are read: the first row that matches decides. ``ANY`` matches every value,
``WITH_TARGETS`` every target response but ``NA``. The new-lesion value ``EQUIVOCAL``
matches only ``ANY`` rows: an equivocal new lesion reads as "no" (DEC-14) until a later
scan confirms it (DEC-13, handled by ``recist.timepoints``).

From the rows, :data:`CELLS` holds every combination's answer and :func:`lookup` answers
whole columns of coded values at once; the scalar :func:`overall_response` and the
vectorised engine both read the same cells, so the exhaustive test of the table tests the
code that runs. A new criterion (iRECIST, WHO…) is a new row list and its cells.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from recist.vocabulary import NewLesions, NonTargetResponse, OverallResponse, TargetResponse

__all__ = [
    "ANY",
    "CELLS",
    "NEW_LESION_ORDER",
    "NONTARGET_ORDER",
    "OVERALL_CODES",
    "OVERALL_LABELS",
    "OVERALL_ORDER",
    "RESPONSE_ROWS",
    "TARGET_ORDER",
    "WITH_TARGETS",
    "ResponseRow",
    "code_of",
    "lookup",
    "overall_response",
]

T, N, NEW, OVR = TargetResponse, NonTargetResponse, NewLesions, OverallResponse

TARGET_ORDER: tuple[str, ...] = tuple(str(v) for v in TargetResponse)
NONTARGET_ORDER: tuple[str, ...] = tuple(str(v) for v in NonTargetResponse)
NEW_LESION_ORDER: tuple[str, ...] = tuple(str(v) for v in NewLesions)
OVERALL_ORDER: tuple[str, ...] = tuple(str(v) for v in OverallResponse)
#: The label of each overall response code (its position in ``OVERALL_ORDER``), then None
#: for code -1 (no response: the baseline), as ``OVERALL_LABELS[code]`` reads it.
OVERALL_LABELS: npt.NDArray[np.object_] = np.array([*OVERALL_ORDER, None], dtype=object)
"""The integer code of a value is its position in these tuples (``code_of``)."""

ANY: frozenset[str] = frozenset()
"""Matches every value (an empty set, read as "no condition")."""
WITH_TARGETS: frozenset[str] = frozenset(TARGET_ORDER) - {T.NA}
"""Every target response of a patient with target lesions (Table 1)."""


class ResponseRow(NamedTuple):
    """One row of Table 1 or 2: the values it matches, its answer and its rule id."""

    target: frozenset[str]
    nontarget: frozenset[str]
    new: frozenset[str]
    overall: str
    rule: str


def _row(target: str | frozenset[str], nontarget: str | frozenset[str],
         new: str | frozenset[str], overall: str, rule: str) -> ResponseRow:
    def as_set(value: str | frozenset[str]) -> frozenset[str]:
        return frozenset({value}) if isinstance(value, str) else value
    return ResponseRow(as_set(target), as_set(nontarget), as_set(new), str(overall), rule)


RESPONSE_ROWS: tuple[ResponseRow, ...] = (
    # Table 1: patients with target lesions (R11 4.4.1). PD first, in the paper's order.
    _row(T.PD, ANY, ANY, OVR.PD, "OVR-T1-7"),
    _row(WITH_TARGETS, N.PD, ANY, OVR.PD, "OVR-T1-8"),
    _row(WITH_TARGETS, ANY, NEW.Y, OVR.PD, "OVR-T1-9"),
    _row(T.NE, ANY, ANY, OVR.NE, "OVR-T1-6"),
    _row(T.CR, N.CR, ANY, OVR.CR, "OVR-T1-1"),
    _row(T.CR, N.NA, ANY, OVR.CR, "OVR-T1-1, DEC-19"),  # targets only at baseline
    _row(T.CR, N.NON_CR_NON_PD, ANY, OVR.PR, "OVR-T1-2"),
    _row(T.CR, N.NE, ANY, OVR.PR, "OVR-T1-3"),
    _row(T.PR, ANY, ANY, OVR.PR, "OVR-T1-4"),
    _row(T.SD, ANY, ANY, OVR.SD, "OVR-T1-5"),
    # Table 2: non-target lesions only (target response NA).
    _row(T.NA, N.PD, ANY, OVR.PD, "OVR-T2-4"),
    _row(T.NA, ANY, NEW.Y, OVR.PD, "OVR-T2-5"),
    _row(T.NA, N.NA, ANY, OVR.NE, "no baseline disease"),
    _row(T.NA, N.CR, ANY, OVR.CR, "OVR-T2-1"),
    _row(T.NA, N.NON_CR_NON_PD, ANY, OVR.NON_CR_NON_PD, "OVR-T2-2"),
    _row(T.NA, N.NE, ANY, OVR.NE, "OVR-T2-3"),
)
"""Tables 1 and 2, read top to bottom; the first matching row decides."""


def _matches(allowed: frozenset[str], value: str) -> bool:
    return not allowed or value in allowed


def _first_match(target: str, nontarget: str, new: str) -> ResponseRow:
    for row in RESPONSE_ROWS:
        if (_matches(row.target, target) and _matches(row.nontarget, nontarget)
                and _matches(row.new, new)):
            return row
    raise LookupError(f"Tables 1-2 have no row for target {target}, non-target "
                      f"{nontarget}, new lesions {new}")


CELLS: dict[tuple[str, str, str], tuple[str, str]] = {
    (t, nt, new): (row.overall, row.rule)
    for t in TARGET_ORDER for nt in NONTARGET_ORDER for new in NEW_LESION_ORDER
    for row in (_first_match(t, nt, new),)
}
"""Every (target, non-target, new) combination → (overall response, rule id)."""

_RULES: tuple[str, ...] = tuple(dict.fromkeys(rule for _, rule in CELLS.values()))
OVERALL_CODES: npt.NDArray[np.int64] = np.empty(
    (len(TARGET_ORDER), len(NONTARGET_ORDER), len(NEW_LESION_ORDER)), dtype=np.int64)
"""Tables 1-2 as codes: ``OVERALL_CODES[target, nontarget, new]`` is the overall response's
position in ``OVERALL_ORDER`` for the three responses' positions in their ``*_ORDER``."""
_RULE_CODE = np.empty_like(OVERALL_CODES)
for (_t, _nt, _new), (_overall, _rule) in CELLS.items():
    _cell = (TARGET_ORDER.index(_t), NONTARGET_ORDER.index(_nt), NEW_LESION_ORDER.index(_new))
    OVERALL_CODES[_cell] = OVERALL_ORDER.index(_overall)
    _RULE_CODE[_cell] = _RULES.index(_rule)
OVERALL_CODES.flags.writeable = False
_OVERALL_TEXT = np.array(OVERALL_ORDER, dtype=object)[OVERALL_CODES].ravel()
_RULE_TEXT = np.array(_RULES, dtype=object)[_RULE_CODE].ravel()
"""Each cell's overall response and rule id, cells in C order (``lookup`` takes one each)."""


def code_of(values: npt.ArrayLike, order: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """The codes of ``values`` in ``order``; a value outside it is a ``ValueError``.

    >>> code_of(np.array(["PD", "CR"], dtype=object), TARGET_ORDER)
    array([3, 0])
    """
    array = np.asarray(values, dtype=object)
    codes = np.full(array.shape, -1, dtype=np.int64)
    for code, value in enumerate(order):
        codes[array == value] = code
    if (codes < 0).any():
        bad = array[codes < 0][0]
        raise ValueError(f"unknown response value {bad!r}; expected one of {', '.join(order)}")
    return codes


def lookup(target_code: npt.ArrayLike, nontarget_code: npt.ArrayLike,
           new_code: npt.ArrayLike) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Overall responses and rule ids of coded columns (codes as in ``*_ORDER``).

    >>> overall, rule = lookup([TARGET_ORDER.index("CR")], [NONTARGET_ORDER.index("NE")],
    ...                        [NEW_LESION_ORDER.index("N")])
    >>> overall[0], rule[0]
    ('PR', 'OVR-T1-3')
    """
    flat = np.zeros(np.shape(target_code), dtype=np.intp)
    for codes, order in ((target_code, TARGET_ORDER), (nontarget_code, NONTARGET_ORDER),
                         (new_code, NEW_LESION_ORDER)):
        array = np.asarray(codes, dtype=np.intp)
        if array.size and (array.min() < 0 or array.max() >= len(order)):
            bad = array[(array < 0) | (array >= len(order))][0]
            raise ValueError(f"response code {bad} is outside {', '.join(order)} (0 .. "
                             f"{len(order) - 1})")
        flat = flat * len(order) + array  # the cell's position in the C-ordered cube
    overall: npt.NDArray[np.object_] = _OVERALL_TEXT.take(flat)
    rule: npt.NDArray[np.object_] = _RULE_TEXT.take(flat)
    return overall, rule


def overall_response(target: str, nontarget: str, new: str) -> tuple[str, str]:
    """Overall time point response from R11 Table 1 or Table 2, with the rule id.

    OVR-T1-1..9 (R11 4.4.1 Table 1) when the patient has targets, OVR-T2-1..5 (Table 2)
    when the target response is NA; the rows of :data:`RESPONSE_ROWS`:

    1. Target PD, non-target PD or an unequivocal new lesion (``Y``) → ``PD``
       (OVR-T1-7/8/9, OVR-T2-4/5); precedence in that order.
    2. Target NE → ``NE`` (OVR-T1-6).
    3. Target CR with non-target CR or NA → ``CR`` (OVR-T1-1, DEC-19); with
       NON-CR/NON-PD or NE → ``PR`` (OVR-T1-2, OVR-T1-3).
    4. Target PR → ``PR`` (OVR-T1-4); target SD → ``SD`` (OVR-T1-5).
    5. Table 2: non-target CR → ``CR``, NON-CR/NON-PD → ``NON-CR/NON-PD``, NE → ``NE``.
    Interpretation: ``EQUIVOCAL`` new lesions read as "No" (DEC-14); no disease at
    baseline at all (target and non-target NA) → ``NE``.

    >>> overall_response("CR", "NON-CR/NON-PD", "N")
    ('PR', 'OVR-T1-2')
    >>> overall_response("NA", "NON-CR/NON-PD", "EQUIVOCAL")
    ('NON-CR/NON-PD', 'OVR-T2-2')
    """
    try:
        overall, rule = CELLS[(str(target), str(nontarget), str(new))]
    except KeyError:
        raise ValueError(
            f"no overall response for target {target!r}, non-target {nontarget!r}, new "
            f"{new!r}; expected target in {TARGET_ORDER}, non-target in "
            f"{NONTARGET_ORDER}, new in {NEW_LESION_ORDER}") from None
    return overall, rule
