# digest-publisher. On a fresh machine: `make demo` and `make test` do everything themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.run-packages
TEST_STAMP := $(VENV)/.test-packages
# Debian packages: the tool needs the card's fonts; the tests also need Chromium (and WordPress's own
# packages, which scripts/wordpress-server.sh installs).
RUN_PACKAGES := fonts-dejavu-core fonts-noto-cjk
TEST_PACKAGES := $(RUN_PACKAGES) chromium chromium-driver
DEMO_CORPUS := samples/arxiv-week-2026-05-18
DEMO_POSTS := $(CURDIR)/posts
PYTEST_ARGS ?=
# The local WordPress of `make wordpress`: 6.8 (the current line, Debian 13's package, cached) or 6.1 (Debian 12's).
WP_VERSION ?= 6.8

.PHONY: help install system-deps demo test test-fast check lint types test-only bench wordpress wordpress-stop clean

help:
	@echo "make demo        draft + preview a backfill post from the bundled sample (no key, no network)"
	@echo "make test        install everything, start the test WordPress, run the whole suite"
	@echo "make test-fast   the same without the slow and browser tests (-m 'not slow and not browser')"
	@echo "make check       lint (ruff) + types (mypy --strict) + tests"
	@echo "make bench       benchmarks (printed table)"
	@echo "make wordpress   start a local WordPress (WP_VERSION=6.8|6.1, default 6.8) and print its .env lines;"
	@echo "                 make wordpress-stop stops it"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $@

install: $(STAMP)

# apt-get install what is missing, with no service started (apt would start apache2 and mariadb).
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; guard=0; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; fi; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; rc=$$?; \
	  if [ $$guard = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$rc; fi
endef

$(RUN_STAMP): | $(STAMP)
	$(call apt_install,$(RUN_PACKAGES))
	touch $@

$(TEST_STAMP): | $(STAMP)
	$(call apt_install,$(TEST_PACKAGES))
	touch $@

system-deps: $(TEST_STAMP)

demo: $(STAMP) $(RUN_STAMP)
	$(BIN)/digest-publisher corpus stats $(DEMO_CORPUS) --topic 07
	$(BIN)/digest-publisher draft --topic 07 --corpus $(DEMO_CORPUS) --drafter builtin --posts-dir $(DEMO_POSTS)
	$(BIN)/digest-publisher render backfill-07-rl-post-training --posts-dir $(DEMO_POSTS)
	@echo "Open $(DEMO_POSTS)/backfill-07-rl-post-training/preview.html, or: $(BIN)/digest-publisher preview backfill-07-rl-post-training --serve 8000"

# `install`: Debian 12's packages and the cached WordPress 6.8 tree; the suite runs on 6.1 and on 6.8.
test: $(STAMP) $(TEST_STAMP)
	bash scripts/wordpress-server.sh install
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	bash scripts/wordpress-server.sh install
	$(BIN)/pytest -m "not slow and not browser" $(PYTEST_ARGS)

test-only:
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

check: lint types test

bench: $(STAMP) $(RUN_STAMP)
	bash scripts/wordpress-server.sh install
	$(BIN)/python -m bench

wordpress:
	@WP_VERSION=$(WP_VERSION) bash scripts/wordpress-server.sh start >&2
	@WP_VERSION=$(WP_VERSION) bash scripts/wordpress-server.sh env

wordpress-stop:
	@WP_VERSION=$(WP_VERSION) bash scripts/wordpress-server.sh stop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
