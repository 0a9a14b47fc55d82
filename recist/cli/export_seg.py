"""``recist export-seg``: write a label image and its lesions as a DICOM SEG."""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export-seg`` sub-command."""
    p = subparsers.add_parser(
        "export-seg",
        help="write a label image and its lesions as a DICOM SEG",
        description=(
            "Write the label image LABELS (NRRD / NIfTI on the grid of the CT series in "
            "--series) and its lesions CSV (label, lesion_id, kind, organ, nodal) as one "
            "binary DICOM SEG: one segment per listed label with voxels, segment label and "
            "tracking id = lesion_id, a tracking UID stable across visits (the one "
            "export-sr writes), the kind as segment description and the organ as anatomic "
            "region (plus lymph node when nodal). Labels of the image not in the CSV are "
            "left out. 'recist measure --seg' reads it back to the same measurements."),
    )
    p.add_argument("labels", metavar="LABELS", help="label image (NRRD, NIfTI) on the series grid")
    p.add_argument("--lesions", required=True, metavar="CSV",
                   help="lesions CSV: label, lesion_id, kind, organ, nodal")
    p.add_argument("--series", required=True, metavar="DIR",
                   help="folder of the CT series the labels were drawn on")
    p.add_argument("--series-uid", metavar="UID", default=None,
                   help="use only this series of the folder")
    p.add_argument("--out", required=True, metavar="FILE.dcm", help="SEG file to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export the SEG."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=False)
    from recist.pipeline.sources.seg import export_seg

    path = export_seg(args.labels, args.lesions, args.series, args.out,
                      series_uid=args.series_uid)
    print(f"wrote {path}")
    return 0
