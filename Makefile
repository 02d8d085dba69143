# hoist — top-level build.  GNU make.
#
#   make                 build every binary
#   make test            unit tests (cmocka) + integration tests (real dockerd,
#                        cgroups, influxdb); needs root for the integration part
#   make unit            unit tests only
#   make SANITIZE=1 test the same under ASan+UBSan
#   make valgrind        unit tests under valgrind (memcheck, leaks are errors)
#   make bench           benchmarks (see bench/)
#   make install         PREFIX=/usr/local DESTDIR=
#   make deb             Debian packages in build-deb/ (docs/packaging.md)

# The release, in one place: every program's --version prints it and
# debian/changelog must carry the same number (make check-version).
VERSION   := 0.9.0

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR   ?= $(PREFIX)/lib/systemd/system
DATADIR   ?= $(PREFIX)/share/hoist

CC        ?= cc
PKGS      := libcurl libmicrohttpd libcjson zlib libsystemd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS  := $(shell pkg-config --libs $(PKGS)) -lcgroup -lm -lpthread

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral -Wvla -Wpointer-arith
ifeq ($(CI),true)
WARN      += -Werror
endif
OPT       ?= -O2 -g
ifeq ($(SANITIZE),1)
OPT       := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN     := -fsanitize=address,undefined
BUILD     ?= build-san
else
BUILD     ?= build
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DHOIST_VERSION='"$(VERSION)"' $(WARN) $(OPT) -I. $(PKG_CFLAGS) \
             $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(LDSAN) $(LDFLAGS)

# Every .c below these folders goes into one static library, except the
# files that hold a program's main(): those are named *_main.c.
LIB_SRC   := $(filter-out %_main.c,$(wildcard common/*.c sinks/*.c collector/*.c marathon/*.c scaler/*.c deploy/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
# A program is built once its main file exists.
PROGS     := $(if $(wildcard collector/collector_main.c),hoist-collector) \
             $(if $(wildcard scaler/scaler_main.c),hoist-scaler) \
             $(if $(wildcard deploy/deploy_main.c),hoist-deploy)
TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/*_main.c)
BENCH_BIN := $(BENCH_SRC:bench/%_main.c=$(BUILD)/bench/%)

.SECONDARY:
.PHONY: all test unit integration valgrind bench install clean check-banned \
	check-version deb
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

# The mains print $(VERSION): rebuild them when the Makefile changes it.
$(BUILD)/collector/collector_main.o $(BUILD)/scaler/scaler_main.o \
$(BUILD)/deploy/deploy_main.o: Makefile

$(BUILD)/hoist-collector: $(BUILD)/collector/collector_main.o $(BUILD)/libhoist.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/hoist-scaler: $(BUILD)/scaler/scaler_main.o $(BUILD)/libhoist.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/hoist-deploy: $(BUILD)/deploy/deploy_main.o $(BUILD)/libhoist.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libhoist.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

$(BUILD)/bench/%: $(BUILD)/bench/%_main.o $(BUILD)/libhoist.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests run from the top folder; fixtures are found through HOIST_SHARED
# (../shared by default) and tests/fixtures.
HOIST_SHARED ?= $(abspath ../shared)
export HOIST_SHARED

unit: $(TEST_BIN)
	@tests/run-unit.sh $(TEST_BIN)

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

valgrind: $(TEST_BIN)
	@VALGRIND=1 tests/run-unit.sh $(TEST_BIN)

bench: all $(BENCH_BIN)
	@BUILD=$(BUILD) bench/run.sh

check-banned:
	@! grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol)[[:space:]]*\(' \
		$$(find common sinks collector marathon scaler deploy tests bench -name '*.[ch]') \
		|| { echo "banned string function (see STYLE)"; exit 1; }

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
	lintian --fail-on error --tag-display-limit 0 $(DEB_OUT)/*.changes
	@ls $(DEB_OUT)/*.deb

clean:
	rm -rf build build-san build-deb $(PROGS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
