# Two commands: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: demo test install sample-data system-tools node-tools bench clean viewer

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Follow-up scans are synthesised deterministically from the committed baselines on first use.
sample-data: $(STAMP)
	$(BIN)/python sample_data/make_sample_data.py --if-missing

demo: sample-data
	$(BIN)/recist demo --out $(OUT)

# Real tools the tests use: dicom3tools and PixelMed (SR/SEG validation), Orthanc with its
# DICOMweb plugin (a real PACS), Chromium (report rendering). Installed from Debian once.
system-tools:
	@command -v dciodvfy >/dev/null && command -v Orthanc >/dev/null \
	  && [ -f /usr/share/java/pixelmed.jar ] && dpkg -s orthanc-dicomweb >/dev/null 2>&1 \
	  || sh tests/system_tools/install_tools.sh
	@[ -x /usr/bin/chromium ] || sh tests/system_tools/install_browser.sh

# dcmjs, pinned in tests/node/package-lock.json: a test reads our DICOM SR with it, as OHIF does.
# OHIF's built viewer (@ohif/app's dist/, served by `recist viewer`) and playwright-core (drives
# Chromium in the round-trip test), pinned in tests/node/viewer/package-lock.json.
node-tools:
	@[ -d tests/node/node_modules/dcmjs ] || (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
	@[ -f tests/node/viewer/node_modules/@ohif/app/package.json ] \
	  && [ -d tests/node/viewer/node_modules/playwright-core ] \
	  || (cd tests/node/viewer && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

# Orthanc and OHIF on 127.0.0.1 with the sample patients and recist's SR of LUNG1's baseline
# (measured from its drawn lines); prints the address, Ctrl-C stops it.
viewer: sample-data system-tools node-tools
	$(BIN)/recist measure --series sample_data/patients/LUNG1/V0/ct \
	  --lines sample_data/patients/LUNG1/V0/lines.csv --out $(OUT)/viewer/LUNG1_V0.csv
	$(BIN)/recist export-sr $(OUT)/viewer/LUNG1_V0.csv --series sample_data/patients/LUNG1/V0/ct \
	  --out $(OUT)/viewer/LUNG1_V0_sr.dcm
	$(BIN)/recist viewer --upload sample_data/patients --upload $(OUT)/viewer/LUNG1_V0_sr.dcm

test: sample-data system-tools node-tools
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# Static checks alone (also the first steps of `make test`); settings in pyproject.toml.
.PHONY: lint
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The long fuzz run (10,000 cases of hostile DICOM and tables; the short one is in make test).
.PHONY: fuzz
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/run_fuzz.py --cases 10000 --seed 1

# Speed and memory against the reference tools, measured interleaved in the same run
# (benchmarks/harness.py); each benchmark saves its figures, then one table is printed.
bench: $(STAMP)
	rm -rf benchmarks/.work/results
	$(BIN)/python benchmarks/load_series.py
	$(BIN)/python benchmarks/measure_masks.py
	$(BIN)/python benchmarks/respond_cohort.py
	$(BIN)/python benchmarks/uncertainty_cohort.py
	$(BIN)/python benchmarks/sdtm_pipeline.py
	$(BIN)/python benchmarks/measure_cluster.py
	$(BIN)/python benchmarks/report.py

clean:
	rm -rf $(VENV) $(OUT) sample_data/patients/*/V[1-9]*/ct
