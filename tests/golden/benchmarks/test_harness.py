"""The shared benchmark harness: rotation, warm-up, per-round ratios, workers, the table."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from support.paths import REPO

BENCHMARKS = REPO / "benchmarks"


def _load(name):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


harness = _load("harness")


def test_rounds_rotate_after_warmup_and_ratios_are_per_round():
    calls = []
    # self-timed methods (they return their seconds): exact, deterministic figures
    times = {"a": iter([9.0, 2.0, 4.0, 8.0]), "b": iter([9.0, 1.0, 1.0, 2.0])}

    def method(name):
        def run():
            calls.append(name)
            return next(times[name])
        return run

    result = harness.compare({"a": method("a"), "b": method("b")}, rounds=3, warmup=1)
    # warm-up a b, then rounds: a b / b a / a b
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]
    assert result.orders == [["a", "b"], ["b", "a"], ["a", "b"]]
    assert result.seconds == {"a": [2.0, 4.0, 8.0], "b": [1.0, 1.0, 2.0]}
    assert result.ratios("a", "b") == [2.0, 4.0, 4.0]
    assert result.ratio("a", "b") == (2.0, 4.0)
    assert result.min("a") == 2.0 and result.median("a") == 4.0
    assert len(result.load_before) == 3


def test_three_methods_each_lead_one_round():
    order = []
    methods = {name: (lambda name=name: order.append(name)) for name in "xyz"}
    result = harness.compare(methods, rounds=3, warmup=0)
    assert [round_[0] for round_ in result.orders] == ["x", "y", "z"]
    assert order == list("xyz" "yzx" "zxy")
    assert all(len(v) == 3 and all(t >= 0 for t in v) for v in result.seconds.values())


def test_rounds_must_be_positive():
    with pytest.raises(ValueError, match="rounds"):
        harness.compare({"a": lambda: None}, rounds=0)


def test_worker_runs_named_functions_in_another_process():
    setup = "import os\ndef pid():\n    return os.getpid()\n"
    with harness.Worker(sys.executable, setup) as worker:
        seconds = worker.call("pid")
        assert 0 <= seconds < 5
        assert isinstance(worker.last_result, int)
        assert worker.last_result != __import__("os").getpid()
        timed = worker.method("pid")
        assert isinstance(timed(), float)
    assert worker.process.poll() == 0


def test_worker_reports_its_cpu_time_apart_from_the_wall_clock():
    # the child sleeps (wall clock, no CPU), then spins (CPU)
    setup = ("import time\n"
             "def sleep():\n    time.sleep(0.3)\n"
             "def spin():\n    end = time.process_time() + 0.2\n"
             "    while time.process_time() < end:\n        pass\n")
    with harness.Worker(sys.executable, setup) as worker:
        assert worker.call("sleep") >= 0.3
        assert worker.call("sleep", cpu=True) < 0.1
        assert worker.method("spin", cpu=True)() >= 0.2


def test_saved_rows_print_as_one_table(tmp_path, capsys):
    report = _load("report")
    row = harness.Row(benchmark="demo", case="respond 1.4 M rows", value=1_523_004.4,
                      unit="rows/s", reference="pyrecist", reference_value=21_000.0,
                      ratio_min=60.2, ratio_median=72.53, target=">= 50x", met=True,
                      note="3 rounds")
    path = harness.save_rows("demo", [row], results=tmp_path)
    assert path.name == "demo.json" and not list(tmp_path.glob("*.tmp"))
    assert report.main(["--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("demo"))
    assert "1,523,004 rows/s" in line and "pyrecist 21,000 rows/s" in line
    assert "72.5× (60.2×)" in line and line.rstrip().endswith("yes  3 rounds")
    assert "load average" in out and "UTC" in out
    assert report.main(["--results", str(tmp_path), "--markdown"]) == 0
    assert "| demo | respond 1.4 M rows |" in capsys.readouterr().out


def test_no_results_is_an_error(tmp_path, capsys):
    report = _load("report")
    assert report.main(["--results", str(tmp_path / "none")]) == 1
    assert "make bench" in capsys.readouterr().err


def test_cpu_timed_counts_this_process_cpu_not_the_wall_clock():
    """A method that sleeps costs almost no CPU: the harness reads the returned float."""
    import time

    harness = _load("harness")
    sleeping = harness.cpu_timed(lambda: time.sleep(0.2))
    assert sleeping() < 0.05
    spinning = harness.cpu_timed(lambda: sum(i * i for i in range(300_000)))
    assert spinning() > 0.0


def test_cpu_timed_logs_the_wall_clock_of_each_call_when_asked():
    """The same call's wall time goes to ``walls``: a sleep shows there, not in the CPU."""
    import time

    harness = _load("harness")
    walls: list[float] = []
    sleeping = harness.cpu_timed(lambda: time.sleep(0.1), walls)
    cpu = sleeping()
    sleeping()
    assert len(walls) == 2 and min(walls) >= 0.1 and cpu < 0.05


def test_process_timed_counts_the_child_process_cpu_not_its_wall_clock():
    """A child that sleeps costs little CPU (its start-up), one that spins costs its spin;
    the wall clock of each goes to ``usage``; a failing child is an error."""
    harness = _load("harness")
    usage: list[tuple[float, float, float]] = []
    sleeping = harness.process_timed([sys.executable, "-c", "import time; time.sleep(0.4)"],
                                     usage)
    spin = ("import time\nend = time.process_time() + 0.5\n"
            "while time.process_time() < end:\n    pass\n")
    spinning = harness.process_timed([sys.executable, "-c", spin], usage)
    assert sleeping() < 0.3
    assert spinning() >= 0.5
    assert len(usage) == 2 and usage[0][2] >= 0.4 and usage[1][0] + usage[1][1] >= 0.5
    failing = harness.process_timed([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match="status 3"):
        failing()
