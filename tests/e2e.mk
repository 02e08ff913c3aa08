# End-to-end tests against a real OpenSSH server (tests/e2e/), included by
# the top Makefile:  include tests/e2e.mk   and   check: ... e2e
# The installed setuid sandsh as the login shell and as a ForceCommand of a
# hermetic sshd on 127.0.0.1 (a free high port), driven by the real ssh,
# scp, sftp, rsync and tmux; the rootfs comes from scripts/sandsh-mkrootfs.
# Needs root; installs its Debian packages with scripts/deps.sh e2e.
.PHONY: e2e

e2e: all $(TEST_TOOLS) | deps-check deps-e2e
	tests/e2e/run.sh $(BUILD)
