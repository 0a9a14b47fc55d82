"""``recist.reason_text`` (texts formatted once per distinct value, rows put together by
one Arrow take) against plain ``template % row`` on random seeded columns: two-decimal
sums, any floats, negative zeros, values just off a rounding boundary, NaN, infinities,
huge values, integers and texts; ``compose`` on Unicode, empty texts, blocks and bad
codes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from recist import reason_text
from recist.reason_text import (
    _from_hundredths,
    affix,
    compose,
    compose_texts,
    concat,
    distinct_texts,
    format_rows,
    number_texts,
    pick,
    split_template,
    text_table,
)


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


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("spec", ["%g", "%.1f", "%e"])
def test_distinct_texts_of_any_float_keep_negative_zero_apart(dtype, spec):
    """Formats other than two decimals are keyed by the float64 bits of each value: a
    float32 -0.0 and 0.0 were one key (compared by value) and shared one text."""
    values = np.array([0.0, -0.0, 1.5, -0.0, np.nan, 0.0], dtype=dtype)
    texts, codes = distinct_texts(values, spec)
    assert texts[codes].tolist() == [spec % v for v in values.tolist()]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("spec", ["%.2f", "%+.2f"])
def test_text_table_two_decimals_by_arrow_equal_python(seed, spec):
    """Whole hundredths are written by Arrow, the rest (NaN, inf, -0.00, huge, off a
    hundredth) by Python, each text in its place."""
    values = _floats(np.random.default_rng(seed), 3000)
    values[:6] = [0.0, -0.0, 0.004, -0.004, 99.995, -1e12 - 0.01]
    texts, codes = text_table(values, spec)
    assert isinstance(texts, pa.Array)
    assert texts.take(pa.array(codes)).to_pylist() == [spec % v for v in values.tolist()]


@pytest.mark.parametrize("spec", ["%.2f", "%+.2f"])
@pytest.mark.parametrize("largest", [99, 20_000, 10**11])
def test_two_decimals_from_hundredths_equal_python(spec, largest):
    """Whole hundredths written from a table of whole parts (few of them) or cast one by
    one (a whole part far beyond the number of values) give Python's text."""
    rng = np.random.default_rng(largest)
    hundredths = rng.integers(-largest * 100, largest * 100 + 1, 5000)
    hundredths[:6] = [0, 1, -1, 99, -100, largest * 100]
    got = _from_hundredths(hundredths, spec).to_pylist()
    assert got == [spec % (h / 100) for h in hundredths.tolist()]


@pytest.mark.parametrize("values", [
    np.array([3, -12, 0, 3, np.iinfo(np.int64).min, np.iinfo(np.int64).max]),
    np.array([0, 255, 7, 255], dtype=np.uint8), np.array([True, False, True]),
    np.array([2**64 - 1, 5], dtype=np.uint64), np.array([], dtype=np.int64)])
def test_text_table_integers_equal_python(values):
    spec = "%d"
    texts, codes = text_table(values, spec)
    got = pick(texts, codes)
    assert (got.to_pylist() if isinstance(got, pa.Array) else got.tolist()) == [
        spec % v for v in values.tolist()]


def test_text_table_keeps_texts_utf8_cannot_hold():
    texts, codes = text_table(np.array(["L\udcff1", "L2", "L\udcff1"], dtype=object), "%s")
    assert texts[codes].tolist() == ["L\udcff1", "L2", "L\udcff1"]
    assert affix("<", texts, ">").tolist() == ["<L2>", "<L\udcff1>"]
    both = concat([pa.array(["≥"]), texts])
    assert both.tolist() == ["≥", "L2", "L\udcff1"]
    assert compose(2, [(both, [0, 2]), (pick(both, [1, 0]), [0, 1])]).tolist() == [
        "≥L2", "L\udcff1≥"]


def test_affix_pick_concat_on_arrow_tables():
    table = pa.array(["1.50", "−2.00", ""])
    assert affix("sum ", table, " mm; ").to_pylist() == [
        "sum 1.50 mm; ", "sum −2.00 mm; ", "sum  mm; "]
    assert affix("\udcff", table, "").tolist() == ["\udcff1.50", "\udcff−2.00", "\udcff"]
    assert pick(table, [2, 0]).to_pylist() == ["", "1.50"]
    assert concat([table, pa.array(["x"], type=pa.large_string())]).to_pylist() == [
        "1.50", "−2.00", "", "x"]


@pytest.mark.parametrize("block", [1 << 20, 4_096])  # one block; several (5), the last short
def test_compose_joins_the_pieces_of_each_row(monkeypatch, block):
    monkeypatch.setattr("recist.reason_text._BLOCK", block)
    rng = np.random.default_rng(7)
    tables = [np.array([f"<{j}.{k}>" for k in range(j + 2)] + [""], dtype=object)
              for j in range(4)]
    n = 20_000
    codes = [rng.integers(0, len(t), n) for t in tables]
    got = compose(n, list(zip(tables, codes))).tolist()
    assert got == ["".join(t[c[i]] for t, c in zip(tables, codes)) for i in range(n)]
    assert compose_texts(n, list(zip(tables, codes))).num_chunks == -(-n // block)
    odd = [(np.array(["a\x1fb", "c"], dtype=object), np.array([0, 1, 0]))]  # any character
    assert compose(3, odd).tolist() == ["a\x1fb", "c", "a\x1fb"]


def test_compose_blocks_fit_arrow_offsets(monkeypatch):
    """Rows are cut into blocks whose text fits the offsets (here 45 bytes: 2 rows)."""
    monkeypatch.setattr("recist.reason_text._MAX_OFFSET", 45)
    tables = [np.array(["≥ 12.50 mm", "−", ""], dtype=object),
              np.array(["", "é", "x" * 9], dtype=object)]
    codes = [np.array([0, 1, 2, 0, 0]), np.array([2, 1, 0, 0, 2])]
    assert compose(5, list(zip(tables, codes))).tolist() == [
        "≥ 12.50 mmxxxxxxxxx", "−é", "", "≥ 12.50 mm", "≥ 12.50 mmxxxxxxxxx"]


def test_compose_unicode_empty_and_no_rows():
    texts = np.array(["≥ ", "−0.50", "", "日本", "\U0001f600"], dtype=object)
    codes = np.array([0, 1, 2, 3, 4, 2])
    got = compose(6, [(texts, codes), (texts, codes[::-1])])
    assert got.dtype == object
    assert got.tolist() == [texts[a] + texts[b] for a, b in zip(codes, codes[::-1])]
    assert all(type(text) is str for text in got)
    assert compose(0, [(texts, np.zeros(0, dtype=int))]).tolist() == []
    assert compose(2, []).tolist() == ["", ""]
    assert compose(2, [(np.array([""], dtype=object), [0, 0])]).tolist() == ["", ""]


def test_compose_texts_utf8_cannot_hold_are_joined_unchanged():
    lone = np.array(["a\udcff", "b"], dtype=object)  # a lone surrogate (surrogateescape)
    assert compose(3, [(lone, [0, 1, 0]), (lone, [1, 1, 0])]).tolist() == [
        "a\udcffb", "bb", "a\udcffa\udcff"]


def test_compose_refuses_bad_codes_and_texts():
    table = np.array(["a", "b"], dtype=object)
    with pytest.raises(IndexError):
        compose(2, [(table, [0, 2])])
    with pytest.raises(IndexError):
        compose(2, [(table, [-1, 0])])
    with pytest.raises(ValueError):
        compose(3, [(table, [0, 1])])
    with pytest.raises(TypeError):
        compose(1, [(np.array([None], dtype=object), [0])])


def test_split_template():
    assert split_template("%d%% of %s") == (["", "% of ", ""], ["%d", "%s"])


def test_format_rows_of_float32_values_prints_them_as_python_does():
    # float32 values: the key's product value * 100 is taken in double precision; in
    # float32 it rounded 1000000.0625 * 100 to a whole number and printed 1000000.08
    values = np.array([1000000.0625, 1000000.125, 2.5, -0.0], dtype=np.float32)
    mask = np.ones(len(values), dtype=bool)
    assert format_rows(mask, "x %.2f", values) == [
        "x 1000000.06", "x 1000000.12", "x 2.50", "x -0.00"]


@pytest.mark.parametrize("spec", ["%.2f", "%+.2f"])
def test_from_hundredths_around_the_kept_tables_of_whole_parts(spec):
    """Whole parts at the edges of the tables kept between calls (powers of two, at least
    1024, at most ``_KEPT_WHOLE_PARTS``) and above them (a table made for the call)."""
    rng = np.random.default_rng(3)
    for top in (0, 1, 1023, 1024, 2047, 2048, 65535, 65536, 70000):
        n = 4 * top + 10  # enough numbers for the dense path up to ``top``
        whole = np.r_[top, rng.integers(0, top + 1, n - 1)]
        hundredths = whole * 100 + rng.integers(0, 100, n)
        hundredths[rng.random(n) < 0.3] *= -1
        hundredths[hundredths == 0] = 1  # not a negative zero (the caller's rule)
        got = _from_hundredths(hundredths, spec).to_pylist()
        assert got == [spec % (h / 100) for h in hundredths.tolist()], top


def _number_texts_as_python(groups):
    texts, codes = number_texts(groups)
    table = np.asarray(texts.to_pylist() if isinstance(texts, pa.Array) else texts,
                       dtype=object)
    return [table[c].tolist() for c in codes], [
        [prefix + spec % v + suffix for v in np.asarray(values).tolist()]
        for values, spec, prefix, suffix in groups]


@pytest.mark.parametrize("written_each_below", [0, 1024, 10**9])
@pytest.mark.parametrize("seed", range(4))
def test_number_texts_equal_python(seed, written_each_below, monkeypatch):
    """Groups written together (whole hundredths, integers; dense key ranges and
    scattered ones, hashed; each distinct value once, or each value) and groups of
    ``text_table`` (negative zeros, NaN, values off the hundredths, huge values,
    unsigned 64-bit integers, integers under ``%.2f``, a suffix UTF-8 cannot hold), with
    empty groups, in one table."""
    import recist.reason_text

    monkeypatch.setattr(recist.reason_text, "_WRITTEN_EACH_BELOW", written_each_below)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 3000))
    cents = np.round(rng.normal(0, 80, n), 2)
    scattered = np.round(rng.normal(0, 1, n) * 10 ** rng.integers(0, 6, n), 2)
    groups = [
        (rng.integers(-3, 3, n // 7), "%d", "first ", ""),  # an integer group before others
        (cents, "%.2f", "sum ", " mm is "), (cents, "%+.2f", "", "% over "),
        (-cents, "%+.2f", "", ""), (scattered, "%.2f", "sum ", " mm"),
        (np.abs(cents), "%+.2f", "≤ ", " (≥ 5)"),
        (rng.integers(-5, 40, n), "%d", "", " target(s)"),
        (rng.integers(-10**6, 10**6, n), "%d", "", "!"),  # whole parts beyond the limit
        (rng.random(n) < 0.5, "%d", "b ", ""),
        (rng.integers(0, 9, n).astype(np.uint8), "%d", "", ""),
        (np.zeros(0), "%.2f", "", " empty"), (np.array([], dtype=np.int64), "%d", "", " empty"),
        (np.r_[cents[:n // 2], -0.0], "%.2f", "", " negative zero"),
        (np.r_[cents[:n // 2], np.nan], "%+.2f", "nan? ", " NaN"),
        (cents + 0.004, "%.2f", "", " off the hundredths"),
        (np.r_[cents, 1e14], "%.2f", "", " huge"),
        (np.array([2**64 - 1, 3], dtype=np.uint64), "%d", "", " unsigned"),
        (rng.integers(-5, 5, n), "%.2f", "", " integers as %.2f"),
        (cents, "%.2f", "", " lone \udcff"), (cents, "%.2f", "lone \udcff ", ""),
    ]
    got, expected = _number_texts_as_python(groups)
    assert got == expected


@pytest.mark.parametrize("spec", ["%.2f", "%+.2f", "%d"])
def test_number_texts_around_the_kept_tables_of_whole_parts(spec):
    """Whole parts at the edges of the tables kept between calls and above them; a
    whole part above ``dense_limit`` of the values is written by ``text_table``."""
    rng = np.random.default_rng(5)
    for top in (0, 1023, 1024, 65535, 65536, 70000):
        n = top // 4 + 10
        whole = np.r_[top, -top, rng.integers(-top, top + 1, n)]
        values = whole if spec == "%d" else whole + rng.integers(0, 100, len(whole)) / 100
        groups = [(values, spec, "", " a"), (values[:5], spec, "b ", "")]
        got, expected = _number_texts_as_python(groups)
        assert got == expected, top


def test_number_texts_keeps_no_table_above_the_kept_whole_parts():
    """A table of more whole parts than ``_KEPT_WHOLE_PARTS`` (megabytes) is made for
    its call only; the smaller ones are kept between calls."""
    reason_text._kept_signed_parts.cache_clear()
    large = np.arange(300_000) * 4 + 0.25
    number_texts([(large, "%.2f", "", " mm")])
    assert reason_text._kept_signed_parts.cache_info().currsize == 0
    number_texts([(large[:2_000], "%.2f", "", " mm")])
    assert reason_text._kept_signed_parts.cache_info().currsize == 1


def test_number_texts_of_no_group_and_of_empty_groups():
    texts, codes = number_texts([])
    assert len(texts) == 0 and codes == []
    texts, codes = number_texts([(np.zeros(0), "%.2f", "", " mm")])
    assert [len(c) for c in codes] == [0]
