"""The ``reasons`` text of every time point (docs/tables.md ``timepoints``): each rule that
decided, with its numbers.

A reason reads ``target part; non-target part; new lesions; DEC-13; DEC-17; overall``,
the empty parts left out (the baseline row reads ``baseline``). It is put together from
codes, never formatted row by row (``recist.reason_text``):

* the target part is one of ten sentences (``_target_templates``, by target response,
  nadir and completeness) whose numbers are formatted once per distinct value;
* everything after it depends on a few small codes (the responses, the counts named,
  the DEC-17 note), so it is written once per distinct combination;
  a back-dated time point (DEC-13) names its own lesions and is written by itself.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from recist.arrays import combined_codes, first_row_of_each, round_half_away
from recist.criteria import Criteria
from recist.reason_text import (
    Texts,
    compose_texts,
    concat,
    number_texts,
    objects,
    split_template,
)
from recist.response_table import NEW_LESION_ORDER, NONTARGET_ORDER, TARGET_ORDER
from recist.vocabulary import NewLesions, NonTargetResponse, TargetResponse

__all__ = ["REASON_INPUTS", "timepoint_reason_texts", "timepoint_reasons"]

REASON_INPUTS = (
    "partial_sum_mm", "nadir_mm", "baseline_sum_mm", "pct_from_baseline",
    "n_targets_missing", "targets_complete", "n_nt_progression", "n_nt_missing",
    "n_nt_present", "n_new_unequivocal", "backdated_lesions", "backdated_confirmed",
)
"""The time point features (``recist.sums.timepoint_columns``) the reasons read."""

_NONTARGET_PARTS: dict[str, tuple[str, str | None]] = {  # (sentence, the count it names)
    NonTargetResponse.PD: ("non-target PD (NT-PD, R11 4.3.3): %d non-target(s) with "
                           "unequivocal progression", "n_nt_progression"),
    NonTargetResponse.NE: ("non-target NE (NT-NE, DEC-5): %d non-target(s) not evaluated",
                           "n_nt_missing"),
    NonTargetResponse.CR: ("non-target CR (NT-CR, R11 4.3.3): every non-target gone", None),
    NonTargetResponse.NON_CR_NON_PD: ("non-target NON-CR/NON-PD (R11 4.3.3): %d "
                                      "non-target(s) present", "n_nt_present"),
}
_UNEQUIVOCAL = "%d unequivocal new lesion(s) (NEW-1, R11 4.3.5)"
_EQUIVOCAL = "equivocal new lesion(s) not counted as PD (NEW-3, DEC-14)"
_BACKDATED = "new lesion %s first seen here, confirmed on %s (NEW-3, DEC-13)"


def _target_templates(criteria: Criteria) -> list[tuple[TargetResponse, bool | None,
                                                         bool | None, str, tuple[str, ...]]]:
    """The target sentences: (response, nadir > 0 or None for either, all targets
    evaluated or None for either, ``%`` template, the columns of its numbers)."""
    pd_full = "target PD (TGT-PD, R11 4.3.1): sum %.2f mm is "
    pd_part = ("target PD (TGT-PD, NE-2, R11 4.4.2): the evaluated targets alone sum to "
               "%.2f mm, ")
    over = "%+.2f mm and %+.2f%% over nadir %.2f mm"
    over_zero = (f"%+.2f mm over nadir 0.00 mm (≥ {criteria.pd_min_increase_mm:.2f} mm "
                 "after a nadir of 0)")
    not_evaluated = ", with %d target(s) not evaluated"
    return [
        (TargetResponse.PD, True, True, pd_full + over,
         ("partial", "increase", "pct_nadir", "nadir")),
        (TargetResponse.PD, False, True, pd_full + over_zero, ("partial", "increase")),
        (TargetResponse.PD, True, False, pd_part + over + not_evaluated,
         ("partial", "increase", "pct_nadir", "nadir", "missing")),
        (TargetResponse.PD, False, False, pd_part + over_zero + not_evaluated,
         ("partial", "increase", "missing")),
        (TargetResponse.NE, None, True,
         "target NE (TGT-NE, SUM-7): the baseline sum is not evaluable", ()),
        (TargetResponse.NE, None, False, "target NE (TGT-NE, R11 4.4.2): %d target(s) not "
         "evaluated; the partial sum %.2f mm does not meet PD", ("missing", "partial")),
        (TargetResponse.CR, None, None, "target CR (TGT-CR, R11 4.3.1): every non-nodal "
         f"target gone and every nodal target SA < {criteria.node_pathological_sa_mm:.2f} "
         "mm (sum %.2f mm)", ("partial",)),
        (TargetResponse.PR, None, None, "target PR (TGT-PR, R11 4.3.1): sum %.2f mm is "
         f"%+.2f%% from baseline %.2f mm (≤ -{criteria.pr_decrease_pct:.2f}%%)",
         ("partial", "pct_base", "base")),
        (TargetResponse.SD, True, None, "target SD (TGT-SD, R11 4.3.1): sum %.2f mm is "
         "%+.2f%% from baseline %.2f mm and %+.2f%% from nadir %.2f mm",
         ("partial", "pct_base", "base", "pct_nadir", "nadir")),
        (TargetResponse.SD, False, None, "target SD (TGT-SD, R11 4.3.1): sum %.2f mm is "
         "%+.2f%% from baseline %.2f mm and %+.2f mm from nadir 0.00 mm",
         ("partial", "pct_base", "base", "increase")),
    ]


_FEATURE_OF_NUMBER = {"partial": "partial_sum_mm", "nadir": "nadir_mm",
                      "base": "baseline_sum_mm", "pct_base": "pct_from_baseline"}


def _target_number(column: str, f: Mapping[str, npt.NDArray[Any]], criteria: Criteria,
                   rows: npt.NDArray[np.intp]) -> npt.NDArray[Any]:
    """A number the target sentences name, on ``rows`` only (increase and % over the
    nadir rounded as in TGT-PD, DEC-22)."""
    if column in _FEATURE_OF_NUMBER:
        return np.asarray(f[_FEATURE_OF_NUMBER[column]], dtype=float)[rows]
    if column == "missing":
        return np.asarray(f["n_targets_missing"])[rows]
    partial = np.asarray(f["partial_sum_mm"], dtype=float)[rows]
    nadir = np.asarray(f["nadir_mm"], dtype=float)[rows]
    decimals = criteria.rounding_decimals
    if column == "increase":
        return round_half_away(partial - nadir, decimals)
    if column != "pct_nadir":
        raise KeyError(f"no target number {column!r}")
    with np.errstate(divide="ignore", invalid="ignore"):  # pct_nadir
        return round_half_away(np.where(nadir > 0, (partial - nadir) / nadir * 100.0,
                                        np.nan), decimals)


def _template_of_rows(target_code: npt.NDArray[np.int64], f: Mapping[str, npt.NDArray[Any]],
                      templates: list[tuple[TargetResponse, bool | None, bool | None, str,
                                            tuple[str, ...]]],
                      skip: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    """Each row's target template (-1: none), looked up by target response, nadir > 0
    and completeness (a later template wins, as listed)."""
    # one more response row, all -1, for the rows without a known response (or skipped)
    lookup = np.full((len(TARGET_ORDER) + 1, 2, 2), -1, dtype=np.int8)
    for t, (response, nadir_positive, all_evaluated, _, _) in enumerate(templates):
        positive = slice(None) if nadir_positive is None else int(nadir_positive)
        complete = slice(None) if all_evaluated is None else int(all_evaluated)
        lookup[TARGET_ORDER.index(response), positive, complete] = t
    known = (target_code >= 0) & (target_code < len(TARGET_ORDER)) & ~skip
    cell = np.where(known, target_code, len(TARGET_ORDER)).astype(np.intp, copy=False)
    cell *= 2
    cell += np.asarray(f["nadir_mm"], dtype=float) > 0
    cell *= 2
    cell += np.asarray(f["targets_complete"], dtype=bool)
    which: npt.NDArray[np.int8] = np.take(lookup.reshape(-1), cell)
    return which


@functools.lru_cache(maxsize=8)
def _sentence_parts(templates: tuple[str, ...]
                    ) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Each target template's literals (the last followed by ``"; "``) and conversions
    (``split_template``), split once per set of templates (per criteria); tuples, as
    every call shares them."""
    return tuple((tuple(literals[:-1]) + (literals[-1] + "; ",), tuple(specs))
                 for literals, specs in map(split_template, templates))


def _target_pieces(target_code: npt.NDArray[np.int64], f: Mapping[str, npt.NDArray[Any]],
                   criteria: Criteria, skip: npt.NDArray[np.bool_],
                   ) -> tuple[Texts, npt.NDArray[np.int32]]:
    """The target part of every row (followed by ``"; "``) as one ``compose`` piece: a
    table of texts and, per row, the codes of its sentence's pieces into it (each number
    with the literal after it, the first also with the literal before it; a sentence
    without numbers as one text; code 0, the empty text, for the slots a shorter sentence
    does not fill); every code 0 for a target NA and for the ``skip`` rows.

    The numbers of one column shown with one conversion between the same literals (in
    one or several sentences) are formatted once per distinct value with those literals,
    so that a row is one piece per number; all such groups are written at once
    (``number_texts``).
    """
    n = len(target_code)
    templates = _target_templates(criteria)
    which = _template_of_rows(target_code, f, templates, skip)
    order = np.argsort(which, kind="stable")  # rows by template, ascending within each
    bounds = np.cumsum(np.bincount(which.astype(np.intp) + 1, minlength=len(templates) + 1))
    rows_of = [order[bounds[t]:bounds[t + 1]] for t in range(len(templates))]
    split = _sentence_parts(tuple(template for _, _, _, template, _ in templates))
    width = max(1, max(len(specs) for _, specs in split))
    # the codes written in ``order`` (each template's rows one block), then put in place
    by_template = np.zeros((n, width), dtype=np.int32)
    block = [slice(bounds[t], bounds[t + 1]) for t in range(len(templates))]
    sentences = [""]  # code 0: the empty text; then the sentences without numbers
    # (column, conversion, literal before, literal after) -> its (template, slot)s
    places: dict[tuple[str, str, str, str], list[tuple[int, int]]] = {}
    for t, (literals, specs) in enumerate(split):
        if not len(rows_of[t]):
            continue
        if not specs:
            by_template[block[t], 0] = len(sentences)
            sentences.append(literals[0])
        for slot, (column, spec) in enumerate(zip(templates[t][4], specs)):
            place = (column, spec, literals[0] if slot == 0 else "", literals[slot + 1])
            places.setdefault(place, []).append((t, slot))
    numbers, codes_of = number_texts([
        (_target_number(column, f, criteria,
                        np.concatenate([rows_of[t] for t, _ in where])), spec, before, after)
        for (column, spec, before, after), where in places.items()])
    for codes, where in zip(codes_of, places.values()):
        codes = codes + len(sentences)
        at = 0
        for t, slot in where:
            by_template[block[t], slot] = codes[at:at + len(rows_of[t])]
            at += len(rows_of[t])
    position = np.empty(n, dtype=np.intp)  # each row's position in ``order``
    position[order] = np.arange(n, dtype=np.intp)
    index = np.take(by_template, position, axis=0)  # a gather of rows: faster than a scatter
    return concat([pa.array(sentences, type=pa.string()), numbers]), index


def _suffixes(rows: npt.NDArray[np.intp], f: Mapping[str, npt.NDArray[Any]],
              nontarget_code: npt.NDArray[np.int64], new_code: npt.NDArray[np.int64],
              backdated: npt.NDArray[np.bool_], therapy_text: npt.NDArray[np.object_] | None,
              overall: npt.NDArray[np.object_], rule: npt.NDArray[np.object_]) -> list[str]:
    """Everything after the target part of each of ``rows``: the non-target, new-lesion,
    DEC-13 and DEC-17 parts and the overall response with its rule (each row's values
    read as Python objects first, not item by item from the arrays)."""
    counts = {name: np.asarray(f[name])[rows].tolist() for name in (
        "n_nt_progression", "n_nt_missing", "n_nt_present", "n_new_unequivocal")}
    lesions = np.asarray(f["backdated_lesions"])[rows].tolist()
    confirmed = np.asarray(f["backdated_confirmed"])[rows].tolist()
    nontargets = np.array(NONTARGET_ORDER, dtype=object)[nontarget_code[rows]].tolist()
    news = np.array(NEW_LESION_ORDER, dtype=object)[new_code[rows]].tolist()
    out = []
    for j, (nontarget, new, is_backdated, therapy, response, why) in enumerate(zip(
            nontargets, news, backdated[rows].tolist(),
            [""] * len(rows) if therapy_text is None else therapy_text[rows].tolist(),
            overall[rows].tolist(), rule[rows].tolist())):
        parts = []
        if nontarget in _NONTARGET_PARTS:
            sentence, count = _NONTARGET_PARTS[nontarget]
            parts.append(sentence if count is None else sentence % counts[count][j])
        if new == NewLesions.Y:
            parts.append(_UNEQUIVOCAL % counts["n_new_unequivocal"][j])
        elif new == NewLesions.EQUIVOCAL and not is_backdated:
            parts.append(_EQUIVOCAL)
        if is_backdated:
            parts.append(_BACKDATED % (lesions[j], confirmed[j]))
        if therapy:
            parts.append(therapy)
        parts.append(f"overall {response} ({why})")
        out.append("; ".join(parts))
    return out


def timepoint_reasons(
    f: Mapping[str, npt.NDArray[Any]], codes: Mapping[str, npt.NDArray[np.int64]],
    overall: npt.NDArray[np.object_], rule: npt.NDArray[np.object_],
    backdated: npt.NDArray[np.bool_], therapy_text: npt.NDArray[np.object_] | None,
    baseline: npt.NDArray[np.bool_], criteria: Criteria,
) -> npt.NDArray[np.object_]:
    """The ``reasons`` of every time point as an object array of ``str``
    (``timepoint_reason_texts``, whose arguments it takes)."""
    return objects(timepoint_reason_texts(f, codes, overall, rule, backdated, therapy_text,
                                          baseline, criteria))


def timepoint_reason_texts(
    f: Mapping[str, npt.NDArray[Any]], codes: Mapping[str, npt.NDArray[np.int64]],
    overall: npt.NDArray[np.object_], rule: npt.NDArray[np.object_],
    backdated: npt.NDArray[np.bool_], therapy_text: npt.NDArray[np.object_] | None,
    baseline: npt.NDArray[np.bool_], criteria: Criteria,
) -> pa.ChunkedArray | npt.NDArray[np.object_]:
    """The ``reasons`` of every time point, as Arrow strings
    (``recist.reason_text.compose_texts``: an object array of ``str`` when UTF-8 cannot
    hold one, a lesion id with a lone surrogate).

    ``f``: the time point features (``recist.sums.timepoint_columns``); ``codes``: the
    target, non-target and new-lesion responses as codes of ``*_ORDER`` (keys
    ``target``, ``nontarget``, ``new``); ``overall``/``rule``: the overall response and
    its rule after DEC-13; ``backdated``: DEC-13 time points; ``therapy_text``: the
    DEC-17 part of each row ("" for none; None when no row has one); ``baseline``: the
    baseline rows.
    """
    n = len(baseline)
    nontarget_code, new_code = codes["nontarget"], codes["new"]
    # the count each non-target sentence names, and the unequivocal count when it is named
    named = np.zeros(n, dtype=np.int64)
    for value, (_, count) in _NONTARGET_PARTS.items():
        if count is not None:
            np.copyto(named, np.asarray(f[count]), casting="unsafe",
                      where=nontarget_code == NONTARGET_ORDER.index(value))
    unequivocal = np.where(new_code == NEW_LESION_ORDER.index(NewLesions.Y),
                           np.asarray(f["n_new_unequivocal"]), 0)
    columns = [np.asarray(codes["target"]), np.asarray(nontarget_code), np.asarray(new_code),
               named, unequivocal]
    if therapy_text is not None and any(therapy_text.tolist()):
        columns.append(pd.factorize(therapy_text)[0])
    key = combined_codes(columns)  # overall and rule follow from the three responses
    special = baseline | backdated  # written row by row: "baseline", DEC-13 lesions
    n_keys = int(key.max(initial=-1)) + 1
    regular = np.flatnonzero(~special)
    firsts = first_row_of_each(key[regular], n_keys, rows=regular)
    keyed = np.flatnonzero(firsts >= 0)  # the keys of regular rows (others: never read)
    table = np.full(n_keys + 1, "", dtype=object)
    table[keyed] = _suffixes(firsts[keyed], f, nontarget_code, new_code, backdated,
                             therapy_text, overall, rule)
    table[n_keys] = "baseline"
    suffix_code = key.astype(np.int32)
    suffix_code[baseline] = n_keys
    late = np.flatnonzero(backdated & ~baseline)  # each written by itself
    suffix_code[late] = n_keys + 1 + np.arange(len(late), dtype=np.int32)
    table = np.concatenate([table, np.array(_suffixes(late, f, nontarget_code, new_code,
                                                      backdated, therapy_text, overall, rule),
                                            dtype=object)])
    target = _target_pieces(np.asarray(codes["target"]), f, criteria, baseline)
    return compose_texts(n, [target, (table, suffix_code)])
