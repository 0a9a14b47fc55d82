"""A manifest measured on a real Dask cluster (``distributed.LocalCluster`` of 2 worker
processes, started by ``recist.pipeline.cluster.dask_client``) gives the table of the local
process pool, byte for byte; a corrupt study fails alone; a worker killed in the middle of
a study loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from recist.pipeline.manifest import measure_manifest, measure_manifest_to_csv
from recist.table import write_measurements

from support.cluster_studies import AnnouncingExecutor, write_studies

pytest.importorskip("distributed")

N_STUDIES = 20


@pytest.fixture(scope="module")
def client():
    from recist.pipeline.cluster import dask_client

    with dask_client(workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """The manifest of 20 studies and its table measured by the default process pool."""
    folder = tmp_path_factory.mktemp("studies")
    manifest = write_studies(folder, N_STUDIES)
    reference = folder / "pool.csv"
    run = measure_manifest_to_csv(manifest, reference, workers=2, progress=False)
    assert run.failures == [] and run.studies == N_STUDIES and run.rows == 2 * N_STUDIES
    return manifest, reference.read_bytes()


def test_the_cluster_writes_the_table_of_the_local_pool(client, studies, tmp_path):
    manifest, reference = studies
    assert len(client.scheduler_info()["workers"]) == 2
    out = tmp_path / "cluster.csv"
    run = measure_manifest_to_csv(manifest, out, executor=client.get_executor(pure=False),
                                  progress=False)
    assert run.failures == [] and run.rows == 2 * N_STUDIES
    assert out.read_bytes() == reference
    # the streamed table is the in-memory one as write_measurements writes it
    whole, failures = measure_manifest(manifest, executor=client.get_executor(pure=False),
                                       progress=False)
    assert failures == []
    assert write_measurements(whole.table, tmp_path / "whole.csv").read_bytes() == reference
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_corrupt_study_fails_alone(client, studies, tmp_path):
    manifest = write_studies(tmp_path, N_STUDIES, corrupt=6)
    out = tmp_path / "m.csv"
    run = measure_manifest_to_csv(manifest, out, executor=client.get_executor(pure=False),
                                  progress=False)
    (failure,) = run.failures
    assert failure.row == 8 and (failure.patient_id, failure.visit) == ("C003", "V0")
    assert "truncated or corrupt" in failure.reason
    expected = b"".join(line for k, line in enumerate(studies[1].splitlines(keepends=True))
                        if k not in (13, 14))  # the corrupt study's two rows
    assert out.read_bytes() == expected


def test_a_worker_killed_mid_study_loses_nothing(client, studies, tmp_path):
    manifest, reference = studies
    markers = tmp_path / "running"
    markers.mkdir()
    killed: list[int] = []

    def kill_the_first_worker_seen() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not killed:
            for marker in markers.iterdir():
                pid = int(marker.name)
                os.kill(pid, signal.SIGKILL)  # the worker process itself, mid-study
                killed.append(pid)
                break
            time.sleep(0.02)

    killer = threading.Thread(target=kill_the_first_worker_seen)
    killer.start()
    executor = AnnouncingExecutor(client.get_executor(pure=False), markers, pause_s=0.3)
    out = tmp_path / "m.csv"
    run = measure_manifest_to_csv(manifest, out, executor=executor, progress=False)
    killer.join()
    assert len(killed) == 1 and killed[0] != os.getpid()
    assert run.failures == []
    assert out.read_bytes() == reference  # every study, once, in manifest order
    client.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker
    assert killed[0] not in client.run(os.getpid).values()
