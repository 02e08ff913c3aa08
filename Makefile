# sandsh: setuid-root sandboxing login shell (and, later, PAM module).
# `make` builds, `make check` runs every test, `make demo` shows a session.

VERSION     := 0.1.0
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
PAMDIR      ?= $(shell pkg-config --variable=libdir pam 2>/dev/null || echo /lib)/security
SYSCONFDIR  ?= /etc
DESTDIR     ?=
BUILD       ?= build
MANDIR      ?= $(PREFIX)/share/man
INSTALL_OWNER ?= -o root -g root

CC          ?= cc
OPT         ?= -O2 -g
WARN        := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
               -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-unused-parameter
HARDEN      := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection \
               -fcf-protection -fno-strict-overflow -fno-delete-null-pointer-checks
CPPFLAGS    += -Iinclude -I$(BUILD)/gen -D_GNU_SOURCE \
               -DSANDSH_SYSCONFDIR='"$(SYSCONFDIR)"' -DSANDSH_VERSION='"$(VERSION)"'
# The core is -fPIC so the PAM module can link the same archive.
CFLAGS      ?=
CFLAGS      += -std=gnu11 $(OPT) $(WARN) $(HARDEN) -fPIC
LDFLAGS     += -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed
LIBS        := -lconfig

CORE_SRC    := $(filter-out src/main.c,$(wildcard src/*.c))
CORE_OBJ    := $(CORE_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC    := $(filter-out tests/unit/test_pam.c,$(wildcard tests/unit/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HEADERS     := $(wildcard include/sandsh/*.h)

.DEFAULT_GOAL := all
include tests/tests.mk
include tests/pam.mk
include tests/e2e.mk
include tests/security.mk
include tests/vm-systemd.mk
include bench.mk

.PHONY: all deps install uninstall check unit asan integration vm demo clean \
	man-check examples-check deb rpm package-check

all: $(BUILD)/.deps-build $(BUILD)/sandsh $(BUILD)/pam_sandsh.so

$(BUILD)/.deps-build: scripts/deps.sh
	@mkdir -p $(BUILD)
	scripts/deps.sh build
	@touch $@

$(BUILD)/.deps-check: scripts/deps.sh
	@mkdir -p $(BUILD)
	scripts/deps.sh build check
	@touch $@

$(BUILD)/obj/%.o: src/%.c $(HEADERS) Makefile $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The seccomp filter, compiled once at build time with libseccomp (the
# rules are in tools/seccomp-gen.c); nothing installed links libseccomp.
SECCOMP_H   := $(BUILD)/gen/seccomp_filter.h

$(BUILD)/tools/seccomp-gen: tools/seccomp-gen.c Makefile $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lseccomp

$(SECCOMP_H): $(BUILD)/tools/seccomp-gen
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(BUILD)/tools/seccomp-gen $@.tmp && mv $@.tmp $@

$(BUILD)/obj/seccomp.o: $(SECCOMP_H)

$(BUILD)/libsandsh.a: $(CORE_OBJ)
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(BUILD)/sandsh: $(BUILD)/obj/main.o $(BUILD)/libsandsh.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/obj/pam_sandsh.o: pam/pam_sandsh.c $(HEADERS) Makefile $(BUILD)/.deps-build
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The module links the same core archive; the version script keeps every
# core symbol out of the caller's namespace.
$(BUILD)/pam_sandsh.so: $(BUILD)/obj/pam_sandsh.o $(BUILD)/libsandsh.a pam/pam_sandsh.map
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -shared -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed \
		-Wl,--version-script=pam/pam_sandsh.map -o $@ $(BUILD)/obj/pam_sandsh.o $(BUILD)/libsandsh.a \
		$(LIBS) -lpam

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsandsh.a $(HEADERS) $(BUILD)/.deps-check
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsandsh.a $(LIBS) -lcmocka

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/sandsh
	install $(INSTALL_OWNER) -m 4755 $(BUILD)/sandsh $(DESTDIR)$(SBINDIR)/sandsh
	install $(INSTALL_OWNER) -m 0755 scripts/sandsh-mkrootfs $(DESTDIR)$(SBINDIR)/sandsh-mkrootfs
	install -d $(DESTDIR)$(PAMDIR)
	install $(INSTALL_OWNER) -m 0644 $(BUILD)/pam_sandsh.so $(DESTDIR)$(PAMDIR)/pam_sandsh.so
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/sandsh.1 $(DESTDIR)$(MANDIR)/man1/sandsh.1
	install -m 0644 man/sandsh.conf.5 $(DESTDIR)$(MANDIR)/man5/sandsh.conf.5
	install -m 0644 man/pam_sandsh.8 $(DESTDIR)$(MANDIR)/man8/pam_sandsh.8
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/sandsh/sandsh.conf ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/sandsh/sandsh.conf"; \
	else \
		install $(INSTALL_OWNER) -m 0644 conf/sandsh.conf $(DESTDIR)$(SYSCONFDIR)/sandsh/sandsh.conf; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sandsh $(DESTDIR)$(SBINDIR)/sandsh-mkrootfs $(DESTDIR)$(PAMDIR)/pam_sandsh.so
	rm -f $(DESTDIR)$(MANDIR)/man1/sandsh.1 $(DESTDIR)$(MANDIR)/man5/sandsh.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/pam_sandsh.8

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: all $(TEST_TOOLS) $(BUILD)/.deps-check
	tests/integration/run.sh $(BUILD)

# The pure parts once more under AddressSanitizer and UBSan (a separate,
# non-setuid build: sanitizers and setuid do not mix).
asan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan \
		OPT="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" unit

# cgroup v2 for real: a Debian kernel under qemu (tests/vm/README.md).
vm: all
	tests/vm/t-cgroup-v2.sh $(BUILD)

check: unit asan analyze fuzz-short integration security-check vm man-check examples-check pam-check e2e \
	vm-systemd
	@$(MAKE) --no-print-directory protections-check

man-check:
	scripts/deps.sh man
	tests/packaging/test-man.sh

examples-check: all $(BUILD)/.deps-check
	tests/packaging/test-examples.sh $(BUILD)

deb:
	scripts/deps.sh deb
	packaging/build-deb.sh $(BUILD)/pkg

rpm:
	scripts/deps.sh rpm
	packaging/build-rpm.sh $(BUILD)/pkg

# Builds and installs the packages in overlays (the host is left as it was).
package-check: all
	scripts/deps.sh man deb rpm
	tests/packaging/test-man.sh
	tests/packaging/test-examples.sh $(BUILD)
	tests/packaging/test-deb.sh
	tests/packaging/test-rpm.sh

demo: all
	scripts/deps.sh demo
	scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
