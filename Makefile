# Wallet Reports. Two commands matter: `make dev` runs everything, `make test` tests it.
# Both work on a machine with only Python 3.11+ and make: uv is bootstrapped into
# .dev/bootstrap when it is not on PATH, and uv installs everything else.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.dev/bootstrap/bin/uv)
RUN := $(UV) run --frozen --all-packages

.PHONY: help dev test lint sync localnet dune-emulator pay bench contracts-snapshot up down

help:
	@echo "make dev       run NATS, PostgreSQL and all five services (Ctrl-C stops all)"
	@echo "make test      lint, then run the whole test suite against real NATS and PostgreSQL"
	@echo "make lint      ruff and mypy (strict) over the packages in LINTED"
	@echo "make localnet  run the Solana localnet alone in the foreground"
	@echo "make dune-emulator  run the Dune API emulator in the foreground (DUNE_EMULATOR_* env)"
	@echo "make pay URL='solana:...' [ARGS='--flags']  pay a Solana Pay URL on the localnet"
	@echo "make bench     run the benchmarks (one JSON line each)"
	@echo "make up/down   docker compose up/down (needs a Docker engine)"

# uv for this repo only, when none is on PATH: tools/bootstrap_uv.py (standard library
# only) uses a venv and pip when the interpreter has them, otherwise it downloads uv's
# wheel for this machine from PyPI, checks its sha256 and unpacks the binary.
$(CURDIR)/.dev/bootstrap/bin/uv:
	@$(PYTHON) $(CURDIR)/tools/bootstrap_uv.py --dest $(CURDIR)/.dev/bootstrap

# Bootstrapped only when UV is the bootstrapped one (not for uv on PATH or UV=... given).
sync: $(filter $(CURDIR)/.dev/bootstrap/bin/uv,$(UV))
	$(UV) sync --frozen --all-packages --quiet

dev: sync
	$(RUN) python -m walletreports.devstack

# The packages `make lint` checks: ruff over the folder (code and tests), mypy (strict,
# settings in pyproject.toml) over its src/, and the formatter must have nothing to change.
# One line adds a package: LINTED += services/payments
LINTED := libs/contracts
LINTED += libs/kit
LINTED += libs/devkit
LINTED += services/orders
LINTED += services/payments
LINTED += services/dune_runner
LINTED += tools/dune_emulator
LINTED += services/notifier

lint: sync
	$(RUN) ruff check $(LINTED)
	$(RUN) ruff format --check $(LINTED)
	$(RUN) mypy $(addsuffix /src,$(LINTED))

test: sync lint
	$(RUN) pytest

localnet: sync
	$(RUN) python -m walletreports.localnet

dune-emulator: sync
	$(RUN) python -m walletreports.dune_emulator

pay: sync
	@test -n "$(URL)" || { echo "usage: make pay URL='solana:...' [ARGS='...']"; exit 2; }
	$(RUN) python -m walletreports.localnet.pay '$(URL)' $(ARGS)

# A failing benchmark fails the target (a bare loop would report only the last one).
bench: sync
	@for script in bench/*.py; do $(RUN) python $$script || exit $$?; done

contracts-snapshot: sync
	$(RUN) python -m walletreports.contracts.snapshot --write

up:
	docker compose up --build --detach --wait

down:
	docker compose down
