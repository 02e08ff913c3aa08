# Integration-test tools (tests/tools/*.c), included by the top Makefile.
# Each is a small standalone C program built into $(BUILD)/tools/;
# `make integration` should depend on $(TEST_TOOLS).
#   logsink        syslog receiver standing in for /dev/log
#   runargv        exec with a chosen argv/environment (argc == 0 too)
#   seccomp-probe  static: copied into the test rootfs, run as the user
TEST_TOOL_SRC := $(wildcard tests/tools/*.c)
TEST_TOOLS    := $(TEST_TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: test-tools
test-tools: $(TEST_TOOLS)

$(BUILD)/tools/%: tests/tools/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# Runs inside the busybox rootfs, which has no libc: linked statically
# (without the top-level -pie).
$(BUILD)/tools/seccomp-probe: tests/tools/seccomp-probe.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -static -o $@ $<

# The protection-by-path table (tests/protections.tsv): every protection
# with a passing test for the shell path and each PAM service, read from
# the results the root suites (integration, security, pam, e2e) left in
# $(BUILD)/test-results. make check runs it after them.
.PHONY: protections-check
protections-check:
	tests/check-protections.sh tests/protections.tsv $(BUILD)/test-results
