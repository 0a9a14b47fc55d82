"""Trial protocols: RECIST criteria overrides and eligibility criteria, from TOML.

A protocol file has three parts; only ``[[eligibility]]`` entries are required::

    [protocol]
    name = "oligometastatic_crc_lung"       # short id (defaults to the file name)
    title = "Deferred systemic therapy after local treatment of lung oligometastases"
    version = "1.0"

    [criteria]                               # optional overrides of recist.criteria
    confirmation = false

    [[eligibility]]                          # one table per criterion, in report order
    id = "IC-6"                              # unique, shown in reports
    text = "Measurable disease per RECIST 1.1"
    check = "measurable_disease"             # which check computes it (below)

Checks and their parameters (``recist.eligibility`` computes them):

imaging (from the baseline of the measurements table, ``recist.baseline``)
    ``measurable_disease`` — at least one measurable lesion (MEAS-12). No parameters.
    ``organ_lesion_count`` — ``organ`` (an organ key, DEC-21, e.g. ``"lung"``),
    ``max_lesions`` (int), optional ``min_lesions`` (int, default 0), optional ``kinds``
    (list of target / non-target / new; default all three): the number of distinct
    baseline lesions in that organ lies in [min, max].

clinical (from the clinical table, one row per patient; an empty cell is unknown)
    ``flag`` — ``column``, ``expected`` (true/false), optional ``allow_not_applicable``
    (bool, default false: "not applicable" / "n/a" then counts as met), optional
    ``judgement`` (bool: the value is a physician's judgement, recorded, not computed).
    ``number`` — ``column``, ``minimum`` and/or ``maximum`` (inclusive), optional
    ``unit`` (text for messages).
    ``one_of`` — ``column``, ``allowed`` (list of values, case-insensitive).
    ``months_between`` — ``start_column``, ``end_column`` (ISO dates), ``min_months``:
    met when end ≥ start + min_months calendar months. With ``from_scans = true`` a date
    missing from the clinical table is taken from the imaging history (DEC-28): the start
    is the NED date and the end the date the metastases of ``organ`` (default ``lung``)
    were first seen, from the scan history and the measurements; ``ned_from`` is
    ``first`` (default: the first NED scan of the run) or ``last``.
    ``lab_without_support`` — ``column`` (the lab value), ``minimum``, ``test_date_column``,
    ``support_date_column`` (last date of supportive treatment, or ``none``),
    ``support_free_days``: value ≥ minimum and no support within that many days before
    the test (inclusive); optional ``unit``.
    ``date_recorded`` — ``column``: a valid ISO date is recorded (e.g. consent).

Unknown keys, unknown checks, missing parameters and wrong types are ``CriteriaError``
naming the file and the criterion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from recist.criteria import RECIST_1_1, Criteria, read_toml
from recist.errors import CriteriaError
from recist.vocabulary import LesionKind

__all__ = ["CHECKS", "IMAGING_CHECKS", "EligibilityCriterion", "Protocol", "load_protocol",
           "parse_protocol"]

_NUMBER = (int, float)
# check name -> (required parameters, optional parameters), each name -> allowed types
CHECKS: dict[str, tuple[dict[str, tuple[type, ...]], dict[str, tuple[type, ...]]]] = {
    "measurable_disease": ({}, {}),
    "organ_lesion_count": ({"organ": (str,), "max_lesions": (int,)},
                           {"min_lesions": (int,), "kinds": (list,)}),
    "flag": ({"column": (str,), "expected": (bool,)},
             {"allow_not_applicable": (bool,), "judgement": (bool,)}),
    "number": ({"column": (str,)},
               {"minimum": _NUMBER, "maximum": _NUMBER, "unit": (str,)}),
    "one_of": ({"column": (str,), "allowed": (list,)}, {}),
    "months_between": ({"start_column": (str,), "end_column": (str,),
                        "min_months": (int,)},
                       {"from_scans": (bool,), "organ": (str,), "ned_from": (str,)}),
    "lab_without_support": ({"column": (str,), "minimum": _NUMBER,
                             "test_date_column": (str,), "support_date_column": (str,),
                             "support_free_days": (int,)}, {"unit": (str,)}),
    "date_recorded": ({"column": (str,)}, {}),
}
IMAGING_CHECKS = frozenset({"measurable_disease", "organ_lesion_count"})
_KINDS = tuple(str(kind) for kind in LesionKind)


@dataclass(frozen=True)
class EligibilityCriterion:
    """One eligibility criterion of a protocol.

    Parameters
    ----------
    id
        Unique id within the protocol (e.g. ``"IC-6"``).
    text
        The criterion in words, as the protocol states it.
    check
        The name of the check that evaluates it (``CHECKS``).
    params
        The check's parameters (read-only).
    """

    id: str
    text: str
    check: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str:
        """``"imaging"`` when computed from measurements, else ``"clinical"``."""
        return "imaging" if self.check in IMAGING_CHECKS else "clinical"

    @property
    def columns(self) -> tuple[str, ...]:
        """Clinical-table columns this criterion reads."""
        return tuple(v for k, v in self.params.items() if k.endswith("column"))


@dataclass(frozen=True)
class Protocol:
    """A trial protocol: its RECIST criteria and its eligibility criteria."""

    name: str
    title: str = ""
    version: str = ""
    criteria: Criteria = RECIST_1_1
    eligibility: tuple[EligibilityCriterion, ...] = ()

    @property
    def clinical_columns(self) -> tuple[str, ...]:
        """Every clinical-table column the protocol reads, in criterion order."""
        seen: dict[str, None] = {}
        for criterion in self.eligibility:
            for column in criterion.columns:
                seen.setdefault(column, None)
        return tuple(seen)


def _criterion(entry: object, number: int, where: str) -> EligibilityCriterion:
    if not isinstance(entry, dict):
        raise CriteriaError(f"{where}: [[eligibility]] entry {number} must be a table")
    label = f"{where}: eligibility criterion {entry.get('id', f'#{number}')!r}"
    for key in ("id", "text", "check"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CriteriaError(f"{label}: '{key}' must be a non-empty string")
    check = entry["check"]
    if check not in CHECKS:
        raise CriteriaError(f"{label}: unknown check {check!r}; known checks are "
                            f"{', '.join(CHECKS)}")
    required, optional = CHECKS[check]
    params = {k: v for k, v in entry.items() if k not in ("id", "text", "check")}
    missing = [k for k in required if k not in params]
    if missing:
        raise CriteriaError(f"{label}: check {check!r} needs {', '.join(missing)}")
    unknown = [k for k in params if k not in required and k not in optional]
    if unknown:
        raise CriteriaError(f"{label}: unknown parameter(s) {', '.join(unknown)} for check "
                            f"{check!r}; allowed: {', '.join([*required, *optional])}")
    for key, value in params.items():
        types = required.get(key) or optional[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            names = " or ".join("number" if t in _NUMBER else t.__name__ for t in types)
            raise CriteriaError(f"{label}: {key} must be a {names}, got {value!r}")
    if check == "number" and "minimum" not in params and "maximum" not in params:
        raise CriteriaError(f"{label}: check 'number' needs minimum and/or maximum")
    if check == "organ_lesion_count":
        kinds = params.get("kinds", list(_KINDS))
        if not kinds or any(k not in _KINDS for k in kinds):
            raise CriteriaError(f"{label}: kinds must list some of {', '.join(_KINDS)}")
        if params.get("min_lesions", 0) > params["max_lesions"]:
            raise CriteriaError(f"{label}: min_lesions exceeds max_lesions")
    if check == "months_between" and params.get("ned_from", "first") not in ("first", "last"):
        raise CriteriaError(f"{label}: ned_from must be first or last")
    if check == "one_of" and not all(isinstance(v, str) for v in params["allowed"]):
        raise CriteriaError(f"{label}: allowed must be a list of strings")
    return EligibilityCriterion(id=entry["id"].strip(), text=entry["text"].strip(),
                                check=check, params=MappingProxyType(params))


def parse_protocol(document: Mapping[str, Any], name: str = "protocol",
                   where: str = "protocol", base: Criteria = RECIST_1_1) -> Protocol:
    """Build a ``Protocol`` from a parsed TOML document (see the module docstring).

    Examples
    --------
    >>> p = parse_protocol({"criteria": {"confirmation": True}, "eligibility": [
    ...     {"id": "IC-1", "text": "Measurable disease", "check": "measurable_disease"}]})
    >>> p.criteria.confirmation, p.eligibility[0].category
    (True, 'imaging')
    """
    unknown = sorted(set(document) - {"protocol", "criteria", "eligibility"})
    if unknown:
        raise CriteriaError(f"{where}: unknown section(s) {', '.join(unknown)}; a protocol has "
                            "[protocol], [criteria] and [[eligibility]]")
    header = document.get("protocol", {})
    if not isinstance(header, dict):
        raise CriteriaError(f"{where}: [protocol] must be a table")
    options = document.get("criteria", {})
    if not isinstance(options, dict):
        raise CriteriaError(f"{where}: [criteria] must be a table")
    try:
        criteria = base.replace(**options)
    except CriteriaError as error:
        raise CriteriaError(f"{where}: [criteria]: {error}") from None
    entries = document.get("eligibility", [])
    if not isinstance(entries, list):
        raise CriteriaError(f"{where}: eligibility must be an array of tables "
                            "([[eligibility]])")
    eligibility = tuple(_criterion(e, i, where) for i, e in enumerate(entries, 1))
    ids = [c.id for c in eligibility]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise CriteriaError(f"{where}: duplicate eligibility id(s) {', '.join(duplicated)}")
    return Protocol(name=str(header.get("name", name)), title=str(header.get("title", "")),
                    version=str(header.get("version", "")), criteria=criteria,
                    eligibility=eligibility)


def load_protocol(path: str | Path, base: Criteria = RECIST_1_1) -> Protocol:
    """Read a protocol TOML file; errors name the file and the criterion."""
    path = Path(path)
    document = read_toml(path, what="protocol file")
    return parse_protocol(document, name=path.stem, where=f"protocol file {path}", base=base)
