# Two commands: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: demo test install sample-data bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Follow-up scans are generated deterministically from ../shared/data on first use.
sample-data: $(STAMP)
	$(BIN)/python sample_data/make_sample_data.py --if-missing

demo: sample-data
	$(BIN)/recist demo --out $(OUT)

test: sample-data
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/load_series.py

clean:
	rm -rf $(VENV) $(OUT) sample_data/patients/*/V[1-9]*/ct
