"""The ``recist measure`` sources that come from imaging systems.

``--sr FILE…`` (DICOM SR TID 1500), ``--seg FILE`` (DICOM SEG), ``--rtstruct FILE``
(RT Structure Set) on ``--series DIR``, and ``--dicomweb URL --study UID --series-uid
UID`` in place of ``--series`` (the series is fetched into a temporary folder, or into
``--fetch-dir``, then measured with any source). ``recist.cli.measure`` calls
:func:`add_interop_arguments` when building its parser and :func:`run_interop` first
when running; this module imports nothing heavy until it is used.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

__all__ = ["add_interop_arguments", "run_interop"]

_HELP = """\
From imaging systems: --sr FILE [FILE ...] (DICOM SR TID 1500 reports, e.g. OHIF or
3D Slicer; lengths recomputed from the coordinates), --seg FILE (DICOM SEG, one lesion per
segment), --rtstruct FILE (RT Structure Set, one lesion per ROI; --lesions CSV with
label = ROI number to choose and name them). --dicomweb URL --study UID --series-uid UID
reads the series from a PACS instead of --series.
"""


def add_interop_arguments(parser: argparse.ArgumentParser,
                          source: argparse._MutuallyExclusiveGroup) -> None:
    """Add ``--sr``, ``--seg``, ``--rtstruct``, ``--dicomweb`` and their options."""
    parser.description = (parser.description or "") + "\n" + _HELP
    source.add_argument("--dicomweb", metavar="URL",
                        help="read the series from this DICOMweb service root")
    parser.add_argument("--sr", metavar="FILE", nargs="+",
                        help="DICOM SR measurement report(s) (TID 1500)")
    parser.add_argument("--seg", metavar="FILE", help="DICOM SEG of the lesions")
    parser.add_argument("--rtstruct", metavar="FILE", help="RT Structure Set of the lesions")
    parser.add_argument("--study", metavar="UID", help="with --dicomweb: Study Instance UID")
    parser.add_argument("--fetch-dir", metavar="DIR",
                        help="with --dicomweb: keep the fetched series here")
    parser.add_argument("--default-kind", default="target",
                        choices=("target", "non-target", "new"),
                        help="kind of lesions whose --sr/--seg/--rtstruct source does not "
                             "say it (default: target)")


def _check(args: argparse.Namespace) -> None:
    chosen = [name for name in ("sr", "seg", "rtstruct", "lines", "masks")
              if getattr(args, name, None)]
    if len(chosen) > 1:
        raise ValueError(f"give one annotation source, not {' and '.join('--' + c for c in chosen)}")
    if getattr(args, "manifest", None) and (args.sr or args.seg or args.rtstruct):
        raise ValueError("--sr/--seg/--rtstruct cannot be combined with --manifest")
    if args.dicomweb and not (args.study and args.series_uid):
        raise ValueError("--dicomweb needs --study UID and --series-uid UID to know which "
                         "series to fetch")
    if args.lesions and args.sr:
        raise ValueError("--lesions goes with --masks, --seg or --rtstruct, not --sr: an "
                         "SR names its lesions itself")


def _measure(args: argparse.Namespace, series_dir: str):
    if args.sr:
        from recist.interop.sr import measure_sr

        table, findings = measure_sr(args.sr, [series_dir], default_kind=args.default_kind)
        if args.visit and not table.empty:
            table["visit"] = args.visit
        return table, findings
    if args.seg:
        from recist.interop.seg import measure_seg

        result = measure_seg(args.seg, series_dir, series_uid=args.series_uid,
                             lesions=args.lesions, visit=args.visit,
                             default_kind=args.default_kind, overlays_dir=args.overlays)
        return result.table, list(result.findings)
    if args.rtstruct:
        from recist.interop.rtstruct import measure_rtstruct

        result = measure_rtstruct(args.rtstruct, series_dir, series_uid=args.series_uid,
                                  lesions=args.lesions, visit=args.visit,
                                  default_kind=args.default_kind)
        return result.table, list(result.findings)
    from recist.pipeline.measure import measure_study

    if not args.lines and not args.masks:
        raise ValueError("nothing to measure: give --lines, --masks with --lesions, --sr, "
                         "--seg or --rtstruct")
    result = measure_study(series_dir, series_uid=args.series_uid, lines=args.lines,
                           masks=args.masks, lesions=args.lesions,
                           resample=getattr(args, "resample", False), visit=args.visit,
                           overlays_dir=args.overlays)
    return result.table, list(result.findings)


def run_interop(args: argparse.Namespace) -> int | None:
    """Handle ``recist measure`` with an interop source; None when there is none."""
    if not (args.sr or args.seg or args.rtstruct or args.dicomweb):
        return None
    _check(args)
    from recist.table import write_measurements

    if args.dicomweb:
        from recist.interop.pacs import fetch_study

        with tempfile.TemporaryDirectory(prefix="recist-fetch-") as scratch:
            folder = Path(args.fetch_dir) if args.fetch_dir else Path(scratch) / "series"
            fetch_study(args.dicomweb, args.study, folder, series_uid=args.series_uid)
            table, findings = _measure(args, str(folder))
    else:
        table, findings = _measure(args, args.series)
    for finding in findings:
        print(f"recist measure: {finding}", file=sys.stderr)
    write_measurements(table, args.out)
    print(f"recist measure: {len(table)} rows written to {args.out}", file=sys.stderr)
    return 0
