"""``respond`` by partitions of patients (``recist.pipeline.partitioned``) writes the four
files of the in-memory path byte for byte: on the sample cohort, on a synthetic cohort
with findings and no patients table, and on a larger one with its rows shuffled and
patients that have no measurement; bad input gives the in-memory path's message."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest

from recist.criteria import RECIST_1_1
from recist.errors import RecistDataError
from recist.patients import read_patients
from recist.pipeline.partitioned import patient_ordered, respond_partitioned
from recist.response import RESPOND_FILES, respond, write_respond_outputs
from recist.table import read_measurements

from support.benchmark_cohort import make_cohort
from support.paths import SAMPLE_DATA
from support.timepoint_rows import random_cohort

pytest.importorskip("dask.dataframe")

COHORT = SAMPLE_DATA / "cohort"
CONFIRM = RECIST_1_1.replace(confirmation=True)


def _bench_cohort(n_patients: int):
    return make_cohort(n_patients, seed=11)


def _files(result, folder, measurements, patients) -> dict[str, bytes]:
    write_respond_outputs(result, folder, input_path=measurements, patients_path=patients)
    return {name: (folder / name).read_bytes() for name in RESPOND_FILES}


def _in_memory(measurements, patients, criteria, folder) -> dict[str, bytes]:
    table = read_patients(patients) if patients else None
    result = respond(read_measurements(measurements), table, criteria)
    result = replace(result, findings=patient_ordered(result.findings))
    return _files(result, folder, measurements, patients)


def _partitioned(measurements, patients, criteria, folder, **options) -> dict[str, bytes]:
    table = read_patients(patients) if patients else None
    result = respond_partitioned(measurements, table, criteria, **options)
    return _files(result, folder, measurements, patients)


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    """name -> (measurements CSV, patients CSV or None)."""
    folder = tmp_path_factory.mktemp("cohorts")
    random_cohort(300, seed=3).to_csv(folder / "random.csv", index=False)
    measurements, patients = _bench_cohort(1500)
    measurements.sample(frac=1, random_state=4).to_csv(folder / "shuffled.csv", index=False)
    extra = patients.iloc[[0, 1]].assign(patient_id=["ZZ-no-scan", "AA-no-scan"])
    pd.concat([patients, extra]).to_csv(folder / "shuffled_patients.csv", index=False)
    return {
        "sample": (COHORT / "measurements.csv", COHORT / "patients.csv"),
        "random": (folder / "random.csv", None),
        "shuffled": (folder / "shuffled.csv", folder / "shuffled_patients.csv"),
    }


@pytest.mark.parametrize(("name", "partitions", "blocksize"), [
    ("sample", 1, 64 * 2**20), ("sample", 5, 16_000), ("random", 4, 40_000),
    ("shuffled", 3, 2_000_000), ("shuffled", 8, 500_000),
])
def test_the_files_are_those_of_the_in_memory_path(cohorts, tmp_path, name, partitions,
                                                    blocksize):
    measurements, patients = cohorts[name]
    expected = _in_memory(measurements, patients, CONFIRM, tmp_path / "memory")
    got = _partitioned(measurements, patients, CONFIRM, tmp_path / "parts",
                       partitions=partitions, blocksize=blocksize)
    assert got == expected
    if name != "sample":
        assert expected["findings.csv"].count(b"\n") > 100  # the order was put to the test


def test_the_cli_paths_write_the_same_files(tmp_path):
    outputs = {}
    for label, flags in {"memory": [], "partitions": ["--partitions", "3"],
                         "dask": ["--dask"]}.items():
        out = tmp_path / label
        done = subprocess.run(
            [sys.executable, "-m", "recist", "respond", str(COHORT / "measurements.csv"),
             "--patients", str(COHORT / "patients.csv"), "--out", str(out), "--confirm",
             *flags], capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs[label] = ({n: (out / n).read_bytes() for n in RESPOND_FILES},
                          done.stdout.replace(str(out), "OUT"))
    assert outputs["partitions"] == outputs["memory"] == outputs["dask"]


def test_a_bad_row_in_a_later_block_is_named_by_its_file_row(cohorts, tmp_path):
    measurements, _ = cohorts["random"]
    lines = measurements.read_text().splitlines(keepends=True)
    lines[2500] = lines[2500].replace("2024-", "2024/", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(lines))
    with pytest.raises(RecistDataError) as memory:
        read_measurements(bad)
    with pytest.raises(RecistDataError) as parts:
        respond_partitioned(bad, None, partitions=3, blocksize=30_000)
    assert f"{bad} row 2501" in str(memory.value)
    assert str(parts.value) == str(memory.value)


def test_a_contradiction_is_the_in_memory_error(tmp_path):
    table = pd.read_csv(COHORT / "measurements.csv", dtype=str, keep_default_na=False)
    row = table.index[(table["kind"] == "target") & (table["status"] == "measured")][40]
    table.loc[row, "status"] = "absent"  # a non-nodal target absent with a diameter
    bad = tmp_path / "contradiction.csv"
    table.to_csv(bad, index=False)
    with pytest.raises(RecistDataError) as memory:
        respond(read_measurements(bad), None)
    with pytest.raises(RecistDataError) as parts:
        respond_partitioned(bad, None, partitions=4, blocksize=20_000)
    assert "status absent but a diameter is recorded" in str(memory.value)
    assert str(parts.value) == str(memory.value)


def test_a_header_without_rows_is_refused_as_in_memory(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("patient_id,date,visit,lesion_id,kind,status\n")
    with pytest.raises(RecistDataError) as memory:
        read_measurements(empty)
    with pytest.raises(RecistDataError) as parts:
        respond_partitioned(empty, None, partitions=2)
    assert str(parts.value) == str(memory.value)
