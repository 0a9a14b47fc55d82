"""Coded concepts and derived UIDs shared by the SR and SEG writers and readers.

Finding sites are SNOMED CT body structures (a private ``99RECIST`` code only for an
organ name without one, so it reads back as written); lymph nodes are recognised under the SNOMED CT
and the older SNOMED-RT code. UIDs we create are derived (SHA-256 under the ``2.25``
root) from what identifies the object, so writing the same input twice gives the same
UIDs, and a lesion keeps its tracking UID across visits.
"""

from __future__ import annotations

import hashlib

import highdicom as hd

__all__ = ["LYMPH_NODE_CODES", "derived_uid", "organ_code", "tracking_uid_for"]

LYMPH_NODE_CODES = frozenset({("SCT", "59441001"), ("SRT", "T-C4000")})
"""(scheme, code) pairs meaning "lymph node" as a finding site."""

# Organ (lower case) -> SNOMED CT body structure used as the finding site.
_ORGAN_CODES: dict[str, tuple[str, str]] = {
    "lung": ("39607008", "Lung"),
    "liver": ("10200004", "Liver"),
    "lymph node": ("59441001", "Lymph node"),
    "adrenal gland": ("23451007", "Adrenal gland"),
    "adrenal": ("23451007", "Adrenal gland"),
    "kidney": ("64033007", "Kidney"),
    "brain": ("12738006", "Brain"),
    "bone": ("272673000", "Bone"),
    "pleura": ("3120008", "Pleura"),
    "peritoneum": ("15425007", "Peritoneum"),
    "pancreas": ("15776009", "Pancreas"),
    "spleen": ("78961009", "Spleen"),
    "mediastinum": ("72410000", "Mediastinum"),
    "omentum": ("27398004", "Omentum"),
    "soft tissue": ("87784001", "Soft tissue"),
    "skin": ("39937001", "Skin"),
    "stomach": ("69695003", "Stomach"),
    "colon": ("71854001", "Colon"),
    "rectum": ("34402009", "Rectum"),
    "breast": ("76752008", "Breast"),
    "thyroid": ("69748006", "Thyroid"),
    "prostate": ("41216001", "Prostate"),
    "ovary": ("15497006", "Ovary"),
    "pericardium": ("76848001", "Pericardium"),
    "esophagus": ("32849002", "Esophagus"),
    "oesophagus": ("32849002", "Esophagus"),
    "muscle": ("71616004", "Muscle"),
    "heart": ("80891009", "Heart"),
    "small intestine": ("30315005", "Small intestine"),
    "gallbladder": ("28231008", "Gallbladder"),
    "uterus": ("35039007", "Uterus"),
    "retroperitoneum": ("82849001", "Retroperitoneum"),
    "chest wall": ("78904004", "Chest wall"),
    "bone marrow": ("14016003", "Bone Marrow"),
    "spine": ("421060004", "Spine"),
}


def organ_code(organ: str) -> hd.sr.CodedConcept:
    """Return the finding-site code for an organ name (case-insensitive).

    Known organs get their SNOMED CT body-structure code; any other name gets a private
    code (scheme ``99RECIST``) whose meaning is the name itself, so it reads back as is.

    >>> organ_code("Lung").value, organ_code("Lung").scheme_designator
    ('39607008', 'SCT')
    >>> organ_code("omentum").value
    '27398004'
    >>> organ_code("left hilum").scheme_designator, organ_code("left hilum").meaning
    ('99RECIST', 'left hilum')
    """
    text = str(organ).strip()
    if not text:
        raise ValueError("organ name is empty; give the organ the lesion is in, e.g. 'lung'")
    known = _ORGAN_CODES.get(text.lower())
    if known is not None:
        return hd.sr.CodedConcept(known[0], "SCT", known[1])
    value = "".join(c if c.isalnum() else "-" for c in text.upper())[:16]
    return hd.sr.CodedConcept(value, "99RECIST", text[:64])


def derived_uid(*parts: str) -> str:
    """A UID under the 2.25 root derived from ``parts`` (same parts, same UID)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return f"2.25.{int.from_bytes(digest[:16], 'big')}"


def tracking_uid_for(patient_id: str, lesion_id: str) -> str:
    """Return a tracking UID derived from patient and lesion, stable across visits.

    >>> tracking_uid_for("P1", "L1") == tracking_uid_for("P1", "L1")
    True
    >>> tracking_uid_for("P1", "L1") != tracking_uid_for("P1", "L2")
    True
    """
    return derived_uid("recist-tracking", str(patient_id), str(lesion_id))
