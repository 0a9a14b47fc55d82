"""``recist.outputs.write_atomic``: a size given beforehand reserves the file's space
(``posix_fallocate``) and never changes what is written."""

from __future__ import annotations

import os

import pytest

from recist.outputs import write_atomic


@pytest.mark.parametrize("size", [None, 0, 3, 10, 100, 1 << 20])
def test_the_file_holds_exactly_what_was_written_whatever_size_said(tmp_path, size):
    target = tmp_path / "out.csv"
    target.write_bytes(b"an older, longer file" * 10)
    write_atomic(target, lambda handle: (handle.write(b"head\n"), handle.write(b"body\n")),
                 size=size)
    assert target.read_bytes() == b"head\nbody\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_refused_reservation_is_left_to_the_writes(tmp_path, monkeypatch):
    def refuse(descriptor, offset, length):
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "posix_fallocate", refuse, raising=False)
    write_atomic(tmp_path / "a.csv", lambda handle: handle.write(b"x,y\n"), size=4)
    assert (tmp_path / "a.csv").read_bytes() == b"x,y\n"


def test_a_failure_part_way_leaves_no_file_and_the_older_one_untouched(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"older")

    def fails(handle):
        handle.write(b"half a table")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        write_atomic(target, fails, size=1 << 20)
    assert target.read_bytes() == b"older"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
