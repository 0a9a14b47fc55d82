"""``recist measure``: lesion diameters in mm from drawn lines or label masks on a CT series."""

from __future__ import annotations

import argparse
import sys

from recist.cli._arguments import positive_workers
from recist.table import write_measurements

__all__ = ["add_parser", "run"]

_DESCRIPTION = """\
Measure lesions on a DICOM CT series and write the measurements table (DESIGN.md columns
plus provenance: series/SOP UIDs, slice, method, LD/SA endpoints in patient mm, volume).

From drawn lines: --lines CSV with lesion_id, kind, organ, nodal, axis (long|short),
sop_instance_uid, x1, y1, x2, y2 (image-relative pixels, top-left corner 0,0).
From masks: --masks LABELS (NRRD/NIfTI on the series grid; --resample to resample it) and
--lesions CSV with label, lesion_id, kind, organ, nodal. LD: longest diameter on the
axial slice where it is largest (nodes: the slice where SA is largest); SA: longest chord
inside the lesion perpendicular to LD.

Many studies: --manifest CSV (patient_id, visit, date, series_dir, lines, masks, lesions;
paths relative to the manifest) measures them in parallel; a failed study is reported and
the others are still written (exit status 1).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``measure`` sub-command."""
    p = subparsers.add_parser(
        "measure", help="measure lesions (lines or masks) on a CT series in mm",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--series", metavar="DIR", help="DICOM series: folder, zip or file")
    source.add_argument("--manifest", metavar="CSV", help="measure every study of a manifest")
    p.add_argument("--series-uid", metavar="UID",
                   help="SeriesInstanceUID to use when DIR holds several series")
    p.add_argument("--lines", metavar="CSV", help="drawn long/short axes (pixel coordinates)")
    p.add_argument("--masks", metavar="LABELS", help="label image (NRRD, NIfTI)")
    p.add_argument("--lesions", metavar="CSV", help="label -> lesion table for --masks")
    p.add_argument("--resample", action="store_true",
                   help="resample a label image that is not on the series grid (nearest "
                        "neighbour) instead of refusing it")
    p.add_argument("--visit", metavar="V", help="visit label written in the table")
    p.add_argument("--overlays", metavar="DIR", help="write one PNG per lesion here")
    p.add_argument("--workers", type=positive_workers, metavar="N",
                   help="processes for --manifest (default: all cores)")
    p.add_argument("--out", metavar="CSV", required=True, help="measurements table to write")
    # --- interop sources (helper F): --sr/--seg/--rtstruct/--dicomweb ---
    from recist.interop.measure_cli import add_interop_arguments
    add_interop_arguments(p, source)
    # --- end interop ---
    p.set_defaults(func=run)
    return p


def _print_findings(findings) -> None:
    for finding in findings:
        print(f"recist measure: {finding}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run ``recist measure``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=False)
    # --- interop sources (helper F): handled in recist.interop.measure_cli ---
    from recist.interop.measure_cli import run_interop
    from recist.pipeline.measure import measure_manifest, measure_study

    status = run_interop(args)
    if status is not None:
        return status
    # --- end interop ---

    if args.manifest:
        for option in ("lines", "masks", "lesions", "series_uid", "visit"):
            if getattr(args, option):
                raise ValueError(f"--{option.replace('_', '-')} cannot be combined with "
                                 "--manifest: give it per study in the manifest's columns")
        result, failures = measure_manifest(args.manifest, workers=args.workers,
                                            overlays_dir=args.overlays,
                                            resample=args.resample)
        _print_findings(result.findings)
        if failures and not len(result.table):
            # Nothing measured: no output file, exit 2 (a batch with some success is 1).
            for failure in failures[:-1]:
                print(f"recist measure: error: {failure}", file=sys.stderr)
            suffix = (f" ({len(failures)} studies failed; nothing written)"
                      if len(failures) > 1 else "")
            raise ValueError(f"{failures[-1]}{suffix}")
        write_measurements(result.table, args.out)
        for failure in failures:
            print(f"recist measure: error: {failure}", file=sys.stderr)
        n_ok = result.table[["patient_id", "visit", "date"]].drop_duplicates().shape[0]
        if failures:
            print(f"recist measure: {len(failures)} stud(y/ies) failed; {args.out} was "
                  f"written with the {n_ok} stud(y/ies) that succeeded "
                  f"({len(result.table)} rows)", file=sys.stderr)
            return 1
        print(f"recist measure: {len(result.table)} rows from {n_ok} stud(y/ies) written "
              f"to {args.out}", file=sys.stderr)
        return 0
    if args.lines and (args.masks or args.lesions):
        raise ValueError("give either --lines or --masks with --lesions, not both")
    if not args.lines and not args.masks:
        raise ValueError("nothing to measure: give --lines CSV or --masks LABELS --lesions CSV")
    if args.masks and not args.lesions:
        raise ValueError("--masks needs --lesions CSV (label, lesion_id, kind, organ, nodal)")
    if args.lesions and not args.masks:
        raise ValueError("--lesions is the table of a label image: give --masks LABELS too")
    result = measure_study(args.series, series_uid=args.series_uid, lines=args.lines,
                           masks=args.masks, lesions=args.lesions, resample=args.resample,
                           visit=args.visit, overlays_dir=args.overlays)
    _print_findings(result.findings)
    write_measurements(result.table, args.out)
    print(f"recist measure: {len(result.table)} rows written to {args.out}", file=sys.stderr)
    return 0
