# Mentorweb — two commands do all set-up on a fresh machine:
#   make run    the system with a realistic sample board loaded
#   make test   the whole test suite
SHELL := /bin/bash
UV := $(shell command -v uv >/dev/null 2>&1 && echo uv || echo python3 -m uv)
DOCKER_ENGINE := $(shell docker info >/dev/null 2>&1 && echo yes)
PYTEST_ARGS ?=

.PHONY: setup run stop test test-fast test-slow test-cluster soak lint bench asyncapi i18n console-assets

setup:  ## virtualenv + locked install (installs uv from PyPI if missing)
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet
	@bash scripts/compose-plugin.sh

run: setup  ## start the system (docker compose if a Docker engine answers, else local services) + sample board
ifeq ($(DOCKER_ENGINE),yes)
	docker compose up -d --build --wait
	$(UV) run mentorweb sample-board
else
	$(UV) run mentorweb up
endif

stop:
ifeq ($(DOCKER_ENGINE),yes)
	docker compose down
else
	$(UV) run mentorweb down
endif

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy shared tools services

test: setup  ## the whole suite: lint, types, unit, integration, end to end, faults
ifneq ($(DOCKER_ENGINE),yes)
	@bash scripts/ensure-infra.sh
endif
	@bash deploy/k8s/tools.sh
	@bash scripts/ensure-chromium.sh
	@cd services/console/tests/oidc && npm ci --ignore-scripts --no-audit --no-fund --silent
	$(MAKE) --no-print-directory lint
	$(UV) run pytest $(PYTEST_ARGS)

test-fast: setup  ## unit tests only
	$(UV) run pytest -m unit $(PYTEST_ARGS)

test-slow: setup  ## only the long fault and load tests
	@bash scripts/ensure-infra.sh
	$(UV) run pytest -m slow $(PYTEST_ARGS)

test-cluster: setup  ## faults on a three-node RabbitMQ cluster and a PostgreSQL failover (starts its own nodes; not in `make test`)
	@bash scripts/ensure-infra.sh
	bash scripts/cluster.sh test $(PYTEST_ARGS)

soak: setup  ## MINUTES (30) at RATE (50) registrations/s, resources sampled every 10 s; figures and chart into docs/reliability.md
	@bash scripts/ensure-infra.sh
	$(UV) run python bench/soak.py --minutes $(or $(MINUTES),30) --rate $(or $(RATE),50)

bench: setup  ## benchmarks against the local RabbitMQ/PostgreSQL (figures as ratios to raw baselines); SCENARIO=http runs one
	@bash scripts/ensure-infra.sh
	$(UV) run python bench/run_all.py $(if $(SCENARIO),--only $(SCENARIO))

asyncapi: setup
	$(UV) run mentorweb asyncapi

CONSOLE := services/console
i18n: setup  ## console: extract messages into messages.pot, update the en/fr catalogues, compile them
	$(UV) run pybabel extract -F $(CONSOLE)/babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location --sort-output --project=Mentorweb -o $(CONSOLE)/translations/messages.pot .
	$(UV) run pybabel update -i $(CONSOLE)/translations/messages.pot -d $(CONSOLE)/translations -D messages --no-fuzzy-matching --ignore-obsolete --width 110
	$(UV) run pybabel compile -d $(CONSOLE)/translations -D messages --statistics

console-assets:  ## console: reinstall the pinned npm packages and vendor them into services/console/static
	bash scripts/vendor-console-assets.sh
