# Benchmark (issue 8), included by the top Makefile. As root:
#   make bench        sandsh against bubblewrap, firejail, unshare+chroot,
#                     fork+exec and a minimal setuid launcher (bench/floor.c)
# Installs what it needs (scripts/deps.sh bench), runs in a private mount
# namespace like the integration tests (bench/run.sh), prints a table and
# writes $(BUILD)/bench/results.json. Scale with BENCH_RUNS, BENCH_N,
# BENCH_SEQ, BENCH_PROBE_S...; BENCH_B_BUILD=DIR measures a second build
# (bench/README.md).
.PHONY: bench

bench: all
	scripts/deps.sh bench
	BENCH_OUT=$(BUILD)/bench bench/run.sh $(BUILD)

# The latency and PSS sections on cgroup v2: sandsh against bubblewrap in
# one qemu VM booting Debian's cloud kernel (bench/vm-v2.sh; no KVM needed,
# slow under TCG: compare the ratio, not the milliseconds).
.PHONY: bench-v2
bench-v2: all
	scripts/deps.sh bench
	bench/vm-v2.sh $(BUILD)

# The field's path: the latency and PSS sections in the Debian 12 guest
# with systemd as PID 1 (placement in a transient scope through sd-bus),
# sandsh against bubblewrap, run as a case of the systemd guest runner
# (tests/vm-systemd/run.sh, bench/systemd-guest-case.sh). TCG again: the
# ratio counts. BENCH_SYSTEMD_RUNS rounds (60).
.PHONY: bench-systemd
bench-systemd: $(BUILD)/.deps-vm-systemd
	scripts/deps.sh bench
	tests/vm-systemd/run.sh $(BUILD) bench/systemd-guest-case.sh
