"""``Findings``: findings held as columns behave as the tuple of the ``Finding`` objects
they stand for (equality, hash, order, indexing, joining, pickling), and what reads them
whole (``findings_frame``, ``raise_for_errors``, ``by_severity``) gives what it gives
for the objects."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from recist.errors import RecistDataError
from recist.findings import (
    Finding,
    Findings,
    Severity,
    by_severity,
    findings_frame,
    raise_for_errors,
)

OBJECTS = (
    Finding("a", "patient P1: one", Severity.WARNING, "P1", "2024-01-02", "V1", "T1", "SEL-5"),
    Finding("b", "patient P2: two", Severity.ERROR, "P2", None, None, None, "DEC-18"),
    Finding("a", "three", Severity.INFO, None, None, "V0", None, None),
)


def _columns(findings=OBJECTS):
    return {name: [getattr(f, name) for f in findings]
            for name in ("code", "message", "severity", "patient_id", "date", "visit",
                         "lesion_id", "rule")}


def test_from_columns_gives_the_very_findings():
    made = Findings.from_columns(3, **_columns())
    assert made == OBJECTS and OBJECTS == made and list(OBJECTS) == made
    assert hash(made) == hash(OBJECTS)
    assert tuple(made) == OBJECTS
    assert [list(vars(f).items()) for f in made] == [list(vars(f).items()) for f in OBJECTS]
    assert made[1] == OBJECTS[1] and made[-1] == OBJECTS[-1]
    assert made[0].severity is Severity.WARNING  # the member itself, not its text


def test_one_value_is_shared_by_all():
    made = Findings.from_columns(2, code="x", message=["m1", "m2"], rule="DEC-2",
                                 severity=Severity.ERROR)
    assert made == (Finding("x", "m1", Severity.ERROR, rule="DEC-2"),
                    Finding("x", "m2", Severity.ERROR, rule="DEC-2"))
    assert all(f.severity is Severity.ERROR for f in made)


def test_a_column_of_another_length_is_refused():
    # it would drop or invent findings without a word
    with pytest.raises(ValueError, match="message holds 1 values for 2 findings"):
        Findings.from_columns(2, code="x", message=["m1"])


def test_an_unequal_sequence_is_not_equal():
    made = Findings(OBJECTS)
    assert made != OBJECTS[:2] and made != (*OBJECTS[:2], OBJECTS[0])
    assert made != Findings(OBJECTS[::-1])
    assert (made == "abc") is False


def test_indexing_slicing_and_bounds_as_a_tuple():
    made = Findings.from_columns(3, **_columns())
    assert made[1:] == OBJECTS[1:] and made[::-1] == OBJECTS[::-1]
    assert len(made[5:]) == 0 and not made[5:]
    with pytest.raises(IndexError):
        made[3]
    with pytest.raises(IndexError):
        made[-4]


def test_joining_keeps_order_whatever_the_operands():
    first = Findings.from_columns(2, **_columns(OBJECTS[:2]))
    last = [OBJECTS[2]]
    assert first + last == OBJECTS
    assert tuple(OBJECTS[:2]) + Findings(last) == OBJECTS
    assert isinstance(tuple(OBJECTS[:2]) + Findings(last), tuple)  # as the tuple gave
    joined = Findings()
    for part in (first, Findings(), last):
        joined += part
    assert joined == OBJECTS and len(joined) == 3
    assert Findings() == () and not Findings()


def test_take_and_column():
    made = Findings(OBJECTS)
    assert made.take(np.array([2, 0])) == (OBJECTS[2], OBJECTS[0])
    assert made.take(np.array([False, True, False])) == (OBJECTS[1],)
    assert made.column("patient_id").tolist() == ["P1", "P2", None]
    with pytest.raises(ValueError):
        made.column("code")[0] = "changed"  # read-only: the findings cannot change
    assert made.column("code").tolist() == [f.code for f in OBJECTS] == ["a", "b", "a"]


def test_frame_is_the_frame_of_the_objects():
    made = Findings.from_columns(3, **_columns())
    assert findings_frame(made).equals(findings_frame(list(OBJECTS)))
    assert list(findings_frame(made).columns) == list(findings_frame(list(OBJECTS)).columns)


def test_pickled_and_back():
    made = Findings.from_columns(3, **_columns()) + [OBJECTS[0]]
    assert pickle.loads(pickle.dumps(made)) == (*OBJECTS, OBJECTS[0])


def test_by_severity_is_a_stable_sort():
    mixed = [OBJECTS[2], OBJECTS[0], OBJECTS[1], Finding("c", "m"), Finding("d", "m", "error")]
    ordered = by_severity(Findings(mixed))
    assert [f.code for f in ordered] == ["b", "d", "a", "c", "a"]
    assert by_severity(mixed) == ordered


def test_raise_for_errors_reads_the_columns():
    made = Findings(OBJECTS) + [Finding("e", "second error", "error")]
    with pytest.raises(RecistDataError) as raised:
        raise_for_errors(made)
    assert str(raised.value) == "patient P2: two (and 1 more error(s))"
    assert raised.value.findings == (OBJECTS[1], Finding("e", "second error", "error"))
    raise_for_errors(Findings([OBJECTS[0], OBJECTS[2]]))  # no error: nothing raised


def test_a_list_on_the_left_stays_a_list_as_with_the_tuple():
    # review of 9ddaddd: `out += findings` made `out` a Findings, and its next append failed
    out = [OBJECTS[0]]
    out += Findings(OBJECTS[1:])
    assert isinstance(out, list) and out == list(OBJECTS)
    out.append(OBJECTS[0])
    with pytest.raises(TypeError):
        [OBJECTS[0]] + Findings(OBJECTS[1:])  # refused, as list + tuple is


def test_columns_from_a_series_or_text_array():
    # review: a Series was taken for one value shared by all; numpy text gave np.str_
    import pandas as pd

    made = Findings.from_columns(2, code=np.array(["a", "b"]), message=pd.Series(["m", "n"]),
                                 patient_id=("P1", "P2"))
    assert made == (Finding("a", "m", patient_id="P1"), Finding("b", "n", patient_id="P2"))
    assert type(made[0].code) is str and type(made[1].message) is str
    with pytest.raises(ValueError, match="patient_id holds 3 values for 2 findings"):
        Findings.from_columns(2, code="x", message=["m", "n"], patient_id=pd.Series([1, 2, 3]))


def test_from_columns_takes_object_arrays_lists_tuples_and_series_alike():
    import numpy as np
    import pandas as pd

    from recist.findings import Findings

    ids = ["P1", None, "P2"]
    made = [Findings.from_columns(3, code="x", message=["a", "b", "c"], patient_id=column)
            for column in (np.array(ids, dtype=object), ids, tuple(ids), pd.Series(ids))]
    assert all(f == made[0] for f in made)
    source = np.array(ids, dtype=object)
    kept = Findings.from_columns(3, code="x", message=["a", "b", "c"], patient_id=source)
    source[0] = "changed"  # the findings hold their own copy
    assert kept.column("patient_id").tolist() == ids
    with pytest.raises(ValueError, match="holds 2 values for 3 findings"):
        Findings.from_columns(3, code="x", message=["a", "b", "c"],
                              patient_id=np.array(ids[:2], dtype=object))


def _parts_and_findings():
    """Findings in three parts (columns, a tuple of Finding, columns) and the same as a
    list of Finding."""
    from recist.findings import Finding, Findings, Severity

    first = Findings.from_columns(2, code=["a", "b"], message=["m1", "m2"],
                                  patient_id=["P1", "P2"])
    middle = Findings([Finding("c", "m3", Severity.ERROR, patient_id="P3")])
    last = Findings.from_columns(1, code="d", message=["m4"], severity=Severity.INFO,
                                 rule="R")
    return first + middle + last, [*first, *middle, *last]


def test_a_column_read_alone_then_every_column_is_that_of_the_findings():
    from recist.findings import FIELDS

    found, listed = _parts_and_findings()
    assert found.column("severity").tolist() == [f.severity for f in listed]
    assert found.column("code").tolist() == ["a", "b", "c", "d"]
    for name in FIELDS:  # every field, those joined first and the others
        assert found.column(name).tolist() == [getattr(f, name) for f in listed]
    assert found == listed and found.frame()["message"].tolist() == ["m1", "m2", "m3", "m4"]
    with pytest.raises(KeyError):
        found.column("nope")


def test_raise_for_errors_reads_the_severities_and_takes_the_errors_only_when_any():
    from recist.errors import RecistDataError
    from recist.findings import Findings, raise_for_errors

    found, _ = _parts_and_findings()
    with pytest.raises(RecistDataError, match="^m3$") as raised:
        raise_for_errors(found)
    assert [f.code for f in raised.value.findings] == ["c"]
    warnings = Findings.from_columns(2, code="w", message=["x", "y"])
    raise_for_errors(warnings + warnings)  # no error: nothing raised
