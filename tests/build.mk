# The build itself, included by the top Makefile:
#   make format-check  clang-format --dry-run -Werror over the C sources
#   make format        rewrites them in the .clang-format style
#   make build-check   tests/packaging/test-build.sh (a missing dependency is
#                      named and nothing installed, distribution flags win,
#                      hardening, no RPATH, -z defs) and
#                      tests/packaging/test-seccomp-arch.sh (the seccomp
#                      program for every target, cross builds, an unknown
#                      target stops the build)
# .clang-format follows clang-format 14's options; another version breaks
# lines differently, so clang-format-14 is used where it is installed
# (`make deps` installs it: Debian 12's clang-format, a package of its own
# on Ubuntu 24.04, whose clang-format is 18).
CLANG_FORMAT ?= $(or $(shell command -v clang-format-14 2>/dev/null),clang-format)
FORMAT_SRC   := $(wildcard src/*.c src/*.h src/reaper/*.c pam/*.c include/sandsh/*.h tools/*.c \
                  tests/unit/*.c tests/tools/*.c bench/*.c bench/*.h)

.PHONY: format format-check build-check

format-check:
	@$(CLANG_FORMAT) --version
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_SRC)

format:
	$(CLANG_FORMAT) -i $(FORMAT_SRC)

build-check: $(SECCOMP_H) $(BUILD)/tools/seccomp-eval
	tests/packaging/test-seccomp-arch.sh $(BUILD)
	tests/packaging/test-build.sh
