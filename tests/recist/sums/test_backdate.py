"""DEC-13 back-dating (``recist.sums._backdate_confirmed_new``, array operations on the
new-lesion rows) against a plain reading of the rule, lesion by lesion, on random seeded
tables: several equivocal sightings and confirmations per lesion, ties of time point and
date, lesions confirmed before, on and after a new-therapy cut-off (DEC-17)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recist.arrays import NO_DATE_NS
from recist.sums import _backdate_confirmed_new

DAY = 86_400 * 10**9
VISITS = 4  # time points per patient


def _iso(ns: int) -> str:
    return str(np.datetime64(ns, "ns").astype("datetime64[D]"))


def _table(seed: int):
    """New-lesion rows of 80 patients x 4 time points (ordered within each patient)."""
    rng = np.random.default_rng(seed)
    n_patients, n_visits = 80, VISITS
    tp_of = np.arange(n_patients * n_visits).reshape(n_patients, n_visits)
    tp_order = np.tile(np.arange(n_visits), n_patients)
    cutoff = np.where(rng.random(n_patients) < 0.6,
                      (19_700 + rng.integers(60, 180, n_patients)) * DAY, NO_DATE_NS)
    rows = []
    for p in range(n_patients):
        for _ in range(int(rng.integers(0, 10))):
            lesion = f"NEW{int(rng.integers(0, 4))}"
            visit = int(rng.integers(1, n_visits))
            day = 19_700 + visit * 42 + int(rng.integers(-3, 4))
            status = "equivocal" if rng.random() < 0.55 else "unequivocal"
            rows.append((p, lesion, tp_of[p, visit], day * DAY, status))
    frame = pd.DataFrame(rows, columns=["p", "lesion_id", "tp", "ns", "status"])
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    frame["lesion_id"] = frame["lesion_id"].astype("string")
    lesion_codes = pd.factorize(frame["lesion_id"])[0]
    return frame, tp_order, frame["p"].to_numpy() * 10 + lesion_codes, cutoff, len(tp_order)


def _plain(frame, tp_order, cutoff, n_tp):
    """The rule read lesion by lesion: {tp: (lesions, confirmed, ns)}, {tp: (lesions,
    confirmed)} for the late ones."""
    backdated, late = {}, {}
    for (p, lesion), rows in frame.groupby(["p", "lesion_id"]):
        key = [(tp_order[r.tp], r.ns, r.tp) for r in rows.itertuples() if r.status == "unequivocal"]
        seen = sorted((tp_order[r.tp], r.ns, r.tp) for r in rows.itertuples()
                      if r.status == "equivocal")
        confirms = sorted(key)
        in_time = [c for c in confirms if c[1] < cutoff[p]]
        if in_time:
            confirm, target, before = in_time[0], backdated, False
        elif confirms:
            confirm, target, before = confirms[0], late, True
        else:
            continue
        earlier = [s for s in seen if s[0] < confirm[0] and (not before or s[1] < cutoff[p])]
        if earlier:
            target.setdefault(earlier[0][2], []).append((str(lesion), _iso(confirm[1]),
                                                          earlier[0][1]))
    lesions = np.full(n_tp, "", dtype=object)
    confirmed = np.full(n_tp, "", dtype=object)
    dates = np.full(n_tp, NO_DATE_NS, dtype=np.int64)
    for tp, items in backdated.items():
        items.sort()
        lesions[tp] = ", ".join(i[0] for i in items)
        confirmed[tp] = ", ".join(i[1] for i in items)
        dates[tp] = min(i[2] for i in items)
    late_lesions = np.full(n_tp, None, dtype=object)
    late_confirmed = np.full(n_tp, None, dtype=object)
    for tp, items in late.items():
        items.sort()
        late_lesions[tp] = tuple(i[0] for i in items)
        late_confirmed[tp] = tuple(i[1] for i in items)
    return (lesions, confirmed, dates), (late_lesions, late_confirmed)


def test_backdating_equals_a_plain_reading():
    shared = several = late = 0
    for seed in range(1, 7):
        frame, tp_order, patient_lesion, cutoff, n_tp = _table(seed)
        row_tp = frame["tp"].to_numpy()
        ns = frame["ns"].to_numpy()
        status = frame["status"].to_numpy()
        got = _backdate_confirmed_new(
            frame, row_tp, tp_order, patient_lesion, np.flatnonzero(status == "unequivocal"),
            np.flatnonzero(status == "equivocal"), ns, np.repeat(cutoff, VISITS), n_tp)
        expected = _plain(frame, tp_order, cutoff, n_tp)
        for got_part, expected_part in zip((*got[0], *got[1]), (*expected[0], *expected[1])):
            assert got_part.tolist() == expected_part.tolist(), seed
        shared += int((got[0][0] != "").sum())
        several += sum(", " in text for text in got[0][0])
        late += sum(value is not None for value in got[1][0])
    # the tables exercise back-dating, several lesions at one time point, and late ones
    assert shared > 20 and several > 0 and late > 0
