"""``recist.reason_text`` (texts formatted once per distinct value, rows joined in C)
against plain ``template % row`` on random seeded columns: two-decimal sums, any floats,
negative zeros, values just off a rounding boundary, NaN, infinities, huge values,
integers and texts."""

from __future__ import annotations

import numpy as np
import pytest

from recist.reason_text import compose, distinct_texts, format_rows, split_template


def _floats(rng: np.random.Generator, n: int) -> np.ndarray:
    values = np.round(rng.normal(0, 80, n), int(rng.integers(0, 4)))
    for share, make in ((0.05, lambda k: np.full(k, np.nan)), (0.03, lambda k: np.full(k, -0.0)),
                        (0.01, lambda k: np.full(k, np.inf)),
                        (0.05, lambda k: rng.normal(0, 1, k) * 1e-3),  # -0.00 and 0.00
                        (0.03, lambda k: np.round(rng.normal(0, 5, k), 3) + 0.005),
                        (0.02, lambda k: rng.normal(0, 1, k) * 1e14)):
        at = rng.random(n) < share
        values[at] = make(int(at.sum()))
    return values


@pytest.mark.parametrize("seed", range(6))
def test_format_rows_equals_plain_formatting(seed):
    rng = np.random.default_rng(seed)
    n = 4000
    a, b = _floats(rng, n), _floats(rng, n)
    counts = rng.integers(-5, 40, n)
    lesions = np.array([f"L{i}" for i in rng.integers(0, 30, n)], dtype=object)
    mask = rng.random(n) < 0.7
    template = "sum %.2f mm is %+.2f%% from %.2f, %d target(s), lesion %s, %.3f ≤ %+.1f%%"
    columns = (a, b, a, counts, lesions, b, a)
    got = format_rows(mask, template, *columns)
    expected = [template % row for row, keep in zip(zip(*(c.tolist() for c in columns)), mask)
                if keep]
    assert got == expected


def test_distinct_texts_formats_each_distinct_value_once():
    values = np.array([1.5, 2.25, 1.5, 1.5, -0.0, 0.0])
    texts, codes = distinct_texts(values, "%.2f")
    assert texts[codes].tolist() == ["1.50", "2.25", "1.50", "1.50", "-0.00", "0.00"]
    assert len(texts) == 4


def test_compose_joins_the_pieces_of_each_row():
    rng = np.random.default_rng(7)
    tables = [np.array([f"<{j}.{k}>" for k in range(j + 2)] + [""], dtype=object)
              for j in range(4)]
    n = 20_000  # several blocks
    codes = [rng.integers(0, len(t), n) for t in tables]
    got = compose(n, list(zip(tables, codes))).tolist()
    assert got == ["".join(t[c[i]] for t, c in zip(tables, codes)) for i in range(n)]
    # a text holding the block separator is joined row by row, unchanged
    odd = [(np.array(["a\x1fb", "c"], dtype=object), np.array([0, 1, 0]))]
    assert compose(3, odd).tolist() == ["a\x1fb", "c", "a\x1fb"]


def test_split_template():
    assert split_template("%d%% of %s") == (["", "% of ", ""], ["%d", "%s"])
