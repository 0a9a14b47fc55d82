"""``recist scan DIR``: inventory of the DICOM series in a folder or zip, with geometry checks."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

__all__ = ["add_parser", "format_inventory", "run"]

_COLUMNS = ("patient_id", "study_date", "modality", "series_description", "slices",
            "thickness_mm", "pixel_spacing_mm", "series_uid", "verdict")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``scan`` sub-command."""
    p = subparsers.add_parser(
        "scan",
        help="list the DICOM series in a folder or .zip with a geometry verdict",
        description=(
            "Walk a folder (or a .zip), read DICOM headers only, group the files by study "
            "and series, and print one line per series: patient ID, study date, modality, "
            "description, number of images (frames of multi-frame files included), slice "
            "thickness, pixel spacing, series UID and "
            "a geometry verdict ('ok' or the problem in words). Exits 0 when the folder "
            "could be scanned, even if some series have problems; 2 when it does not exist "
            "or holds no DICOM."
        ),
    )
    p.add_argument("path", help="folder, .zip archive or single DICOM file")
    p.set_defaults(func=run)
    return p


def _fmt_number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def format_inventory(inventory, out: TextIO) -> None:
    """Write the inventory table and a summary of skipped or unreadable files to ``out``.

    Every cell is one printable line (``dicom_io.errors.safe_text``); a UID that does not
    follow the UID grammar is shown as ``(invalid UID)``.
    """
    from dicom_io.errors import safe_text, safe_uid

    rows = [_COLUMNS]
    for record in inventory.series:
        spacing = record.pixel_spacing_mm
        date = record.study_date
        if len(date) == 8 and date.isdigit() and date.isascii():
            date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
        elif date:
            date = "(invalid)"  # never shown unvalidated: a damaged element holds anything
        verdict = record.verdict
        if record.notes:
            verdict += " (" + "; ".join(record.notes) + ")"
        rows.append((
            safe_text(record.patient_id or "-", 64), safe_text(date or "-", 10),
            safe_text(record.modality or "-", 16),
            safe_text(record.series_description or "-", 64), str(record.n_images),
            _fmt_number(record.slice_thickness_mm),
            "-" if spacing is None else "\\".join(f"{v:g}" for v in spacing),
            safe_uid(record.series_instance_uid) if record.series_instance_uid else "-",
            safe_text(verdict, 2000),
        ))
    widths = [max(len(row[c]) for row in rows) for c in range(len(_COLUMNS) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths)]
        out.write("  ".join(cells + [row[-1]]) + "\n")
    out.write(f"\n{len(inventory.series)} series in {inventory.n_files} file(s) under "
              f"{safe_text(inventory.root, 200)}")
    if inventory.n_skipped_non_dicom:
        examples = ", ".join(safe_text(e) for e in inventory.skipped_examples)
        out.write(f"; {inventory.n_skipped_non_dicom} non-DICOM file(s) skipped ({examples})")
    if inventory.dicomdir:
        out.write(f"; files listed by {inventory.dicomdir}")
    elif inventory.dicomdir_found:
        out.write("; DICOMDIR found and skipped (images found by walking the folder)")
    out.write("\n")
    out.writelines(f"note: {safe_text(note, 1000)}\n" for note in inventory.notes)
    out.writelines(f"unreadable: {safe_text(error, 1000)}\n" for error in inventory.unreadable)


def run(args: argparse.Namespace) -> int:
    """Scan ``args.path`` and print the inventory; return 0 when it could be scanned."""
    from dicom_io.discover import discover_series

    inventory = discover_series(args.path)
    format_inventory(inventory, sys.stdout)
    return 0
