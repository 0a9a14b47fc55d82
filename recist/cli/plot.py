"""``recist plot KIND``: waterfall, spider, swimmer, Kaplan-Meier or lesion trajectories."""

from __future__ import annotations

import argparse
from pathlib import Path

from recist.plot_pages import PER_PAGE

__all__ = ["KINDS", "add_parser", "run"]

KINDS = ("waterfall", "spider", "swimmer", "km", "lesions")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``plot`` sub-command."""
    p = subparsers.add_parser(
        "plot", help="standard figures from recist respond outputs",
        description=(
            "Draw one figure to a PNG or SVG file. waterfall: best % change of the target "
            "sum by BOR (needs --timepoints, --summary); spider: % change over time "
            "(--timepoints); swimmer: time on study with responses, PD, deaths "
            "(--timepoints, --summary); km: Kaplan-Meier PFS or DoR with numbers at risk "
            "(--summary); lesions: diameters of one patient's lesions (--measurements, "
            "--patient). --patients adds start dates, deaths and arms."))
    p.add_argument("kind", choices=KINDS, help="which figure")
    p.add_argument("--timepoints", metavar="CSV", help="timepoints.csv of recist respond")
    p.add_argument("--summary", metavar="CSV", help="patient_summary.csv of recist respond")
    p.add_argument("--patients", metavar="CSV", help="patients table")
    p.add_argument("--measurements", metavar="CSV", help="measurements table (lesions)")
    p.add_argument("--patient", metavar="ID", help="patient_id (lesions)")
    p.add_argument("--by-arm", action="store_true", help="group by the patients' arm")
    p.add_argument("--color-by", metavar="COLUMN",
                   help="colour waterfall bars, spider lines, swimmer bars or Kaplan-Meier "
                        "curves by this column of the tables given (arm, evaluator, ...)")
    p.add_argument("--page", type=int, metavar="N",
                   help="waterfall or swimmer: draw page N (from 1) of the patients split "
                        f"into pages of at most {PER_PAGE}, 8 pt labels (default: every "
                        "patient on one figure sized to fit)")
    p.add_argument("--group", metavar="VALUE",
                   help="spider: draw only the lines whose --color-by (or --by-arm) value "
                        "is VALUE, e.g. one arm, on the axis ranges of all lines")
    p.add_argument("--endpoint", choices=("pfs", "dor"), default="pfs",
                   help="Kaplan-Meier endpoint (default pfs)")
    p.add_argument("--out", required=True, metavar="FILE", help="output .png or .svg")
    p.set_defaults(func=run)
    return p


# Columns each input table must have, and the file of ``recist respond`` that has them.
_NEEDED = {
    "--timepoints": (("patient_id", "date", "pct_from_baseline"), "timepoints.csv"),
    "--summary": (("patient_id", "bor"), "patient_summary.csv"),
}


def _table(path: str | None, option: str, kind: str):
    from recist.table import read_csv_table

    if not path:
        raise ValueError(f"recist plot {kind} needs {option} FILE")
    frame = read_csv_table(path, option.lstrip("-") + " table")
    needed, produced_by = _NEEDED[option]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{option} {path}: missing column(s) {', '.join(missing)} (found "
            f"{', '.join(map(str, frame.columns[:8])) or 'none'}); give the {produced_by} "
            "written by recist respond")
    return frame


def _page(args: argparse.Namespace, kind: str) -> int | None:
    """``--page N`` as the 0-based page of ``recist.plots`` (None without it)."""
    if args.page is None:
        return None
    if kind not in ("waterfall", "swimmer"):
        raise ValueError(f"--page: only the waterfall and the swimmer have pages, not {kind}")
    if args.page < 1:
        raise ValueError(f"--page {args.page}: pages are numbered from 1")
    return args.page - 1


def _rows_shown(n_rows: int, page: int | None) -> int:
    """Patients on the figure: all of them, or those of ``page`` (an error naming the
    pages there are when it does not exist)."""
    from recist.plot_pages import page_count, page_rows

    if page is None:
        return n_rows
    if page >= page_count(n_rows):
        raise ValueError(f"--page {page + 1}: {n_rows} patient(s) make "
                         f"{page_count(n_rows)} page(s) of at most {PER_PAGE}")
    rows = page_rows(n_rows, page)
    return rows.stop - rows.start


def run(args: argparse.Namespace) -> int:
    """Run ``recist plot``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=False)
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"--out {out}: the figure is written as .png or .svg; give a file "
                         "name ending in one of them")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from recist import plots
    from recist.outputs import make_output_folder

    patients = None
    if args.patients:
        from recist.patients import read_patients

        patients = read_patients(args.patients)
    kind = args.kind
    page = _page(args, kind)
    if args.group is not None and kind != "spider":
        raise ValueError(f"--group: only the spider draws one group's lines, not {kind}")
    if kind == "waterfall":
        timepoints = _table(args.timepoints, "--timepoints", kind)
        _figure, axes = plt.subplots(figsize=plots.page_figure_size(
            "waterfall", _rows_shown(len(plots.best_pct_change(timepoints)), page)))
        ax = plots.plot_waterfall(timepoints, _table(args.summary, "--summary", kind),
                                  patients, ax=axes, by_arm=args.by_arm,
                                  color_by=args.color_by, page=page)
    elif kind == "spider":
        ax = plots.plot_spider(_table(args.timepoints, "--timepoints", kind), patients,
                               by_arm=args.by_arm, color_by=args.color_by, group=args.group)
    elif kind == "swimmer":
        timepoints = _table(args.timepoints, "--timepoints", kind)
        _figure, axes = plt.subplots(figsize=plots.page_figure_size(
            "swimmer", _rows_shown(timepoints["patient_id"].nunique(), page)))
        ax = plots.plot_swimmer(_table(args.summary, "--summary", kind), timepoints,
                                patients, ax=axes, color_by=args.color_by, page=page)
    elif kind == "km":
        ax = plots.plot_kaplan_meier(_table(args.summary, "--summary", kind), patients,
                                     endpoint=args.endpoint, color_by=args.color_by or "arm")
    else:
        from recist.table import read_measurements

        if not args.measurements or not args.patient:
            raise ValueError("recist plot lesions needs --measurements FILE and --patient ID")
        ax = plots.plot_lesion_trajectories(read_measurements(args.measurements),
                                            args.patient)
    make_output_folder(out.parent)
    temporary = out.with_name(f".{out.stem}.tmp{out.suffix}")
    try:
        ax.figure.savefig(temporary, bbox_inches="tight", dpi=120)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
        plt.close("all")
    print(f"recist plot: {kind} written to {out}")
    return 0
