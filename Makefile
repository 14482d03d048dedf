# The whole project in one non-recursive Makefile.
#
#   make            bin/mock_server and a client program per model (MODELS)
#   make test       every test: unit, integration, and the sanitizer builds
#   make bench      the main job: benchmarks and charts into a new folder,
#                   results/runs/STAMP (results/latest links to it);
#                   QUICK=1 a smaller plan, RUNS=N counted runs per configuration
#   make mutants    the tests' own check, not part of make test (slow): each bug
#                   of tests/mutants.txt must be caught; ONLY=NAME for one,
#                   JOBS=N to try N at once (default 2)
#   make asan       the programs with AddressSanitizer + UBSan, in build/asan/bin
#   make tsan       the programs with ThreadSanitizer, in build/tsan/bin
#
# A variant build is this same Makefile run again with other BUILD and
# SANITIZE values; each keeps its objects in its own folder.

BUILD    ?= build/release
BINDIR   ?= bin
SANITIZE ?=

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror
CPPFLAGS += -D_GNU_SOURCE -Ibase -Iclient -Itasks -Iloop -Icoro -MMD -MP

# libcurl, libuv, cJSON, xxHash, SQLite, liburing, libseccomp and cmocka
# ship pkg-config files; civetweb's Debian package does not, so it is
# linked by name.
PKGS := libcurl libuv libcjson libxxhash sqlite3

# ---- Install missing Debian packages before anything is compiled ----
ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_MISSING := $(shell pkg-config --exists $(PKGS) cmocka liburing libseccomp 2>/dev/null \
                  && [ -f /usr/include/civetweb.h ] && command -v gnuplot jq curl ss strace sqlite3 >/dev/null \
                  && [ -x /usr/bin/time ] \
                  && /usr/bin/python3 -c 'import xxhash, aiohttp, aiofiles, numpy, pytest, markdown_it' 2>/dev/null \
                  || echo yes)
ifeq ($(DEPS_MISSING),yes)
$(info make: some packages are missing; running scripts/install-deps.sh)
DEPS_STATUS := $(shell scripts/install-deps.sh 1>&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error packages could not be installed: see the message above)
endif
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs libcurl libcjson libxxhash sqlite3 2>/dev/null)
UV_LIBS    := $(shell pkg-config --libs libuv 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
URING_LIBS := $(shell pkg-config --libs liburing 2>/dev/null)
SECCOMP_LIBS := $(shell pkg-config --libs libseccomp 2>/dev/null)

ifeq ($(SANITIZE),asan)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),tsan)
SAN_FLAGS := -fsanitize=thread
endif

ALL_CFLAGS  = -std=c11 $(CFLAGS) $(WARN) $(SAN_FLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS) -pthread

# ---- Sources: one folder, one part ----
# The layers, each including only those before it (README.md, "Layout"):
# base/ (the server's too), client/ (every client's core), tasks/ (the
# straight task code), loop/, coro/ (the coroutine switch, a window's task
# on a coroutine, and its waits through a loop, coro_loop.c, built once per
# model below), then the models and the server.
BASE_SRC    := $(wildcard base/*.c)
BASE_LIB    := $(BUILD)/libbase.a
CLIENT_SRC  := $(wildcard client/*.c tasks/*.c)
CLIENT_LIB  := $(BUILD)/libclient.a
CLIENT_LIBS := $(CLIENT_LIB) $(BASE_LIB)
LOOP_SRC    := $(wildcard loop/*.c)
LOOP_LIB    := $(BUILD)/libloop.a
CORO_OBJ    := $(patsubst %.c,$(BUILD)/%.o,coro/coro.c coro/coro_task.c)
# The part of loop/ that knows no libuv (the window, the transfer policy,
# the health, libcurl's glue): what a loop on another kernel interface links.
LOOP_CORE_OBJ := $(patsubst %.c,$(BUILD)/%.o,loop/window.c loop/transfer.c loop/health.c \
                   loop/curl_glue.c)
MODELS      := sync async_uv async_threads async_coro async_uring
SERVER_SRC  := $(wildcard mock_server/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

PROGRAMS := $(BINDIR)/mock_server $(foreach m,$(MODELS),$(if $(wildcard $(m)/*.c),$(BINDIR)/$(m)))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BINDIR)/%,$(UNIT_SRC)) $(BINDIR)/test_coro_ucontext
TEST_TOOLS := $(BINDIR)/expected_checksum $(BINDIR)/plain_pool $(BINDIR)/without_io_uring

.PHONY: all test asan tsan bench mutants clean
# Keep every object, the unit tests' too: make would delete them as
# intermediates, and their dependency files with them.
.SECONDARY:
all: $(PROGRAMS) $(UNIT_TESTS) $(TEST_TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BASE_LIB): $(call obj,$(BASE_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(CLIENT_LIB): $(call obj,$(CLIENT_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

# What the two loop models share: the window, libcurl on libuv, Ctrl-C.
$(LOOP_LIB): $(call obj,$(LOOP_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(BINDIR)/sync: $(call obj,$(wildcard sync/*.c)) $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BINDIR)/async_uv: $(call obj,$(wildcard async_uv/*.c)) $(LOOP_LIB) $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) $(UV_LIBS) -o $@

# coro/coro_loop.c, a coroutine model's waits through its loop and its part
# of the window, is written once against the names every loop's header
# declares, and compiled once per model against that model's loop:
# CORO_LOOP_H names the header. Two objects from one source, each calling
# its loop directly, rather than one object calling through a table of
# pointers on every piece of a body.
$(BUILD)/async_coro/coro_loop.o: CORO_LOOP := -DCORO_LOOP_H='"loop_uv.h"'
$(BUILD)/async_uring/coro_loop.o: CORO_LOOP := -Iasync_uring -DCORO_LOOP_H='"loop_ring.h"'
$(BUILD)/async_coro/coro_loop.o $(BUILD)/async_uring/coro_loop.o: coro/coro_loop.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CORO_LOOP) $(ALL_CFLAGS) -c $< -o $@

$(BINDIR)/async_coro: $(call obj,$(wildcard async_coro/*.c)) $(BUILD)/async_coro/coro_loop.o \
                      $(CORO_OBJ) $(LOOP_LIB) $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) $(UV_LIBS) -o $@

# The coroutines of async_coro on an io_uring instead of libuv: the part of
# loop/ that knows no libuv, and liburing.
$(BINDIR)/async_uring: $(call obj,$(wildcard async_uring/*.c)) $(BUILD)/async_uring/coro_loop.o \
                       $(CORO_OBJ) $(LOOP_CORE_OBJ) \
                       $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) $(URING_LIBS) -o $@

$(BINDIR)/async_threads: $(call obj,$(wildcard async_threads/*.c)) $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@

# The server links base/ alone: nothing of the clients.
$(BINDIR)/mock_server: $(call obj,$(SERVER_SRC)) $(BASE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -lcivetweb $(PKG_LIBS) -o $@

$(BINDIR)/test_%: $(BUILD)/tests/unit/test_%.o $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(CMOCKA_LIBS) $(PKG_LIBS) -o $@

# The pool's test also links the pool, which lives in its model's folder.
$(BINDIR)/test_pool: $(BUILD)/tests/unit/test_pool.o $(BUILD)/async_threads/pool.o $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(CMOCKA_LIBS) $(PKG_LIBS) -o $@

# The window's test drives the window with a loop of its own: it links the
# window and the loop's health, and no libuv.
$(BINDIR)/test_window: $(BUILD)/tests/unit/test_window.o $(BUILD)/loop/window.o \
                       $(BUILD)/loop/health.o $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(CMOCKA_LIBS) $(PKG_LIBS) -o $@

# The coroutine test also links the coroutine switch (coro/coro.c), which
# the coroutine models share; -lm for fesetround.
$(BINDIR)/test_coro: $(BUILD)/tests/unit/test_coro.o $(BUILD)/coro/coro.o $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(CMOCKA_LIBS) $(PKG_LIBS) -lm -o $@

# The same test against coro.c's fallback switch, glibc's ucontext calls,
# which other architectures use: built here too so that it stays tested.
UCONTEXT := -DCORO_UCONTEXT
$(BUILD)/coro/coro_ucontext.o: coro/coro.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(UCONTEXT) $(ALL_CFLAGS) -c $< -o $@
$(BUILD)/tests/unit/test_coro_ucontext.o: tests/unit/test_coro.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(UCONTEXT) $(ALL_CFLAGS) -c $< -o $@
$(BINDIR)/test_coro_ucontext: $(BUILD)/tests/unit/test_coro_ucontext.o \
                              $(BUILD)/coro/coro_ucontext.o $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(CMOCKA_LIBS) $(PKG_LIBS) -lm -o $@

# The yardstick for async_threads: a pool of blocking libcurl handles and
# nothing else (tests/tools/plain_pool.c); it links none of the project.
$(BINDIR)/plain_pool: $(BUILD)/tests/tools/plain_pool.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@

# Runs a program where io_uring_setup fails with ENOSYS, as on a kernel
# without io_uring (tests/tools/without_io_uring.c): a seccomp filter.
$(BINDIR)/without_io_uring: $(BUILD)/tests/tools/without_io_uring.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(SECCOMP_LIBS) -o $@

$(BINDIR)/expected_checksum: $(BUILD)/tests/tools/expected_checksum.o $(CLIENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -o $@

# ---- Variants ----
asan:
	$(MAKE) --no-print-directory BUILD=build/asan BINDIR=build/asan/bin SANITIZE=asan CFLAGS="-O1 -g" all
tsan:
	$(MAKE) --no-print-directory BUILD=build/tsan BINDIR=build/tsan/bin SANITIZE=tsan CFLAGS="-O1 -g" all

# ---- The two commands of the README ----
test: all asan tsan
	tests/run.sh

bench: all
	scripts/bench.py $(if $(QUICK),--quick) $(if $(RUNS),--runs $(RUNS))

# Copies of the tree take the release build from here, so only what a
# mutant changes is rebuilt in each.
mutants: all
	tests/mutants.py --jobs $(or $(JOBS),2) $(if $(ONLY),--only "$(ONLY)")

clean:
	rm -rf build bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
