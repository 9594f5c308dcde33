# Daichō: `make run` starts everything locally, `make test` runs the fast tier of the suite on SQLite and PostgreSQL,
# `make check` all of it (docs/testing.md).
# A fresh machine needs only Python 3.11+ and make; everything else goes into .venv.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR := $(or $(APP_DATA_DIR),var)
# Two sets, each installed when a stamp named after its files' checksum is missing: the runtime set (requirements.txt:
# `make run`, as the production image) and the development set (requirements-dev.txt, which includes it: `make test`,
# `make bench`). Installing adds and never removes, so `make run` after `make test` keeps the development set, and the
# development set's install leaves the runtime stamp too (it installed requirements.txt as it stands).
RUN_STAMP := $(VENV)/.stamp-run-$(firstword $(shell cksum < requirements.txt))
DEV_STAMP := $(VENV)/.stamp-dev-$(firstword $(shell cat requirements.txt requirements-dev.txt | cksum))
# uv installs the pinned requirements (seconds where pip takes over a minute); its own pin is requirements-dev.txt's.
UV := $(shell grep '^uv==' requirements-dev.txt)
# Python keeps the bytecode of what it imports in .venv/pycache: the first process that imports a module (the API, a
# worker, Streamlit, a test pass) compiles it and every later one reads it, even where PYTHONDONTWRITEBYTECODE is set
# (each process would otherwise compile all it imports again, about 2 s of CPU). Only what is imported is compiled: uv
# compiling every installed file as it installs them took 16 s of a clean clone's `make test`, most never imported.
export PYTHONPYCACHEPREFIX := $(abspath $(VENV))/pycache
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test check bench migrate demo clean venv

venv: $(DEV_STAMP)

# Installs the requirements file $(1) into the venv, made first if need be, and leaves only the stamps $(2). The venv
# gets no pip of its own (ensurepip takes seconds): Python's own pip installs uv into it, or, where Python has none
# (or one older than 22.3, without --python), the venv's, put in by ensurepip.
define install
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	@$(PYTHON) -m pip --python $(PY) install --quiet --disable-pip-version-check $(UV) 2>/dev/null \
		|| { $(PY) -m ensurepip --default-pip >/dev/null && $(PY) -m pip install --quiet --disable-pip-version-check $(UV); }
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r $(1)
	@rm -f $(VENV)/.stamp-*
	@touch $(2)
endef

# A set is installed again only when its files change (its stamp's name carries their checksum) or this file does.
$(RUN_STAMP): requirements.txt Makefile
	$(call install,requirements.txt,$@)

$(DEV_STAMP): requirements.txt requirements-dev.txt Makefile
	$(call install,requirements-dev.txt,$@ $(RUN_STAMP))

migrate: $(RUN_STAMP)
	@mkdir -p $(DATA_DIR)
	$(PY) -m alembic upgrade heads

demo: migrate
	$(PY) -m service.cli demo load

# Quiet by default: LOG_LEVEL=info (or debug) shows the children's routine logs, ACCESS_LOG=1 the API's access log.
run: migrate
	$(PY) -m service.cli demo load --first-run
	$(if $(ACCESS_LOG),APP_ACCESS_LOG=$(ACCESS_LOG) )$(if $(LOG_LEVEL),APP_RUN_LOG_LEVEL=$(LOG_LEVEL) )$(PY) -m tools.run

test: $(DEV_STAMP)
	$(PY) -m tools.test test $(ARGS)

check: $(DEV_STAMP)
	$(PY) -m tools.test check $(ARGS)

# Every bench/*.py with a main block; the others (common.py, floor_app.py) are the benches' helpers.
bench: $(DEV_STAMP)
	@set -- $$(grep -l '^if __name__ == "__main__":' bench/*.py 2>/dev/null); \
	if [ ! -e "$$1" ]; then echo "No benchmarks yet: bench/ holds no runnable script."; exit 0; fi; \
	for script in "$$@"; do echo "== $$script"; $(PY) "$$script" || exit 1; done

# Removes the embedded database, the broker folder and caches; `rm -rf .venv` resets the environment too.
clean:
	rm -rf $(DATA_DIR)/daicho.db* $(DATA_DIR)/broker $(DATA_DIR)/celerybeat-schedule* .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
