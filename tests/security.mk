# Hardening checks (issue 6), included by the top Makefile:
#   make fuzz            libFuzzer harnesses (tests/fuzz/), FUZZ_SECONDS each
#   make fuzz-short      the same, bounded (FUZZ_SHORT_SECONDS each), for make check
#   make security-check  root suite: fail-closed fault injection and escape tests
#   make analyze         cppcheck + clang-tidy over src/ pam/ tools/: no finding of
#                        the pinned checks (see "static analysis" below)
# The fuzz build is a separate, non-setuid, sanitized build of the core
# objects (same sources, same CPPFLAGS) in $(BUILD)/fuzz; nothing of it is
# installed.

FUZZ_SECONDS       ?= 60
FUZZ_SHORT_SECONDS ?= 20
FUZZ_CC            ?= clang
FUZZ_DIR           := $(BUILD)/fuzz
FUZZ_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS        := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
                      -Wall -Wextra -Wno-unused-parameter -Wshadow
FUZZ_HARNESSES     := fuzz_policy fuzz_args_env
FUZZ_BINS          := $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/%)
FUZZ_CORE_OBJ      := $(CORE_SRC:src/%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/reaper-blob.o

.PHONY: fuzz fuzz-build fuzz-short security-check analyze analyze-cppcheck analyze-tidy

.PHONY: need-libfuzzer
need-libfuzzer: | deps-sec
	@# libFuzzer must really be there (clang's runtime ships it).
	@ls "$$($(FUZZ_CC) -print-resource-dir)"/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || \
		{ echo "libFuzzer runtime not found (apt-get install libclang-rt-dev)" >&2; exit 1; }

# The core, instrumented for coverage (fuzzer-no-link) and sanitizers.
$(FUZZ_DIR)/obj/%.o: src/%.c $(HEADERS) tests/security.mk | need-config-h need-libfuzzer
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)$(FUZZ_CC) $(SANDSH_CPPFLAGS) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# init.c's reaper image, empty: nothing the fuzzers run starts a PID 1.
$(FUZZ_DIR)/obj/reaper-blob.o: src/reaper/blob.S tests/security.mk | need-libfuzzer
	@mkdir -p $(dir $@)
	$(call say,FUZZAS,$<)
	$(Q)$(FUZZ_CC) -c -o $@ $<

$(FUZZ_DIR)/%: tests/fuzz/%.c $(FUZZ_CORE_OBJ) $(HEADERS)
	$(call say,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(SANDSH_CPPFLAGS) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE_OBJ) $(LIBS)

$(FUZZ_DIR)/obj/seccomp.o: $(SECCOMP_H)

# Keep the objects (they are intermediate to make).
.SECONDARY: $(FUZZ_CORE_OBJ)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

fuzz-short: fuzz-build
	tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SHORT_SECONDS)

# Root: installs the setuid binary in a private namespace (like integration).
security-check: all $(TEST_TOOLS) | deps-check deps-sec
	tests/security/run.sh $(BUILD)

# --- static analysis ---------------------------------------------------------
# Pinned, so that a newer clang-tidy or cppcheck (new checks, smarter old
# ones) adds findings to a report instead of turning CI red:
#  - The gate is the list of checks as the pinned versions (TIDY_PINNED,
#    CPPCHECK_PINNED) name them, committed in tests/analyze/ (clang-tidy-N.checks,
#    cppcheck-N.ids; `make analyze-pin` rewrites them from the installed tools
#    when the pin moves). Under the pinned version, a finding of a listed
#    check fails `make analyze`, as does a failed tool run.
#  - Under any other version only the explicit list ANALYZE_GATE_ALWAYS
#    fails it: compile errors and the few checks whose findings are bugs in
#    any version (null dereference, use after free, leaks, out of bounds).
#  - Everything else is written to $(BUILD)/analyze/report.txt, by check
#    family, together with the checks the installed clang-tidy enables that
#    the pinned one did not have. ANALYZE_STRICT=1 fails on every finding.
# tests/analyze/gate.sh does the sorting.
TIDY_PINNED     := 14
CPPCHECK_PINNED := 2.10
ANALYZE_GATE_ALWAYS := clang-diagnostic-error \
	clang-analyzer-core.* clang-analyzer-unix.Malloc clang-analyzer-unix.MismatchedDeallocator \
	clang-analyzer-security.insecureAPI.gets clang-analyzer-security.insecureAPI.strcpy \
	cert-env33-c bugprone-signal-handler \
	syntaxError nullPointer uninitvar memleak resourceLeak doubleFree deallocuse \
	bufferAccessOutOfBounds arrayIndexOutOfBounds negativeIndex invalidFunctionArg \
	wrongPrintfScanfArgNum
ANALYZE_STRICT  ?= 0
ANALYZE_DIR     := $(BUILD)/analyze

# cppcheck: warning, portability and performance classes, every file, one
# configuration (_GNU_SOURCE, Linux) so it does not guess at #ifdefs. Inline
# suppressions (// cppcheck-suppress ...) carry their reason next to them;
# none are needed today.
CPPCHECK        ?= cppcheck
CPPCHECK_FLAGS := --enable=warning,portability,performance --inline-suppr \
                  --std=c11 --platform=unix64 --quiet \
                  -D__linux__ -D_GNU_SOURCE -D__x86_64__ -DSANDSH_SYSCONFDIR='"/etc"' \
                  -DSANDSH_VERSION='"0"' -DSANDSH_TTY_GID=$(TTY_GID) -Iinclude -I$(BUILD)/gen \
                  --suppress=missingIncludeSystem \
                  --template='{file}:{line}:{column}: {severity}: {message} [{id}]'

# clang-tidy: bugprone-*, cert-*, clang-analyzer-*, minus these (the rest
# is clean; single sites are suppressed inline with NOLINTNEXTLINE and the
# reason next to them):
#  bugprone-easily-swappable-parameters: style; every (fd, path) and
#      (buf, len) pair of a C API is reported.
#  bugprone-suspicious-string-compare: the code base writes `!strcmp()` for
#      "equal" and `strcmp()` for "differs", consistently.
#  bugprone-implicit-widening-of-multiplication-result: all hits are small
#      constant expressions (1024 * 1024, 2 * i with i < 8) that fit in int.
#  cert-err33-c: unchecked results of printf-family, snprintf into fixed
#      buffers (truncation intended) and signal() in reset loops (EINVAL for
#      glibc's reserved signals is expected); every result that matters for
#      a security decision is checked, which review and the fault-injection
#      suite (tests/security/t-failclosed.sh) hold it to.
#  clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling:
#      wants C11 Annex K (memcpy_s, snprintf_s), which glibc lacks.
#  clang-analyzer-valist.Uninitialized: false positive of clang 14 on every
#      va_start()/vsnprintf() pair (llvm/llvm-project#40656).
TIDY_CHECKS := -*,bugprone-*,cert-*,clang-analyzer-*,$\
               -bugprone-easily-swappable-parameters,$\
               -bugprone-suspicious-string-compare,$\
               -bugprone-implicit-widening-of-multiplication-result,$\
               -cert-err33-c,$\
               -clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,$\
               -clang-analyzer-valist.Uninitialized
TIDY        ?= clang-tidy
TIDY_ARGS    = --quiet --checks='$(TIDY_CHECKS)' --extra-arg=-std=gnu11 \
		--extra-arg=-Iinclude --extra-arg=-I$(BUILD)/gen --extra-arg=-D_GNU_SOURCE \
		--extra-arg=-DSANDSH_SYSCONFDIR='"$(SYSCONFDIR)"' --extra-arg=-DSANDSH_VERSION='"$(VERSION)"' \
		--extra-arg=-DSANDSH_TTY_GID=$(TTY_GID)
ANALYZE_SRC := $(wildcard src/*.c) $(wildcard src/reaper/*.c) $(wildcard pam/*.c) $(wildcard tools/*.c)
tool-version = $(shell $(1) --version 2>/dev/null | sed -n '$(2)' | head -n1)
TIDY_VERSION     = $(call tool-version,$(TIDY),s/.*LLVM version \([0-9]*\).*/\1/p)
CPPCHECK_VERSION = $(call tool-version,$(CPPCHECK),s/^Cppcheck \([0-9]*\.[0-9]*\).*/\1/p)

.PHONY: analyze-pin
analyze: analyze-cppcheck analyze-tidy
	@TIDY_VERSION='$(TIDY_VERSION)' TIDY_PINNED='$(TIDY_PINNED)' \
		CPPCHECK_VERSION='$(CPPCHECK_VERSION)' CPPCHECK_PINNED='$(CPPCHECK_PINNED)' \
		GATE_ALWAYS='$(ANALYZE_GATE_ALWAYS)' STRICT='$(ANALYZE_STRICT)' \
		tests/analyze/gate.sh $(ANALYZE_DIR)

analyze-cppcheck: $(SECCOMP_H) | deps-sec
	@mkdir -p $(ANALYZE_DIR)
	$(call say,CPPCHECK,$(ANALYZE_SRC))
	@$(CPPCHECK) $(CPPCHECK_FLAGS) $(ANALYZE_SRC) >$(ANALYZE_DIR)/cppcheck.log 2>&1; \
		echo $$? >$(ANALYZE_DIR)/cppcheck.status

# One log per file (clang-tidy runs in parallel), then one log.
analyze-tidy: $(SECCOMP_H) | deps-sec
	@mkdir -p $(ANALYZE_DIR)/tidy
	$(call say,TIDY,$(ANALYZE_SRC))
	@$(TIDY) --list-checks --checks='$(TIDY_CHECKS)' | sed -n 's/^    //p' >$(ANALYZE_DIR)/clang-tidy.enabled
	@printf '%s\n' $(ANALYZE_SRC) | xargs -P "$$(nproc)" -I{} sh -c \
		'f=$$1; shift; "$$@" "$$f" >"$(ANALYZE_DIR)/tidy/$$(echo "$$f" | tr / _).log" 2>&1 || \
		 echo "$$f: clang-tidy exit $$?" >>"$(ANALYZE_DIR)/tidy/failed"' sh {} $(TIDY) $(TIDY_ARGS); \
	cat $(ANALYZE_DIR)/tidy/*.log >$(ANALYZE_DIR)/clang-tidy.log; \
	if [ -e $(ANALYZE_DIR)/tidy/failed ]; then cat $(ANALYZE_DIR)/tidy/failed >>$(ANALYZE_DIR)/clang-tidy.log; \
		echo 1 >$(ANALYZE_DIR)/clang-tidy.status; else echo 0 >$(ANALYZE_DIR)/clang-tidy.status; fi; \
	rm -rf $(ANALYZE_DIR)/tidy

# Moves the pin to the installed versions (then commit tests/analyze/ and
# set TIDY_PINNED / CPPCHECK_PINNED above).
analyze-pin:
	@v='$(TIDY_VERSION)'; { echo "# clang-tidy $$v: the checks make analyze gates on (TIDY_CHECKS in"; \
		echo "# tests/security.mk, as clang-tidy $$v lists them); written by make analyze-pin."; \
		$(TIDY) --list-checks --checks='$(TIDY_CHECKS)' | sed -n 's/^    //p'; } \
		>tests/analyze/clang-tidy-$$v.checks && echo "wrote tests/analyze/clang-tidy-$$v.checks"
	@v='$(CPPCHECK_VERSION)'; { echo "# cppcheck $$v: the error, warning, portability and performance ids"; \
		echo "# (cppcheck --errorlist) make analyze gates on; written by make analyze-pin."; \
		$(CPPCHECK) --errorlist | sed -n 's/.*<error id="\([^"]*\)" severity="\(error\|warning\|portability\|performance\)".*/\1/p' | sort -u; } \
		>tests/analyze/cppcheck-$$v.ids && echo "wrote tests/analyze/cppcheck-$$v.ids"
