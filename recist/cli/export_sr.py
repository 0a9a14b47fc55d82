"""``recist export-sr``: write measured lesions as a DICOM SR TID 1500 (one per study)."""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export-sr`` sub-command."""
    p = subparsers.add_parser(
        "export-sr",
        help="write measurements as a DICOM SR measurement report (TID 1500)",
        description=(
            "Write the lesions of MEASUREMENTS.csv measured on the CT series in --series "
            "as one DICOM Comprehensive 3D SR (TID 1500): long and short axes as lines on "
            "their slice, tracking identifier = lesion_id with a tracking UID stable "
            "across visits, finding site, RECIST 1.1 method and the visit as time point. "
            "Needs the provenance columns (sop_instance_uid, ld_x1 ... sa_z2) written by "
            "'recist measure'."),
    )
    p.add_argument("measurements", metavar="MEASUREMENTS.csv",
                   help="measurements table with provenance columns")
    p.add_argument("--series", required=True, metavar="DIR",
                   help="folder of the CT series the rows were measured on")
    p.add_argument("--series-uid", metavar="UID", default=None,
                   help="use only this series of the folder")
    p.add_argument("--out", required=True, metavar="FILE.dcm", help="SR file to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export the SR; print findings (rows left out) on stderr."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=False)
    from recist.pipeline.sources.sr import export_sr

    path, findings = export_sr(args.measurements, args.series, args.out,
                               series_uid=args.series_uid)
    from recist.cli._terminal import report_findings

    report_findings(args, findings, prefix="recist export-sr: ")
    print(f"wrote {path}")
    return 0
