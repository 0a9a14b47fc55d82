"""``recist plot --page N`` (one page of a waterfall or swimmer) and ``--group VALUE`` (one
spider panel); bad values refused in one line."""

from __future__ import annotations

import pytest

from support.paths import SAMPLE_DATA

COHORT = SAMPLE_DATA / "cohort"


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    from recist.cli import main

    out = tmp_path_factory.mktemp("respond")
    assert main(["respond", str(COHORT / "measurements.csv"), "--patients",
                 str(COHORT / "patients.csv"), "--out", str(out), "-q"]) == 0
    return out


def _plot(responses, kind: str, out, *extra: str) -> int:
    from recist.cli import main

    return main(["plot", kind, "--timepoints", str(responses / "timepoints.csv"),
                 "--summary", str(responses / "patient_summary.csv"), "--patients",
                 str(COHORT / "patients.csv"), "--out", str(out), *extra])


@pytest.mark.parametrize("kind", ["waterfall", "swimmer"])
def test_page_of_a_cohort(tmp_path, responses, kind, capsys):
    out = tmp_path / f"{kind}.svg"
    assert _plot(responses, kind, out, "--page", "1") == 0
    assert b"<svg" in out.read_bytes()[:400]
    assert f"{kind} written to" in capsys.readouterr().out


@pytest.mark.parametrize("kind,page,message", [
    ("swimmer", "2", "--page 2: 60 patient(s) make 1 page(s) of at most 60"),
    ("waterfall", "0", "--page 0: pages are numbered from 1"),
    ("spider", "1", "--page: only the waterfall and the swimmer have pages, not spider"),
])
def test_bad_page_is_one_line(tmp_path, responses, kind, page, message, capsys):
    out = tmp_path / "x.png"
    assert _plot(responses, kind, out, "--page", page) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not out.exists()


def test_spider_panel_of_one_arm(tmp_path, responses, capsys):
    out = tmp_path / "spider.svg"
    assert _plot(responses, "spider", out, "--by-arm", "--group", "Immediate therapy") == 0
    assert b"Spider plot: Immediate therapy" in out.read_bytes()
    assert _plot(responses, "spider", out, "--by-arm", "--group", "Other arm") == 2
    assert "spider: no line has arm 'Other arm'" in capsys.readouterr().err
    assert _plot(responses, "swimmer", out, "--group", "Other arm") == 2
    assert "--group: only the spider draws one group's lines, not swimmer" in (
        capsys.readouterr().err)


def test_page_help_quotes_the_page_size_of_the_plots(capsys, monkeypatch):
    """The help's page size is the one the figures use (one home: recist.plot_pages)."""
    import recist.plot_pages
    import recist.plots
    from recist.cli import main

    assert recist.plots.PER_PAGE is recist.plot_pages.PER_PAGE
    monkeypatch.setenv("COLUMNS", "200")  # one help line per option
    with pytest.raises(SystemExit):
        main(["plot", "--help"])
    assert f"pages of at most {recist.plot_pages.PER_PAGE}, 8 pt" in capsys.readouterr().out
