"""The documentation in docs/ describes the code as it is.

* every rule id the code cites (docstrings, messages, ``reasons``) is a rule of
  docs/rules.md;
* docs/cli.md has a section for every sub-command registered in ``recist.cli`` and
  mentions each of its options;
* the input table columns of docs/tables.md are the ones the readers expect;
* the repository's own documents point inside the repository, never at files beside it.
"""

from __future__ import annotations

import argparse
import re

import pytest

from support.paths import REPO

DOCS = REPO / "docs"
RULE_ID = (r"(?:MEAS|SEL|SUM|TGT|NT|NEW|OVR|NE|BOR|CONF|TTE|DEC|UNC|IR|WHO|VOL|AGR)"
           r"-[A-Za-z0-9/-]*[A-Za-z0-9]")
CITED = re.compile(rf"(?<![A-Za-z0-9-]){RULE_ID}")


def _read(name: str) -> str:
    path = DOCS / name
    assert path.is_file(), f"{path} is missing"
    return path.read_text(encoding="utf-8")


def defined_rules() -> set[str]:
    """Ids defined in docs/rules.md: a heading starting with the id, or a table row whose
    first cell is the id (the format test_rule_coverage.py parses)."""
    text = _read("rules.md")
    return (set(re.findall(rf"^#+ ({RULE_ID})(?: |$)", text, re.MULTILINE))
            | set(re.findall(rf"^\| ({RULE_ID}) \|", text, re.MULTILINE)))


def cited_in_code() -> dict[str, str]:
    """Rule id -> the first file (relative path) of recist/ or dicom_io/ citing it."""
    cited: dict[str, str] = {}
    for package in ("recist", "dicom_io"):
        for path in sorted((REPO / package).rglob("*.py")):
            for rule in CITED.findall(path.read_text(encoding="utf-8")):
                cited.setdefault(rule, str(path.relative_to(REPO)))
    return cited


def resolve(cited: str, defined: set[str]) -> list[str]:
    """The rule ids a citation names: itself, or a short form spelled out.

    ``MEAS-5/6`` → MEAS-5, MEAS-6; ``OVR-T1-7/8/9`` → OVR-T1-7, OVR-T1-8, OVR-T1-9;
    ``OVR-T1`` (a whole table) → its rows; ``DEC-n`` (any decision) → the decisions.
    """
    if cited in defined:
        return [cited]
    if "/" in cited:
        head, *tails = cited.split("/")
        prefix = head.rsplit("-", 1)[0] + "-"
        return [head, *(prefix + tail for tail in tails)]
    if cited == "DEC-n":
        return sorted(rule for rule in defined if rule.startswith("DEC-"))
    return sorted(rule for rule in defined if rule.startswith(cited + "-")) or [cited]


def test_every_rule_id_cited_by_the_code_is_in_the_rule_book():
    defined = defined_rules()
    assert len(defined) > 100
    cited = cited_in_code()
    assert len(cited) > 50  # the scan found the code's citations
    unknown = {rule: where for rule, where in cited.items()
               if not set(resolve(rule, defined)) <= defined}
    assert unknown == {}, "cited in the code but not defined in docs/rules.md"


def test_resolve_short_forms():
    defined = {"MEAS-5", "MEAS-6", "OVR-T1-1", "OVR-T1-2", "DEC-1", "NT-NON-CR/NON-PD"}
    assert resolve("MEAS-5/6", defined) == ["MEAS-5", "MEAS-6"]
    assert resolve("OVR-T1", defined) == ["OVR-T1-1", "OVR-T1-2"]
    assert resolve("NT-NON-CR/NON-PD", defined) == ["NT-NON-CR/NON-PD"]
    assert resolve("DEC-n", defined) == ["DEC-1"]
    assert resolve("SUM-9", defined) == ["SUM-9"]  # unknown: stays unresolved


# --- docs/cli.md ----------------------------------------------------------------------
def cli_sections() -> dict[str, str]:
    """Sub-command -> the text of its ``## `recist <command>` `` section in docs/cli.md."""
    sections: dict[str, str] = {}
    current = None
    for line in _read("cli.md").splitlines():
        heading = re.fullmatch(r"## `recist ([a-z-]+)`", line)
        if line.startswith("## "):
            current = heading.group(1) if heading else None
            if current is not None:
                assert current not in sections, f"two sections for recist {current}"
                sections[current] = ""
            continue
        if current is not None:
            sections[current] += line + "\n"
    return sections


def test_cli_md_has_a_section_for_every_sub_command():
    from recist.cli import _COMMAND_MODULES

    assert sorted(cli_sections()) == sorted(_COMMAND_MODULES)


def test_cli_md_mentions_every_option_of_every_sub_command():
    from recist.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sections = cli_sections()
    missing = {}
    for name, sub in commands.choices.items():
        options = [option for action in sub._actions for option in action.option_strings
                   if option.startswith("--") and option != "--help"]
        absent = [o for o in options if not re.search(rf"`{re.escape(o)}[` ]", sections[name])]
        if absent:
            missing[name] = absent
    assert missing == {}


def test_cli_md_lists_the_exit_statuses_of_the_code():
    from recist.cli import EXIT_INPUT_ERROR, EXIT_INTERNAL_ERROR

    text = _read("cli.md")
    for status in (0, 1, EXIT_INPUT_ERROR, EXIT_INTERNAL_ERROR, 130):
        assert re.search(rf"^\| {status} \|", text, re.MULTILINE), status


# --- docs/tables.md -------------------------------------------------------------------
def table_columns(heading: str) -> list[str]:
    """Names in backticks in the first cell of each row of the first table under
    ``heading`` (a whole heading line) in docs/tables.md."""
    lines = _read("tables.md").splitlines()
    assert heading in lines, heading
    start = lines.index(heading) + 1
    while not lines[start].startswith("|"):
        assert not lines[start].startswith("#"), f"no table under {heading!r}"
        start += 1
    names = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        names += re.findall(r"`([^`]+)`", line.strip().strip("|").split("|")[0])
    return names


def test_tables_md_measurements_table():
    from recist.table import CORE_COLUMNS, STATUSES

    assert table_columns("## The measurements table") == list(CORE_COLUMNS)
    lines = _read("tables.md").splitlines()
    start = lines.index("### Statuses by kind")
    documented: dict[str, list[str]] = {}
    for line in lines[start:]:
        row = re.match(r"\| (target|non-target|new) \| `([a-z_]+)` \|", line)
        if row:
            documented.setdefault(row.group(1), []).append(row.group(2))
        elif documented and not line.startswith("|"):
            break
    assert documented == {kind: list(statuses) for kind, statuses in STATUSES.items()}


def test_tables_md_columns_written_by_measure():
    from recist.pipeline.measure import MEASUREMENT_COLUMNS
    from recist.table import CORE_COLUMNS

    assert (table_columns("### Columns added by `recist measure`")
            == [c for c in MEASUREMENT_COLUMNS if c not in CORE_COLUMNS])


@pytest.mark.parametrize("heading, columns", [
    ("## The patients table", "recist.patients:PATIENT_COLUMNS"),
    ("## The lesions table (`--lesions`)", "recist.oligo.lesion_history:LESION_HISTORY_COLUMNS"),
    ("## The therapies table (`--therapies`)", "recist.oligo.therapies:THERAPY_COLUMNS"),
    ("## The scan history (`--scans`)", "recist.oligo.scan_history:SCAN_HISTORY_COLUMNS"),
    ("## The drawn-lines CSV (`recist measure --lines`)", "dicom_io.annotations:LINE_COLUMNS"),
    ("## The label-mask lesions CSV (`recist measure --masks LABELS --lesions CSV`)",
     "dicom_io.annotations:LESION_COLUMNS"),
    ("## The manifest CSV (`recist measure --manifest`)", "manifest"),
    ("### `lesions.csv` (baseline)", None),
    ("### `patients.csv` (baseline)", "recist.baseline_rules:PATIENT_COLUMNS"),
])
def test_tables_md_input_and_baseline_tables(heading, columns):
    import importlib

    if columns is None:  # lesions.csv: LESION_COLUMNS, grouped differently in the doc
        from recist.baseline_rules import LESION_COLUMNS

        assert sorted(table_columns(heading)) == sorted(LESION_COLUMNS)
        return
    if columns == "manifest":
        from recist.pipeline.manifest import manifest_columns

        assert table_columns(heading) == list(manifest_columns())
        return
    module, name = columns.split(":")
    expected = list(getattr(importlib.import_module(module), name))
    assert table_columns(heading) == expected


# --- self-contained -------------------------------------------------------------------
@pytest.mark.parametrize("document", ["README.md", "docs/README.md", "docs/rules.md",
                                      "docs/tables.md", "docs/cli.md"])
def test_documents_point_inside_the_repository(document):
    text = (REPO / document).read_text(encoding="utf-8")
    outside_folder = "/".join(("..", "shared"))  # the team's folder beside the clone
    for outside in (outside_folder, "RECIST_RULES.md", "DESIGN.md"):
        assert outside not in text, f"{document} mentions {outside}"
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert ((REPO / document).parent / target).exists(), f"{document}: {target}"


def test_docs_index_lists_the_documents():
    text = _read("README.md")
    for name in ("rules.md", "tables.md", "cli.md", "../sample_data/README.md"):
        assert f"]({name})" in text, name
