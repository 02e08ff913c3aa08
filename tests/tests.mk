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
