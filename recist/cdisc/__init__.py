"""CDISC exchange: SDTM TU/TR/DM in, SDTM TU/TR/RS out, ADaM-style ADRS/ADTTE tables.

Conventions follow the CDISC SDTM Oncology (RECIST 1.1) domains as used in
pharmaverse's ``pharmaversesdtm`` ``*_onco_recist`` data: TU identifies lesions
(``TULNKID``, ``TUORRES`` TARGET / NON-TARGET / NEW, ``TULOC``), TR carries their
results per visit (``TRTESTCD`` LDIAM, LPERP, TUMSTATE, LNSTATE) and RS the responses
(TRGRESP, NTRGRESP, NEWLIND, OVRLRESP, BESTRSP).
"""

from recist.cdisc.adam import adrs_from_responses, adtte_from_responses
from recist.cdisc.rs_compare import compare_responses, read_sdtm_responses
from recist.cdisc.sdtm_in import SdtmInput, read_sdtm, read_sdtm_patients
from recist.cdisc.sdtm_out import (
    dm_from_patients,
    measurements_to_sdtm,
    rs_from_responses,
    write_sdtm,
)

__all__ = [
    "SdtmInput",
    "adrs_from_responses",
    "adtte_from_responses",
    "compare_responses",
    "dm_from_patients",
    "measurements_to_sdtm",
    "read_sdtm",
    "read_sdtm_patients",
    "read_sdtm_responses",
    "rs_from_responses",
    "write_sdtm",
]
