"""Our SR reloads in OHIF: dcmjs' Cornerstone adapter (the code OHIF runs on a TID 1500
report) restores each lesion as a Bidirectional tool (Length without a short axis), with
the lesion id as its label and the axes' end points as written; and our own reader reads
the same file back to the same lesions.

dcmjs is the npm package pinned in ``tests/node/package-lock.json`` (``make test`` installs
it); the test is skipped outside CI when node or the package is absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pydicom
import pytest

from dicom_io.sr import ImagePlane
from recist.pipeline.sources.sr import export_sr, measure_sr

from support.paths import TESTS
from support.system_tools import require_tool

NODE_DIR = TESTS / "node"

# lesion, kind, organ, nodal, slice, long (x1, y1, x2, y2), short (pixel coordinates)
LESIONS = [
    ("Liver met 2", "target", "liver", False, 1, (10.5, 12.5, 30.5, 20.5),
     (18.5, 22.5, 22.5, 10.5)),
    ("N1", "target", "lymph node", True, 2, (5.5, 5.5, 15.5, 5.5), (10.5, 2.5, 10.5, 9.5)),
    ("X1", "non-target", "omentum", False, 2, (20.5, 30.5, 25.5, 34.5), None),
]


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node")
    require_tool("node with dcmjs (make node-tools: npm ci in tests/node)",
                 path is not None and (NODE_DIR / "node_modules" / "dcmjs").is_dir())
    return path


def _table(headers):
    rows = []
    for lesion, kind, organ, nodal, k, ld, sa in LESIONS:
        plane = ImagePlane.from_dataset(headers[k])
        row = {"patient_id": "P001", "date": "2024-03-01", "visit": "baseline",
               "lesion_id": lesion, "kind": kind, "organ": organ, "nodal": nodal,
               "status": "measured" if kind == "target" else "present",
               "sop_instance_uid": headers[k].SOPInstanceUID}
        for prefix, line in (("ld", ld), ("sa", sa)):
            if line is None:
                continue
            mm = plane.pixel_to_patient_mm(np.array([[line[0], line[1]], [line[2], line[3]]]))
            row[f"{prefix}_mm"] = float(np.linalg.norm(mm[1] - mm[0]))
            for i in (0, 1):
                for a, v in zip("xyz", mm[i]):
                    row[f"{prefix}_{a}{i + 1}"] = float(v)
        rows.append(row)
    return pd.DataFrame(rows)


def test_dcmjs_restores_our_lesions_as_ohif_tools_with_their_labels(ct_series, tmp_path,
                                                                    node):
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in ct_series]
    table = _table(headers)
    out, _ = export_sr(table, ct_series[0].parent, tmp_path / "ours.dcm")
    done = subprocess.run([node, str(NODE_DIR / "read_sr_as_ohif.js"), str(out)],
                          capture_output=True, text=True, check=False, timeout=120,
                          cwd=NODE_DIR)
    assert done.returncode == 0, done.stderr
    restored = json.loads(done.stdout)
    assert sorted(restored) == ["Bidirectional", "Length"]
    by_label = {m["label"]: m for tool in restored.values() for m in tool}
    assert sorted(by_label) == ["Liver met 2", "N1", "X1"]
    for lesion, _, _, _, k, ld, sa in LESIONS:
        got = by_label[lesion]
        assert got["sop"] == headers[k].SOPInstanceUID
        # SCOORD holds float32 pixel coordinates
        np.testing.assert_allclose(got["handles"]["start"] + got["handles"]["end"], ld,
                                   atol=1e-4)
        want = table.set_index("lesion_id").loc[lesion]
        if sa is None:
            assert got["length"] == pytest.approx(want["ld_mm"], abs=1e-6)
            continue
        np.testing.assert_allclose(
            got["handles"]["perpendicularStart"] + got["handles"]["perpendicularEnd"], sa,
            atol=1e-4)
        assert got["longestDiameter"] == pytest.approx(want["ld_mm"], abs=1e-6)
        assert got["shortestDiameter"] == pytest.approx(want["sa_mm"], abs=1e-6)


def test_our_reader_reads_the_ohif_encoding_back_to_the_same_lesions(ct_series, tmp_path):
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in ct_series]
    out, _ = export_sr(_table(headers), ct_series[0].parent, tmp_path / "ours.dcm")
    result = measure_sr([out], [ct_series[0].parent])
    table = result.table.set_index("lesion_id")
    assert sorted(table.index) == ["Liver met 2", "N1", "X1"]
    assert table.loc["X1", "organ"] == "omentum" and table.loc["X1", "kind"] == "non-target"
    assert bool(table.loc["N1", "nodal"])
    assert "sr-unnamed-lesion" not in [f.code for f in result.findings]
    sr = pydicom.dcmread(out)
    identifiers = {item.TextValue for group in sr.ContentSequence[-1].ContentSequence
                   for item in group.ContentSequence
                   if item.ConceptNameCodeSequence[0].CodeValue == "112039"}
    assert identifiers == {"cornerstoneTools@^4.0.0:Bidirectional",
                           "cornerstoneTools@^4.0.0:Length"}
    schemes = {item.ConceptCodeSequence[0].CodingSchemeDesignator
               for group in sr.ContentSequence[-1].ContentSequence
               for item in group.ContentSequence
               if item.ConceptNameCodeSequence[0].CodeValue == "363698007"}
    assert schemes == {"SCT"}  # liver, lymph node, omentum: standard codes, none private


def test_each_group_carries_its_label_as_the_comment_ohif3_reads(ct_series, tmp_path):
    # @cornerstonejs/adapters (OHIF 3) take a measurement's label from TEXT (121106, DCM,
    # "Comment"); tests/recist/pipeline/viewer/test_ohif_round_trip.py checks it in OHIF.
    headers = [pydicom.dcmread(p, stop_before_pixels=True) for p in ct_series]
    out, _ = export_sr(_table(headers), ct_series[0].parent, tmp_path / "ours.dcm")
    sr = pydicom.dcmread(out)
    comments = {}
    for group in sr.ContentSequence[-1].ContentSequence:
        items = {item.ConceptNameCodeSequence[0].CodeValue: item
                 for item in group.ContentSequence}
        comment = items["121106"]
        assert (comment.ValueType, comment.RelationshipType) == ("TEXT", "CONTAINS")
        comments[items["121071"].ConceptCodeSequence[0].CodeMeaning] = comment.TextValue
    assert comments == {"Liver met 2": "Liver met 2", "N1": "N1", "X1": "X1"}
