"""The README tour as data: its console commands with the output shown under each, and a
comparison of that output with what a command really printed (``…`` elides)."""

from __future__ import annotations

import re

from support.paths import REPO

ELISION = "…"


def _section(heading: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:end if end > 0 else len(text)]


def tour_commands(section: str = "## A five-minute tour") -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of every ``$`` line in the section's console blocks."""
    body = _section(section)
    commands: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", body, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            elif commands:
                commands[-1][1].append(line)
    return commands


def tour_error_examples(section: str = "## A five-minute tour") -> list[str]:
    """The error messages the section quotes in its prose (inline code spans starting
    ``recist <verb>: error:``), as printed on standard error."""
    body = _section(section)
    prose = re.sub(r"```.*?```", "", body, flags=re.S)
    return [span for span in re.findall(r"`([^`\n]+)`", prose)
            if re.match(r"recist [a-z-]+: error: ", span)]


def _line_matches(expected: str, actual: str) -> bool:
    if ELISION not in expected:
        return expected.rstrip() == actual.rstrip()
    parts = expected.rstrip().split(ELISION)
    actual = actual.rstrip()
    if not actual.startswith(parts[0]) or not actual.endswith(parts[-1]):
        return False
    position = len(parts[0])
    for part in parts[1:-1]:
        found = actual.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return position <= len(actual) - len(parts[-1])


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` lines are ``expected``: a line ``…`` alone stands for any lines
    (none included), ``…`` inside a line for any text."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == ELISION:
        return any(output_matches(rest, actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and _line_matches(head, actual[0]) and output_matches(rest,
                                                                              actual[1:])
