"""``recist fetch``: retrieve series from a PACS over DICOMweb into folders."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` sub-command."""
    p = subparsers.add_parser(
        "fetch",
        help="retrieve a study or series from a PACS over DICOMweb",
        description=(
            "Retrieve the series of a study (or one series) from a DICOMweb server "
            "(QIDO-RS / WADO-RS) into --out: one series straight into --out, a whole study "
            "as --out/<SeriesInstanceUID>/. The folders can then be passed to "
            "'recist measure --series'."),
    )
    p.add_argument("--dicomweb", required=True, metavar="URL",
                   help="DICOMweb service root, e.g. http://localhost:8042/dicom-web")
    p.add_argument("--study", required=True, metavar="UID", help="Study Instance UID")
    p.add_argument("--series", metavar="UID", default=None, help="Series Instance UID")
    p.add_argument("--modality", default=None,
                   help="without --series: only series of this modality (e.g. CT)")
    p.add_argument("--out", required=True, metavar="DIR", help="destination folder")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fetch and print one line per series written."""
    from recist.pipeline.pacs import fetch_study

    written = fetch_study(args.dicomweb, args.study, args.out, series_uid=args.series,
                          modality=args.modality)
    for uid, folder in written.items():
        count = sum(1 for p in Path(folder).iterdir() if p.suffix == ".dcm")
        print(f"series {uid}: {count} instance(s) in {folder}")
    return 0



