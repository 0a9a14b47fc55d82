"""One seam for annotation sources: a source registered in ``recist.pipeline.sources`` is
an option of ``recist measure`` and a column of its manifest, with nothing else changed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recist.cli import EXIT_INPUT_ERROR, main
from recist.pipeline.measure import MEASUREMENT_COLUMNS, MeasureResult
from recist.pipeline.sources import (
    SOURCES,
    AnnotationSource,
    Source,
    SourceSpec,
    get_source,
    register_source,
    unregister_source,
)


def measure_toy(series_dir: str | Path, spec: SourceSpec) -> MeasureResult:
    """A viewer's export in a made-up format: ``lesion_id ld_mm`` per line."""
    rows = []
    for line in spec.path.read_text().splitlines():
        lesion_id, ld_mm = line.split()
        rows.append({"patient_id": spec.patient_id or "TOY", "date": spec.date or "2024-01-02",
                     "visit": spec.visit, "lesion_id": lesion_id, "kind": spec.default_kind,
                     "organ": "liver", "nodal": False, "ld_mm": float(ld_mm),
                     "status": "measured", "method": "toy",
                     "series_uid": Path(series_dir).name})
    return MeasureResult(pd.DataFrame(rows, columns=list(MEASUREMENT_COLUMNS)))


@pytest.fixture
def toy():
    source = register_source(Source(name="toy", measure_with=measure_toy,
                                    help="a toy viewer export", metavar="TXT"))
    yield source
    unregister_source("toy")


def test_built_in_sources_share_one_interface():
    assert list(SOURCES) == ["lines", "masks", "sr", "seg", "rtstruct"]
    for source in SOURCES.values():
        assert isinstance(source, AnnotationSource)
        assert source.option == f"--{source.name}"


def test_a_registered_source_is_a_measure_option(toy, tmp_path, capsys):
    (tmp_path / "ct").mkdir()
    (tmp_path / "lesions.txt").write_text("T1 21.5\nT2 12.0\n")
    out = tmp_path / "m.csv"
    status = main(["measure", "--series", str(tmp_path / "ct"), "--toy",
                   str(tmp_path / "lesions.txt"), "--visit", "V0", "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    table = pd.read_csv(out)
    assert table[["lesion_id", "ld_mm", "visit", "method", "series_uid"]].values.tolist() == [
        ["T1", 21.5, "V0", "toy", "ct"], ["T2", 12.0, "V0", "toy", "ct"]]


def test_a_registered_source_is_a_manifest_column(toy, tmp_path, capsys):
    for visit in ("V0", "V1"):
        (tmp_path / visit).mkdir()
        (tmp_path / visit / "lesions.txt").write_text(f"T1 {20 if visit == 'V0' else 10}\n")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("patient_id,visit,date,series_dir,toy\n"
                        "P1,V0,2024-01-08,V0,V0/lesions.txt\n"
                        "P1,V1,2024-03-11,V1,V1/lesions.txt\n")
    out = tmp_path / "m.csv"
    status = main(["measure", "--manifest", str(manifest), "--workers", "1",
                   "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    table = pd.read_csv(out)
    assert table[["patient_id", "visit", "date", "ld_mm"]].values.tolist() == [
        ["P1", "V0", "2024-01-08", 20.0], ["P1", "V1", "2024-03-11", 10.0]]


def test_the_help_lists_a_registered_source(toy, capsys):
    with pytest.raises(SystemExit):
        main(["measure", "--help"])
    assert "--toy TXT" in capsys.readouterr().out


def test_an_unregistered_source_is_gone(tmp_path, capsys):
    assert "toy" not in SOURCES
    with pytest.raises(SystemExit) as exit_status:  # a usage error
        main(["measure", "--series", str(tmp_path), "--toy", "x",
              "--out", str(tmp_path / "m.csv")])
    assert exit_status.value.code == EXIT_INPUT_ERROR
    assert "unrecognized arguments: --toy" in capsys.readouterr().err


def test_names_are_unique_and_not_manifest_columns(toy):
    with pytest.raises(ValueError, match="already registered"):
        register_source(Source(name="toy", measure_with=measure_toy, help=""))
    with pytest.raises(ValueError, match="manifest column"):
        register_source(Source(name="lesions", measure_with=measure_toy, help=""))
    with pytest.raises(KeyError, match="known: lines, masks"):
        get_source("viewer-json")
