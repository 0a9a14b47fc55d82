"""``recist viewer``: Orthanc and OHIF on this machine, to see and draw measurements."""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``viewer`` sub-command."""
    p = subparsers.add_parser(
        "viewer",
        help="start Orthanc and the OHIF viewer on 127.0.0.1 (Ctrl-C stops both)",
        description=(
            "Start Orthanc (with its DICOMweb plugin) on 127.0.0.1 and serve OHIF's built "
            "app from the same address, configured to read and save through that Orthanc. "
            "Prints the address; Ctrl-C stops everything. --upload sends studies and the "
            "SR/SEG files of 'recist export-sr' / 'export-seg'; a report saved in OHIF "
            "('Create report') is stored in the same Orthanc, where 'recist measure "
            "--dicomweb URL/dicom-web' reads it. See docs/cli.md and the README, \"Measure "
            "in OHIF, assess with recist\"."),
    )
    p.add_argument("--upload", metavar="PATH", action="append", default=[],
                   help="DICOM file or folder to store in the viewer's Orthanc at start "
                        "(repeatable)")
    p.add_argument("--port", type=int, default=0, metavar="N",
                   help="the viewer's port on 127.0.0.1 (default: a free one)")
    p.add_argument("--storage", metavar="DIR",
                   help="keep Orthanc's database here (default: a temporary folder, removed "
                        "when the viewer stops)")
    p.add_argument("--ohif", metavar="DIR",
                   help="OHIF's built app: the dist/ folder of the npm package @ohif/app "
                        "(default: the one `make node-tools` installs beside this checkout)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the viewer until Ctrl-C."""
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port {args.port}: give a port between 1 and 65535 (or 0 for a "
                         "free one)")
    from recist.pipeline.viewer import run_viewer

    run_viewer(args.ohif, uploads=tuple(args.upload), storage=args.storage, port=args.port)
    return 0
