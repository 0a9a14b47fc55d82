#!/usr/bin/env python3
"""Build the recist sample data from the pyradiomics lung CTs (deterministic, idempotent).

Run from the repository root::

    .venv/bin/python sample_data/make_sample_data.py --if-missing   # what make does
    .venv/bin/python sample_data/make_sample_data.py                 # rewrite everything

Input: the repository's own baselines -- the committed V0 DICOM series
``patients/<PATIENT>/V0/ct/`` and tumour masks ``patients/<PATIENT>/V0/labels.nrrd`` (made
from two pyradiomics 3.0.1 chest CTs, BSD-3; see README.md), checked against
``baseline_source.json``. Nothing outside the repository is needed. ``--source DIR``
instead rebuilds everything, the V0 series included, from the original pyradiomics files
``lung{1,2}_{image,label}.nrrd`` in DIR (same result, byte for byte).

Outputs under ``sample_data/`` (or ``--out``; see README.md there):
``patients/<PATIENT>/<VISIT>/{ct/, labels.nrrd, lesions.csv, lines.csv}``, ``patients.csv``,
``manifest.csv``, ``truth.csv``, ``measurements_expected.csv``, ``baseline_source.json``.

The baseline (V0) series are the real scans, written as RLE Lossless DICOM and committed;
the follow-up series (V1, V2, ...) are synthesised from them with known tumour size changes
and written uncompressed on first use (git-ignored). Same inputs give the same bytes and UIDs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samplegen.scenarios import all_present

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--if-missing", action="store_true",
                        help="write only files that are missing (returns at once when "
                             "everything is there)")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="output root (default: the sample_data folder)")
    parser.add_argument("--source", type=Path, default=None,
                        help="optional: rebuild from the original pyradiomics 3.0.1 files "
                             "lung{1,2}_{image,label}.nrrd in this folder, V0 series "
                             "included (default: the committed V0 series and masks)")
    parser.add_argument("--no-ct", action="store_true",
                        help="skip the DICOM series (tables, labels and lines only)")
    args = parser.parse_args(argv)
    root = args.out.resolve()
    source = None if args.source is None else args.source.resolve()
    if args.if_missing and not args.no_ct and all_present(root):
        return 0
    from samplegen.build import build  # numpy, SimpleITK, pydicom: only when needed

    started = time.perf_counter()
    try:
        written = build(root, source, if_missing=args.if_missing, write_ct=not args.no_ct,
                        baseline_root=HERE)
    except (FileNotFoundError, ValueError) as error:
        print(f"make_sample_data: {error}", file=sys.stderr)
        return 2
    print(f"make_sample_data: wrote {len(written)} item(s) under {root} in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
