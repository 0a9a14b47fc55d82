"""Findings: what a data-quality check or a rule decision reports to the user.

A check function (``check_…``) returns a list of ``Finding``; the caller decides whether
a finding is a warning to print or an error to raise (``raise_for_errors``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter
from typing import Any, overload

import numpy as np
import pandas as pd

from recist.errors import RecistDataError

__all__ = ["FIELDS", "Finding", "Findings", "Severity", "by_severity", "findings_frame",
           "make_finding", "make_findings", "raise_for_errors"]


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


FIELDS = ("code", "message", "severity", "patient_id", "date", "visit", "lesion_id", "rule")
"""The fields of a ``Finding``, in its order (the columns of ``findings_frame``)."""


class Findings(Sequence[Finding]):
    """A read-only sequence of findings held as columns (an object array per field); a
    ``Finding`` is made only when one is read (indexing, iterating).

    A cohort's checks give 10⁴–10⁵ findings; as objects each costs an instance and its
    dict (and the garbage collector's visits). What reads them whole (``findings.csv``,
    the counts a command prints, ``raise_for_errors``, the order by patient) reads the
    columns. It behaves as the tuple of its findings: equal to a tuple or list of equal
    findings (and hashed alike), ``+`` joins another sequence of findings, columns are
    joined only when first read.

    >>> f = Findings.from_columns(2, code="x", message=["m1", "m2"], patient_id=["P1", None])
    >>> len(f), f[1].message, f[1].patient_id, f[0].severity
    (2, 'm2', None, <Severity.WARNING: 'warning'>)
    >>> f == (Finding("x", "m1", patient_id="P1"), Finding("x", "m2"))
    True
    >>> [g.message for g in f + [Finding("y", "m3")]]
    ['m1', 'm2', 'm3']
    >>> type(() + f).__name__, type(f + ()).__name__
    ('tuple', 'Findings')
    """

    __slots__ = ("_parts", "_length", "_columns", "_joined", "_items")

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        if isinstance(findings, Findings):
            parts: tuple[Any, ...] = findings._parts
        else:
            listed = tuple(findings)
            parts = (listed,) if listed else ()
        self._set_parts(parts)

    def _set_parts(self, parts: tuple[Any, ...]) -> None:
        # a part: a tuple of Finding, or (length, {field: object array or one value})
        self._parts = parts
        self._length = sum(map(_part_length, parts))
        self._columns: dict[str, np.ndarray] | None = None
        self._joined: dict[str, np.ndarray] = {}  # fields joined before all are (column)
        self._items: tuple[Finding, ...] | None = None

    @classmethod
    def _of_parts(cls, parts: tuple[Any, ...]) -> Findings:
        made = cls.__new__(cls)
        made._set_parts(tuple(p for p in parts if _part_length(p)))
        return made

    @classmethod
    def from_columns(cls, n: int, *, code: Any, message: Any,
                     severity: Any = Severity.WARNING, patient_id: Any = None,
                     date: Any = None, visit: Any = None, lesion_id: Any = None,
                     rule: Any = None) -> Findings:
        """``n`` findings, each field given as ``n`` values (a list, tuple, array or
        Series; numpy's text scalars become ``str``) or as one value (a ``str``, a
        ``Severity`` or None) shared by all; a column of another length is refused (it
        would drop or invent findings)."""
        values = {"code": code, "message": message, "severity": severity,
                  "patient_id": patient_id, "date": date, "visit": visit,
                  "lesion_id": lesion_id, "rule": rule}
        columns: dict[str, Any] = {}
        for name, value in values.items():
            if value is not None and not isinstance(value, str):  # a column of n values
                listed: Any
                if isinstance(value, np.ndarray) and value.dtype == object and value.ndim == 1:
                    listed = value  # its values as they are (tolist would give the same)
                elif isinstance(value, (list, tuple)):
                    listed = value
                else:
                    listed = value.tolist() if hasattr(value, "tolist") else list(value)
                if len(listed) != n:
                    raise ValueError(f"findings column {name} holds {len(listed)} values for "
                                     f"{n} findings")
                value = (listed.copy() if isinstance(listed, np.ndarray)
                         else np.fromiter(listed, dtype=object, count=n))
            columns[name] = value
        return cls._of_parts(((_COLUMNS, n, columns),) if n else ())

    def _columns_of(self) -> dict[str, np.ndarray]:
        """Every field as one read-only object array (parts joined once; a field joined
        already by ``column`` is not joined again)."""
        if self._columns is None:
            columns = {name: self._joined[name] if name in self._joined
                       else self._join(name) for name in FIELDS}
            self._columns = columns
            self._joined = {}
            self._parts = ((_COLUMNS, self._length, columns),) if self._length else ()
        return self._columns

    def _join(self, name: str) -> np.ndarray:
        """One field of every part joined into one read-only object array."""
        arrays = [_part_column(part, name) for part in self._parts]
        array = ((np.concatenate(arrays) if len(arrays) > 1 else arrays[0]) if arrays
                 else np.empty(0, dtype=object))
        array.setflags(write=False)
        return array

    def column(self, name: str) -> np.ndarray:
        """One field of every finding, as a read-only object array: that field's parts
        joined only (e.g. the severities that ``by_severity`` and ``raise_for_errors``
        read), the others when first read."""
        if self._columns is not None:
            return self._columns[name]
        if name not in FIELDS:
            raise KeyError(name)
        joined = self._joined.get(name)
        if joined is None:
            joined = self._joined[name] = self._join(name)
        return joined

    def take(self, positions: Any) -> Findings:
        """The findings at ``positions`` (integer positions or a boolean mask), in that
        order."""
        columns = self._columns_of()
        picked = {name: array[positions] for name, array in columns.items()}
        n = len(picked["code"])
        return Findings._of_parts(((_COLUMNS, n, picked),) if n else ())

    def frame(self) -> pd.DataFrame:
        """The findings as a table (``findings_frame``): one row each, a column per field."""
        columns = self._columns_of()
        return pd.DataFrame({name: columns[name] for name in FIELDS}, columns=list(FIELDS),
                            copy=True)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> Findings: ...

    def __getitem__(self, index: int | slice) -> Finding | Findings:
        if isinstance(index, slice):
            return self.take(np.arange(self._length)[index])
        if self._items is not None:
            return self._items[index]
        position = range(self._length)[index]  # IndexError, negative indices, as a tuple
        columns = self._columns_of()
        return make_finding(*(columns[name][position] for name in _MAKE_ORDER))

    def __iter__(self) -> Iterator[Finding]:
        if self._items is None:
            columns = self._columns_of()
            self._items = tuple(make_findings(*(columns[name].tolist()
                                                for name in _MAKE_ORDER)))
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Findings):
            if len(self) != len(other):
                return False
            mine, theirs = self._columns_of(), other._columns_of()
            return all(mine[name].tolist() == theirs[name].tolist() for name in FIELDS)
        if isinstance(other, (tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: Iterable[Finding]) -> Findings:
        return Findings._of_parts(self._parts + Findings(other)._parts)

    def __radd__(self, other: object) -> tuple[Finding, ...]:
        """``a_tuple + findings``: a tuple, as the tuple of findings gave; a list on the
        left is left to the list (``+=`` extends it, ``+`` is refused, as with a tuple)."""
        if isinstance(other, tuple):
            return other + tuple(self)
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(repr(f) for f in self[:3])
        more = f", … {len(self) - 3} more" if len(self) > 3 else ""
        return f"Findings([{shown}{more}])"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_findings_of_columns, (len(self), self._columns_of()))


_COLUMNS = object()
"""Marks a part of ``Findings`` held as columns: ``(_COLUMNS, length, columns)``."""

_MAKE_ORDER = ("code", "message", "severity", "rule", "patient_id", "date", "visit",
               "lesion_id")
"""The order of ``make_finding``'s (and ``make_findings``') arguments."""


def _is_columns(part: tuple[Any, ...]) -> bool:
    return len(part) == 3 and part[0] is _COLUMNS


def _part_length(part: tuple[Any, ...]) -> int:
    return int(part[1]) if _is_columns(part) else len(part)


def _part_column(part: tuple[Any, ...], name: str) -> np.ndarray:
    """One field of a part of ``Findings`` as an object array."""
    if _is_columns(part):
        _, n, columns = part
        value = columns[name]
        if isinstance(value, np.ndarray):
            return value
        shared = np.empty(n, dtype=object)
        shared.fill(value)  # the value itself (np.full would make a Severity a plain str)
        return shared
    return np.fromiter(map(attrgetter(name), part), dtype=object, count=len(part))


def _findings_of_columns(n: int, columns: dict[str, np.ndarray]) -> Findings:
    """``Findings`` rebuilt from its columns (unpickling)."""
    return Findings.from_columns(n, **columns)


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def by_severity(findings: Iterable[Finding]) -> Findings:
    """The findings ordered errors first, then warnings, then notes, each group in its
    given order (a stable sort of the severity column).

    >>> [f.code for f in by_severity([Finding("w", "m"), Finding("e", "m", Severity.ERROR),
    ...                               Finding("i", "m", Severity.INFO), Finding("w2", "m")])]
    ['e', 'w', 'w2', 'i']
    """
    found = Findings(findings)
    severity = found.column("severity")
    if (severity == Severity.WARNING).all():  # one severity: in order already
        return found
    codes, severities = pd.factorize(severity)
    rank = np.array([_SEVERITY_RANK[severity] for severity in severities], dtype=np.int8)
    ranks = rank[codes]
    if (ranks[1:] >= ranks[:-1]).all():  # in order already (the sort would keep it)
        return found
    return found.take(np.argsort(ranks, kind="stable"))


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a table (one row each, an object column per field), for CSV output.

    Column by column: what ``dataclasses.asdict`` per finding gave (the fields are plain
    values), read as the columns of ``Findings`` (other findings have each field fetched
    by a C attribute getter straight into an object array).

    >>> findings_frame([Finding("x", "m", patient_id="P1")]).loc[0, ["code", "patient_id"]].tolist()
    ['x', 'P1']
    """
    return Findings(findings).frame()


def raise_for_errors(findings: Iterable[Finding]) -> None:
    """Raise ``RecistDataError`` carrying all findings if any has severity error.

    The message is the first error's message, followed by a count of further errors.
    """
    if isinstance(findings, Findings):
        is_error = findings.column("severity") == "error"
        # no error (the usual case): nothing taken, the other fields not joined
        errors: Sequence[Finding] = findings.take(is_error) if is_error.any() else ()
    else:
        error = Severity.ERROR  # looked up once: an enum member lookup costs more than the test
        errors = [f for f in findings if f.severity == error]
    if errors:
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise RecistDataError(errors[0].message + more, findings=errors)
