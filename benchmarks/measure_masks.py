"""Benchmark: per-lesion LD/SA from a mask, against pyradiomics and a brute-force search.

Cases: the two sample tumours (pyradiomics' lung1 / lung2 masks, as committed in
``sample_data/patients/LUNG{1,2}/V0/labels.nrrd``, pre-cropped to their bounding box plus
one voxel) and a synthetic 100 mm ellipsoid at 0.5 mm pixels.
Timings are medians of repeated runs in one process:

- ours: ``recist.measure.measure_mask`` (best axial slice, LD by hull + rotating calipers,
  SA by the inside perpendicular-chord sweep), without and with the 3-D diameter;
- brute force: the largest distance between any two boundary pixel centres of each
  slice (LD only), all slices;
- pyradiomics 3.0.1 ``RadiomicsShape`` (its C mesh computation gives Maximum2DDiameter*
  and Maximum3DDiameter together), run in its OWN venv (``benchmarks/.work/
  pyradiomics-venv``, created here: ``python -m venv`` + ``pip install numpy<2`` +
  ``pip install --no-build-isolation pyradiomics==3.0.1``, which compiles its C
  extension with gcc) and a subprocess that prints its timings as JSON.

If pyradiomics cannot be built, the script says why and prints the other ratios.
Run: ``.venv/bin/python benchmarks/measure_masks.py [--repeats N] [--no-pyradiomics]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from recist.measure import measure_mask

DATA = REPO / "sample_data" / "patients"
WORK = REPO / "benchmarks" / ".work"
VENV = WORK / "pyradiomics-venv"

PYRADIOMICS_SCRIPT = r'''
import json, sys, time, logging
import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import shape
radiomics.setVerbosity(logging.ERROR)
cases = json.loads(sys.argv[1]); repeats = int(sys.argv[2])
out = {"version": radiomics.__version__}
for name, (path, spacing) in cases.items():
    mask = np.load(path).astype(np.uint8)
    m = sitk.GetImageFromArray(mask); m.SetSpacing(tuple(spacing[::-1]))
    im = sitk.GetImageFromArray(mask.astype(np.float32)); im.CopyInformation(m)
    times, values = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        features = shape.RadiomicsShape(im, m, label=1)
        values = (features.getMaximum2DDiameterSliceFeatureValue(),
                  features.getMaximum3DDiameterFeatureValue())
        times.append(time.perf_counter() - t)
    out[name] = {"median_s": float(np.median(times)),
                 "max2d_slice_mm": float(values[0]), "max3d_mm": float(values[1])}
print(json.dumps(out))
'''


def crop(mask: np.ndarray) -> np.ndarray:
    """Crop a mask to its bounding box plus one voxel each side."""
    where = np.argwhere(mask)
    lo = np.maximum(where.min(axis=0) - 1, 0)
    hi = np.minimum(where.max(axis=0) + 2, mask.shape)
    return mask[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]


def load_cases() -> dict[str, tuple[np.ndarray, tuple[float, float, float]]]:
    import SimpleITK as sitk

    cases = {}
    for name in ("lung1", "lung2"):
        image = sitk.ReadImage(str(DATA / name.upper() / "V0" / "labels.nrrd"))
        cases[name] = (crop(sitk.GetArrayFromImage(image) == 1), image.GetSpacing()[::-1])
    spacing = (2.5, 0.5, 0.5)
    z, y, x = np.mgrid[-22:23, -105:106, -105:106].astype(float)
    cases["synthetic-100mm"] = (
        crop((z * spacing[0] / 45) ** 2 + (y * spacing[1] / 40) ** 2
             + (x * spacing[2] / 50) ** 2 <= 1), spacing)
    return cases


def median_time(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def brute_force_ld_mm(mask: np.ndarray, spacing) -> float:
    """Largest distance between two boundary pixel centres on any slice (O(n^2))."""
    from scipy import ndimage

    best = 0.0
    for k in range(mask.shape[0]):
        edge = mask[k] & ~ndimage.binary_erosion(mask[k])
        points = np.argwhere(edge) * np.asarray(spacing[1:])
        for start in range(0, len(points), 512):
            block = points[start:start + 512]
            d2 = ((block[:, None, :] - points[None, :, :]) ** 2).sum(-1)
            best = max(best, float(np.sqrt(d2.max())) if d2.size else 0.0)
    return best


def ensure_pyradiomics() -> tuple[Path | None, str]:
    """Create the benchmark's own venv with pyradiomics 3.0.1; return (python, note)."""
    python = VENV / "bin" / "python"
    probe = [str(python), "-c", "import radiomics.shape, radiomics._cshape"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python, "existing venv"
    WORK.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(VENV)],
        [str(python), "-m", "pip", "install", "--quiet", "numpy<2", "setuptools<70", "wheel"],
        [str(python), "-m", "pip", "install", "--quiet", "--no-build-isolation",
         "pyradiomics==3.0.1"],
    ]
    for step in steps:
        print("  $", " ".join(step[-3:]), file=sys.stderr)
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-6:]
            return None, f"step {' '.join(step[-3:])!r} failed: " + " | ".join(tail)
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        return None, "pyradiomics installed but its C extension does not import"
    return python, "built now"


def run_pyradiomics(python: Path, cases, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        spec = {}
        for name, (mask, spacing) in cases.items():
            path = Path(folder) / f"{name}.npy"
            np.save(path, mask.astype(np.uint8))
            spec[name] = (str(path), list(spacing))
        done = subprocess.run([str(python), "-c", PYRADIOMICS_SCRIPT, json.dumps(spec),
                               str(repeats)], capture_output=True, text=True, timeout=900,
                              check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-pyradiomics", action="store_true")
    args = parser.parse_args()
    cases = load_cases()
    rows = {}
    for name, (mask, spacing) in cases.items():
        result = measure_mask(mask, spacing, with_3d_diameter=False)
        rows[name] = {
            "shape": mask.shape, "spacing": spacing, "ld": result.ld_mm, "sa": result.sa_mm,
            "ours": median_time(lambda m=mask, s=spacing: measure_mask(
                m, s, with_3d_diameter=False), args.repeats),
            "ours_nodal": median_time(lambda m=mask, s=spacing: measure_mask(
                m, s, nodal=True, with_3d_diameter=False), args.repeats),
            "ours_3d": median_time(lambda m=mask, s=spacing: measure_mask(m, s),
                                   max(3, args.repeats // 3)),
        }
        start = time.perf_counter()
        rows[name]["brute_ld"] = brute_force_ld_mm(mask, spacing)
        rows[name]["brute"] = time.perf_counter() - start

    pyrad, note = None, "skipped (--no-pyradiomics)"
    if not args.no_pyradiomics:
        print("pyradiomics venv:", VENV, file=sys.stderr)
        python, note = ensure_pyradiomics()
        if python is not None:
            try:
                pyrad = run_pyradiomics(python, cases, args.repeats)
                note = f"pyradiomics {pyrad.get('version')} ({note})"
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                note = f"pyradiomics run failed: {error}"

    print(f"\nLD/SA from a mask, median per lesion ({args.repeats} runs); {note}\n")
    header = (f"{'case':16} {'crop (k,r,c)':>16} {'LD mm':>7} {'SA mm':>6} {'ours ms':>8} "
              f"{'nodal ms':>8} {'+3D ms':>7} {'brute ms':>9} {'brute/ours':>10} "
              f"{'pyrad ms':>9} {'pyrad/ours':>10} {'pyrad 2D mm':>11}")
    print(header)
    for name, row in rows.items():
        ours_ms = row["ours"] * 1e3
        line = (f"{name:16} {row['shape']!s:>16} {row['ld']:7.2f} {row['sa']:6.2f} "
                f"{ours_ms:8.2f} {row['ours_nodal'] * 1e3:8.2f} {row['ours_3d'] * 1e3:7.1f} "
                f"{row['brute'] * 1e3:9.1f} {row['brute'] / row['ours']:9.1f}x")
        if pyrad and name in pyrad:
            p = pyrad[name]
            line += (f" {p['median_s'] * 1e3:9.2f} {p['median_s'] / row['ours']:9.1f}x "
                     f"{p['max2d_slice_mm']:11.2f}")
        else:
            line += f" {'n/a':>9} {'n/a':>10} {'n/a':>11}"
        print(line)
        assert abs(row["brute_ld"] - row["ld"]) < 2 * max(row["spacing"][1:]), name
    print("\nbrute force = largest distance between any two boundary pixel centres, "
          "vectorised numpy (LD only, pixel-centre accuracy, all "
          "slices); ours includes SA on the chosen slice; +3D adds marching cubes + hull.")
    if pyrad is None:
        print(f"pyradiomics ratios not available: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
