"""``recist.timepoints._non_empty`` finds the DEC-13 time points by pointer where a text is
the one empty text object, by value elsewhere: the same as ``texts != ""`` whatever the
empty texts are (an equal text of another object included)."""

from __future__ import annotations

import numpy as np

from recist.arrays import filled_objects
from recist.timepoints import _non_empty


class _Text(str):
    """A text equal to its value but never the same object as another."""


def test_non_empty_equals_comparing_every_text():
    texts = filled_objects(8, "")
    texts[[1, 4]] = ["N1", "N2, N3"]
    texts[5] = _Text("")  # empty, not the empty text object: compared by value
    texts[6] = _Text("x")
    assert texts[5] is not texts[0]  # not the filled empty text
    expected = (texts != "").tolist()
    assert _non_empty(texts).tolist() == expected == [False, True, False, False, True,
                                                      False, True, False]


def test_no_texts():
    assert _non_empty(np.zeros(0, dtype=object)).tolist() == []
