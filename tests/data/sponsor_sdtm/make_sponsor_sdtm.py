"""Write tests/data/sponsor_sdtm/*.csv (the CSVs are committed; rerun from the repository
root after changing this script: python tests/data/sponsor_sdtm/make_sponsor_sdtm.py)."""
import csv
from pathlib import Path

OUT = Path("tests/data/sponsor_sdtm")
STUDY = "ONC-201"
INV, R1, R2 = ("INVESTIGATOR", ""), ("INDEPENDENT ASSESSOR", "RADIOLOGIST 1"), \
    ("INDEPENDENT ASSESSOR", "RADIOLOGIST 2")
tu_rows, tr_rows, rs_rows = [], [], []
seq = {"TU": {}, "TR": {}, "RS": {}}


def nxt(domain, subject):
    seq[domain][subject] = seq[domain].get(subject, 0) + 1
    return seq[domain][subject]


def tu(subject, reader, link, role, loc, visitnum, visit, date):
    tu_rows.append(dict(STUDYID=STUDY, DOMAIN="TU", USUBJID=subject, TUSEQ=nxt("TU", subject),
                        TULNKID=link, TUTESTCD="TUMIDENT", TUTEST="Tumor Identification",
                        TUORRES=role, TUSTRESC=role, TULOC=loc, TUMETHOD="CT SCAN",
                        TUEVAL=reader[0], TUEVALID=reader[1], VISITNUM=visitnum, VISIT=visit,
                        TUDTC=date))


def tr(subject, reader, link, test, result, visitnum, visit, date, stat="", reason="",
       group="", accepted=""):
    number = ""
    unit = ""
    try:
        number = str(float(result)).rstrip("0").rstrip(".")
        unit = "mm"
    except ValueError:
        pass
    names = {"LDIAM": "Longest Diameter", "LPERP": "Longest Perpendicular",
             "DIAMETER": "Diameter", "TUMSTATE": "Tumor State", "LNSTATE": "Lymph Node State",
             "SUMDIAM": "Sum of Diameter", "AREA": "Area"}
    tr_rows.append(dict(STUDYID=STUDY, DOMAIN="TR", USUBJID=subject, TRSEQ=nxt("TR", subject),
                        TRGRPID=group, TRLNKID=link, TRTESTCD=test, TRTEST=names[test],
                        TRORRES=result, TRORRESU=unit if test != "AREA" else "mm2",
                        TRSTRESC=result, TRSTRESN=number,
                        TRSTRESU=unit if test != "AREA" else "mm2", TRSTAT=stat,
                        TRREASND=reason, TRMETHOD="CT SCAN", TREVAL=reader[0],
                        TREVALID=reader[1], TRACPTFL=accepted, VISITNUM=visitnum,
                        VISIT=visit, TRDTC=date))


def rs(subject, reader, test, result, visitnum, visit, date, accepted=""):
    names = {"OVRLRESP": "Overall Response", "TRGRESP": "Target Response",
             "NTRGRESP": "Non-target Response", "NEWLIND": "New Lesion Indicator",
             "NEWLPROG": "New Lesion Progression", "BESTRSP": "Best Overall Response"}
    rs_rows.append(dict(STUDYID=STUDY, DOMAIN="RS", USUBJID=subject, RSSEQ=nxt("RS", subject),
                        RSTESTCD=test, RSTEST=names[test], RSCAT="RECIST 1.1",
                        RSORRES=result, RSSTRESC=result, RSEVAL=reader[0],
                        RSEVALID=reader[1], RSACPTFL=accepted, VISITNUM=visitnum,
                        VISIT=visit, RSDTC=date))


# ---- S-001: nodal target, short-form UNEQUIVOCAL, repeated UNSCHEDULED, DIAMETER ----
S = "ONC-201-001"
V = [(1, "BASELINE", "2024-01-05"), (2, "WEEK 8", "2024-03-01"),
     (3, "WEEK 16", "2024-04-26"), (99, "UNSCHEDULED", "2024-05-24"),
     (99, "UNSCHEDULED", "2024-07-19")]
for reader in (INV, R1, R2):
    tu(S, reader, "T01", "TARGET", "LUNG", 1, "BASELINE", "2024-01-05")
    tu(S, reader, "T02", "TARGET", "MEDIASTINAL LYMPH NODE", 1, "BASELINE", "2024-01-05")
    tu(S, reader, "NT01", "NON-TARGET", "BONE", 1, "BASELINE", "2024-01-05")
tu(S, R2, "NEW01", "NEW", "LIVER", 3, "WEEK 16", "2024-04-26")
# investigator: PR at week 8, NT01 "UNEQUIVOCAL" (short form) at week 16 -> PD
inv = {"BASELINE": (30, 25, 18, "PRESENT"), "WEEK 8": (20, 20, 12, "PRESENT"),
       "WEEK 16": (19, 19, 11, "UNEQUIVOCAL")}
for num, visit, date in V[:3]:
    ld, node_ld, node_sa, state = inv[visit]
    tr(S, INV, "T01", "LDIAM", str(ld), num, visit, date, group="TARGET")
    tr(S, INV, "T02", "LDIAM", str(node_ld), num, visit, date, group="TARGET")
    tr(S, INV, "T02", "LPERP", str(node_sa), num, visit, date, group="TARGET")
    tr(S, INV, "NT01", "TUMSTATE", state, num, visit, date, group="NON-TARGET")
    # the sponsor summed the node's LD at week 8 (a wrong SUMDIAM: a finding)
    tr(S, INV, "", "SUMDIAM", str(ld + (node_ld if visit == "WEEK 8" else node_sa)), num,
       visit, "")
# radiologist 1: DIAMETER only, NT01 present, then two UNSCHEDULED visits (PD from nadir)
r1 = {"BASELINE": (30, 18), "WEEK 8": (20, 12), "WEEK 16": (19, 11),
      "2024-05-24": (22, 12), "2024-07-19": (30, 16)}
for num, visit, date in V:
    ld, sa = r1[visit if visit != "UNSCHEDULED" else date]
    # the adjudicator chose radiologist 1 for this subject (TRACPTFL = Y)
    tr(S, R1, "T01", "DIAMETER", str(ld), num, visit, date, group="TARGET", accepted="Y")
    tr(S, R1, "T02", "DIAMETER", str(sa), num, visit, date, group="TARGET", accepted="Y")
    tr(S, R1, "NT01", "TUMSTATE", "PRESENT", num, visit, date, group="NON-TARGET",
       accepted="Y")
# radiologist 2: like the investigator's sizes, NT01 present, a new liver lesion at week 16
for num, visit, date in V[:3]:
    ld, node_ld, node_sa, _state = inv[visit]
    tr(S, R2, "T01", "LDIAM", str(ld), num, visit, date, group="TARGET")
    tr(S, R2, "T02", "LPERP", str(node_sa), num, visit, date, group="TARGET")
    tr(S, R2, "NT01", "TUMSTATE", "PRESENT", num, visit, date, group="NON-TARGET")
tr(S, R2, "NEW01", "TUMSTATE", "UNEQUIVOCAL", 3, "WEEK 16", "2024-04-26", group="NEW")

# ---- S-002: TOO SMALL / NE short forms, partial date, AREA, readers disagree on BOR ----
S = "ONC-201-002"
for reader in (INV, R1, R2):
    tu(S, reader, "T01", "TARGET", "LIVER", 1, "BASELINE", "2024-02-01")
    tu(S, reader, "NT01", "NON-TARGET", "PERITONEUM", 1, "BASELINE", "2024-02-01")
tr(S, INV, "T01", "LDIAM", "40", 1, "BASELINE", "2024-02-01", group="TARGET")
tr(S, INV, "T01", "AREA", "1100", 1, "BASELINE", "2024-02-01", group="TARGET")
tr(S, INV, "NT01", "TUMSTATE", "PRESENT", 1, "BASELINE", "2024-02-01", group="NON-TARGET")
tr(S, INV, "T01", "LDIAM", "TOO SMALL", 2, "WEEK 8", "2024-03-28", group="TARGET")
tr(S, INV, "NT01", "TUMSTATE", "NE", 2, "WEEK 8", "2024-03-28", group="NON-TARGET")
tr(S, INV, "T01", "LDIAM", "0", 3, "WEEK 16", "2024-05", group="TARGET")
tr(S, INV, "NT01", "TUMSTATE", "ABSENT", 3, "WEEK 16", "2024-05", group="NON-TARGET")
r = {R1: ("40", "25", "24"), R2: ("40", "33", "")}
for reader, (base, w8, w16) in r.items():
    accepted = "Y" if reader == R1 else ""
    tr(S, reader, "T01", "LDIAM", base, 1, "BASELINE", "2024-02-01", group="TARGET",
       accepted=accepted)
    tr(S, reader, "NT01", "TUMSTATE", "PRESENT", 1, "BASELINE", "2024-02-01",
       group="NON-TARGET", accepted=accepted)
    tr(S, reader, "T01", "LDIAM", w8, 2, "WEEK 8", "2024-03-28", group="TARGET",
       accepted=accepted)
    tr(S, reader, "NT01", "TUMSTATE", "PRESENT", 2, "WEEK 8", "2024-03-28",
       group="NON-TARGET", accepted=accepted)
    if w16:
        tr(S, reader, "T01", "LDIAM", w16, 3, "WEEK 16", "2024-05-23", group="TARGET",
           accepted=accepted)
    else:
        tr(S, reader, "T01", "LDIAM", "", 3, "WEEK 16", "2024-05-23", stat="NOT DONE",
           reason="NOT EVALUABLE", group="TARGET", accepted=accepted)
    tr(S, reader, "NT01", "TUMSTATE", "PRESENT", 3, "WEEK 16", "2024-05-23",
       group="NON-TARGET", accepted=accepted)

# ---- S-003: non-target only, equivocal new lesion confirmed later (PD dated back) ----
S = "ONC-201-003"
for reader in (INV, R1, R2):
    tu(S, reader, "NT01", "NON-TARGET", "PLEURA", 1, "BASELINE", "2024-01-15")
    tu(S, reader, "NT02", "NON-TARGET", "AXILLARY LYMPH NODE", 1, "BASELINE", "2024-01-15")
    tu(S, reader, "NEW01", "NEW EQUIVOCAL", "LIVER", 2, "WEEK 8", "2024-03-11")
for reader in (INV, R1, R2):
    accepted = "Y" if reader == R1 else ""  # the adjudicator chose radiologist 1
    tr(S, reader, "NT01", "TUMSTATE", "PRESENT", 1, "BASELINE", "2024-01-15",
       group="NON-TARGET", accepted=accepted)
    tr(S, reader, "NT02", "LNSTATE", "PATHOLOGICAL", 1, "BASELINE", "2024-01-15",
       group="NON-TARGET")
    tr(S, reader, "NT01", "TUMSTATE", "PRESENT", 2, "WEEK 8", "2024-03-11",
       group="NON-TARGET")
    tr(S, reader, "NT02", "LNSTATE", "NON-PATHOLOGICAL", 2, "WEEK 8", "2024-03-11",
       group="NON-TARGET")
    tr(S, reader, "NEW01", "TUMSTATE", "EQUIVOCAL", 2, "WEEK 8", "2024-03-11", group="NEW")
    tr(S, reader, "NT01", "TUMSTATE", "PRESENT", 3, "WEEK 16", "2024-05-06",
       group="NON-TARGET")
    tr(S, reader, "NT02", "LNSTATE", "NON-PATHOLOGICAL", 3, "WEEK 16", "2024-05-06",
       group="NON-TARGET")
    tr(S, reader, "NEW01", "TUMSTATE", "UNEQUIVOCAL" if reader != R2 else "ABSENT", 3,
       "WEEK 16", "2024-05-06", group="NEW")

# ---- RS: what the sponsor reported (investigator and both radiologists) ----
S = "ONC-201-001"
for num, visit, date, t, nt, nl, nlp, ovr in [
        (2, "WEEK 8", "2024-03-01", "SD", "NON-CR/NON-PD", "N", "N", "SD"),   # node LD used
        (3, "WEEK 16", "2024-04-26", "SD", "PD", "N", "N", "PD")]:
    for test, value in (("TRGRESP", t), ("NTRGRESP", nt), ("NEWLIND", nl), ("NEWLPROG", nlp),
                        ("OVRLRESP", ovr)):
        rs(S, INV, test, value, num, visit, date)
for num, visit, date, t, ovr in [(2, "WEEK 8", "2024-03-01", "PR", "PR"),
                                 (3, "WEEK 16", "2024-04-26", "PR", "PR"),
                                 (99, "UNSCHEDULED", "2024-05-24", "PR", "PR"),
                                 (99, "UNSCHEDULED", "2024-07-19", "SD", "SD")]:  # baseline
    rs(S, R1, "TRGRESP", t, num, visit, date)
    rs(S, R1, "OVRLRESP", ovr, num, visit, date)
rs(S, R2, "NEWLIND", "Y", 3, "WEEK 16", "2024-04-26")
rs(S, R2, "NEWLPROG", "Y", 3, "WEEK 16", "2024-04-26")
rs(S, R2, "OVRLRESP", "PD", 3, "WEEK 16", "2024-04-26")
S = "ONC-201-002"
rs(S, INV, "OVRLRESP", "PR", 2, "WEEK 8", "2024-03-28")
rs(S, INV, "OVRLRESP", "CR", 3, "WEEK 16", "2024-05")
rs(S, R2, "TRGRESP", "SD", 3, "WEEK 16", "2024-05-23")   # target T01 was not evaluated
rs(S, R2, "OVRLRESP", "SD", 3, "WEEK 16", "2024-05-23")
S = "ONC-201-003"
rs(S, INV, "NEWLIND", "EQUIVOCAL", 2, "WEEK 8", "2024-03-11")
rs(S, INV, "OVRLRESP", "NON-CR/NON-PD", 2, "WEEK 8", "2024-03-11")
rs(S, INV, "NEWLIND", "Y", 3, "WEEK 16", "2024-05-06")
rs(S, INV, "OVRLRESP", "PD", 3, "WEEK 16", "2024-05-06")

dm = [dict(STUDYID=STUDY, DOMAIN="DM", USUBJID=s, RFSTDTC=d, RFPENDTC=e, DTHDTC="",
           DTHFL="", ARM=a, ACTARM=a)
      for s, d, e, a in [("ONC-201-001", "2024-01-05", "2024-09-30", "Drug A"),
                         ("ONC-201-002", "2024-02-01", "2024-08-30", "Drug A"),
                         ("ONC-201-003", "2024-01-15", "2024-07-31", "Placebo")]]
for name, rows in (("tu", tu_rows), ("tr", tr_rows), ("rs", rs_rows), ("dm", dm)):
    with open(OUT / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
print({k: len(v) for k, v in (("tu", tu_rows), ("tr", tr_rows), ("rs", rs_rows))})
