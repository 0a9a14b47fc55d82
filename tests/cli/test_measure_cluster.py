"""``recist measure --manifest`` on Dask: ``--dask --workers 2`` (a LocalCluster) and
``--scheduler ADDRESS`` (an existing cluster) write the table of the default process pool,
byte for byte; the default pool never imports Dask; wrong combinations and an unreachable
scheduler are one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support.cluster_studies import write_studies

pytest.importorskip("distributed")


def run_measure(*args: str, env: dict[str, str] | None = None,
                importtime: bool = False) -> subprocess.CompletedProcess:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run([sys.executable, *flags, "-m", "recist", "measure",
                           *map(str, args)], capture_output=True, text=True, timeout=180,
                          check=False, env={**os.environ, **(env or {})})


def imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in stderr.splitlines()
            if line.startswith("import time:")}


@pytest.fixture(scope="module")
def manifest_and_table(tmp_path_factory):
    """12 studies and the table the default pool writes (Dask never imported)."""
    folder = tmp_path_factory.mktemp("cli_cluster")
    manifest = write_studies(folder, 12)
    out = folder / "pool.csv"
    done = run_measure("--manifest", manifest, "--workers", "2", "--out", out,
                       importtime=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not {"dask", "distributed"} & imported(done.stderr)
    return manifest, out.read_bytes()


def test_dask_local_cluster_writes_the_pool_table(manifest_and_table, tmp_path):
    manifest, table = manifest_and_table
    out = tmp_path / "dask.csv"
    done = run_measure("--manifest", manifest, "--dask", "--workers", "2", "--out", out)
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_bytes() == table
    assert "24 rows from 12 stud(y/ies) written" in done.stderr


def test_an_existing_scheduler_writes_the_pool_table(manifest_and_table, tmp_path):
    from distributed import LocalCluster

    manifest, table = manifest_and_table
    out = tmp_path / "scheduler.csv"
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                      dashboard_address=None) as cluster:
        done = run_measure("--manifest", manifest, "--scheduler", cluster.scheduler_address,
                           "--out", out)
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_bytes() == table


@pytest.mark.parametrize(("args", "message"), [
    (("--dask",), "--dask runs the studies of a manifest: give --manifest CSV"),
    (("--manifest", "m.csv", "--dask", "--scheduler", "tcp://127.0.0.1:1"),
     "give --scheduler ADDRESS (an existing Dask cluster) or --dask (a local one), not both"),
    (("--manifest", "m.csv", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"),
     "the cluster of --scheduler has its own workers: leave --workers out"),
])
def test_wrong_combinations_are_one_line(args, message, tmp_path):
    series = ("--series", str(tmp_path), "--lines", "l.csv") if "--manifest" not in args \
        else ()
    done = run_measure(*series, *args, "--out", tmp_path / "m.csv")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


def test_an_unreachable_scheduler_is_one_line(manifest_and_table, tmp_path):
    manifest, _ = manifest_and_table
    done = run_measure("--manifest", manifest, "--scheduler", "tcp://127.0.0.1:9",
                       "--out", tmp_path / "m.csv",
                       env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert done.returncode == 2
    assert done.stderr.startswith("recist measure: error: cannot reach the Dask scheduler "
                                  "at tcp://127.0.0.1:9"), done.stderr
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "m.csv").exists()


@pytest.mark.parametrize("verb", ["measure", "respond"])
def test_help_does_not_import_dask(verb):
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "recist", verb, "--help"],
                          capture_output=True, text=True, check=True)
    assert "--dask" in done.stdout
    assert not {"dask", "distributed"} & imported(done.stderr)
