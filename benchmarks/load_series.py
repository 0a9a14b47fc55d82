"""Benchmark: dicom_io.load_series against SimpleITK and a bare pydicom loop.

Run as ``.venv/bin/python benchmarks/load_series.py [--slices 400]``. Generates a CT series
(512 x 512 x N: the 48 slices of the committed sample-data LUNG1 baseline -- the
pyradiomics lung1 scan -- repeated in order, with new positions 1 mm apart; a synthetic
phantom for other sizes) twice -- uncompressed (Explicit VR Little Endian) and RLE Lossless --
under ``benchmarks/.work/`` (git-ignored), then times, in one run:

* ``scan``: :func:`dicom_io.discover_series` (header-only read of every file, grouping and
  all geometry checks), in files/s;
* ``recist``: :func:`dicom_io.load_series` (every geometry check on), in slices/s;
* ``sitk``: SimpleITK ``ImageSeriesReader`` with GDCM's file ordering;
* ``bare``: a bare pydicom loop (read every file, ``pixel_array``, ``np.stack``; no checks,
  no ordering, no rescale).

Each timing is the best of ``--repeat`` runs on a warm page cache. Peak memory of our
loader is measured in separate runs: with ``tracemalloc`` (numpy reports its buffers to
it), the peak of traced Python + numpy allocations during a ``workers=1`` load; with
psutil, the peak growth of the resident set during a load (sampled every 2 ms by a
thread, so in-process decoding); both divided by the size of the returned volume. Targets: >= 1.3x SimpleITK uncompressed, >= 10x on RLE, validation
<= 25 % over the bare loop, scan >= 2,000 files/s, peak memory <= 1.5x the volume.

Measured 2026-11-25 (2 shared cores, load average 2.4-3 from other jobs; 400 slices):

============  ============  ===========  ==========  ===========  ==========  ==========
series        scan files/s  recist sl/s  bare sl/s   sitk sl/s    vs sitk     vs bare
============  ============  ===========  ==========  ===========  ==========  ==========
uncompressed  11,341        3,421        1,166       958          3.6x        -66 %
RLE lossless  5,265         727          529         34           21.4x       -27 %
============  ============  ===========  ==========  ===========  ==========  ==========

Peak memory 1.01x the 200 MiB int16 volume (tracemalloc) and 1.00x (RSS growth), both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dicom_io import discover_series, load_series
from dicom_io.testing import write_ct_series

#: The real lung1 CT (pyradiomics 3.0.1, BSD-3) as committed: 48 RLE slices, 512 x 512.
SOURCE = REPO / "sample_data" / "patients" / "LUNG1" / "V0" / "ct"
RLE = "1.2.840.10008.1.2.5"


def _source_slices() -> np.ndarray:
    """The committed LUNG1 baseline in HU (int16, slice order = file order CT0001...)."""
    import pydicom

    slices = []
    for path in sorted(SOURCE.glob("CT*.dcm")):
        ds = pydicom.dcmread(path)
        slices.append(ds.pixel_array.astype(np.int32) * int(float(ds.RescaleSlope))
                      + int(float(ds.RescaleIntercept)))
    return np.stack(slices).astype(np.int16)


def _volume(n_slices: int, size: int) -> tuple[np.ndarray, str]:
    if SOURCE.is_dir() and size == 512:
        source = _source_slices()
        index = np.arange(n_slices) % source.shape[0]
        return source[index], "sample-data lung1 slices repeated"
    k, j, i = np.ogrid[:n_slices, :size, :size]
    body = ((j - size / 2) ** 2 + (i - size / 2) ** 2) < (0.4 * size) ** 2
    rng = np.random.default_rng(0)
    volume = np.where(body, 40, -1000) + rng.normal(0, 20, (n_slices, size, size))
    return volume.astype(np.int16) + 0 * k, "synthetic phantom"


def _generate(folder: Path, n_slices: int, size: int, transfer_syntax: str | None) -> None:
    stamp = folder / ".complete"
    if stamp.exists() and stamp.read_text() == f"{n_slices} {size}":
        return
    shutil.rmtree(folder, ignore_errors=True)
    volume, _ = _volume(n_slices, size)
    kwargs = {} if transfer_syntax is None else {"transfer_syntax": transfer_syntax}
    write_ct_series(folder, volume=volume, pixel_spacing_mm=(0.7, 0.7), slice_spacing_mm=1.0,
                    seed=f"bench-{transfer_syntax}", file_name="{uid}.dcm", **kwargs)
    stamp.write_text(f"{n_slices} {size}")


def _warm(folder: Path) -> None:
    for path in folder.iterdir():
        path.read_bytes()


def _best(function, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
        if best > 30:  # slow readers: one run is enough
            break
    return best, result


def _sitk_load(folder: Path) -> np.ndarray:
    import SimpleITK as sitk

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return sitk.GetArrayFromImage(reader.Execute())


def _bare_load(folder: Path) -> np.ndarray:
    import pydicom

    files = sorted(p for p in folder.iterdir() if p.suffix == ".dcm")
    return np.stack([pydicom.dcmread(p).pixel_array for p in files])


def _peak_memory(folder: Path) -> tuple[float, int]:
    """Peak traced allocations while loading in this process (workers=1), / volume size."""
    tracemalloc.start()
    loaded = load_series(folder, workers=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / loaded.volume.nbytes, loaded.volume.nbytes


def _peak_rss(folder: Path) -> float:
    """Peak resident-set growth of this process during a default load, / volume size.

    Sampled every 2 ms by a thread (psutil). While that thread runs, load_series does not
    fork (it never forks a multi-threaded process), so this is the in-process path.
    """
    import threading

    import psutil

    process = psutil.Process()
    base = process.memory_info().rss
    peak, done = [base], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.002)

    thread = threading.Thread(target=sample)
    thread.start()
    loaded = load_series(folder)
    loaded.volume.sum()  # touch every page of the result
    done.set()
    thread.join()
    peak[0] = max(peak[0], process.memory_info().rss)
    return (peak[0] - base) / loaded.volume.nbytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=400)
    parser.add_argument("--size", type=int, default=512, help="rows = columns")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=REPO / "benchmarks" / ".work"
                        / "load_series")
    parser.add_argument("--skip-sitk", action="store_true", help="skip SimpleITK (slow on RLE)")
    args = parser.parse_args(argv)
    source = ("sample-data lung1 slices repeated" if SOURCE.is_dir() and args.size == 512
              else "synthetic phantom")
    print(f"load_series benchmark: {args.slices} slices of {args.size}x{args.size} ({source}), "
          f"{os.cpu_count()} CPU(s), best of {args.repeat}")
    print(f"{'series':<14}{'reader':<10}{'seconds':>9}{'slices/s':>10}  ratio")
    for label, syntax in (("uncompressed", None), ("rle-lossless", RLE)):
        folder = args.workdir / label
        _generate(folder, args.slices, args.size, syntax)
        _warm(folder)
        n = args.slices
        t_scan, inventory = _best(lambda f=folder: discover_series(f), args.repeat)
        assert inventory.series[0].verdict == "ok", inventory.series[0].verdict
        t_ours, loaded = _best(lambda f=folder: load_series(f), args.repeat)
        t_bare, bare = _best(lambda f=folder: _bare_load(f), args.repeat)
        rows = [("scan", t_scan, f"{n / t_scan:,.0f} files/s"),
                ("recist", t_ours, ""),
                ("bare", t_bare, (f"recist / bare time = {t_ours / t_bare:.2f} "
                                  f"(validation overhead {100 * (t_ours / t_bare - 1):+.0f} %)"))]
        if not args.skip_sitk:
            t_sitk, image = _best(lambda f=folder: _sitk_load(f), args.repeat)
            np.testing.assert_array_equal(np.asarray(image, np.int32),
                                          np.asarray(loaded.volume, np.int32))
            rows.append(("sitk", t_sitk, (f"recist speed-up over SimpleITK = "
                                          f"{t_sitk / t_ours:.1f}x")))
        expected_stored = np.asarray(bare, np.int32) - 1024  # bare has no rescale
        if not np.array_equal(np.sort(expected_stored.reshape(n, -1).sum(1)),
                              np.sort(np.asarray(loaded.volume, np.int64).reshape(n, -1).sum(1))):
            raise SystemExit("bare loop and recist disagree on the pixel values")
        for name, seconds, note in rows:
            print(f"{label:<14}{name:<10}{seconds:>9.3f}{n / seconds:>10,.0f}  {note}")
        ratio, nbytes = _peak_memory(folder)
        print(f"{label:<14}{'memory':<10}peak traced (tracemalloc, workers=1) = {ratio:.2f}x "
              f"the {nbytes / 2**20:.0f} MiB volume; peak RSS growth (psutil) = "
              f"{_peak_rss(folder):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
