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

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR   ?= $(PREFIX)/lib/systemd/system
DATADIR   ?= $(PREFIX)/share/hoist

# CC is not set here: GNU make has a default (cc), and `make CC=clang` or
# CC=clang in the environment replaces it ("CC ?= cc" would do nothing).
# Both gcc and clang build warning-free with CI=true (-Werror).
# What each program links (pkg-config names; -l flags after them).
COLLECTOR_PKGS := libcurl libmicrohttpd libcjson zlib libsystemd
COLLECTOR_LIBS := -lcgroup -lm -lpthread
SCALER_PKGS    := libcurl libmicrohttpd libcjson zlib libsystemd
SCALER_LIBS    := -lm -lpthread
DEPLOY_PKGS    := libcurl libcjson
DEPLOY_LIBS    := -lm
PKGS      := $(sort $(COLLECTOR_PKGS) $(SCALER_PKGS) $(DEPLOY_PKGS))
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS  := $(shell pkg-config --libs $(PKGS)) -lcgroup -lm -lpthread

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wvla -Wpointer-arith
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
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) -I. $(PKG_CFLAGS) $(CFLAGS)
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
BENCH_SRC := $(wildcard bench/*_main.c)
BENCH_BIN := $(BENCH_SRC:bench/%_main.c=$(BUILD)/bench/%)

.SECONDARY:
.PHONY: all test unit integration valgrind bench install clean check-banned
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

$(BUILD)/hoist-collector: $(BUILD)/collector/collector_main.o $(COLLECTOR_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(COLLECTOR_PKGS)) $(COLLECTOR_LIBS)
$(BUILD)/hoist-scaler: $(BUILD)/scaler/scaler_main.o $(SCALER_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(SCALER_PKGS)) $(SCALER_LIBS)
$(BUILD)/hoist-deploy: $(BUILD)/deploy/deploy_main.o $(DEPLOY_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(DEPLOY_PKGS)) $(DEPLOY_LIBS)

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

test: unit integration check-banned

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

clean:
	rm -rf build build-san build-clang $(PROGS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
