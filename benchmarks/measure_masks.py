"""Benchmark: LD/SA and the maximum 3-D diameter from a mask, against pyradiomics and a
brute-force search, and the pipeline's cost per lesion including the crop.

Cases (all from the repository's own data): the two sample tumours (pyradiomics' lung1 /
lung2 expert masks as committed in ``sample_data/patients/LUNG{1,2}/V0/labels.nrrd``) and
a synthetic 100 x 80 x 90 mm ellipsoid at 0.5 x 0.5 x 2.5 mm.

1. **Like for like with pyradiomics** (masks cropped to their box plus one voxel, as
   pyradiomics crops them itself). pyradiomics 3.0.1's ``RadiomicsShape`` always builds its
   mesh, which gives the 2-D diameters and ``Maximum3DDiameter`` together, so the fair
   comparison is with ours *with* the 3-D diameter (``ours+3D``:
   ``measure_mask(mask, spacing)``: slice choice, LD, SA, volume, 3-D diameter); ours
   *without* it (``ours``) is stated beside it. pyradiomics runs in its OWN venv
   (``benchmarks/.work/pyradiomics-venv``, built here: ``python -m venv`` + ``pip install
   numpy<2`` + ``pip install --no-build-isolation pyradiomics==3.0.1``, which compiles its
   C extension with gcc) as a persistent worker process of the shared harness, timed
   around the call alone and interleaved with ours.
2. **Brute force**: the largest distance between any two boundary pixel centres of each
   slice, vectorised numpy (LD only, all slices), interleaved with ``ours``.
3. **Per lesion in the pipeline**: what ``recist measure`` does for each labelled lesion
   -- the boxes of every label from one pass over the full label volume
   (``recist.measure.label_boxes``), the lesion's crop, then ``measure_mask`` with the
   3-D diameter -- on the committed lung1 / lung2 label volumes (48 and 61 slices of
   512 x 512) and on the 100 mm ellipsoid placed in a 100-slice 512 x 512 volume. One
   lesion per volume: the whole pass over the volume is charged to that lesion.

Every comparison goes through ``benchmarks/harness.py`` (warm-up, interleaved rounds in
rotating order, min / median of per-round ratios); the rows are saved for
``benchmarks/report.py``. If pyradiomics cannot be built, the script says why and the
other rows are still measured.

Run: ``.venv/bin/python benchmarks/measure_masks.py [--rounds N] [--no-pyradiomics]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from harness import WORK, Row, Worker, compare, cpu_timed, save_rows

from recist.measure import measure_mask
from recist.measure.label_boxes import label_boxes

DATA = REPO / "sample_data" / "patients"
VENV = WORK / "pyradiomics-venv"
ELLIPSOID_SPACING = (2.5, 0.5, 0.5)

#: Targets of issue 15 (per lesion in the pipeline, and like for like with pyradiomics).
TARGET_MS = {"lung1": 3.0, "synthetic-100mm": 10.0}
TARGET_RATIO = {"lung1": 1.0, "lung2": 5.0}

PYRADIOMICS_SETUP = r'''
import json, logging, sys
import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import shape
radiomics.setVerbosity(logging.ERROR)

def _case(path, spacing):
    mask = np.load(path).astype(np.uint8)
    m = sitk.GetImageFromArray(mask)
    m.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    image = sitk.GetImageFromArray(mask.astype(np.float32))
    image.CopyInformation(m)
    def run():
        features = shape.RadiomicsShape(image, m, label=1)
        return [float(features.getMaximum2DDiameterSliceFeatureValue()),
                float(features.getMaximum3DDiameterFeatureValue())]
    return run

for _name, (_path, _spacing) in json.loads(sys.argv[2]).items():  # argv[1]: this code
    globals()[_name.replace("-", "_")] = _case(_path, _spacing)

def version():
    return radiomics.__version__
'''


def crop(mask: np.ndarray) -> np.ndarray:
    """Crop a mask to its bounding box plus one voxel each side."""
    where = np.argwhere(mask)
    lo = np.maximum(where.min(axis=0) - 1, 0)
    hi = np.minimum(where.max(axis=0) + 2, mask.shape)
    return mask[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]


def _ellipsoid() -> np.ndarray:
    z, y, x = np.mgrid[-22:23, -105:106, -105:106].astype(float)
    s = ELLIPSOID_SPACING
    return ((z * s[0] / 45) ** 2 + (y * s[1] / 40) ** 2 + (x * s[2] / 50) ** 2) <= 1


def label_volumes() -> dict[str, tuple[np.ndarray, tuple[float, float, float]]]:
    """Full label volumes (lesion = label 1) with their (slice, row, column) spacing."""
    import SimpleITK as sitk

    volumes = {}
    for name in ("lung1", "lung2"):
        image = sitk.ReadImage(str(DATA / name.upper() / "V0" / "labels.nrrd"))
        labels = (sitk.GetArrayFromImage(image) == 1).astype(np.uint8)
        volumes[name] = (labels, tuple(float(v) for v in image.GetSpacing()[::-1]))
    labels = np.zeros((100, 512, 512), dtype=np.uint8)
    labels[30:75, 100:311, 150:361] = _ellipsoid()
    volumes["synthetic-100mm"] = (labels, ELLIPSOID_SPACING)
    return volumes


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


# (A timed method must not return a float: the harness would read it as its own seconds.)
def per_lesion(labels: np.ndarray, spacing) -> object:
    """The pipeline's work for one lesion (label 1): boxes, crop, measure with 3-D."""
    box = label_boxes(labels)[1]
    return measure_mask(labels[box] == 1, spacing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-pyradiomics", action="store_true")
    parser.add_argument("--cases", nargs="*", default=None,
                        help="only these cases (lung1, lung2, synthetic-100mm)")
    args = parser.parse_args(argv)
    volumes = label_volumes()
    if args.cases:
        volumes = {name: volumes[name] for name in args.cases}
    cases = {name: (crop(labels.astype(bool)), spacing)
             for name, (labels, spacing) in volumes.items()}
    rows: list[Row] = []

    worker, note = None, "skipped (--no-pyradiomics)"
    folder = tempfile.TemporaryDirectory()
    if not args.no_pyradiomics:
        python, note = ensure_pyradiomics()
        if python is not None:
            spec = {}
            for name, (mask, spacing) in cases.items():
                path = Path(folder.name) / f"{name}.npy"
                np.save(path, mask.astype(np.uint8))
                spec[name] = (str(path), list(spacing))
            import json

            try:
                worker = Worker(python, PYRADIOMICS_SETUP, [json.dumps(spec)])
                worker.call("version")
                note = f"pyradiomics {worker.last_result} ({note})"
            except RuntimeError as error:
                worker, note = None, f"pyradiomics worker failed: {error}"
    print(f"LD/SA/3-D diameter from a mask; {args.rounds} interleaved rounds; {note}\n")
    print(f"{'case':16} {'crop (k,r,c)':>15} {'LD':>6} {'SA':>6} {'3-D':>6} {'ours':>7} "
          f"{'ours+3D':>8} {'pyrad':>8} {'pyrad/ours+3D':>14} {'pyrad/ours':>11} "
          f"{'brute':>8} {'brute/ours':>10} {'lesion':>7}")
    try:
        for name, (mask, spacing) in cases.items():
            result = measure_mask(mask, spacing)
            methods = {
                "ours": lambda m=mask, s=spacing: measure_mask(m, s, with_3d_diameter=False),
                "ours+3D": lambda m=mask, s=spacing: measure_mask(m, s),
            }
            if worker is not None:
                methods["pyradiomics"] = worker.method(name.replace("-", "_"))
            timed = compare(methods, rounds=args.rounds, warmup=2)
            pyrad_values = worker.last_result if worker is not None else [None, None]
            brute = compare({"ours": methods["ours"],
                             "brute": lambda m=mask, s=spacing: [brute_force_ld_mm(m, s)]},
                            rounds=max(3, args.rounds // 5), warmup=1)
            labels, _ = volumes[name]
            lesion = compare({"per lesion": lambda v=labels, s=spacing: per_lesion(v, s),
                              "per lesion cpu": cpu_timed(
                                  lambda v=labels, s=spacing: per_lesion(v, s))},
                             rounds=args.rounds, warmup=2)
            lesion_cpu_ms = lesion.median("per lesion cpu") * 1e3
            ms = {method: timed.median(method) * 1e3 for method in methods}
            lesion_ms = lesion.median("per lesion") * 1e3
            shape = f"{mask.shape}".replace(" ", "")
            detail = (f"{shape} cropped, LD {result.ld_mm:.2f} SA {result.sa_mm:.2f} "
                      f"3-D {result.max_3d_diameter_mm:.2f} mm")
            line = (f"{name:16} {shape:>15} {result.ld_mm:6.2f} {result.sa_mm:6.2f} "
                    f"{result.max_3d_diameter_mm:6.2f} {ms['ours']:7.2f} {ms['ours+3D']:8.2f}")
            if worker is not None:
                like_min, like_med = timed.ratio("pyradiomics", "ours+3D")
                without_min, without_med = timed.ratio("pyradiomics", "ours")
                line += (f" {ms['pyradiomics']:8.2f} {like_med:13.1f}x {without_med:10.1f}x")
                target = TARGET_RATIO.get(name)
                rows.append(Row(
                    "measure_masks", f"{name}: ours+3D vs pyradiomics (like for like)",
                    ms["ours+3D"], "ms", reference="pyradiomics 3.0.1 RadiomicsShape",
                    reference_value=ms["pyradiomics"], ratio_min=like_min,
                    ratio_median=like_med,
                    target=f">= {target:g}x" if target else "",
                    met=(like_med >= target) if target else None,
                    note=detail + "; both compute 2-D diameters and the 3-D diameter",
                    rounds=args.rounds, load_average=timed.load_after,
                    extra={"pyradiomics_max2d_slice_mm": pyrad_values[0],
                           "pyradiomics_max3d_mm": pyrad_values[1]}))
                rows.append(Row(
                    "measure_masks", f"{name}: ours without 3-D vs pyradiomics (with)",
                    ms["ours"], "ms", reference="pyradiomics 3.0.1 RadiomicsShape",
                    reference_value=ms["pyradiomics"], ratio_min=without_min,
                    ratio_median=without_med,
                    note="not like for like: pyradiomics always computes the 3-D diameter",
                    rounds=args.rounds, load_average=timed.load_after))
            else:
                line += f" {'n/a':>8} {'n/a':>14} {'n/a':>11}"
            brute_min, brute_med = brute.ratio("brute", "ours")
            line += (f" {brute.median('brute') * 1e3:8.1f} {brute_med:9.1f}x "
                     f"{lesion_ms:7.2f} (CPU {lesion_cpu_ms:.2f})")
            print(line)
            rows.append(Row(
                "measure_masks", f"{name}: ours (no 3-D) vs brute-force LD", ms["ours"], "ms",
                reference="brute force, all pixel pairs per slice",
                reference_value=brute.median("brute") * 1e3, ratio_min=brute_min,
                ratio_median=brute_med, note="brute force: LD only (pixel centres)",
                rounds=len(brute.seconds["ours"]), load_average=brute.load_after))
            target_ms = TARGET_MS.get(name)
            rows.append(Row(
                "measure_masks", f"{name}: per lesion in the pipeline", lesion_ms, "ms",
                target=f"<= {target_ms:g} ms" if target_ms else "",
                met=(lesion_ms <= target_ms) if target_ms else None,
                note=(f"label boxes from one pass over the {labels.shape[0]}x512x512 "
                      "label volume + crop + LD/SA + 3-D diameter (wall time, median; "
                      f"min {lesion.min('per lesion') * 1e3:.2f} ms)"),
                rounds=args.rounds, load_average=lesion.load_after))
            rows.append(Row(
                "measure_masks", f"{name}: per lesion in the pipeline, CPU time",
                lesion_cpu_ms, "ms", target=f"<= {target_ms:g} ms" if target_ms else "",
                met=(lesion_cpu_ms <= target_ms) if target_ms else None,
                note="the same work timed by this process's CPU time (one thread): what "
                "an idle machine's wall time would be", rounds=args.rounds,
                load_average=lesion.load_after))
            if abs(brute_force_ld_mm(mask, spacing) - result.ld_mm) > 2 * max(spacing[1:]):
                raise SystemExit(f"{name}: brute-force LD and ours disagree")
    finally:
        if worker is not None:
            worker.close()
        folder.cleanup()
    print("\nms = median wall time per lesion; ratios = median of per-round ratios "
          "(> 1: ours faster). ours = slice choice + LD + SA + volume; +3D adds the maximum "
          "3-D diameter; lesion = label boxes of the whole volume + crop + ours+3D.")
    save_rows("measure_masks", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
