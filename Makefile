# chathost - hosts a weekly hashtag chat on X by itself.
# make            build bot/chathost
# make check      unit, data-driven and integration tests (summary line last)
# make check-dates  make check on three shifted dates (libfaketime)
# make demo       a whole chat rehearsed against the local fake X API
# make deps       install missing Debian packages (prints the line if not root)
# make install / uninstall   PREFIX (/usr/local) and DESTDIR honoured

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/chathost
UNITDIR  ?= $(PREFIX)/lib/systemd/system
DESTDIR  ?=

CC       ?= cc
PKGS     := libcurl oauth jansson libconfig libutf8proc libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wwrite-strings -Wformat=2 -Wcast-qual -Wnull-dereference
CFLAGS   ?=
# WERROR=1 (set by .ci/run) turns every warning into an error
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -iquote bot \
             $(OPT) $(WARN) $(if $(WERROR),-Werror) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread -lm $(LDLIBS)

# Under libfaketime (make check-dates, or 'faketime -f @DATE make check')
# every process the suite starts goes on from the shifted clock of the
# first one, so that a fake server and chathost agree on the time; without
# it each child would start again at DATE. Ignored without libfaketime.
export FAKETIME_DONT_RESET = 1

LIB_SRCS := $(filter-out bot/main.c,$(wildcard bot/*.c bot/net/*.c bot/net/*/*.c))
LIB_OBJS := $(LIB_SRCS:.c=.o)
LIB      := bot/libchathost.a
BIN      := bot/chathost
WAITER   := bot/chathost-wait
LIBEXECDIR ?= $(PREFIX)/libexec/chathost

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:.c=)

.PHONY: all build-tests check check-unit check-cases check-integration demo deps install \
        uninstall clean check-sanitize check-valgrind bench fuzz deps-check \
        check-dates

all: deps-check $(BIN) $(WAITER)

# Fails early with the command that fixes it when a library is missing.
deps-check:
	@pkg-config --exists $(PKGS) || { \
	  echo "chathost: missing libraries ($(PKGS)); run 'make deps'" >&2; exit 1; }

# the board's page, one self-contained HTML file, as a C string (the
# generated file is committed, so a build needs no generator)
bot/board_page.c: bot/board.html
	{ echo '/* board_page.c - generated from board.html by make: do not edit */'; \
	  echo 'const char ch_board_page[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@

# exact header dependencies: -MMD writes bot/X.d beside each object
bot/%.o: bot/%.c
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJS:.o=.d) bot/main.d

$(LIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): bot/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ bot/main.o $(LIB) $(LDLIBS_ALL)

# the waiter links only the C library: it is what a waiting bot is
$(WAITER): bot/wait/chathost-wait.c
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

tests/unit/test_%: tests/unit/test_%.c $(LIB)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -iquote bot $(LDFLAGS) -o $@ $< $(LIB) \
	  $(CHECK_LIBS) $(LDLIBS_ALL)

-include $(UNIT_BINS:=.d)

# deps first, then a fresh make: the pkg-config flags above are read when
# make starts, which on a new machine is before the libraries are there
check: deps
	@$(MAKE) --no-print-directory -j$$(nproc) build-tests
	@scripts/funclen
	@tests/run-all

build-tests: all $(UNIT_BINS)

check-unit: all $(UNIT_BINS)
	@tests/run-all unit

check-cases: all
	@tests/run-all cases

check-integration: all
	@tests/run-all integration

# make check on three other days, the clock ticking on from each (Debian
# faketime): the morning New York's clocks move forward, the one they move
# back, and a leap day. man-db's seccomp sandbox refuses libfaketime.
FAKE_DATES := 2027-03-14T06:30:00 2027-11-07T05:30:00 2028-02-29T12:00:00
check-dates: deps
	@for d in $(FAKE_DATES); do \
	  echo "== make check on $$d UTC (libfaketime)"; \
	  MAN_DISABLE_SECCOMP=1 faketime -f "@$${d%T*} $${d#*T}" \
	    $(MAKE) --no-print-directory check || exit 1; \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo

deps:
	@scripts/deps
	@scripts/deps-bsky

# ASan+UBSan: the unit, case and integration tests on an instrumented build.
SAN := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
check-sanitize: deps
	$(MAKE) clean
	$(MAKE) OPT="$(SAN)" LDFLAGS="-fsanitize=address,undefined" all $(UNIT_BINS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 CH_SLOW=1 \
	CK_TIMEOUT_MULTIPLIER=10 CH_JOBS=$${CH_JOBS:-3} \
	NOTIFY_DRIVER_EXTRA="-fsanitize=address,undefined" tests/run-all; \
	  rc=$$?; $(MAKE) clean; exit $$rc

# valgrind memcheck: zero errors and no definite leaks, on every test.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
	--suppressions=$(CURDIR)/tests/unit/valgrind-liboauth.supp \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite
check-valgrind: deps
	@command -v valgrind >/dev/null || scripts/deps valgrind
	@$(MAKE) --no-print-directory build-tests
	CK_TIMEOUT_MULTIPLIER=20 CH_SLOW=1 CH_JOBS=$${CH_JOBS:-3} \
	  CH_TEST_WRAPPER="$(VALGRIND)" tests/run-all

# libFuzzer targets (clang): FUZZ_SECONDS each (default 600).
FUZZ_SECONDS ?= 600
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
fuzz: deps
	@# clang only recommends its runtime (libFuzzer, the sanitizers), and
	@# scripts/deps installs without recommends: name it
	@scripts/deps clang libclang-rt-dev
	tests/fuzz/run $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/deps python3-tweepy time
	bench/run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/chathost
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(WAITER) $(DESTDIR)$(LIBEXECDIR)/chathost-wait
	install -m 644 man/chathost.1 $(DESTDIR)$(MANDIR)/man1/chathost.1
	install -m 644 man/chathost.conf.5 $(DESTDIR)$(MANDIR)/man5/chathost.conf.5
	install -m 644 schedules/example.conf $(DESTDIR)$(DOCDIR)/example-schedule.conf
	install -m 644 topics/2026-12-01.conf $(DESTDIR)$(DOCDIR)/example-topic.conf
	install -m 644 topics/2026-12-08.conf $(DESTDIR)$(DOCDIR)/example-poll.conf
	sed 's|@BINDIR@|$(BINDIR)|g' scripts/chathost@.service.in > $(DESTDIR)$(UNITDIR)/chathost@.service
	chmod 644 $(DESTDIR)$(UNITDIR)/chathost@.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/chathost $(DESTDIR)$(MANDIR)/man1/chathost.1 \
	  $(DESTDIR)$(LIBEXECDIR)/chathost-wait \
	  $(DESTDIR)$(MANDIR)/man5/chathost.conf.5 \
	  $(DESTDIR)$(DOCDIR)/example-schedule.conf \
	  $(DESTDIR)$(DOCDIR)/example-topic.conf \
	  $(DESTDIR)$(DOCDIR)/example-poll.conf \
	  $(DESTDIR)$(UNITDIR)/chathost@.service
	rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true
	@# Under DESTDIR (a staging tree) install created every folder on the
	@# way: remove those left empty, up to but not including DESTDIR.
	@if [ -n "$(DESTDIR)" ] && [ -d "$(DESTDIR)" ]; then \
	  cd "$(DESTDIR)" && for d in $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5 \
	    $(DOCDIR) $(UNITDIR) $(LIBEXECDIR); do \
	    d="./$${d#/}"; while [ "$$d" != . ]; do \
	      rmdir "$$d" 2>/dev/null; d=$$(dirname "$$d"); done; \
	  done; fi; true

clean:
	rm -f bot/*.o bot/*.d bot/net/*.o bot/net/*.d bot/net/*/*.o bot/net/*/*.d \
	  $(LIB) $(BIN) $(WAITER) $(UNIT_BINS) tests/unit/*.d
	rm -rf tests/out
