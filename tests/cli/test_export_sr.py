"""``recist export-sr`` end to end, in-process (main) and error path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydicom

from dicom_io.sr import ImagePlane, read_measurement_report
from recist.cli import EXIT_INPUT_ERROR, main


def _write_table(ct_series, path):
    header = pydicom.dcmread(ct_series[2], stop_before_pixels=True)
    plane = ImagePlane.from_dataset(header)
    ends = plane.pixel_to_patient_mm(np.array([[8.5, 10.5], [28.5, 10.5]]))  # 20 cols: 14 mm
    row = {"patient_id": "P001", "date": "2024-03-01", "visit": "baseline",
           "lesion_id": "L7", "kind": "target", "organ": "liver", "nodal": "false",
           "ld_mm": 14.0, "status": "measured",
           "sop_instance_uid": header.SOPInstanceUID}
    for i in (0, 1):
        for a, v in zip("xyz", ends[i]):
            row[f"ld_{a}{i + 1}"] = v
    pd.DataFrame([row]).to_csv(path, index=False)


def test_export_sr_command_writes_a_report_that_reads_back(ct_series, tmp_path, capsys):
    table = tmp_path / "m.csv"
    _write_table(ct_series, table)
    out = tmp_path / "out" / "sr.dcm"
    status = main(["export-sr", str(table), "--series", str(ct_series[0].parent),
                   "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    lines = read_measurement_report(out).lines
    assert [(x.lesion_id, x.axis, x.organ, x.stated_value) for x in lines] == [
        ("L7", "long", "Liver", 14.0)]
    assert lines[0].points_px == ((8.5, 10.5), (28.5, 10.5))


def test_export_sr_on_the_wrong_series_is_one_line_error(ct_series, tmp_path, capsys,
                                                         ct_factory):
    table = tmp_path / "m.csv"
    _write_table(ct_series, table)
    other = ct_factory(tmp_path / "other", seed="other")
    status = main(["export-sr", str(table), "--series", str(other[0].parent),
                   "--out", str(tmp_path / "sr.dcm")])
    err = capsys.readouterr().err
    assert status == EXIT_INPUT_ERROR
    assert "no row references an image of the series" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "sr.dcm").exists()
