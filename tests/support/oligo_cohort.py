"""A hand-checked cohort of three patients followed after local treatment of lung
metastases (tests of ``recist.oligo``; the expected values are worked out in
tests/recist/oligo/test_failure_pattern.py and test_endpoints.py).

A: SBRT of T1+T2; T1 regrows (+5 mm, +36 % over its nadir of 14 mm) with a new lung lesion
   → first recurrence local+intrapulmonary, re-treated by RFA, then a liver lesion,
   then FOLFOX; alive.
B: surgery of T1 (then absent); dies without recurrence (a competing death).
C: SBRT of T1+T2; an equivocal lung lesion later confirmed (dated back); then T1 regrows
   from 0, the reader calls T2 a local failure, the mediastinal node progresses and new
   liver and bone lesions appear: no longer oligometastatic.
"""

from __future__ import annotations

import io

import pandas as pd

MEASUREMENTS_CSV = """\
patient_id,date,lesion_id,kind,organ,nodal,ld_mm,sa_mm,status,local_failure
A,2024-01-02,T1,target,lung,false,20,,measured,
A,2024-01-02,T2,target,left lung,false,15,,measured,
A,2024-04-02,T1,target,lung,false,15,,measured,
A,2024-04-02,T2,target,left lung,false,12,,measured,
A,2024-07-01,T1,target,lung,false,14,,measured,
A,2024-07-01,T2,target,left lung,false,12,,measured,
A,2024-10-01,T1,target,lung,false,19,,measured,
A,2024-10-01,T2,target,left lung,false,12,,measured,
A,2024-10-01,NEW1,new,lung,false,8,,unequivocal,
A,2025-01-02,T1,target,lung,false,12,,measured,
A,2025-01-02,T2,target,left lung,false,12,,measured,
A,2025-04-01,T1,target,lung,false,12,,measured,
A,2025-04-01,T2,target,left lung,false,12,,measured,
A,2025-04-01,NEW2,new,liver,false,15,,unequivocal,
B,2024-01-25,T1,target,lung,false,25,,measured,
B,2024-05-01,T1,target,lung,false,,,absent,
B,2024-08-01,T1,target,lung,false,,,absent,
C,2024-02-20,T1,target,lung,false,12,,measured,
C,2024-02-20,T2,target,lung,false,30,,measured,
C,2024-02-20,N1,non-target,mediastinum,true,,12,present,
C,2024-06-01,T1,target,lung,false,,,absent,
C,2024-06-01,T2,target,lung,false,20,,measured,
C,2024-06-01,N1,non-target,mediastinum,true,,12,present,
C,2024-06-01,NEW4,new,lung,false,4,,equivocal,
C,2024-09-01,T1,target,lung,false,5,,measured,
C,2024-09-01,T2,target,lung,false,20,,measured,true
C,2024-09-01,N1,non-target,mediastinum,true,,18,progression,
C,2024-09-01,NEW1,new,liver,false,12,,unequivocal,
C,2024-09-01,NEW2,new,liver,false,5,,equivocal,
C,2024-09-01,NEW3,new,bone,false,14,,unequivocal,
C,2024-09-01,NEW4,new,lung,false,9,,unequivocal,
"""

PATIENTS_CSV = """\
patient_id,start_date,death_date,last_contact_date
A,2024-01-10,,2025-12-01
B,2024-02-01,2024-09-15,
C,2024-03-01,,2024-12-01
"""

THERAPIES_CSV = """\
patient_id,date,kind,lesion_ids,regimen
A,2024-01-15,local,T1;T2,sbrt
A,2024-10-20,local,T1;NEW1,rfa
A,2025-05-01,systemic,,FOLFOX
B,2024-02-05,local,T1,surgery
C,2024-03-05,local,T1;T2,sbrt
"""


def csv(text: str) -> pd.DataFrame:
    """A CSV text as a table of text cells (empty → missing), as ``read_csv_table`` reads."""
    return pd.read_csv(io.StringIO(text), dtype=str)


def oligo_result():
    """(``OligoResult``, patients table) of this cohort under RECIST 1.1 with its
    therapies (``recist.pipeline.oligo.respond_oligo``)."""
    from recist.criteria import RECIST_1_1
    from recist.patients import normalise_patients
    from recist.pipeline.oligo import respond_oligo
    from recist.table import normalise_measurements

    patients = normalise_patients(csv(PATIENTS_CSV))
    _result, oligo = respond_oligo(normalise_measurements(csv(MEASUREMENTS_CSV)), patients,
                                   RECIST_1_1, therapies=csv(THERAPIES_CSV))
    return oligo, patients
