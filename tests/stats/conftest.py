"""Fixtures for the trial-statistics tests: small hand-made SDTM and response tables."""

from __future__ import annotations

import io

import pandas as pd
import pytest

TU_CSV = """STUDYID,DOMAIN,USUBJID,TUSEQ,TULNKID,TUTESTCD,TUTEST,TUORRES,TUSTRESC,TULOC,TULAT,TUMETHOD,VISITNUM,VISIT,TUDTC
S1,TU,P1,1,T01,TUMIDENT,Tumor Identification,TARGET,TARGET,LUNG,LEFT,CT SCAN,1,SCREENING,2024-01-02
S1,TU,P1,2,T02,TUMIDENT,Tumor Identification,TARGET,TARGET,LUNG,RIGHT,CT SCAN,1,SCREENING,2024-01-02
S1,TU,P1,3,T03,TUMIDENT,Tumor Identification,TARGET,TARGET,LIVER,,CT SCAN,1,SCREENING,2024-01-02
S1,TU,P1,4,T04,TUMIDENT,Tumor Identification,TARGET,TARGET,MEDIASTINAL LYMPH NODE,,CT SCAN,1,SCREENING,2024-01-02
S1,TU,P1,5,NT01,TUMIDENT,Tumor Identification,NON-TARGET,NON-TARGET,PLEURA,,CT SCAN,1,SCREENING,2024-01-02
S1,TU,P1,6,T02/T03,TUMIDENT,Tumor Identification,TARGET,TARGET,LUNG,RIGHT,CT SCAN,3,WEEK 16,2024-04-23
S1,TU,P1,7,NEW01,TUMIDENT,Tumor Identification,NEW EQUIVOCAL,NEW EQUIVOCAL,BONE,,CT SCAN,2,WEEK 8,2024-02-27
S1,TU,P2,1,T01,TUMIDENT,Tumor Identification,TARGET,TARGET,LUNG,,CT SCAN,1,SCREENING,2024-01-10
S1,TU,P2,2,NEW01,TUMIDENT,Tumor Identification,NEW,NEW,LIVER,,CT SCAN,3,WEEK 16,2024-05-01
"""

TR_CSV = """STUDYID,DOMAIN,USUBJID,TRSEQ,TRLNKID,TRTESTCD,TRTEST,TRORRES,TRORRESU,TRSTRESC,TRSTRESN,TRSTRESU,TRSTAT,TRREASND,VISITNUM,VISIT,TRDTC
S1,TR,P1,1,T01,LDIAM,Longest Diameter,20,mm,20,20,mm,,,1,SCREENING,2024-01-02
S1,TR,P1,2,T02,LDIAM,Longest Diameter,15,mm,15,15,mm,,,1,SCREENING,2024-01-02
S1,TR,P1,3,T03,LDIAM,Longest Diameter,12,mm,12,12,mm,,,1,SCREENING,2024-01-03
S1,TR,P1,4,T04,LPERP,Longest Perpendicular,18,mm,18,18,mm,,,1,SCREENING,2024-01-02
S1,TR,P1,5,T04,LDIAM,Longest Diameter,25,mm,25,25,mm,,,1,SCREENING,2024-01-02
S1,TR,P1,6,NT01,TUMSTATE,Tumor State,PRESENT,,PRESENT,,,,,1,SCREENING,2024-01-02
S1,TR,P1,7,T01.1,LDIAM,Longest Diameter,8,mm,8,8,mm,,,2,WEEK 8,2024-02-27
S1,TR,P1,8,T01.2,LDIAM,Longest Diameter,6,mm,6,6,mm,,,2,WEEK 8,2024-02-27
S1,TR,P1,9,T02,LDIAM,Longest Diameter,TOO SMALL TO MEASURE,,TOO SMALL TO MEASURE,,,,,2,WEEK 8,2024-02-27
S1,TR,P1,10,T03,LDIAM,Longest Diameter,0,mm,0,0,mm,,,2,WEEK 8,2024-02-27
S1,TR,P1,11,T04,LPERP,Longest Perpendicular,9,mm,9,9,mm,,,2,WEEK 8,2024-02-27
S1,TR,P1,12,NT01,TUMSTATE,Tumor State,ABSENT,,ABSENT,,,,,2,WEEK 8,2024-02-27
S1,TR,P1,13,NEW01,TUMSTATE,Tumor State,EQUIVOCAL,,EQUIVOCAL,,,,,2,WEEK 8,2024-02-27
S1,TR,P1,14,T01,LDIAM,Longest Diameter,12,mm,12,12,mm,,,3,WEEK 16,2024-04-23
S1,TR,P1,15,T02,LDIAM,Longest Diameter,,,,,,NOT DONE,TUMOR MERGED,3,WEEK 16,2024-04-23
S1,TR,P1,16,T03,LDIAM,Longest Diameter,,,,,,NOT DONE,TUMOR MERGED,3,WEEK 16,2024-04-23
S1,TR,P1,17,T02/T03,LDIAM,Longest Diameter,21,mm,21,21,mm,,,3,WEEK 16,2024-04-23
S1,TR,P1,18,T04,LPERP,Longest Perpendicular,,,,,,NOT DONE,SCAN NOT PERFORMED,3,WEEK 16,2024-04-23
S1,TR,P1,19,NT01,TUMSTATE,Tumor State,UNEQUIVOCAL PROGRESSION,,UNEQUIVOCAL PROGRESSION,,,,,3,WEEK 16,2024-04-23
S1,TR,P1,20,NEW01,TUMSTATE,Tumor State,UNEQUIVOCAL,,UNEQUIVOCAL,,,,,3,WEEK 16,2024-04-23
S1,TR,P2,1,T01,LDIAM,Longest Diameter,30,mm,30,30,mm,,,1,SCREENING,2024-01-10
S1,TR,P2,2,T01,LDIAM,Longest Diameter,20,mm,20,20,mm,,,2,WEEK 8,2024-03
"""

DM_CSV = """STUDYID,DOMAIN,USUBJID,RFSTDTC,RFPENDTC,DTHDTC,ARM
S1,DM,P1,2024-01-05,2024-06-01,,Deferred therapy
S1,DM,P2,2024-01-12T09:30,2024-07-01,2024-06-20,Immediate therapy
"""


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])


@pytest.fixture
def small_tu() -> pd.DataFrame:
    return _frame(TU_CSV)


@pytest.fixture
def small_tr() -> pd.DataFrame:
    return _frame(TR_CSV)


@pytest.fixture
def small_dm() -> pd.DataFrame:
    return _frame(DM_CSV)


TIMEPOINTS_CSV = """patient_id,visit,date,sum_mm,baseline_sum_mm,nadir_mm,pct_from_baseline,pct_from_nadir,target_response,nontarget_response,new_lesions,overall_response,reasons
A,V0,2024-01-01,50,50,,,,,,,,baseline
A,V1,2024-03-01,30,50,50,-40,-40,PR,NA,N,PR,r
A,V2,2024-05-01,20,50,30,-60,-33.33,PR,NA,N,PR,r
B,V0,2024-01-10,40,40,,,,,,,,baseline
B,V1,2024-03-10,44,40,40,10,10,SD,NA,N,SD,r
B,V2,2024-05-10,52,40,40,30,30,PD,NA,N,PD,r
C,V0,2024-02-01,20,20,,,,,,,,baseline
C,V1,2024-04-01,21,20,20,5,5,SD,NA,N,SD,r
"""

SUMMARY_CSV = """patient_id,bor,bor_date,pd_date,pfs_event,pfs_date,pfs_days,response_date,dor_days,censor_reason
A,PR,2024-03-01,,false,2024-05-01,122,2024-03-01,62,no progression
B,SD,2024-03-10,2024-05-10,true,2024-05-10,122,,,
C,SD,2024-04-01,,true,2024-06-01,122,,,death
"""

PATIENTS_CSV = """patient_id,start_date,death_date,last_contact_date,arm
A,2024-01-01,,2024-06-01,Deferred
B,2024-01-10,,2024-05-20,Immediate
C,2024-02-01,2024-06-01,,Immediate
"""


@pytest.fixture
def timepoints() -> pd.DataFrame:
    return _frame(TIMEPOINTS_CSV)


@pytest.fixture
def patient_summary() -> pd.DataFrame:
    return _frame(SUMMARY_CSV)


@pytest.fixture
def patients() -> pd.DataFrame:
    return _frame(PATIENTS_CSV)
