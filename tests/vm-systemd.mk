# The systemd host test bed (issue 11), included by the top Makefile:
#   include tests/vm-systemd.mk   and   check: ... vm-systemd
# A Debian 12 guest with systemd as PID 1 on pure cgroup v2, its image built
# once by scripts/mkimage-debian12.sh into /var/cache/sandsh-vm/debian12/,
# booted under qemu; the project's .debs installed with dpkg; sessions
# driven through real ssh logins (tests/vm-systemd/README.md).
# Needs root. One case: make vm-systemd VM_TESTS=t-bomb.sh; a look inside
# the guest after the cases: VM_HOLD=SECONDS (tests/vm-systemd/README.md).
.PHONY: vm-systemd

VM_TESTS ?=

$(BUILD)/.deps-vm-systemd: scripts/deps.sh
	@mkdir -p $(BUILD)
	scripts/deps.sh vm-systemd deb
	@touch $@

vm-systemd: $(BUILD)/.deps-vm-systemd
	tests/vm-systemd/run.sh $(BUILD) $(VM_TESTS)
