"""Print every benchmark's saved figures as one table (the last step of ``make bench``).

Reads ``benchmarks/.work/results/*.json`` (written by each benchmark through
``benchmarks/harness.save_rows``) and prints, under the date, machine and load average of
each run, one line per figure: ours, the reference measured in the same run, the
per-round ratio (median and minimum over the interleaved rounds), the target and whether
it is met. ``--markdown`` prints the same table as Markdown (what the README quotes).

Usage: ``.venv/bin/python benchmarks/report.py [--markdown] [--results DIR] [--only NAME]``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import RESULTS, load_results

COLUMNS = ("benchmark", "case", "ours", "reference", "ratio median (min)", "target", "met",
           "note")


def number(value: float | None) -> str:
    """A figure with the precision it deserves: 1,523,004 / 52.3 / 3.27 / 0.412."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _ratio(row: dict[str, Any]) -> str:
    if row.get("ratio_median") is None:
        return ""
    return f"{number(row['ratio_median'])}× ({number(row['ratio_min'])}×)"


def table_rows(results: list[dict[str, Any]],
               only: str | None = None) -> list[tuple[str, ...]]:
    lines = []
    for result in results:
        for row in result["rows"]:
            if only is not None and row["benchmark"] != only:
                continue
            unit = row["unit"]
            reference = row.get("reference") or ""
            if row.get("reference_value") is not None:
                reference = f"{reference} {number(row['reference_value'])} {unit}".strip()
            met = {True: "yes", False: "NO", None: ""}[row.get("met")]
            lines.append((row["benchmark"], row["case"], f"{number(row['value'])} {unit}",
                          reference, _ratio(row), row.get("target") or "", met,
                          row.get("note") or ""))
    return lines


def stamps(results: list[dict[str, Any]]) -> list[str]:
    out = []
    for result in results:
        machine = result["machine"]
        load = ", ".join(f"{x:.2f}" for x in machine["load_average"])
        out.append(f"{result['benchmark']}: {machine['date_utc']} UTC, {machine['cpu']}, "
                   f"{machine['cores']} cores, {machine['memory_gib']} GiB, Python "
                   f"{machine['python']}, load average {load} (1/5/15 min, at the end)")
    return out


def render_text(lines: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(COLUMNS, *lines)]
    rule = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)), rule]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)) for line in lines]
    return "\n".join(out)


def render_markdown(lines: list[tuple[str, ...]]) -> str:
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--only", metavar="BENCHMARK",
                        help="only the rows of this benchmark column (e.g. scaling)")
    args = parser.parse_args(argv)
    results = load_results(args.results)
    if not results:
        print(f"no benchmark results in {args.results}: run `make bench`", file=sys.stderr)
        return 1
    lines = table_rows(results, args.only)
    print(render_markdown(lines) if args.markdown else render_text(lines))
    print()
    for stamp in stamps(results):
        print(stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
