"""The fuzzer in ``make test`` (issue #13): a short deterministic run and every seed kept
in ``regressions.txt`` end without an internal error, a hang, an identifier in a message,
a refusal that is not one short line, or an impossible number written.

The long run is ``make fuzz`` (``tests/fuzz/run_fuzz.py``, 10,000 cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .fuzzer import read_regressions, run

HERE = Path(__file__).parent
SHORT_RUN = range(500)  # seeds 0-499: about 500 cases, 20-40 s

def _check(report) -> None:
    assert report.failures == [], report.summary()


@pytest.mark.slow
def test_a_short_fuzz_run_finds_nothing(tmp_path):
    report = run(SHORT_RUN, tmp_path, timeout=20.0)
    assert report.cases == len(SHORT_RUN)
    print(report.summary())
    _check(report)


def test_every_kept_failing_seed_passes(tmp_path):
    seeds = read_regressions(HERE / "regressions.txt")
    assert len(seeds) >= 40
    _check(run(seeds, tmp_path, timeout=20.0))


def test_cases_are_deterministic(tmp_path):
    from .fuzzer import Templates, build_case

    templates = Templates.build(tmp_path / "templates")
    first = build_case(1234, tmp_path / "a", templates)
    second = build_case(1234, tmp_path / "b", templates)
    assert (first.family, first.description) == (second.family, second.description)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*")
                   if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*")
                           if p.is_file())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
