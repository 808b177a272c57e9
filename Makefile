# digest-publisher. On a fresh machine: `make demo` and `make test` do everything themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps
# Debian packages the tool and its tests need (WordPress's own are installed by scripts/wordpress-server.sh).
DEBIAN_PACKAGES := fonts-dejavu-core fonts-noto-cjk chromium chromium-driver
DEMO_CORPUS := samples/arxiv-week-2026-05-18
DEMO_POSTS := $(CURDIR)/posts
PYTEST_ARGS ?=

.PHONY: help install system-deps demo test check lint types test-only bench wordpress wordpress-stop clean

help:
	@echo "make demo        draft + preview a backfill post from the bundled sample (no key, no network)"
	@echo "make test        install everything, start the test WordPress, run the whole suite"
	@echo "make check       lint (ruff) + types (mypy --strict) + tests"
	@echo "make bench       benchmarks (printed table)"
	@echo "make wordpress   start a local WordPress and print its .env lines; make wordpress-stop"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(STAMP)

# Fonts for the featured card, Debian's chromium for the browser tests. apt must start no service.
$(SYSTEM_STAMP): | $(STAMP)
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; guard=0; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; fi; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; rc=$$?; \
	  if [ $$guard = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$rc; fi
	touch $@

system-deps: $(SYSTEM_STAMP)

demo: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/digest-publisher corpus stats $(DEMO_CORPUS) --topic 07
	$(BIN)/digest-publisher draft --topic 07 --corpus $(DEMO_CORPUS) --drafter builtin --posts-dir $(DEMO_POSTS)
	$(BIN)/digest-publisher render backfill-07-rl-post-training --posts-dir $(DEMO_POSTS)
	@echo "Open $(DEMO_POSTS)/backfill-07-rl-post-training/preview.html, or: $(BIN)/digest-publisher preview backfill-07-rl-post-training --serve 8000"

test: $(STAMP) $(SYSTEM_STAMP)
	bash scripts/wordpress-server.sh install
	$(BIN)/pytest $(PYTEST_ARGS)

test-only:
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

check: lint types test

bench: $(STAMP) $(SYSTEM_STAMP)
	bash scripts/wordpress-server.sh install
	$(BIN)/python -m bench

wordpress:
	@bash scripts/wordpress-server.sh start >&2
	@bash scripts/wordpress-server.sh env

wordpress-stop:
	@bash scripts/wordpress-server.sh stop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
