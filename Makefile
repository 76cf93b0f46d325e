# The two set-up commands of the README: `make demo` and `make test`.
# Both install what they need (Debian packages, the .venv) and are quick
# when nothing needs installing.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_RUNTIME := ffmpeg festival festvox-kallpc16k festvox-us-slt-hts festvox-ru python3-venv
# baresip is the SIP phone of the Asterisk tests; bzip2 unpacks the bundled pjproject.
DEBIAN_TEST := mariadb-server mariadb-client baresip-core bzip2
# The Asterisk versions the tests run on, each built once per machine by
# tests/services/asterisk.sh: the LTS releases admins run; ASTERISK_MASTER=1
# adds the development snapshot.
ASTERISK_VERSIONS ?= 22 20$(if $(ASTERISK_MASTER), master)

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

.PHONY: demo test lint bytecode coverage test-asterisk asterisks system system-test venv clean-demo install uninstall

# The demo's two queues (demo.toml): support, the default program, and sales, with its own
# advice and no balance key.  A caller in each: the sales caller's key 2 does nothing.
demo: export PROGMOH_CONFIG := $(CURDIR)/demo.toml
demo: system venv
	$(BIN)/progmoh render --verbose
	$(BIN)/progmoh cache verify
	$(BIN)/progmoh cache ls
	$(BIN)/progmoh simulate-call var/demo-call.wav --seconds 72 --keys 2@42,3@50,4@54,5@58,6@62 --ahead-leaves 15 --png var/demo-call.png
	$(BIN)/progmoh simulate-call var/demo-sales-call.wav --program sales --seconds 48 --keys 2@42,4@44 --png var/demo-sales-call.png

# tests/services/asterisk.sh builds each Asterisk version once per machine (about
# 6 minutes each on 2 cores) from ../shared/asterisk/ beside the clone; the
# Asterisk tests then run once per version.  The tests' players start from bytecode,
# as an install's do (`bytecode`): with PYTHONDONTWRITEBYTECODE set, each would
# otherwise compile its modules at every start.
test: system system-test venv lint bytecode
	@$(MAKE) --no-print-directory asterisks VERSIONS="$(ASTERISK_VERSIONS)"
	url="$$(tests/services/mariadb.sh start)" && PROGMOH_TEST_ASTERISK_PREFIX= \
	PROGMOH_TEST_ASTERISK_VERSIONS="$(ASTERISK_VERSIONS)" PROGMOH_TEST_MYSQL_URL="$$url" $(BIN)/pytest

# Line and branch coverage of `make test`'s suite, the players' and serve's processes
# included (scripts/coverage says how); not part of `make test`, and slower.  Services
# already running are used (PROGMOH_TEST_*); `make coverage TESTS=tests/play` measures
# a part.  Figures per package on the terminal, what never ran in var/coverage/html.
TESTS ?=
coverage: system system-test venv
	scripts/coverage $(TESTS)

# Only the tests of queue callers on the real Asterisk; VERSION=20 (or 22, master) runs one.
test-asterisk: system system-test venv bytecode
	@$(MAKE) --no-print-directory asterisks VERSIONS="$(or $(VERSION),$(ASTERISK_VERSIONS))"
	PROGMOH_TEST_ASTERISK_PREFIX= PROGMOH_TEST_ASTERISK_VERSIONS="$(or $(VERSION),$(ASTERISK_VERSIONS))" \
	$(BIN)/pytest -m asterisk

asterisks:
	@for version in $(VERSIONS); do tests/services/asterisk.sh $$version >/dev/null || exit 1; done

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
