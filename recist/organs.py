"""Organ keys for the per-organ target limit (SEL-1, SEL-3; DEC-21).

* every nodal lesion is keyed ``"lymph node"``, whatever its ``organ`` text (all lymph
  nodes together are one organ, FAQ "Two target lesions"); an organ text naming a node
  (``"mediastinal lymph node"``) is keyed so too;
* paired organs are one organ (FAQ "'Paired' organs"): laterality words (left, right,
  bilateral, l, r, lt, rt) are ignored and ``lung``/``lungs``/``pulmonary``/lobe
  abbreviations (rul, rml, rll, lul, lll, lingula) → ``"lung"``; ``kidney(s)``/``renal``
  → ``"kidney"``; ``ovary``/``ovaries``/``ovarian`` → ``"ovary"``;
  ``adrenal(s)``/``adrenal gland(s)`` → ``"adrenal"``; ``breast(s)`` → ``"breast"``;
  ``testis``/``testes``/``testicle(s)`` → ``"testis"``;
* ``liver``/``hepatic`` → ``"liver"`` (so "right lobe of liver" is the liver);
* any other text: lower case, punctuation and laterality words removed
  (``"Peritoneum"`` → ``"peritoneum"``); a missing organ has no key.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["organ_key"]

_LATERALITY = {"left", "right", "bilateral", "both", "l", "r", "lt", "rt", "side", "of", "the"}
_ORGAN_WORDS = {
    "lung": {"lung", "lungs", "pulmonary", "rul", "rml", "rll", "lul", "lll", "lingula"},
    "kidney": {"kidney", "kidneys", "renal"},
    "ovary": {"ovary", "ovaries", "ovarian"},
    "adrenal": {"adrenal", "adrenals"},
    "breast": {"breast", "breasts"},
    "testis": {"testis", "testes", "testicle", "testicles"},
    "liver": {"liver", "hepatic"},
}
_NODE_WORDS = {"node", "nodes", "nodal"}


def organ_key(organ: object, nodal: bool = False) -> str | None:
    """Organ key for the per-organ target limit (SEL-1, SEL-3; DEC-21).

    Interpretation: all lymph nodes are one organ and paired organs are one organ
    (FAQ "Two target lesions", "'Paired' organs"); the map is in the module docstring.

    Parameters
    ----------
    organ
        The free-text ``organ`` of the measurements table (case-insensitive).
    nodal
        True for a lymph node: the key is then ``"lymph node"`` whatever the text.

    Returns
    -------
    str or None
        The key, or None when the organ is missing and the lesion is not nodal.

    Examples
    --------
    >>> organ_key("Lung, left"), organ_key("right lung"), organ_key("RUL")
    ('lung', 'lung', 'lung')
    >>> organ_key("mediastinum", nodal=True), organ_key("left kidney")
    ('lymph node', 'kidney')
    >>> organ_key("Peritoneum"), organ_key(None)
    ('peritoneum', None)
    """
    if nodal:
        return "lymph node"
    if organ is None or (isinstance(organ, float) and np.isnan(organ)) or organ is pd.NA:
        return None
    words = [w for w in re.split(r"[^a-z0-9]+", str(organ).lower()) if w]
    if not words:
        return None
    if _NODE_WORDS & set(words):
        return "lymph node"
    for key, synonyms in _ORGAN_WORDS.items():
        if synonyms & set(words):
            return key
    kept = [w for w in words if w not in _LATERALITY]
    return " ".join(kept or words)
