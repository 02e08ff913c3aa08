# sandsh: setuid-root sandboxing login shell and PAM module.
#   make          builds with what is installed; a missing build dependency
#                 stops it with one line naming the package (nothing is installed)
#   make deps     installs every dependency of every target (Debian, root)
#   make demo     `make deps` for the demo, then shows a session
#   make check    `make deps`, then every test, warnings as errors

VERSION     := 0.1.0
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
PAMDIR      ?= $(shell pkg-config --variable=libdir pam 2>/dev/null || echo /lib)/security
SYSCONFDIR  ?= /etc
DESTDIR     ?=
BUILD       ?= build
MANDIR      ?= $(PREFIX)/share/man
DATADIR     ?= $(PREFIX)/share
# The tty group's gid, for each sandbox's /dev/pts (as systemd's -Dtty-gid).
TTY_GID     ?= 5
INSTALL_OWNER ?= -o root -g root

# --- compilers and flags -----------------------------------------------------
# Ours come first, the caller's CPPFLAGS, CFLAGS and LDFLAGS (a distribution's,
# from the environment or the command line) after them, so theirs win. The
# hardening flags are added only where the compiler accepts them for its
# target without a warning (probed once per make run, when something is
# compiled): -D_FORTIFY_SOURCE=3 only when the caller's flags or the compiler
# do not define _FORTIFY_SOURCE already, -fcf-protection on x86 and
# -mbranch-protection on arm64. -Werror only with WERROR=1 (make check sets it).
# CC builds what is installed. tools/seccomp-gen runs here during the build:
# when CC makes code for another machine (its -dumpmachine names another
# architecture or system than CC_FOR_BUILD's; CROSS=1/CROSS= overrides),
# CC_FOR_BUILD builds it with CPPFLAGS_FOR_BUILD, CFLAGS_FOR_BUILD and
# LDFLAGS_FOR_BUILD; otherwise it is built like everything else.
CC          ?= cc
CC_FOR_BUILD ?= cc
# V=1 prints every command in full (package builds: the build log shows the flags).
V           ?= 0
Q           := $(if $(filter 1,$(V)),,@)
say          = @$(if $(Q),printf '  %-7s %s\n' '$(1)' '$(2)',:)
OPT         ?= -O2 -g
WERROR      ?= 0
WARN        := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
               -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-unused-parameter \
               $(if $(filter 1,$(WERROR)),-Werror)

hash := \#
# $(call cc-accepts,FLAGS[,SOURCE]): FLAGS if $(CC) compiles SOURCE with them
# (ours first, the caller's after, as in the build) without a warning.
cc-accepts = $(if $(shell printf '$(or $(2),int x;)\n' | $(CC) -Werror $(OPT) $(1) \
	$(CPPFLAGS) $(CFLAGS) -x c -c -o /dev/null - 2>/dev/null && echo y),$(1))
# Computed on first use, then kept (a plain = would probe at every use).
HARDEN_CPPFLAGS = $(eval HARDEN_CPPFLAGS := $$(call cc-accepts,-D_FORTIFY_SOURCE=3,$$(hash)include <stdio.h>))$(HARDEN_CPPFLAGS)
HARDEN_CFLAGS = $(eval HARDEN_CFLAGS := $$(foreach f,-fstack-protector-strong -fstack-clash-protection \
	-fcf-protection -mbranch-protection=standard,$$(call cc-accepts,$$(f))) \
	-fno-strict-overflow -fno-delete-null-pointer-checks)$(HARDEN_CFLAGS)

SANDSH_CPPFLAGS := -Iinclude -I$(BUILD)/gen -D_GNU_SOURCE \
               -DSANDSH_SYSCONFDIR='"$(SYSCONFDIR)"' -DSANDSH_VERSION='"$(VERSION)"' \
               -DSANDSH_TTY_GID=$(TTY_GID)
# The core is -fPIC so the PAM module can link the same archive.
SANDSH_CFLAGS = -std=gnu11 $(OPT) $(WARN) $(HARDEN_CFLAGS) -fPIC
SANDSH_LDFLAGS := -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed
ALL_CPPFLAGS = $(SANDSH_CPPFLAGS) $(HARDEN_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS  = $(SANDSH_CFLAGS) $(CFLAGS)
# Executables; the PAM module links with -shared and -z defs instead of -pie.
ALL_LDFLAGS = -pie $(SANDSH_LDFLAGS) $(LDFLAGS)
LIBS        := -lconfig
# x86_64-linux-gnu and x86_64-pc-linux-gnu are the same machine.
machine-of = $(shell $(1) -dumpmachine 2>/dev/null | awk -F- '{ print $$1 "-" $$NF }')
CROSS       ?= $(eval CROSS := $$(if $$(filter-out $$(call machine-of,$$(CC)),$$(call machine-of,$$(CC_FOR_BUILD))),1))$(CROSS)
TOOL_CC      = $(if $(CROSS),$(CC_FOR_BUILD),$(CC))
TOOL_FLAGS   = $(if $(CROSS),-std=gnu11 -O2 $(WARN) -D_GNU_SOURCE $(CPPFLAGS_FOR_BUILD) \
               $(CFLAGS_FOR_BUILD) $(LDFLAGS_FOR_BUILD),$(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS))

CORE_SRC    := $(filter-out src/main.c,$(wildcard src/*.c))
CORE_OBJ    := $(CORE_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC    := $(filter-out tests/unit/test_pam.c,$(wildcard tests/unit/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HEADERS     := $(wildcard include/sandsh/*.h)
SECCOMP_H   := $(BUILD)/gen/seccomp_filter.h

# Everything compiled depends on this file, rewritten only when the
# compilers or flags change (a WERROR=1 or CC=... run rebuilds).
FLAGS_FILE  := $(BUILD)/.flags

.DEFAULT_GOAL := all
include tests/tests.mk
include tests/pam.mk
include tests/e2e.mk
include tests/security.mk
include tests/vm-systemd.mk
include tests/build.mk
include bench.mk

.PHONY: all deps install uninstall check checks unit asan integration vm demo clean \
	man-check examples-check deb rpm package-check FORCE

all: $(BUILD)/sandsh $(BUILD)/pam_sandsh.so

FLAGS_NOW    = $(CC) | $(ALL_CPPFLAGS) | $(ALL_CFLAGS) | $(ALL_LDFLAGS) | $(TOOL_CC) $(TOOL_FLAGS)
$(FLAGS_FILE): FORCE
	$(shell mkdir -p $(@D))$(file >$@.new,$(FLAGS_NOW))
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@

# --- build dependencies -------------------------------------------------------
# What `make` needs, checked with the compilers themselves (no package
# manager: the same on Debian and Fedora). A missing one stops make with one
# line; `make deps` installs them on Debian. The header is checked before
# compiling, the library before linking (a cross compiler may find the
# build machine's headers but not the target's library).
# $(call need,WHAT,COMPILER,OPTIONS,PROGRAM,LIBS,PACKAGES)
need = $(if $(shell printf '$(4)\n' | $(2) $(3) -x c -o /dev/null - $(5) 2>/dev/null && echo y),,\
	$(error sandsh: cannot build: $(1) not found by $(2) (install $(6); `make deps` does on Debian)))
PKG_CONFIG_DEV  := Debian/Ubuntu libconfig-dev, Fedora libconfig-devel
PKG_PAM_DEV     := Debian/Ubuntu libpam0g-dev, Fedora pam-devel
PKG_SECCOMP_DEV := Debian/Ubuntu libseccomp-dev, Fedora libseccomp-devel
PROBE_CONFIG    := $(hash)include <libconfig.h>\nint main(void) { config_t c; config_init(&c); return 0; }
PROBE_PAM       := $(hash)include <security/pam_modules.h>\nint main(void) { return pam_get_item(0, 0, 0); }
PROBE_SECCOMP   := $(hash)include <seccomp.h>\nint main(void) { return !seccomp_version(); }
PKG_SYSTEMD_DEV := Debian/Ubuntu libsystemd-dev, Fedora systemd-devel
PROBE_SYSTEMD   := $(hash)include <systemd/sd-bus.h>\nint main(void) { return 0; }

.PHONY: need-cc need-config-h need-config-lib need-pam-h need-pam-lib need-seccomp need-systemd-h
need-cc:
	@:$(if $(shell command -v $(firstword $(CC))),,$(error sandsh: cannot build: no C compiler $(CC) (install gcc)))
need-config-h: need-cc
	@:$(call need,libconfig,$(CC),-E $(CPPFLAGS),$(PROBE_CONFIG),,$(PKG_CONFIG_DEV))
need-config-lib: need-cc
	@:$(call need,libconfig,$(CC),$(CPPFLAGS) $(CFLAGS) $(LDFLAGS),$(PROBE_CONFIG),-lconfig,$(PKG_CONFIG_DEV))
# sd-bus's header only: libsystemd is loaded at run time, on systemd hosts.
need-systemd-h: need-cc
	@:$(call need,the sd-bus header,$(CC),-E $(CPPFLAGS),$(PROBE_SYSTEMD),,$(PKG_SYSTEMD_DEV))
need-pam-h: need-cc
	@:$(call need,the PAM headers,$(CC),-E $(CPPFLAGS),$(PROBE_PAM),,$(PKG_PAM_DEV))
need-pam-lib: need-cc
	@:$(call need,libpam,$(CC),$(CPPFLAGS) $(CFLAGS) $(LDFLAGS),$(PROBE_PAM),-lpam,$(PKG_PAM_DEV))
need-seccomp:
	@:$(if $(shell command -v $(firstword $(TOOL_CC))),,$(error sandsh: cannot build: no C compiler $(TOOL_CC) for the build machine (CC_FOR_BUILD; install gcc)))
	@:$(call need,libseccomp,$(TOOL_CC),$(TOOL_FLAGS),$(PROBE_SECCOMP),-lseccomp,$(PKG_SECCOMP_DEV))

# Installs what every target needs: scripts/deps.sh (Debian packages, only
# the missing ones) with each set, and scripts/deps-vm.sh (the VM tests).
# `make demo` asks for its sets only (DEPS_SETS=..., DEPS_VM=).
DEPS_SETS   ?= build check demo man deb rpm pam-unit pam sec bench e2e vm vm-systemd
DEPS_VM     ?= 1
deps:
	scripts/deps.sh $(DEPS_SETS)
	$(if $(DEPS_VM),scripts/deps-vm.sh)

# The test targets install their own sets when run alone (a no-op when
# `make deps` ran): deps-SET runs scripts/deps.sh SET, one at a time.
deps-%:
	@mkdir -p $(BUILD)
	@flock $(BUILD)/.deps.lock scripts/deps.sh $*

# --- the build ----------------------------------------------------------------
$(BUILD)/obj/%.o: src/%.c $(HEADERS) Makefile $(FLAGS_FILE) | need-config-h
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The seccomp filter, compiled at build time with libseccomp (the rules are
# in tools/seccomp-gen.c); nothing installed links libseccomp. The header
# holds a program for every target the generator knows; compiling it here
# with $(CC) checks at once that the target is one of them and that its
# headers agree with the numbers in the program (one #error line if not).
$(BUILD)/tools/seccomp-gen: tools/seccomp-gen.c Makefile $(FLAGS_FILE) | need-seccomp
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)
	$(Q)$(TOOL_CC) $(TOOL_FLAGS) -o $@ $< -lseccomp

$(SECCOMP_H): $(BUILD)/tools/seccomp-gen $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)$(BUILD)/tools/seccomp-gen $@.tmp
	$(Q)printf '$(hash)include "%s"\n' $(notdir $@).tmp | $(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) \
		-fsyntax-only -x c - 2>$@.err || \
		{ grep -m1 'error' $@.err >&2; rm -f $@.tmp $@.err; exit 1; }
	@rm -f $@.err && mv $@.tmp $@

$(BUILD)/obj/seccomp.o: $(SECCOMP_H)
$(BUILD)/obj/systemd.o: | need-systemd-h

# The reaper (src/reaper/reaper.c): what a shell session's PID 1 becomes once
# the command runs, embedded in sandsh by src/reaper/blob.S. A freestanding
# program: the caller's flags first, then ours, which must win (no C
# library; no RELRO: no loader to apply it), with the stack protector (its
# start-up sets the canary), position independent, without relocations
# (checked: nothing would apply them). Only for the architectures reaper.c has a system-call stub for;
# elsewhere the image is empty and PID 1 stays a copy of the supervisor.
REAPER_ARCHS := x86_64 aarch64
READELF     ?= readelf
REAPER_ARCH := $(firstword $(subst -, ,$(call machine-of,$(CC))))
REAPER      := $(if $(filter $(REAPER_ARCHS),$(REAPER_ARCH)),$(BUILD)/sandsh-reaper)
REAPER_CFLAGS := -std=gnu11 -Os $(WARN) -ffreestanding -fstack-protector-strong -fno-builtin \
		-fno-asynchronous-unwind-tables -fno-unwind-tables -fPIE
REAPER_CFLAGS += $(if $(filter aarch64,$(REAPER_ARCH)),\
		-mstack-protector-guard=sysreg -mstack-protector-guard-reg=tpidr_el0 \
		-mstack-protector-guard-offset=16)
REAPER_LDFLAGS := -nostdlib -pie -static-pie -s -Wl,-z,noexecstack -Wl,-z,norelro \
		-Wl,-z,noseparate-code -Wl,--build-id=none

$(BUILD)/sandsh-reaper: src/reaper/reaper.c Makefile $(FLAGS_FILE) | need-cc
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(REAPER_CFLAGS) $(LDFLAGS) $(REAPER_LDFLAGS) -o $@.tmp $<
	$(Q)if LC_ALL=C $(READELF) -r $@.tmp | grep -q '^Relocation section'; then \
		echo "sandsh: $@ has relocations (nothing applies them)" >&2; rm -f $@.tmp; exit 1; fi
	@mv -f $@.tmp $@

$(BUILD)/obj/reaper-blob.o: src/reaper/blob.S $(REAPER) Makefile $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(if $(REAPER),-DSANDSH_REAPER='"$(REAPER)"') $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libsandsh.a: $(CORE_OBJ) $(BUILD)/obj/reaper-blob.o
	$(call say,AR,$@)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/sandsh: $(BUILD)/obj/main.o $(BUILD)/libsandsh.a $(FLAGS_FILE) | need-config-lib
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(BUILD)/obj/main.o $(BUILD)/libsandsh.a $(LIBS)

$(BUILD)/obj/pam_sandsh.o: pam/pam_sandsh.c $(HEADERS) Makefile $(FLAGS_FILE) | need-config-h need-pam-h
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The module links the same core archive; the version script keeps every
# core symbol out of the caller's namespace, -z defs makes an unresolved
# symbol a link error instead of a failed dlopen in sshd.
$(BUILD)/pam_sandsh.so: $(BUILD)/obj/pam_sandsh.o $(BUILD)/libsandsh.a pam/pam_sandsh.map $(FLAGS_FILE) \
		| need-config-lib need-pam-lib
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -shared $(SANDSH_LDFLAGS) -Wl,-z,defs \
		-Wl,--version-script=pam/pam_sandsh.map $(LDFLAGS) -o $@ \
		$(BUILD)/obj/pam_sandsh.o $(BUILD)/libsandsh.a $(LIBS) -lpam

# The reaper's tests run the built program.
$(BUILD)/tests/test_reaper: $(REAPER)
$(BUILD)/tests/test_reaper: ALL_CPPFLAGS += $(if $(REAPER),-DSANDSH_REAPER_PATH='"$(abspath $(REAPER))"')

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsandsh.a $(HEADERS) $(FLAGS_FILE) | deps-check
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libsandsh.a $(LIBS) -lcmocka

# --- install ------------------------------------------------------------------
# One install path at a time: `make install` or the packages (README,
# Install). Into the live system (no DESTDIR), install refuses while the
# sandsh packages are installed, and uninstall leaves every file a package
# owns alone. The package scripts refuse the other way round.
DPKG_QUERY  ?= dpkg-query
RPM         ?= rpm
# The sandsh packages installed (dpkg or rpm), by name.
pkg_installed = { $(DPKG_QUERY) -W -f='$${db:Status-Abbrev} $${binary:Package}\n' sandsh libpam-sandsh 2>/dev/null | sed -n 's/^.i  *//p'; for p in sandsh sandsh-pam; do $(RPM) -q --quiet $$p 2>/dev/null && echo $$p; done; } | tr '\n' ' '
# Whether a package owns $$f, under either name (/lib/..., /usr/lib/...) of a merged /usr.
pkg_owner = for g in "$$f" "$${f\#/usr}" "/usr$$f"; do $(DPKG_QUERY) -S "$$g" 2>/dev/null || $(RPM) -qf --quiet "$$g" 2>/dev/null && break; done

.PHONY: install-allowed
install-allowed:
	@if [ -z "$(DESTDIR)" ]; then pkgs=$$($(pkg_installed)); if [ -n "$$pkgs" ]; then \
		echo "make install: the package(s) $$pkgs are installed: remove them first (one install path at a time, README: Install)" >&2; \
		exit 1; fi; fi

install: install-allowed all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/sandsh
	install $(INSTALL_OWNER) -m 4755 $(BUILD)/sandsh $(DESTDIR)$(SBINDIR)/sandsh
	install $(INSTALL_OWNER) -m 0755 scripts/sandsh-mkrootfs $(DESTDIR)$(SBINDIR)/sandsh-mkrootfs
	install -d $(DESTDIR)$(PAMDIR)
	install $(INSTALL_OWNER) -m 0644 $(BUILD)/pam_sandsh.so $(DESTDIR)$(PAMDIR)/pam_sandsh.so
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/sandsh.1 $(DESTDIR)$(MANDIR)/man1/sandsh.1
	install -m 0644 man/sandsh.conf.5 $(DESTDIR)$(MANDIR)/man5/sandsh.conf.5
	install -m 0644 man/pam_sandsh.8 $(DESTDIR)$(MANDIR)/man8/pam_sandsh.8
	install -d $(DESTDIR)$(DATADIR)/sandsh
	install -m 0644 conf/sandsh.conf $(DESTDIR)$(DATADIR)/sandsh/sandsh.conf.default
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/sandsh/sandsh.conf ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/sandsh/sandsh.conf"; \
	else \
		install $(INSTALL_OWNER) -m 0644 conf/sandsh.conf $(DESTDIR)$(SYSCONFDIR)/sandsh/sandsh.conf; \
	fi

# The policy stays: it is the administrator's.
UNINSTALL_FILES = $(SBINDIR)/sandsh $(SBINDIR)/sandsh-mkrootfs $(PAMDIR)/pam_sandsh.so \
	$(MANDIR)/man1/sandsh.1 $(MANDIR)/man5/sandsh.conf.5 $(MANDIR)/man8/pam_sandsh.8 \
	$(DATADIR)/sandsh/sandsh.conf.default
uninstall:
	@for f in $(UNINSTALL_FILES:%=$(DESTDIR)%); do \
		[ -e "$$f" ] || continue; \
		if [ -z "$(DESTDIR)" ] && $(pkg_owner) >/dev/null; then \
			echo "make uninstall: keeping $$f (a package owns it)"; continue; fi; \
		echo "rm -f $$f"; rm -f "$$f"; \
	done
	@rmdir $(DESTDIR)$(DATADIR)/sandsh 2>/dev/null || :
	@[ ! -e $(DESTDIR)$(SYSCONFDIR)/sandsh/sandsh.conf ] || \
		echo "make uninstall: kept $(DESTDIR)$(SYSCONFDIR)/sandsh/sandsh.conf (remove it by hand if unwanted)"

# --- tests --------------------------------------------------------------------
unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: all $(TEST_TOOLS) | deps-check
	TTY_GID=$(TTY_GID) tests/integration/run.sh $(BUILD)

# The pure parts once more under AddressSanitizer and UBSan (a separate,
# non-setuid build: sanitizers and setuid do not mix).
asan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan \
		OPT="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" unit

# cgroup v2 for real: a Debian kernel under qemu (tests/vm/README.md).
vm: all
	tests/vm/t-cgroup-v2.sh $(BUILD)

# Everything, on a machine `make deps` prepared, warnings as errors.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory WERROR=1 checks

# protections-check reads the results of the suites before it: last.
checks: format-check unit asan analyze fuzz-short integration security-check vm man-check examples-check \
	pam-check e2e build-check vm-systemd protections-check

man-check: | deps-man
	tests/packaging/test-man.sh

examples-check: all | deps-check
	tests/packaging/test-examples.sh $(BUILD)

deb:
	scripts/deps.sh deb
	packaging/build-deb.sh $(BUILD)/pkg

rpm:
	scripts/deps.sh deb rpm
	packaging/build-rpm.sh $(BUILD)/pkg

# Builds and installs the packages in overlays (the host is left as it was).
package-check: all
	scripts/deps.sh man deb rpm
	tests/packaging/test-man.sh
	tests/packaging/test-examples.sh $(BUILD)
	tests/packaging/test-deb.sh
	tests/packaging/test-rpm.sh

demo:
	@$(MAKE) --no-print-directory deps DEPS_SETS="build demo" DEPS_VM=
	@$(MAKE) --no-print-directory all
	scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
