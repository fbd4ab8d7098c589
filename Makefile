# SPDX-License-Identifier: GPL-2.0
#
# pagemap-conformance: build the helper library, the test programs and tools.
#
#   make [O=dir] [V=1] [STATIC=1] [CC=..] [LLVM=1] [CROSS_COMPILE=prefix-]
#        [ARCH=..] [USERCFLAGS=..] [USERLDFLAGS=..] [KSFT_DIR=dir] [WERROR=0]
#   make check          unit tests of the helpers + the runner's own tests
#   make docs           render the generated files (bats, settings, docs/*.md)
#   make run_tests      the suite (./run_tests.sh) on the running kernel
#   make install [INSTALL_PATH=dir | DESTDIR= PREFIX=]   kselftest tree
#   make deps           install the build dependencies (Debian, as root)
#
# The tree is also a kselftest TARGET: copied or linked to
# <linux>/tools/testing/selftests/pagemap-conformance it builds, runs and
# installs with `make -C tools/testing/selftests TARGETS=pagemap-conformance
# [O=|OUTPUT=] [run_tests|install]`. kselftest passes OUTPUT (our build
# directory) and its own O= (the kernel's object tree: never ours).

# ---- build directory: OUTPUT (kselftest), else O=, else build/ -----------
# Run by kselftest's top Makefile (a sub-make given OUTPUT)?
KSFT_SUBMAKE := $(if $(and $(filter command line,$(origin OUTPUT)),$(filter-out 0,$(MAKELEVEL))),1)
ifneq ($(OUTPUT),)
B := $(OUTPUT)
else
B := $(if $(filter undefined,$(origin O)),build,$(O))
endif
# An in-tree kselftest build passes our own source directory as OUTPUT
# (through a symbolic link when the tree is linked into the kernel's).
ifeq ($(realpath $(B)),$(realpath $(CURDIR)))
B := build
endif
ifeq ($(strip $(B)),)
$(error empty build directory (O= or OUTPUT=): pass a directory)
endif
ifeq ($(abspath $(B)),/)
$(error the build directory (O= or OUTPUT=) must not be /)
endif
PREFIX   ?= /usr/local/libexec/pagemap-conformance
WERROR   ?= 1
STATIC   ?=
KSFT_SRC_TARBALL ?= /usr/src/linux-source-6.12.tar.xz
KSFT_SRC_PREFIX  ?= linux-source-6.12/tools/testing/selftests
COLLECTION ?= pagemap-conformance

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- toolchain: the kselftest conventions (lib.mk) -----------------------
ifneq ($(LLVM),)
ifneq ($(filter %/,$(LLVM)),)
LLVM_PREFIX := $(LLVM)
else ifneq ($(filter -%,$(LLVM)),)
LLVM_SUFFIX := $(LLVM)
endif
CLANG_TARGET_arm64  := aarch64-linux-gnu
CLANG_TARGET_arm    := arm-linux-gnueabi
CLANG_TARGET_x86    := x86_64-linux-gnu
CLANG_TARGET_x86_64 := x86_64-linux-gnu
CLANG_TARGET_i386   := i386-linux-gnu
CLANG_TARGET_riscv  := riscv64-linux-gnu
CLANG_TARGET_s390   := s390x-linux-gnu
CLANG_TARGET_powerpc := powerpc64le-linux-gnu
ifneq ($(CROSS_COMPILE),)
CLANG_TARGET := $(notdir $(CROSS_COMPILE:%-=%))
else ifneq ($(ARCH),)
CLANG_TARGET := $(CLANG_TARGET_$(ARCH))
$(if $(CLANG_TARGET),,$(error LLVM=1: unknown ARCH=$(ARCH); pass CROSS_COMPILE=<triple>-))
endif
CC := $(LLVM_PREFIX)clang$(LLVM_SUFFIX)$(if $(CLANG_TARGET), --target=$(CLANG_TARGET))
AR := $(LLVM_PREFIX)llvm-ar$(LLVM_SUFFIX)
else
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif
endif

# A warning option the compiler may not know (clang: format-truncation).
cc-option = $(shell $(CC) -Werror $(1) -c -x c /dev/null -o /dev/null 2>/dev/null && echo $(1))

CFLAGS   ?= -O2 -g
# Truncating snprintf is how bounded buffers are filled here, not a bug.
override CFLAGS += -std=gnu11 -Wall -Wextra $(call cc-option,-Wno-format-truncation) \
	-D_GNU_SOURCE $(LIB_DIRS:%=-I$(CURDIR)/helpers/%) -I$(abspath $(B))/ksft
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
override CFLAGS += $(USERCFLAGS)
LDLIBS   ?=
override LDLIBS += -lcap -lpthread
ifeq ($(STATIC),1)
override LDFLAGS += -static
endif
override LDFLAGS += $(USERLDFLAGS)

# ---- what is built ------------------------------------------------------
# The test programs: THE registry tests/programs.tsv (area/prog TAB timeout).
# The bats files and kselftest's settings are rendered from it (make docs),
# install's programs.txt and kselftest-list.txt (emit_tests) derived here.
REGISTRY   := tests/programs.tsv
PROG_PATHS := $(shell sed -nE 's|^([A-Za-z0-9_]+/[A-Za-z0-9_]+)\t[0-9]+$$|\1|p' $(REGISTRY))
ifneq ($(words $(PROG_PATHS)),$(shell grep -cv '^\(#\|$$\)' $(REGISTRY)))
$(error $(REGISTRY): a line is not '<area>/<program> TAB <timeout>')
endif
UNLISTED   := $(filter-out $(PROG_PATHS:%=tests/%.c),$(wildcard tests/*/*.c))
ifneq ($(UNLISTED),)
$(error $(UNLISTED): not in $(REGISTRY) (add a line, then make docs))
endif
AREAS      := $(sort $(foreach p,$(PROG_PATHS),$(firstword $(subst /, ,$(p)))))
# The C library, one folder per layer (#include "x.h" finds each):
#   core: the bit tables and the one decoder; io: the interfaces' readers
#   and the PAGEMAP_SCAN ioctl; env: machine facts (probes, sizes,
#   privileges, the knob journal); states: the memory-state builders;
#   harness: the kselftest harness glue.
LIB_DIRS   := core io env states harness
LIB_SRCS   := $(wildcard $(LIB_DIRS:%=helpers/%/*.c))
LIB_OBJS   := $(patsubst helpers/%.c,$(B)/helpers/%.o,$(LIB_SRCS))
LIB        := $(B)/libpmc.a
TEST_SRCS  := $(PROG_PATHS:%=tests/%.c)
TEST_BINS  := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRCS))
TOOL_SRCS  := $(wildcard helpers/tools/*.c)
TOOL_BINS  := $(patsubst helpers/tools/%.c,$(B)/bin/%,$(TOOL_SRCS))
UNIT_SRCS  := $(wildcard helpers/tests/*.c)
UNIT_BINS  := $(patsubst helpers/tests/%.c,$(B)/unit/%,$(UNIT_SRCS))
KSFT_HDRS  := $(B)/ksft/kselftest.h $(B)/ksft/kselftest_harness.h
HDRS       := $(wildcard $(LIB_DIRS:%=helpers/%/*.h))
# The collection is flat (kselftest-list.txt names COLLECTION:prog):
# program names must be unique across the areas.
PROGS      := $(notdir $(TEST_BINS))
ifneq ($(words $(PROGS)),$(words $(sort $(PROGS))))
$(error two test programs share a name: $(sort $(PROGS)))
endif

# What clean may remove: only what the build made, and only where the build
# left its marker (O=/x never makes clean remove /x).
BUILT      := helpers tests bin unit ksft libpmc.a libpmcfault.so results \
	.build-flags .deps-ok .deps-test states.ok
MARKER     := $(B)/.pagemap-conformance-build

.PHONY: all check unit install clean deps headers run_tests emit_tests \
	install-collection install-runner docs
STATES_OK := $(if $(CROSS_COMPILE),,$(B)/states.ok)
all: $(LIB) $(TEST_BINS) $(TOOL_BINS) $(STATES_OK)

# Every case of every program belongs to a state of tests/states.tsv (each
# interface a case or a stated reason) or to a rule of
# tests/cases-not-states.tsv: a state left unclassified fails the build.
# The programs' --list is the input, so only where they run here (not in a
# cross build).
$(B)/states.ok: $(TEST_BINS) tests/states.tsv tests/cases-not-states.tsv ci/states.py
	@$(if $(Q),echo "  STATES  tests/states.tsv")
	$(Q)python3 ci/states.py --build $(B) && touch $@

# ---- kselftest headers: KSFT_DIR, else the enclosing kselftest tree, else
# Debian's linux-source-6.12 (PMC_MAIN runs over the stock runner of any
# harness from 6.12 on; 6.12 is what Debian 12 ships as source).
ifeq ($(KSFT_DIR),)
# The selftests directory that runs us: SRC_PATH (install, run_tests), the
# parent of OUTPUT (in-tree build), the directory of the make that ran us
# (O= build of a linked tree), our parent directory (a copied tree).
KSFT_CALLER := $(if $(KSFT_SUBMAKE),$(abspath $(OUTPUT)/..) \
	$(shell p=$$(cut -d' ' -f4 /proc/$$PPID/stat 2>/dev/null) && readlink /proc/$$p/cwd 2>/dev/null))
KSFT_TREE := $(firstword $(foreach d,$(SRC_PATH) $(KSFT_CALLER) $(abspath $(CURDIR)/..),\
	$(if $(wildcard $(d)/kselftest_harness.h $(d)/lib.mk),$(d))))
ifneq ($(words $(wildcard $(KSFT_TREE)/kselftest_harness.h $(KSFT_TREE)/kselftest.h)),2)
KSFT_TREE :=
endif
KSFT_FROM := $(if $(KSFT_TREE),$(KSFT_TREE),$(KSFT_SRC_TARBALL))
else
KSFT_FROM := $(KSFT_DIR)
endif

# ---- flags stamp: a change of compiler, flags or headers rebuilds all ----
# (STATIC=1 after a dynamic build, CC=clang after gcc, another KSFT_DIR).
# Not for goals that build nothing (kselftest runs emit_tests with -s and
# reads its stdout).
NOBUILD_GOALS := clean deps emit_tests help docs docs/bits.md
ifneq ($(filter-out $(NOBUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
BUILD_FLAGS := CC=$(CC) AR=$(AR) CFLAGS=$(CFLAGS) CPPFLAGS=$(CPPFLAGS) \
	LDFLAGS=$(LDFLAGS) LDLIBS=$(LDLIBS) KSFT=$(KSFT_FROM)
$(shell mkdir -p $(B) && touch $(MARKER))
ifneq ($(file <$(B)/.build-flags),$(BUILD_FLAGS))
$(file >$(B)/.build-flags,$(BUILD_FLAGS))
endif
endif
STAMP := $(B)/.build-flags $(B)/.deps-ok

# The runner scripts come with the headers (one pass over the tarball, ~15 s):
# install ships them.
KSFT_RUNNER := run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl kselftest/ktap_helpers.sh
headers: $(KSFT_HDRS)
$(KSFT_HDRS): $(B)/ksft/.stamp ;
$(B)/ksft/.stamp: $(B)/.build-flags
	$(Q)rm -rf $(B)/ksft && mkdir -p $(B)/ksft/kselftest
ifneq ($(KSFT_DIR)$(KSFT_TREE),)
	$(Q)cp $(addprefix $(KSFT_FROM)/,kselftest.h kselftest_harness.h) $(B)/ksft/
	$(Q)for f in $(KSFT_RUNNER); do [ ! -r $(KSFT_FROM)/$$f ] || cp $(KSFT_FROM)/$$f $(B)/ksft/$$f; done
else
	$(Q)test -r $(KSFT_SRC_TARBALL) || { echo "error: $(KSFT_SRC_TARBALL) missing: run 'make deps' (as root) or pass KSFT_DIR=<linux>/tools/testing/selftests" >&2; exit 1; }
	@echo "  KSFT    $(B)/ksft (from $(KSFT_SRC_TARBALL))"
	$(Q)tar -xJf $(KSFT_SRC_TARBALL) -C $(B)/ksft --strip-components=4 \
		$(addprefix $(KSFT_SRC_PREFIX)/,kselftest.h kselftest_harness.h $(KSFT_RUNNER))
endif
	$(Q)touch $@

# ---- dependencies: one clear line instead of a bare "cannot find -lcap" --
TRIPLE  := $(or $(if $(CROSS_COMPILE),$(notdir $(CROSS_COMPILE:%-=%))),$(CLANG_TARGET),\
	$(shell $(CC) -dumpmachine 2>/dev/null))
HOST_TRIPLE := $(shell gcc -dumpmachine 2>/dev/null || uname -m)
deb-arch = $(or $(if $(filter aarch64%,$(1)),arm64),$(if $(filter x86_64%,$(1)),amd64),\
	$(if $(filter i%86-%,$(1)),i386),$(if $(filter arm%hf,$(1)),armhf),\
	$(if $(filter arm%,$(1)),armel),$(if $(filter riscv64%,$(1)),riscv64),\
	$(if $(filter powerpc64le%,$(1)),ppc64el),$(if $(filter s390x%,$(1)),s390x))
DEB_ARCH      := $(call deb-arch,$(TRIPLE))
HOST_DEB_ARCH := $(call deb-arch,$(HOST_TRIPLE))
CROSS_ARCH    := $(if $(filter-out $(HOST_DEB_ARCH),$(DEB_ARCH)),$(DEB_ARCH))
LIBCAP_PKG    := libcap-dev$(if $(CROSS_ARCH),:$(CROSS_ARCH))
# A cross build needs the cross gcc package also under clang: its libc and
# binutils come with it.
CC_PKG        := $(strip $(if $(LLVM)$(filter clang%,$(notdir $(firstword $(CC)))),clang llvm) \
	$(if $(CROSS_ARCH),gcc-$(TRIPLE)))

$(B)/.deps-ok: $(B)/.build-flags
	$(Q)command -v $(firstword $(CC)) >/dev/null || { echo "error: compiler '$(firstword $(CC))' not found: install $(or $(CC_PKG),gcc) (as root: make deps$(if $(CROSS_COMPILE), CROSS_COMPILE=$(CROSS_COMPILE))$(if $(LLVM), LLVM=$(LLVM)))" >&2; exit 1; }
	$(Q)printf '#include <sys/capability.h>\nint main(void) { return cap_free(0); }\n' | \
		$(CC) $(filter-out -I%,$(CFLAGS)) $(CPPFLAGS) $(LDFLAGS) -x c - -o $(B)/.deps-test -lcap 2>/dev/null || \
		{ echo "error: libcap for $(TRIPLE)$(if $(filter 1,$(STATIC)), (static)) not found: install $(LIBCAP_PKG) (as root: make deps$(if $(CROSS_COMPILE), CROSS_COMPILE=$(CROSS_COMPILE)))" >&2; exit 1; }
	$(Q)rm -f $(B)/.deps-test && touch $@

# ---- compile and link ---------------------------------------------------
$(B)/helpers/%.o: helpers/%.c $(HDRS) $(KSFT_HDRS) $(STAMP)
	$(Q)mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/tests/%: tests/%.c $(LIB) $(HDRS) $(KSFT_HDRS) $(STAMP)
	$(Q)mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(B)/bin/%: helpers/tools/%.c $(LIB) $(HDRS) $(KSFT_HDRS) $(STAMP)
	$(Q)mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(B)/unit/%: helpers/tests/%.c $(LIB) $(HDRS) $(KSFT_HDRS) $(STAMP)
	$(Q)mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

unit: $(UNIT_BINS)

# The project's own tests: C unit tests of the helpers, then bats tests of
# the runner, the results engine and the tree: EVERY self-test file there is.
SELFTEST_FILES := $(sort $(wildcard helpers/tests/*.bats ci/tests/*.bats))
check: all unit
	$(Q)PMC_BUILD=$(abspath $(B)) KSFT_SRC_TARBALL=$(KSFT_SRC_TARBALL) bats --tap $(SELFTEST_FILES)

# ---- generated files (committed; `make check` fails when one is stale) ----
# ci/render.py renders the area bats files and settings from the program
# registry, docs/coverage.md from the state catalogue, docs/fixes.md and
# docs/known-issues.md from fixes.tsv and known-issues.txt. DOCS_HOOKS:
# more commands that regenerate committed files (add yours here, and the
# matching check to helpers/tests/docs.bats).
DOCS_HOOKS ?=
docs: docs/bits.md
	$(Q)python3 ci/render.py
	$(Q)$(foreach h,$(DOCS_HOOKS),$(h) &&) true

# `make run_tests` (also kselftest's): the suite with known issues and the
# fix report, from this tree, on the build above. A phony target: make's
# built-in rule would otherwise "build" run_tests from run_tests.sh.
RUN_TESTS_ARGS ?= --tap
run_tests: all
	$(Q)./run_tests.sh --no-build --build-dir $(abspath $(B)) $(RUN_TESTS_ARGS)

# ---- install: a kselftest tree ------------------------------------------
# kselftest (its top Makefile runs us with OUTPUT= and INSTALL_PATH=<root>/
# COLLECTION, then `emit_tests` for kselftest-list.txt, and ships its own
# run_kselftest.sh) → only the collection directory. Standalone → a whole
# tree at INSTALL_PATH (else DESTDIR/PREFIX): the collection, the runner of
# the kselftest source above (wrapped so that it exits non-zero when a
# program fails, as upstream's does since it gained --no-error-on-fail), and
# our lines merged into an existing kselftest-list.txt.
# INSTALL_EXTRA: more files for the collection directory (results engine,
# known issues, ...): "src[:name]" items, copied as name (default: basename).
INSTALL_EXTRA ?=
INSTALL_EXTRA += settings config
ifeq ($(KSFT_SUBMAKE),1)
COLL_DIR := $(INSTALL_PATH)
else
ROOT_DIR := $(if $(INSTALL_PATH),$(INSTALL_PATH),$(DESTDIR)$(PREFIX))
COLL_DIR := $(ROOT_DIR)/$(COLLECTION)
endif

install: install-collection $(if $(KSFT_SUBMAKE),,install-runner)

install-collection: all
	$(if $(COLL_DIR),,$(error set INSTALL_PATH to use install))
	$(Q)mkdir -p $(COLL_DIR)/bin $(COLL_DIR)/.pmc $(COLL_DIR)/pmc/report
	$(Q)cp $(TEST_BINS) $(COLL_DIR)/.pmc/
	$(Q)for p in $(PROGS); do cp helpers/report/pmc-ksft-wrap $(COLL_DIR)/$$p || exit 1; done
	$(Q)cp helpers/report/*.py $(COLL_DIR)/pmc/report/
	$(Q)cp known-issues.txt fixes.tsv $(COLL_DIR)/pmc/
	$(Q)cp $(TOOL_BINS) $(COLL_DIR)/bin/
	$(Q)for x in $(INSTALL_EXTRA); do \
		src=$${x%%:*}; dst=$${x#*:}; [ "$$dst" != "$$x" ] || dst=$$(basename "$$src"); \
		cp -r "$$src" "$(COLL_DIR)/$$dst" || exit 1; \
	done
	$(Q)printf '%s\n' $(patsubst $(B)/tests/%,%,$(TEST_BINS)) > $(COLL_DIR)/programs.txt
	@echo "  INSTALL $(COLL_DIR) ($(words $(TEST_BINS)) programs)"

# The list lines, as kselftest's top Makefile collects them.
emit_tests:
	@for p in $(sort $(PROGS)); do echo "$(COLLECTION):$$p"; done

install-runner: install-collection
	$(Q)mkdir -p $(ROOT_DIR)/kselftest
	$(Q)if [ -e $(ROOT_DIR)/run_kselftest.sh ] && ! grep -q '^# pagemap-conformance:' $(ROOT_DIR)/run_kselftest.sh; then \
		echo "  KEEP    $(ROOT_DIR)/run_kselftest.sh (an existing kselftest tree's runner)"; \
	else \
		[ -r $(B)/ksft/run_kselftest.sh ] || { echo "  KSFT    runner (from $(KSFT_SRC_TARBALL))"; \
			tar -xJf $(KSFT_SRC_TARBALL) -C $(B)/ksft --strip-components=4 \
			$(addprefix $(KSFT_SRC_PREFIX)/,$(KSFT_RUNNER)) || exit 1; }; \
		for f in $(KSFT_RUNNER); do cp $(B)/ksft/$$f $(ROOT_DIR)/$$f || exit 1; done; \
		helpers/kselftest/wrap-runner.sh $(ROOT_DIR)/run_kselftest.sh || exit 1; \
	fi
	$(Q)list=$(ROOT_DIR)/kselftest-list.txt; touch $$list; \
		grep -v '^$(COLLECTION):' $$list > $$list.tmp || true; \
		$(MAKE) -s --no-print-directory emit_tests >> $$list.tmp && mv $$list.tmp $$list
	@echo "  INSTALL $(ROOT_DIR)/kselftest-list.txt ($$(wc -l < $(ROOT_DIR)/kselftest-list.txt) entries)"

# ---- dependencies (Debian, as root) -------------------------------------
DEB_PKGS := gcc make libcap-dev bats bats-assert bats-support linux-source-6.12 xz-utils \
	$(CC_PKG) $(if $(CROSS_ARCH),$(LIBCAP_PKG))
deps:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "run as root, or: sudo sh -c '$(if $(CROSS_ARCH),dpkg --add-architecture $(CROSS_ARCH) && )apt-get update && apt-get install -y $(DEB_PKGS)'"; exit 1; fi
	$(if $(CROSS_ARCH),dpkg --add-architecture $(CROSS_ARCH))
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_PKGS)

clean:
	$(Q)if [ -e $(MARKER) ]; then \
		rm -rf $(addprefix $(B)/,$(BUILT)) $(B)/.work.* $(MARKER); \
		rmdir $(B) 2>/dev/null || true; \
	else \
		echo "  CLEAN   nothing: $(B) holds no pagemap-conformance build"; \
	fi

# ---- generated documentation --------------------------------------------
# docs/bits.md: the bit tables of helpers/core/bits.h rendered (through the host
# preprocessor); helpers/tests/bits.bats checks it is up to date.
HOSTCC ?= cc
docs/bits.md: helpers/core/bits.h fixes.tsv helpers/tools/bits-doc.py
	@$(if $(Q),echo "  GEN     $@")
	$(Q)HOSTCC="$(HOSTCC)" python3 helpers/tools/bits-doc.py > $@.tmp && mv $@.tmp $@

# ---- fault injection (LD_PRELOAD library simulating a broken kernel) ----
FAULT_LIB := $(B)/libpmcfault.so
$(FAULT_LIB): helpers/faultinject/faultinject.c helpers/core/entry.c $(HDRS) $(STAMP)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(filter-out -static,$(CFLAGS)) -fPIC -shared -o $@ $(filter %.c,$^) -ldl

.PHONY: faultinject mutate
faultinject: $(FAULT_LIB)

# Run the suite once per fault and print the kill matrix (ci/mutate.sh).
mutate: all $(FAULT_LIB)
	$(Q)PMC_BUILD=$(abspath $(B)) ci/mutate.sh
