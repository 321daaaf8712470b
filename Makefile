# SPDX-License-Identifier: GPL-2.0
#
# zdrace: ZONE_DEVICE refcount race testing on User-mode Linux.
#
#   make          set up everything, build the UML kernel, run the suites
#   make check    the tooling's tests + the suites, ending "N passed, N failed"
#
# KERNEL is the one place the default kernel line is named.

KERNEL     ?= 6.12
comma := ,
space := $(subst ,, )
KERNEL_SRC ?=
BUILD      ?= $(CURDIR)/build
PYTHON     ?= python3
# kunitconfig fragments; a line's own configs/<line>/ may be added later.
CONFIGS    ?= $(wildcard configs/zdrace.config configs/zone_device.config)
# UML boot parameters for every run, the sweep's included; unset, those
# of scripts/zdtool/__init__.py (DEFAULT_KERNEL_ARGS: the device memory
# window the suites use).
KERNEL_ARGS ?=
# What a failure's printed command sets: the cases to run (a kunit filter
# glob, e.g. FILTER='zdrace_teardown_refs.*') and boot parameters added
# after KERNEL_ARGS (e.g. RUN_ARGS='zdrace_sched.param=2' for one
# parameter, 'zdrace_sched.seed=42 zdrace_sched.seeds=1' for one seed).
FILTER   ?=
RUN_ARGS ?=

ZDRACE = $(PYTHON) scripts/zdrace.py --kernel=$(KERNEL) \
	 $(if $(filter command line environment,$(origin KERNEL)),--kernel-given) \
	 $(if $(KERNEL_SRC),--kernel-src='$(KERNEL_SRC)') \
	 --build-root=$(BUILD) $(addprefix --config=,$(CONFIGS)) \
	 $(if $(filter command line environment,$(origin CONFIGS)),--configs-given) \
	 $(addprefix --kernel_args=,$(KERNEL_ARGS)) \
	 $(if $(filter command line environment,$(origin KERNEL_ARGS)),--kernel-args-given) \
	 $(addprefix --run_args=,$(RUN_ARGS)) \
	 $(if $(FILTER),--filter_glob='$(FILTER)') $(ZDRACE_ARGS)

.PHONY: all run check test-tools prepare stock bench info mutants lint clean \
	distclean shapes

all: run

run:
	$(ZDRACE) run

# `make check` covers every line patches/ carries unless KERNEL= names one.
check:
	$(ZDRACE) check $(if $(filter command line environment,$(origin KERNEL)),,--lines=all)

# The tests parse with the prepared tree's kunit.py; without one, those
# tests are skipped (`make check` prepares it and requires it).
test-tools:
	ZDRACE_TREE=$(BUILD)/$(KERNEL)/linux \
		$(PYTHON) -m unittest discover -s scripts/tests -t scripts

prepare:
	$(ZDRACE) prepare

stock:
	$(ZDRACE) stock

bench:
	$(ZDRACE) bench

info:
	$(ZDRACE) info

# checkpatch.pl --strict (of the prepared tree) on patches/$(KERNEL)/ and
# our C sources, mypy on scripts/; part of `make check`.
lint:
	$(ZDRACE) lint

# Where every rule places its point in each rewrite of the shape corpus
# (scripts/tests/shapes/): a table; part of the tooling's tests.
shapes:
	$(ZDRACE) shapes

# MUTANT=name.patch runs one mutant of fault-inject/mutants/$(KERNEL)/.
mutants:
	$(ZDRACE) mutants $(addprefix --mutant=,$(MUTANT))

# The rules x kernel lines table (docs/rules.md): the suites on every
# line patches/ carries (or LINES_ARG=--lines=6.12,7.3), and on every
# tree or tarball of TREES="..." (a column each, on its nearest line),
# then build/compare/rules.{md,json}.
.PHONY: compare

compare:
	$(ZDRACE) compare $(LINES_ARG) $(if $(TREES),--trees='$(TREES)')

# Coverage (docs/coverage.md): a gcov build of its own, reports in
# build/$(KERNEL)/coverage/.  `make review SERIES=x.mbox` (or a directory of
# patches), written against upstream: applied to the pristine source, our
# patches and injection points (fault-inject/points/) around it.
.PHONY: coverage coverage-floor review peers

coverage:
	$(ZDRACE) coverage

coverage-floor:
	$(ZDRACE) coverage-floor

review:
	$(ZDRACE) review --series='$(SERIES)'

# The kernel's own mm selftests, hmm-tests and gup_test, on the line's UML
# (docs/selftests.md); lines whose patches/<line>/source
# says peers=yes.  `make check` runs them too.  MUTANT=name.patch runs
# them on the line with that mutant of fault-inject/mutants/$(KERNEL)/.
peers:
	$(ZDRACE) peers $(addprefix --mutant=,$(MUTANT))

# The fault-injection sweep (docs/sweep.md): builds what `make` builds
# (KERNEL_SRC=, CONFIGS=), then boots a copy of it many times, with
# KERNEL_ARGS and RUN_ARGS.  Outputs in $(BUILD)/sweep/<timestamp>/.  e.g.
# SWEEP_ARGS="--time 8h --minimize", or SWEEP_ARGS="--resume DIR" (with
# the same KERNEL_ARGS); SWEEP=list|report DIR|merge OUT DIR... for the
# other commands.
SWEEP      ?= run
SWEEP_ARGS ?= --time 2m --points-per-job 3
.PHONY: sweep

sweep:
	$(ZDRACE) sweep $(SWEEP) $(if $(filter run,$(firstword $(SWEEP))),$(SWEEP_ARGS))

# Build output only (scripts/zdtool/layout.py lists it); keeps the
# extracted pristine source and the prepared tree.
clean:
	$(ZDRACE) clean

distclean:
	rm -rf $(BUILD)
