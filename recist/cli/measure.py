"""``recist measure``: lesion diameters in mm from annotations on a CT series.

The annotation options (``--lines``, ``--masks``, ``--sr``, ``--seg``, ``--rtstruct`` …)
are those of the registered sources (``recist.pipeline.sources.SOURCES``): a source
registered there is an option here and a manifest column, and this module dispatches to
it without knowing it.
"""

from __future__ import annotations

import argparse
import sys

from recist.cli._arguments import positive_workers

__all__ = ["add_parser", "run"]

_INTRO = """\
Measure lesions on a DICOM CT series and write the measurements table (docs/tables.md
columns plus provenance: series/SOP UIDs, slice, method, LD/SA endpoints in patient mm,
volume). Give the series with --series DIR (or --dicomweb URL --study UID --series-uid UID
to read it from a PACS) and one annotation source:
"""

_MANIFEST = (
    "Many studies: --manifest CSV (docs/tables.md: patient_id, visit, date, series_dir, "
    "series_uid, one annotation column per source: {columns}, and lesions; paths relative "
    "to the manifest; several SR files in one cell separated by ';'; a row filling both "
    "lines and masks is measured from the lines) measures them in parallel; a failed study "
    "is reported and the others are still written (exit status 1). See docs/cli.md.")


def _sources():
    from recist.pipeline.sources import SOURCES

    return list(SOURCES.values())


def _dest(source) -> str:
    return source.name.replace("-", "_")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``measure`` sub-command, with one option per registered source."""
    import textwrap

    sources = _sources()
    paragraphs = [textwrap.fill(getattr(s, "description", "") or f"{s.option} FILE",
                                width=88, initial_indent="  ", subsequent_indent="    ")
                  for s in sources]
    manifest = _MANIFEST.format(columns=", ".join(s.name for s in sources))
    description = (_INTRO + "\n".join(paragraphs) + "\n\n"
                   + textwrap.fill(manifest, width=90) + "\n")
    p = subparsers.add_parser(
        "measure", help="measure lesions (lines, masks, SR, SEG, RTSTRUCT) on a CT series "
                        "in mm",
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--series", metavar="DIR", help="DICOM series: folder, zip or file")
    where.add_argument("--manifest", metavar="CSV", help="measure every study of a manifest")
    where.add_argument("--dicomweb", metavar="URL",
                       help="read the series from this DICOMweb service root")
    p.add_argument("--series-uid", metavar="UID",
                   help="SeriesInstanceUID to use when DIR holds several series (with "
                        "--dicomweb: the series to fetch)")
    for source in sources:
        p.add_argument(source.option, dest=_dest(source),
                       metavar=getattr(source, "metavar", "FILE"),
                       nargs="+" if getattr(source, "many", False) else None,
                       help=getattr(source, "help", None))
    p.add_argument("--lesions", metavar="CSV",
                   help="label -> lesion table for --masks (or --seg / --rtstruct)")
    p.add_argument("--resample", action="store_true",
                   help="resample a label image that is not on the series grid (nearest "
                        "neighbour) instead of refusing it")
    from recist.vocabulary import KINDS, LesionKind

    p.add_argument("--default-kind", default=str(LesionKind.TARGET),
                   choices=[str(kind) for kind in KINDS],
                   help="kind of lesions whose source does not say it (SR, SEG, RTSTRUCT; "
                        "default: target)")
    p.add_argument("--visit", metavar="V", help="visit label written in the table")
    p.add_argument("--overlays", metavar="DIR", help="write one PNG per lesion here")
    p.add_argument("--workers", type=positive_workers, metavar="N",
                   help="processes for --manifest: the local pool's, or with --dask the "
                        "local Dask cluster's (default: all cores)")
    p.add_argument("--dask", action="store_true",
                   help="with --manifest: run each study as a task on a local Dask cluster "
                        "(distributed.LocalCluster of --workers processes; needs "
                        "recist[dask])")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --manifest: run each study as a task on the Dask cluster of "
                        "this scheduler (e.g. tcp://host:8786); its workers need recist[dask] "
                        "and must see the manifest's paths")
    p.add_argument("--study", metavar="UID", help="with --dicomweb: Study Instance UID")
    p.add_argument("--sr-series", metavar="UID",
                   help="with --dicomweb: measure the SR report(s) of this series of the "
                        "study, fetched from the PACS (e.g. a report saved in OHIF), like "
                        "--sr FILE")
    p.add_argument("--fetch-dir", metavar="DIR",
                   help="with --dicomweb: keep the fetched series here")
    p.add_argument("--out", metavar="CSV", required=True, help="measurements table to write")
    p.set_defaults(func=run)
    return p


def _print_findings(args: argparse.Namespace, findings) -> None:
    from recist.cli._terminal import report_findings

    report_findings(args, findings, prefix="recist measure: ")


def _chosen_source(args: argparse.Namespace):
    """The one source the options name, after the checks of the option combinations."""
    sources = _sources()
    given = [s for s in sources if getattr(args, _dest(s), None)]
    if args.sr_series:
        if not args.dicomweb:
            raise ValueError("--sr-series reads an SR series from a PACS: give it with "
                             "--dicomweb URL --study UID --series-uid UID (or give the "
                             "report file with --sr FILE)")
        if args.sr:
            raise ValueError("give the SR as --sr FILE or as --sr-series UID, not both")
        given.append(next(s for s in sources if s.name == "sr"))
    if args.manifest:
        options = [*(s.option for s in given), *(f"--{o.replace('_', '-')}" for o in
                                                 ("lesions", "series_uid", "visit")
                                                 if getattr(args, o))]
        if options:
            raise ValueError(f"{options[0]} cannot be combined with --manifest: give it per "
                             "study in the manifest's columns")
        if args.scheduler and args.dask:
            raise ValueError("give --scheduler ADDRESS (an existing Dask cluster) or --dask "
                             "(a local one), not both")
        if args.scheduler and args.workers:
            raise ValueError("--workers sizes a local pool or --dask cluster; the cluster of "
                             "--scheduler has its own workers: leave --workers out")
        return None
    for flag, given_ in (("--dask", args.dask), ("--scheduler", args.scheduler)):
        if given_:
            raise ValueError(f"{flag} runs the studies of a manifest: give --manifest CSV "
                             "with it")
    if len(given) > 1:
        if {s.name for s in given} == {"lines", "masks"}:
            raise ValueError("give either --lines or --masks with --lesions, not both")
        raise ValueError("give one annotation source, not "
                         + " and ".join(s.option for s in given))
    if args.dicomweb and not (args.study and args.series_uid):
        raise ValueError("--dicomweb needs --study UID and --series-uid UID to know which "
                         "series to fetch")
    if not given:
        if args.lesions:
            raise ValueError("--lesions is the table of a label image: give --masks LABELS "
                             "too")
        raise ValueError("nothing to measure: give --lines CSV or --masks LABELS --lesions "
                         "CSV (or " + ", ".join(s.option for s in sources
                                                if s.name not in ("lines", "masks"))
                         + ")")
    source = given[0]
    lesions = getattr(source, "lesions", "no")
    if args.lesions and lesions == "no":
        raise ValueError(getattr(source, "lesions_refusal", "")
                         or f"--lesions does not go with {source.option}")
    if not args.lesions and lesions == "required":
        raise ValueError(f"{source.option} needs --lesions CSV (label, lesion_id, kind, "
                         "organ, nodal)")
    return source


def run(args: argparse.Namespace) -> int:
    """Run ``recist measure``; returns the exit status."""
    from recist.outputs import check_output_path

    check_output_path(args.out, folder=False)
    source = _chosen_source(args)
    if source is None:
        return _run_manifest(args)
    from dataclasses import replace
    from pathlib import Path

    from recist.pipeline.sources import SourceSpec
    from recist.table import write_measurements

    files = getattr(args, _dest(source)) or []
    spec = SourceSpec(
        paths=tuple(Path(f) for f in (files if isinstance(files, list) else [files])),
        lesions=Path(args.lesions) if args.lesions else None, series_uid=args.series_uid,
        visit=args.visit, resample=args.resample, default_kind=args.default_kind,
        overlays_dir=Path(args.overlays) if args.overlays else None)
    if args.dicomweb:
        from recist.pipeline.pacs import fetched_reports, fetched_series

        with fetched_series(args.dicomweb, args.study, args.series_uid,
                            keep_in=args.fetch_dir) as folder:
            if args.sr_series:
                with fetched_reports(args.dicomweb, args.study, args.sr_series) as reports:
                    result = source.measure(folder, replace(spec, paths=reports))
            else:
                result = source.measure(folder, spec)
    else:
        result = source.measure(args.series, spec)
    _print_findings(args, result.findings)
    write_measurements(result.table, args.out)
    if not args.quiet:
        print(f"recist measure: {len(result.table)} rows written to {args.out}",
              file=sys.stderr)
    return 0


def _run_manifest(args: argparse.Namespace) -> int:
    from concurrent.futures import Executor
    from contextlib import AbstractContextManager, nullcontext

    from recist.cli._terminal import shows_progress
    from recist.pipeline.manifest import measure_manifest_to_csv

    running: AbstractContextManager[Executor | None]
    if args.dask or args.scheduler:
        from recist.pipeline.cluster import dask_executor

        running = dask_executor(args.scheduler, args.workers)
    else:  # the default local process pool: Dask is never imported
        running = nullcontext(None)
    with running as executor:
        run = measure_manifest_to_csv(args.manifest, args.out, workers=args.workers,
                                      executor=executor, overlays_dir=args.overlays,
                                      resample=args.resample,
                                      default_kind=args.default_kind,
                                      progress=shows_progress(args))
    _print_findings(args, run.findings)
    failures = run.failures
    if run.out is None:
        # Nothing measured: no output file, exit 2 (a batch with some success is 1).
        for failure in failures[:-1]:
            print(f"recist measure: error: {failure}", file=sys.stderr)
        suffix = (f" ({len(failures)} studies failed; nothing written)"
                  if len(failures) > 1 else "")
        raise ValueError(f"{failures[-1]}{suffix}")
    for failure in failures:
        print(f"recist measure: error: {failure}", file=sys.stderr)
    if failures:
        print(f"recist measure: {len(failures)} stud(y/ies) failed; {args.out} was "
              f"written with the {run.studies} stud(y/ies) that succeeded "
              f"({run.rows} rows)", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"recist measure: {run.rows} rows from {run.studies} stud(y/ies) written "
              f"to {args.out}", file=sys.stderr)
    return 0
