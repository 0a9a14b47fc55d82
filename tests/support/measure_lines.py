"""Line annotation files (the lines CSV of ``recist measure --lines``) for the tests."""

from __future__ import annotations

import csv
from pathlib import Path


def write_lines(path: Path, rows: list[dict]) -> Path:
    columns = ["lesion_id", "kind", "organ", "nodal", "axis", "sop_instance_uid",
               "x1", "y1", "x2", "y2"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({"kind": "target", "organ": "liver", "nodal": "false", **row})
    return path


def _line(lesion, axis, uid, x1, y1, x2, y2, **extra):
    return {"lesion_id": lesion, "axis": axis, "sop_instance_uid": uid,
            "x1": x1, "y1": y1, "x2": x2, "y2": y2, **extra}
