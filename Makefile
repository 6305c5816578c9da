# The two commands of the README: `make run` and `make test`. Everything they need is installed
# here: uv (bootstrapped into .tools/ when no working uv is on PATH), the virtualenv from
# uv.lock with Python 3.12, and, when running as root, the Debian packages the tests use.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# A working uv on PATH, else our own copy. (pyenv's shim answers "uv" even where it cannot run.)
UV ?= $(shell uv --version >/dev/null 2>&1 && command -v uv || echo .tools/uv/bin/uv)
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages. The site: Liberation Serif 2 (Times metrics, Vietnamese; never the 1.x
# fonts-liberation, which lacks ư and ơ). The tests add chromium (real-browser tests),
# poppler-utils (pdftotext, pdfsig, pdftoppm), qpdf, SoftHSM2 and OpenSC (PKCS#11 tokens).
RUN_DEB_PACKAGES := fonts-liberation2
TEST_DEB_PACKAGES := $(RUN_DEB_PACKAGES) chromium poppler-utils qpdf softhsm2 opensc libreoffice-writer-nogui

.PHONY: help run test install lint format messages bench run-packages test-packages deb-packages

help:
	@echo "make run    install, migrate, load the demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   install what the tests need and run the whole suite"
	@echo "make lint   ruff check and format check, the import contracts (lint-imports)"

.tools/uv/bin/uv:
	python3 -m venv .tools/uv
	.tools/uv/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --quiet

run: install run-packages
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo --logins
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) pki_init
	# Demo covenants: one in force (7 signatures, its criteria set adopted with it), one
	# half-way through signing.
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_covenant_demo \
		--bloc khoi-dvsn-bach-long-vi --year 2024 --out var/giao-uoc-bach-long-vi-2024.pdf
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_covenant_demo \
		--bloc cum-khoi-huyen-hp --year 2024 --signatures 4
	# Year-end scoring: the Hải Phòng cluster's 2023 ranked as in seed 003 (signed result);
	# the Bạch Long Vĩ bloc's 2024 half-way (three units' sheets signed).
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_scoring_demo \
		--bloc cum-khoi-huyen-hp --year 2023 --out var/ket-qua-cham-diem-hai-phong-2023.pdf
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_scoring_demo \
		--bloc khoi-dvsn-bach-long-vi --year 2024 --signed 3
	# Year-end meetings: the Hải Phòng cluster's 2023 as in seed 003 (minutes signed, the
	# dossier returned once, completed, received and appraised); the
	# Khánh Hòa bloc's 2021 scored, then its vote open with four of six heads voted.
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_nominations_demo \
		--bloc cum-khoi-huyen-hp --year 2023
	# Hải Phòng's council on the cluster's appraised flags: 14 of 15 members present, the
	# absent one in writing, the minutes signed.
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_council_demo --jurisdiction hp
	# The city's award decision on the cluster's 2023 nominees it decides: signed by the
	# chairman, numbered QĐ-UBND and sealed; the award history written from it.
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_decision_demo \
		--jurisdiction hp --year 2023
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_scoring_demo \
		--bloc khoi-bql-khanh-hoa --year 2021
	SIGNING_DEV_PKI_URL=http://$(HOST):$(PORT)/pki $(MANAGE) run_nominations_demo \
		--bloc khoi-bql-khanh-hoa --year 2021
	@echo
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl+C stops)"
	$(PY) -m uvicorn config.asgi:application --host $(HOST) --port $(PORT) --lifespan on \
		--ws-per-message-deflate false

test: install test-packages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Signing and validation benchmarks, ours against a naive pyHanko baseline, and the live-page
# benchmark (1000 sockets, needs Redis on 127.0.0.1) (a few minutes, all
# on 127.0.0.1); rewrite docs/benchmarks.md and docs/benchmarks-live.md with the figures.
bench: install
	$(PY) tests/benchmarks/bench_signing.py --output docs/benchmarks.md
	$(PY) tests/benchmarks/bench_live.py --output docs/benchmarks-live.md
	$(PY) tests/benchmarks/bench_scoring.py --output docs/benchmarks-scoring.md

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerate the Vietnamese/English catalogues and compile them (needs gettext).
messages: install
	$(MANAGE) makemessages --locale vi --ignore ".venv/*" --ignore ".tools/*" --ignore "tests/*" --no-obsolete
	$(MANAGE) compilemessages --ignore ".venv/*" --ignore ".tools/*"

run-packages:
	@$(MAKE) --no-print-directory deb-packages PACKAGES="$(RUN_DEB_PACKAGES)"

test-packages:
	@$(MAKE) --no-print-directory deb-packages PACKAGES="$(TEST_DEB_PACKAGES)"

# Install the Debian packages in PACKAGES that are missing (as root; otherwise say which).
deb-packages:
	@missing=$$(for package in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || echo $$package; \
	done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian packages: $$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Missing Debian packages (install them as root): $$missing"; \
		fi; \
	fi
