"""Follow-up after local treatment of oligometastases: the trial this project serves.

Pure pandas/numpy rule modules, each citing the rules of docs/rules.md it implements:

* ``lesion_history`` — the lesions table (which lesion was treated locally, when; MEAS-10);
* ``therapies`` — the therapy timeline (local and systemic), and the follow-up cut-off it
  gives RECIST (DEC-23, replacing a single ``new_therapy_date``, DEC-17);
* ``failure_pattern`` — local failure of treated lesions, new intrapulmonary and
  extrapulmonary disease, and whether a recurrence is still oligometastatic (DEC-24..DEC-26);
* ``endpoints`` — systemic-therapy-free survival, PFS after local treatment, time to
  local failure with death as a competing risk, overall survival (DEC-27).

``recist.pipeline.oligo`` composes them with the response assessment.
"""
