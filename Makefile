# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV      := .venv
PYTHON    := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
LLM_INSTALLED := $(VENV)/.installed-llm
# The CPU build of torch lies in /opt/wheels on these machines; elsewhere pip takes it from PyPI.
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
# The browser tests drive Debian's Chromium through Playwright (which never downloads a browser itself).
CHROMIUM  := /usr/bin/chromium
SUDO      := $(if $(filter 0,$(shell id -u)),,sudo)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test index install benchmark clean-index lint typecheck

run: index
	$(PYTHON) app.py

# Lint and type checks first: they take seconds and name the line at fault.
test: $(INSTALLED) $(LLM_INSTALLED) $(CHROMIUM) lint typecheck
	$(PYTHON) -m pytest

# The language-model extra: only the tests need it (a real llama.cpp server); `make run` does not wait for it.
# llama.cpp is compiled for any x86-64 with AVX2, not for this CPU: built natively (AMX, AVX-512) on these virtual
# machines it crashed at its first completion. No wheel cache, so a natively built copy is never picked up again.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
$(LLM_INSTALLED): $(INSTALLED)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PYTHON) -m pip install --quiet --no-cache-dir $(FIND_LINKS) -c constraints.txt \
		-e '.[dev,llm]'
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# Incremental: builds the index when missing, refreshes what changed, embeds nothing when up to date.
# Exit status 1 means some files were refused (each named above): the app still starts on the rest.
index: $(INSTALLED)
	$(VENV)/bin/assistant ingest || test $$? -eq 1

install: $(INSTALLED)

# Reinstalls only when the dependencies change.
$(INSTALLED): pyproject.toml constraints.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet $(FIND_LINKS) -c constraints.txt -e '.[dev]'
	touch $@

lint: $(INSTALLED)
	$(VENV)/bin/ruff check assistant tests benchmarks eval app.py

# mypy over the package and app.py, as configured in pyproject.toml (check_untyped_defs, pydantic plugin).
typecheck: $(INSTALLED)
	$(VENV)/bin/mypy

benchmark: index
	$(PYTHON) benchmarks/ingest.py
	$(PYTHON) benchmarks/decide.py
	$(VENV)/bin/assistant eval
	$(PYTHON) benchmarks/web.py
	$(PYTHON) benchmarks/scale.py --document-systems assistant

clean-index:
	rm -rf index/chroma.sqlite3 index/*-*-*-*-* index/bm25-* index/profiles-* index/exemplars-* index/facets-* \
		index/last-good index/.generation-* index/.manifest-* index/.refused-*.json
