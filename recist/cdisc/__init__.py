"""CDISC exchange: SDTM TU/TR/DM in, SDTM TU/TR/RS out, ADaM-style ADRS/ADTTE tables.

Conventions follow the CDISC SDTM Oncology (RECIST 1.1) domains as used in
pharmaverse's ``pharmaversesdtm`` ``*_onco_recist`` data: TU identifies lesions
(``TULNKID``, ``TUORRES`` TARGET / NON-TARGET / NEW, ``TULOC``), TR carries their
results per visit (``TRTESTCD`` LDIAM, LPERP, TUMSTATE, LNSTATE) and RS the responses
(TRGRESP, NTRGRESP, NEWLIND, OVRLRESP, BESTRSP).
"""

from recist.cdisc.sdtm_in import SdtmInput, read_sdtm, read_sdtm_patients

__all__ = ["SdtmInput", "read_sdtm", "read_sdtm_patients"]
