"""The vectorised XPORT v5 reader (recist.cdisc.xport5) against pyreadstat on files
pyreadstat writes: every number (IBM floats, missing values) and every text the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from recist.cdisc.xport5 import ibm_to_ieee, read_xport5
from recist.cdisc.xpt import read_cdisc_table, write_cdisc_table


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    numbers = rng.normal(0, 1000, n)
    numbers[::7] = np.nan
    for i, value in enumerate((0.0, 0.1, -12.3, 1e-5, 123456789.125)[:n]):
        numbers[i] = value
    return pd.DataFrame({
        "USUBJID": [f"P-{i % 13:03d}" for i in range(n)],
        "TRORRES": rng.choice(["PRESENT", "ABSENT", "", "TOO SMALL TO MEASURE", "12.5"],
                              n),
        "TRSTRESN": numbers,
        "TRSEQ": np.arange(1, n + 1, dtype=float),
        "NOTE": ["é ünïcode"[: i % 9] for i in range(n)],
    })


@pytest.mark.parametrize("n", [1, 3, 10, 11, 1000])  # row lengths around 80 bytes
def test_same_values_as_pyreadstat(tmp_path, n):
    path = tmp_path / "tr.xpt"
    write_cdisc_table(_frame(n), path, "TR")
    ours = read_xport5(path)
    theirs, _meta = pyreadstat.read_xport(str(path))
    assert ours is not None and list(ours.columns) == list(theirs.columns)
    assert len(ours) == len(theirs) == n
    for column in ("TRSTRESN", "TRSEQ"):
        np.testing.assert_array_equal(ours[column].to_numpy(float),
                                      theirs[column].to_numpy(float))
    for column in ("USUBJID", "TRORRES", "NOTE"):
        expected = [None if v == "" else v for v in theirs[column].str.strip()]
        assert ours[column].astype(object).where(ours[column].notna(), None).tolist() \
            == expected
    # through read_cdisc_table (the readers' entry): the same table as from CSV
    write_cdisc_table(_frame(n), tmp_path / "tr.csv", "TR")
    from_xpt = read_cdisc_table(path, "TR", ("USUBJID", "TRORRES", "TRSTRESN", "TRSEQ"))
    from_csv = read_cdisc_table(tmp_path / "tr.csv", "TR",
                                ("USUBJID", "TRORRES", "TRSTRESN", "TRSEQ"))
    assert from_xpt["TRORRES"].astype(object).tolist() == \
        from_csv["TRORRES"].astype(object).tolist()
    assert from_xpt["TRSEQ"].tolist() == list(range(1, n + 1))


def test_ibm_floats_by_hand():
    # 0x41100000 00000000 = 16^1 * 1/16 = 1; 0xC2 64 = -(16^2 * 0x64/256) = -100;
    # 0x40 80 = 0.5; '.' and '.A' (0x41 then zeros) missing; zero is all zero bytes
    raw = bytes.fromhex("4110000000000000" "C264000000000000" "4080000000000000"
                        "2E00000000000000" "4100000000000000" "0000000000000000")
    values = ibm_to_ieee(np.frombuffer(raw, dtype=np.uint8).reshape(6, 8))
    assert values[:3].tolist() == [1.0, -100.0, 0.5]
    assert np.isnan(values[3]) and np.isnan(values[4]) and values[5] == 0.0


def test_not_a_version_5_file_is_left_to_pyreadstat(tmp_path):
    path = tmp_path / "x.xpt"
    path.write_bytes(b"not an xport file" * 10)
    assert read_xport5(path) is None


def test_a_damaged_file_is_one_clear_error(tmp_path):
    from recist.errors import RecistDataError

    path = tmp_path / "tr.xpt"
    write_cdisc_table(_frame(20), path, "TR")
    path.write_bytes(path.read_bytes()[:700])  # cut inside the variable descriptions
    with pytest.raises(RecistDataError, match="not a readable SAS transport file"):
        read_cdisc_table(path, "TR")
