# The two set-up commands of the README: `make demo` and `make test`.
# Both install what they need (Debian packages, the .venv) and are quick
# when nothing needs installing.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_RUNTIME := ffmpeg festival festvox-kallpc16k festvox-us-slt-hts festvox-ru python3-venv
DEBIAN_TEST := mariadb-server mariadb-client

# `make install` (as root): progmoh as a service on an Asterisk server; every
# folder can be overridden, e.g. `make install PREFIX=/tmp/p ETCDIR=/tmp/e ...`.
PREFIX ?= /opt/progmoh
ETCDIR ?= /etc/progmoh
STATEDIR ?= /var/lib/progmoh
RUNDIR ?= /run/progmoh
SYSTEMD_DIR ?= /etc/systemd/system
BINDIR ?= /usr/local/bin
SERVICE_USER ?= asterisk
INSTALL_PYTHON ?= /usr/bin/python3
INSTALL_ARGS = --prefix '$(PREFIX)' --etcdir '$(ETCDIR)' --statedir '$(STATEDIR)' \
	--rundir '$(RUNDIR)' --systemd-dir '$(SYSTEMD_DIR)' --bindir '$(BINDIR)' \
	--service-user '$(SERVICE_USER)' --python '$(INSTALL_PYTHON)'

.PHONY: demo test lint bytecode test-asterisk system system-test venv clean-demo install uninstall

demo: system venv
	$(BIN)/progmoh render --verbose
	$(BIN)/progmoh cache verify
	$(BIN)/progmoh cache ls
	$(BIN)/progmoh simulate-call var/demo-call.wav --seconds 64 --keys 2@42,3@50,4@54,5@58 --ahead-leaves 15 --png var/demo-call.png

# tests/services/asterisk.sh builds Asterisk once per machine (a few minutes)
# from ../shared/asterisk/ beside the clone and prints its install prefix.
# The tests' players start from bytecode, as an install's do (`bytecode`): with
# PYTHONDONTWRITEBYTECODE set, each would otherwise compile its modules at every start.
test: system system-test venv lint bytecode
	prefix="$$(tests/services/asterisk.sh)" && url="$$(tests/services/mariadb.sh start)" && \
	PROGMOH_TEST_ASTERISK_PREFIX="$$prefix" PROGMOH_TEST_MYSQL_URL="$$url" $(BIN)/pytest

# Only the tests of queue callers on the real Asterisk.
test-asterisk: system venv bytecode
	prefix="$$(tests/services/asterisk.sh)" && \
	PROGMOH_TEST_ASTERISK_PREFIX="$$prefix" $(BIN)/pytest -m asterisk

bytecode: venv
	$(BIN)/python -m compileall -q cli cache renderer player

# ruff, then mypy, with their settings in pyproject.toml and their versions pinned in
# setup.cfg's test extra.  mypy reads the sources under their installed names through
# links in build/typecheck/progmoh/ (the checkout has no progmoh/ folder).  A stamp makes
# it instant when nothing changed; mypy's cache keeps it quick when little did.
LINT_PATHS := cli cache renderer player scripts music/generate.py tests bench
LINT_SOURCES := $(shell find cli cache renderer player scripts tests bench -name '*.py' -o -name '*.pyi') \
	music/generate.py
TYPECHECK_LINKS := $(addprefix build/typecheck/progmoh/,cli cache renderer player)

lint: venv build/lint.stamp

build/lint.stamp: $(LINT_SOURCES) pyproject.toml $(VENV)/.installed | $(TYPECHECK_LINKS)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy
	touch $@

build/typecheck/progmoh/%:
	mkdir -p $(@D)
	ln -sfn ../../../$* $@

system:
	@scripts/apt-ensure $(DEBIAN_RUNTIME)

system-test:
	@scripts/apt-ensure $(DEBIAN_TEST)

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,plot]'
	touch $@

install: system
	$(INSTALL_PYTHON) scripts/install.py install $(INSTALL_ARGS)

uninstall:
	$(INSTALL_PYTHON) scripts/install.py uninstall $(INSTALL_ARGS)

clean-demo:
	rm -rf var/cache var/demo-call.wav var/demo-call.png
