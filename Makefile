# SPDX-License-Identifier: GPL-2.0
#
# pagemap-conformance: build the helper library, the test programs and tools.
#
#   make [O=dir] [V=1] [STATIC=1] [CROSS_COMPILE=x86_64-linux-gnu-]
#        [KSFT_DIR=/path/to/linux/tools/testing/selftests] [WERROR=0]
#   make check          unit tests of the helpers + the runner's own tests
#   make install [DESTDIR=] [PREFIX=]   kselftest-style collection
#   make deps           install build dependencies (Debian, as root)

O        ?= build
PREFIX   ?= /usr/local/libexec/pagemap-conformance
WERROR   ?= 1
STATIC   ?=
KSFT_SRC_TARBALL ?= /usr/src/linux-source-6.12.tar.xz
KSFT_SRC_PREFIX  ?= linux-source-6.12/tools/testing/selftests

ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

CFLAGS   ?= -O2 -g
# Truncating snprintf is how bounded buffers are filled here, not a bug.
override CFLAGS += -std=gnu11 -Wall -Wextra -Wno-format-truncation -D_GNU_SOURCE -I$(CURDIR)/helpers -I$(O)/ksft
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
LDLIBS   ?=
override LDLIBS += -lcap -lpthread
ifeq ($(STATIC),1)
override LDFLAGS += -static
endif

AREAS      := pagemap kpageflags scan_ioctl
LIB_SRCS   := $(wildcard helpers/*.c)
LIB_OBJS   := $(patsubst helpers/%.c,$(O)/helpers/%.o,$(LIB_SRCS))
LIB        := $(O)/libpmc.a
TEST_SRCS  := $(foreach a,$(AREAS),$(wildcard tests/$(a)/*.c))
TEST_BINS  := $(patsubst tests/%.c,$(O)/tests/%,$(TEST_SRCS))
TOOL_SRCS  := $(wildcard helpers/tools/*.c)
TOOL_BINS  := $(patsubst helpers/tools/%.c,$(O)/bin/%,$(TOOL_SRCS))
UNIT_SRCS  := $(wildcard helpers/tests/*.c)
UNIT_BINS  := $(patsubst helpers/tests/%.c,$(O)/unit/%,$(UNIT_SRCS))
KSFT_HDRS  := $(O)/ksft/kselftest.h $(O)/ksft/kselftest_harness.h
HDRS       := $(wildcard helpers/*.h)

.PHONY: all check unit install clean deps headers
all: $(LIB) $(TEST_BINS) $(TOOL_BINS)

# ---- kselftest headers: from KSFT_DIR, else from Debian's linux-source-6.12
# (pinned: newer harnesses need pidfd_open, 5.3+, which breaks old kernels).
headers: $(KSFT_HDRS)
$(O)/ksft/%.h:
	$(Q)mkdir -p $(O)/ksft
ifneq ($(KSFT_DIR),)
	$(Q)cp $(KSFT_DIR)/$*.h $@
else
	$(Q)test -r $(KSFT_SRC_TARBALL) || { echo "error: $(KSFT_SRC_TARBALL) missing: run 'make deps' (as root) or pass KSFT_DIR=<linux>/tools/testing/selftests" >&2; exit 1; }
	@echo "  KSFT    $@ (from $(KSFT_SRC_TARBALL))"
	$(Q)tar -xJf $(KSFT_SRC_TARBALL) -O $(KSFT_SRC_PREFIX)/$*.h > $@.tmp && mv $@.tmp $@
endif

$(O)/helpers/%.o: helpers/%.c $(HDRS) $(KSFT_HDRS)
	$(Q)mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/tests/%: tests/%.c $(LIB) $(HDRS) $(KSFT_HDRS)
	$(Q)mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(O)/bin/%: helpers/tools/%.c $(LIB) $(HDRS) $(KSFT_HDRS)
	$(Q)mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(O)/unit/%: helpers/tests/%.c $(LIB) $(HDRS) $(KSFT_HDRS)
	$(Q)mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

unit: $(UNIT_BINS)

# The project's own tests: C unit tests of the helpers, then bats tests of
# the runner, the results engine and the tree: EVERY self-test file there is.
SELFTEST_FILES := $(sort $(wildcard helpers/tests/*.bats ci/tests/*.bats))
check: all unit
	$(Q)PMC_BUILD=$(abspath $(O)) KSFT_SRC_TARBALL=$(KSFT_SRC_TARBALL) bats --tap $(SELFTEST_FILES)

# ---- kselftest collection layout: run_kselftest.sh and the LKFT/KernelCI
# wrappers run it unchanged. The runner scripts come from the same kernel
# source as the headers, at install time; nothing of the kernel is committed.
INSTALL_DIR := $(DESTDIR)$(PREFIX)
KSFT_RUNNER := run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl kselftest/ktap_helpers.sh
install: all
	$(Q)mkdir -p $(INSTALL_DIR)/kselftest
	$(Q)rm -f $(INSTALL_DIR)/kselftest-list.txt
	$(Q)for a in $(AREAS); do \
		mkdir -p $(INSTALL_DIR)/$$a; \
		printf 'timeout=300\n' > $(INSTALL_DIR)/$$a/settings; \
		cp ci/config $(INSTALL_DIR)/$$a/config; \
		for b in $(O)/tests/$$a/*; do \
			[ -x "$$b" ] || continue; \
			mkdir -p $(INSTALL_DIR)/$$a/.pmc; \
			cp $$b $(INSTALL_DIR)/$$a/.pmc/; \
			cp helpers/report/pmc-ksft-wrap $(INSTALL_DIR)/$$a/$$(basename $$b); \
			echo "$$a:$$(basename $$b)" >> $(INSTALL_DIR)/kselftest-list.txt; \
		done; \
	done
	$(Q)mkdir -p $(INSTALL_DIR)/bin && cp $(TOOL_BINS) $(INSTALL_DIR)/bin/
	$(Q)mkdir -p $(INSTALL_DIR)/pmc/report && cp helpers/report/*.py $(INSTALL_DIR)/pmc/report/ && \
		cp known-issues.txt $(INSTALL_DIR)/pmc/ && { [ ! -r fixes.tsv ] || cp fixes.tsv $(INSTALL_DIR)/pmc/; }
ifneq ($(KSFT_DIR),)
	$(Q)for f in $(KSFT_RUNNER); do cp $(KSFT_DIR)/$$f $(INSTALL_DIR)/$$f; done
else
	$(Q)tar -xJf $(KSFT_SRC_TARBALL) -C $(INSTALL_DIR) --strip-components=4 \
		$(addprefix $(KSFT_SRC_PREFIX)/,$(KSFT_RUNNER))
endif
	$(Q)chmod +x $(INSTALL_DIR)/run_kselftest.sh
	@echo "  INSTALL $(INSTALL_DIR) ($$(wc -l < $(INSTALL_DIR)/kselftest-list.txt) programs)"

DEB_PKGS := gcc make libcap-dev bats bats-assert bats-support linux-source-6.12 xz-utils
deps:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "run as root, or: sudo apt-get update && sudo apt-get install -y $(DEB_PKGS)"; exit 1; fi
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_PKGS)

clean:
	rm -rf $(O)

# ---- fault injection (LD_PRELOAD library simulating a broken kernel) ----
FAULT_LIB := $(O)/libpmcfault.so
$(FAULT_LIB): helpers/faultinject/faultinject.c helpers/entry.c $(HDRS)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(filter-out -static,$(CFLAGS)) -fPIC -shared -o $@ $(filter %.c,$^) -ldl

.PHONY: faultinject mutate
faultinject: $(FAULT_LIB)

# Run the suite once per fault and print the kill matrix (ci/mutate.sh).
mutate: all $(FAULT_LIB)
	$(Q)PMC_BUILD=$(abspath $(O)) ci/mutate.sh
