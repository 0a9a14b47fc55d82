# Two commands: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: demo test install sample-data system-tools node-tools bench clean

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
node-tools:
	@[ -d tests/node/node_modules/dcmjs ] || (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)

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
	$(BIN)/python benchmarks/sdtm_pipeline.py
	$(BIN)/python benchmarks/measure_cluster.py
	$(BIN)/python benchmarks/report.py

clean:
	rm -rf $(VENV) $(OUT) sample_data/patients/*/V[1-9]*/ct
