# hoist — top-level build.  GNU make.
#
#   make                 build every binary
#   make test            unit tests (cmocka) + integration tests (real dockerd,
#                        cgroups, influxdb); needs root for the integration part
#   make unit            unit tests only
#   make SANITIZE=1 test the same under ASan+UBSan
#   make SANITIZE=thread unit   the same under ThreadSanitizer (build-tsan/)
#   make valgrind        unit tests under valgrind (memcheck, leaks are errors)
#   make check-man       man pages: mandoc lint, and in step with the code
#   make check-docs      no link to a missing document
#   make bench           benchmarks (see bench/)
#   make install         PREFIX=/usr/local DESTDIR=
#   make fuzz            build every libFuzzer harness (clang) in build-fuzz/
#   make fuzz-smoke      run each harness FUZZ_SECONDS (20) on its corpus
#   make deb             Debian packages in build-deb/ (docs/packaging.md)

# The release, in one place: every program's --version prints it and
# debian/changelog must carry the same number (make check-version).
VERSION   := 0.9.0

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR   ?= $(PREFIX)/lib/systemd/system
DATADIR   ?= $(PREFIX)/share/hoist
MANDIR    ?= $(PREFIX)/share/man

# CC is not set here: GNU make has a default (cc), and `make CC=clang` or
# CC=clang in the environment replaces it ("CC ?= cc" would do nothing).
# Both gcc and clang build warning-free with CI=true (-Werror).
# What each program links (pkg-config names; -l flags after them).
COLLECTOR_PKGS := libcurl libmicrohttpd libcjson zlib libsystemd
COLLECTOR_LIBS := -lcgroup -lm -lpthread
SCALER_PKGS    := libcurl libmicrohttpd libcjson zlib libsystemd
SCALER_LIBS    := -lzookeeper_mt -lm -lpthread
DEPLOY_PKGS    := libcurl libcjson
DEPLOY_LIBS    := -lm
PKGS      := $(sort $(COLLECTOR_PKGS) $(SCALER_PKGS) $(DEPLOY_PKGS))
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS  := $(shell pkg-config --libs $(PKGS)) -lcgroup -lzookeeper_mt -lm -lpthread

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wvla -Wpointer-arith
ifeq ($(CI),true)
WARN      += -Werror
endif
OPT       ?= -O2 -g
# gcc leaves float-cast-overflow (a double converted to an integer type
# that cannot hold it) out of -fsanitize=undefined; clang includes it.
ifeq ($(SANITIZE),1)
OPT       := -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN     := -fsanitize=address,undefined,float-cast-overflow
BUILD     ?= build-san
else ifeq ($(SANITIZE),thread)
# ThreadSanitizer: data races between the daemons' threads (main loop,
# API thread, sink threads).  Its own build folder: TSan objects do not
# mix with the others.
OPT       := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
LDSAN     := -fsanitize=thread
BUILD     ?= build-tsan
else
BUILD     ?= build
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DHOIST_VERSION='"$(VERSION)"' $(WARN) $(OPT) -I. \
             $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
# --as-needed: a shared library none of a program's objects uses is not
# recorded as needed, whatever the list says.
ALL_LDFLAGS := $(LDSAN) -Wl,--as-needed $(LDFLAGS)

# One static library per folder (every .c except the *_main.c files that
# hold a program's main()); a program links the folders it uses, so
# hoist-deploy carries no libcgroup, libmicrohttpd or libsystemd.
.DEFAULT_GOAL := all
FOLDERS   := common sinks collector marathon scaler deploy
define folder_lib
$(1)_OBJ := $$(patsubst %.c,$$(BUILD)/%.o,$$(filter-out %_main.c,$$(wildcard $(1)/*.c)))
$$(BUILD)/lib$(1).a: $$($(1)_OBJ)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach f,$(FOLDERS),$(eval $(call folder_lib,$(f))))
COLLECTOR_A := $(patsubst %,$(BUILD)/lib%.a,collector sinks common)
SCALER_A    := $(patsubst %,$(BUILD)/lib%.a,scaler marathon sinks common)
DEPLOY_A    := $(patsubst %,$(BUILD)/lib%.a,deploy marathon common)

# Tests and benchmarks link everything (libhoist.a: every folder).
LIB_SRC   := $(filter-out %_main.c,$(wildcard $(FOLDERS:%=%/*.c)))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
# A program is built once its main file exists.
PROGS     := $(if $(wildcard collector/collector_main.c),hoist-collector) \
             $(if $(wildcard scaler/scaler_main.c),hoist-scaler) \
             $(if $(wildcard deploy/deploy_main.c),hoist-deploy)
TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Fuzz harnesses: tests/fuzz/fuzz_<target>.c defines LLVMFuzzerTestOneInput;
# its seeds (and every input that ever crashed) are in
# tests/fuzz/corpus/<target>/.  The unit run replays each corpus through the
# harness built with $(CC) and tests/fuzz/replay.c (see docs/fuzzing.md).
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/tests/replay_%)
BENCH_SRC := $(wildcard bench/*_main.c)
BENCH_BIN := $(BENCH_SRC:bench/%_main.c=$(BUILD)/bench/%)

.SECONDARY:
.PHONY: all test unit integration valgrind bench install clean check-banned \
	fuzz fuzz-smoke check-version deb
all: $(PROGS:%=$(BUILD)/%) $(PROGS)

# Convenience links in the top folder so ./hoist-collector works after make.
$(PROGS): %: $(BUILD)/%
	@ln -sf $(BUILD)/$@ $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libhoist.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# common/startup.c prints $(VERSION): rebuilt when the Makefile changes it.
$(BUILD)/common/startup.o: Makefile

$(BUILD)/hoist-collector: $(BUILD)/collector/collector_main.o $(COLLECTOR_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(COLLECTOR_PKGS)) $(COLLECTOR_LIBS)
$(BUILD)/hoist-scaler: $(BUILD)/scaler/scaler_main.o $(SCALER_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(SCALER_PKGS)) $(SCALER_LIBS)
$(BUILD)/hoist-deploy: $(BUILD)/deploy/deploy_main.o $(DEPLOY_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(DEPLOY_PKGS)) $(DEPLOY_LIBS)

# Every unit test links the test helpers named here (not every .c in
# tests/lib/: some are programs of their own).  fixture.o gets the absolute
# path of this tree's tests/fixtures, so a test binary finds its fixtures
# from any folder (see tests/lib/fixture.h).
TEST_LIB_OBJ := $(BUILD)/tests/lib/fixture.o
$(BUILD)/tests/lib/fixture.o: ALL_CFLAGS += -DHOIST_FIXTURES_DIR='"$(CURDIR)/tests/fixtures"'

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_LIB_OBJ) $(BUILD)/libhoist.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

$(BUILD)/tests/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(BUILD)/libhoist.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%_main.o $(BUILD)/libhoist.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests read their fixtures from tests/fixtures/ only (tests/lib/fixture.h).
# The fuzz corpora are replayed through every harness built with the
# ordinary compiler.
unit: $(TEST_BIN) $(REPLAY_BIN)
	@tests/run-unit.sh $(TEST_BIN) $(REPLAY_BIN)

integration: all
	@BUILD=$(BUILD) tests/run-integration.sh

test: unit integration check-banned check-version

# debian/changelog's version must be $(VERSION) (a native package: no
# Debian revision), so the .deb and --version never disagree.
check-version: all
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null || \
		sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog); \
	[ "$$v" = "$(VERSION)" ] || \
		{ echo "debian/changelog says '$$v', Makefile VERSION is $(VERSION)"; exit 1; }
	@for p in $(PROGS); do out=$$($(BUILD)/$$p --version); \
		[ "$$out" = "$$p $(VERSION)" ] || \
		{ echo "$$p --version printed '$$out', expected '$$p $(VERSION)'"; exit 1; }; done

valgrind: $(TEST_BIN) $(REPLAY_BIN)
	@VALGRIND=1 tests/run-unit.sh $(TEST_BIN) $(REPLAY_BIN)

# libFuzzer builds: the library again with clang and coverage
# instrumentation (fuzzer-no-link) in its own folder, each harness linked
# with libFuzzer's main.  Per-target options (max_len, dict) are in
# tests/fuzz/fuzz_<target>.options; tests/fuzz/smoke.sh reads them.
FUZZ_CC    ?= clang-14
FUZZ_BUILD ?= build-fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -DHOIST_VERSION='"$(VERSION)"' $(WARN) -g -O1 $(FUZZ_SAN) \
              -fsanitize=fuzzer-no-link -I. $(PKG_CFLAGS) $(CFLAGS)
FUZZ_OBJ   := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BIN   := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libhoist.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libhoist.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

fuzz: $(FUZZ_BIN)

fuzz-smoke: $(FUZZ_BIN)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(or $(FUZZ_SECONDS),20) \
		tests/fuzz/smoke.sh $(FUZZ_TARGETS)

bench: all $(BENCH_BIN)
	@BUILD=$(BUILD) bench/run.sh

check-banned:
	@! grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol)[[:space:]]*\(' \
		$$(find common sinks collector marathon scaler deploy tests bench -name '*.[ch]') \
		|| { echo "banned string function (see STYLE)"; exit 1; }

# The man pages must lint clean (any mandoc message at warning level or
# above fails) and must list exactly the options and keys the programs
# have (man/check-keys.py; see docs/testing.md).
MAN_PAGES := $(wildcard man/*.1 man/*.5 man/*.8)
.PHONY: check-man check-docs
check-man: all
	mandoc -Tlint -Wwarning $(MAN_PAGES)
	python3 man/check-keys.py --build $(BUILD)

# No reference to a missing document: docs/*.md named in the sources, and
# the links (with their anchors) of README.md and docs/.
check-docs:
	python3 tests/check_doc_refs.py .

# Units in systemd/ name the binary and config paths as @BINDIR@ and
# @SYSCONFDIR@; install fills them in.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/hoist $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)/grafana
	install -m 0755 $(PROGS:%=$(BUILD)/%) $(DESTDIR)$(BINDIR)/
	for f in systemd/*.service; do [ -e "$$f" ] || continue; \
		sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' "$$f" \
			>"$(DESTDIR)$(UNITDIR)/$${f#systemd/}" && \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$${f#systemd/}" || exit 1; done
	for f in systemd/*.conf.example; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(SYSCONFDIR)/hoist/ || true; done
	cp -R grafana/. $(DESTDIR)$(DATADIR)/grafana/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/

# Debian packages, built by dpkg-buildpackage in a clean copy of the tree
# under $(DEB_OUT)/src: in a git checkout the files git tracks plus new
# ones it does not ignore, as they are in the worktree now; elsewhere
# everything but the build folders.  The .debs land in $(DEB_OUT)/ and
# lintian must find no error in them (docs/packaging.md).
DEB_OUT   ?= build-deb
deb: check-version
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -co --exclude-standard | while IFS= read -r f; do \
			[ -e "$$f" ] && printf '%s\n' "$$f"; done | \
			tar -c --verbatim-files-from -T - -f -; \
	else \
		tar -c --exclude=./build --exclude=./build-san \
			--exclude=./$(DEB_OUT) --exclude='./hoist-*' -f - .; \
	fi | tar -x -C $(DEB_OUT)/src
	cd $(DEB_OUT)/src && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning --tag-display-limit 0 $(DEB_OUT)/*.changes
	@ls $(DEB_OUT)/*.deb

clean:
	rm -rf build build-san build-tsan build-fuzz build-clang build-deb $(PROGS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
ifneq ($(filter fuzz fuzz-smoke,$(MAKECMDGOALS)),)
-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
endif
