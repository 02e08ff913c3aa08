# The build itself, included by the top Makefile:
#   make build-check   tests/packaging/test-build.sh (a missing dependency is
#                      named and nothing installed, distribution flags win,
#                      hardening, no RPATH, -z defs) and
#                      tests/packaging/test-seccomp-arch.sh (the seccomp
#                      program for every target, cross builds, an unknown
#                      target stops the build)
.PHONY: build-check

build-check: $(SECCOMP_H) $(BUILD)/tools/seccomp-eval
	tests/packaging/test-seccomp-arch.sh $(BUILD)
	tests/packaging/test-build.sh
