"""The progress bar of ``recist report`` and the demo's steps (issue 14)."""

from __future__ import annotations

import io

from recist.pipeline.progress import progress_bar


def test_no_bar_when_not_shown(capsys):
    with progress_bar(False, "quiet step", "step") as tick:
        assert tick is None  # nothing to call
    assert capsys.readouterr().err == ""


def test_the_bar_is_drawn_at_once_counts_to_its_total_and_is_erased(monkeypatch):
    terminal = io.StringIO()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress_bar(True, "shown step", "step") as tick:
        assert tick is not None
        assert "shown step: " in terminal.getvalue()  # before the first tick
        tick(0, 3)
        assert "0/3 [" in terminal.getvalue()  # redrawn with its total
        for done in range(1, 4):
            tick(done, 3)
    drawn = terminal.getvalue()
    assert drawn.endswith("\r") and "step" in drawn  # erased at the end
