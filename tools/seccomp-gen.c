/* Build-time tool: compiles sandsh's seccomp baseline (SECURITY 12) with
 * libseccomp and writes it out as a C header of BPF instructions.
 *
 * The filter does not depend on the policy, so there is nothing to decide
 * at run time: the setuid shell and the PAM module load this fixed program
 * with one seccomp(2) call instead of linking libseccomp and compiling the
 * same rules for three ABIs at every login (measured: about 1.2 ms of each
 * session start, and libseccomp's pages in every idle PID 1).
 *
 * This tool runs on the build machine, which need not be the machine the
 * package is built for. So it writes one program for every target in the
 * table below, each under the preprocessor condition that selects it, and
 * the compiler that builds sandsh picks the one for its own target (and
 * the Makefile checks right after generating that it finds one): a target
 * the table does not list, or one the build machine's libseccomp cannot
 * make a filter for, stops the build with one #error line instead of
 * refusing every session at login. Each program covers the target's ABI
 * and the others the same kernel can run (i386 and x32 beside x86-64, arm
 * beside arm64); any other ABI is killed by libseccomp's architecture check.
 *
 * Under each condition the target's own headers are asked, at compile
 * time, whether the numbers the rules were made from (libseccomp's syscall
 * table, the ioctl requests in the table below) are the ones its kernel
 * uses.
 *
 * Usage: seccomp-gen OUT.h */
#include <endian.h>
#include <errno.h>
#include <linux/filter.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Denied outright (EPERM): changing mounts or namespaces, kernel keyrings,
 * eBPF, perf, userfaultfd, io_uring (a large, often-exploited surface no
 * shell needs), kernel images and modules. */
static const char *const denied[] = {
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"mount_setattr",
	"unshare",
	"setns",
	"keyctl",
	"add_key",
	"request_key",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"acct",
	"swapon",
	"swapoff",
	"quotactl",
	"lookup_dcookie",
	"chroot",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
};

#define N_DENIED (sizeof(denied) / sizeof(denied[0]))

/* TIOCSTI and TIOCLINUX as asm-generic defines them (x86, arm, riscv,
 * s390, loongarch); powerpc and mips have their own. */
#define GENERIC_TIOCSTI 0x5412u
#define GENERIC_TIOCLINUX 0x541cu

struct target {
	/* The condition, in the target compiler's predefined macros, that
	 * selects this program. */
	const char *cond;
	/* libseccomp's names of the ABIs the program covers; the first is
	 * the target's own (checked first, and against its headers). */
	const char *abis[3];
	/* Which argument of clone(2) holds the flags: the second on s390
	 * (CONFIG_CLONE_BACKWARDS2), the first everywhere else. */
	unsigned int clone_flags_arg;
	unsigned int tiocsti, tioclinux;
	bool big_endian;
};

static const struct target targets[] = {
	{ .cond = "defined(__x86_64__) && !defined(__ILP32__)",
	  .abis = { "x86_64", "x86", "x32" },
	  .tiocsti = GENERIC_TIOCSTI,
	  .tioclinux = GENERIC_TIOCLINUX },
	{ .cond = "defined(__x86_64__) && defined(__ILP32__)",
	  .abis = { "x32", "x86_64", "x86" },
	  .tiocsti = GENERIC_TIOCSTI,
	  .tioclinux = GENERIC_TIOCLINUX },
	{ .cond = "defined(__i386__)",
	  .abis = { "x86", "x86_64", "x32" },
	  .tiocsti = GENERIC_TIOCSTI,
	  .tioclinux = GENERIC_TIOCLINUX },
	{ .cond = "defined(__aarch64__) && !defined(__ILP32__)",
	  .abis = { "aarch64", "arm" },
	  .tiocsti = GENERIC_TIOCSTI,
	  .tioclinux = GENERIC_TIOCLINUX },
	{ .cond = "defined(__arm__) && defined(__ARM_EABI__)",
	  .abis = { "arm", "aarch64" },
	  .tiocsti = GENERIC_TIOCSTI,
	  .tioclinux = GENERIC_TIOCLINUX },
	{ .cond = "defined(__riscv) && __riscv_xlen == 64",
	  .abis = { "riscv64" },
	  .tiocsti = GENERIC_TIOCSTI,
	  .tioclinux = GENERIC_TIOCLINUX },
	{ .cond = "defined(__powerpc64__)",
	  .abis = { "ppc64le" },
	  .tiocsti = 0x80017472u,
	  .tioclinux = 0x541cu },
	{ .cond = "defined(__s390x__)",
	  .abis = { "s390x", "s390" },
	  .clone_flags_arg = 1,
	  .tiocsti = GENERIC_TIOCSTI,
	  .tioclinux = GENERIC_TIOCLINUX,
	  .big_endian = true },
	{ .cond = "defined(__mips__) && _MIPS_SIM == _ABI64",
	  .abis = { "mipsel64" },
	  .tiocsti = 0x5472u,
	  .tioclinux = 0x5483u },
	{ .cond = "defined(__loongarch__) && __loongarch_grlen == 64",
	  .abis = { "loongarch64" },
	  .tiocsti = GENERIC_TIOCSTI,
	  .tioclinux = GENERIC_TIOCLINUX },
};

#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))

static int add_rules(scmp_filter_ctx ctx, const struct target *t)
{
	struct scmp_arg_cmp newuser = {
		.arg = t->clone_flags_arg,
		.op = SCMP_CMP_MASKED_EQ,
		.datum_a = CLONE_NEWUSER,
		.datum_b = CLONE_NEWUSER,
	};
	int rc;

	/* Numbers are given as the build machine's libseccomp knows them;
	 * it translates them by name for every ABI of the filter, and leaves
	 * out an ABI that does not have the call. */
	for (size_t i = 0; i < N_DENIED; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			return -ENOENT;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (rc < 0 && rc != -EDOM)
			return rc;
	}
	/* No new user namespace by clone(); clone3 hides its flags in memory,
	 * so it is answered ENOSYS and libc falls back to clone(). */
	rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, &newuser);
	if (rc < 0)
		return rc;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0 && rc != -EDOM)
		return rc;
	/* Terminal input injection; the kernel compares only the low 32 bits of
	 * the request, so must the filter. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, t->tiocsti));
	if (rc < 0)
		return rc;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, t->tioclinux));
}

static int fail(const char *what, const char *abi, int err)
{
	fprintf(stderr, "seccomp-gen: %s%s%s: %s\n", what, abi ? " for " : "", abi ? abi : "",
		strerror(err));
	return 1;
}

/* The program for one target as BPF, into *insn (malloc'd). Returns the
 * number of instructions, 0 when the build machine's libseccomp does not
 * know one of the target's ABIs, or -errno. */
static long compile(const struct target *t, struct sock_filter **insn)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	off_t size = 0;
	int rc, fd;

	if (!ctx)
		return -ENOMEM;
	/* A new filter holds the build machine's ABI: start from none, so the
	 * program is the same on any build machine and checks the target's
	 * own ABI first (and libseccomp takes the target's byte order). */
	rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	for (size_t i = 0; rc == 0 && i < 3 && t->abis[i]; i++) {
		uint32_t arch = seccomp_arch_resolve_name(t->abis[i]);
		if (arch == 0) {
			seccomp_release(ctx);
			return 0;
		}
		rc = seccomp_arch_add(ctx, arch);
	}
	/* A binary tree over the system-call numbers, not a chain of
	 * comparisons: the kernel runs the program for every number of both
	 * native ABIs when it is loaded (to cache the calls whose answer does
	 * not depend on their arguments), which for the chain cost 0.15 ms
	 * of every session's PID 1 here, for the tree 0.04. The same answers
	 * for every call (tests/packaging/test-seccomp-arch.sh). */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc == 0)
		rc = add_rules(ctx, t);
	if (rc < 0)
		goto out;
	fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = seccomp_export_bpf(ctx, fd);
	size = lseek(fd, 0, SEEK_END);
	if (rc == 0 && (size <= 0 || size % (off_t)sizeof(**insn) ||
			size / (off_t)sizeof(**insn) > BPF_MAXINSNS))
		rc = -EINVAL;
	if (rc == 0) {
		*insn = malloc((size_t)size);
		if (!*insn)
			rc = -ENOMEM;
		else if (pread(fd, *insn, (size_t)size, 0) != (ssize_t)size)
			rc = -EIO;
	}
	close(fd);
	/* libseccomp exports the program in the target's byte order, ready
	 * to load there; the header holds numbers, for the target's compiler
	 * to lay out. */
	for (off_t i = 0; rc == 0 && i < size / (off_t)sizeof(**insn); i++) {
		struct sock_filter *f = &(*insn)[i];
		f->code = t->big_endian ? be16toh(f->code) : le16toh(f->code);
		f->k = t->big_endian ? be32toh(f->k) : le32toh(f->k);
	}
out:
	seccomp_release(ctx);
	return rc < 0 ? rc : size / (off_t)sizeof(**insn);
}

/* Compile-time checks in the target's own headers: the numbers the
 * program denies are its kernel's. */
static void emit_checks(FILE *out, const struct target *t)
{
	uint32_t own = seccomp_arch_resolve_name(t->abis[0]);

	fprintf(out,
		"_Static_assert(TIOCSTI == %#x && TIOCLINUX == %#x,\n"
		"\t       \"seccomp-gen: this target's TIOCSTI/TIOCLINUX differ from tools/seccomp-gen.c's\");\n",
		t->tiocsti, t->tioclinux);
	for (size_t i = 0; i < N_DENIED; i++) {
		int nr = seccomp_syscall_resolve_name_arch(own, denied[i]);
		fprintf(out, "#ifdef __NR_%s\n", denied[i]);
		if (nr < 0)
			fprintf(out,
				"#error \"seccomp-gen: this target has %s, which libseccomp does not know for %s: the filter would not deny it\"\n",
				denied[i], t->abis[0]);
		else
			fprintf(out,
				"_Static_assert(__NR_%s == %d, \"seccomp-gen: libseccomp's number for %s on %s is not this target's\");\n",
				denied[i], nr, denied[i], t->abis[0]);
		fprintf(out, "#endif\n");
	}
}

/* The target's condition, with the byte order the program was made for. */
static void print_cond(FILE *out, const struct target *t)
{
	fprintf(out, "(%s && __BYTE_ORDER__ == __ORDER_%s_ENDIAN__)", t->cond,
		t->big_endian ? "BIG" : "LITTLE");
}

int main(int argc, char **argv)
{
	const struct scmp_version *v = seccomp_version();
	FILE *out;

	if (argc != 2) {
		fprintf(stderr, "usage: seccomp-gen OUT.h\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	if (!out)
		return fail(argv[1], NULL, errno);
	fprintf(out,
		"/* Generated by tools/seccomp-gen.c with libseccomp %u.%u.%u: do not edit.\n"
		" * One program per target; the compiler picks its own. */\n",
		v->major, v->minor, v->micro);
	/* First, before any header of the target could fail: one line for a
	 * target that has no program. */
	fprintf(out, "#if !(");
	for (size_t i = 0; i < N_TARGETS; i++) {
		fprintf(out, "%s", i ? " || \\\n      " : "");
		print_cond(out, &targets[i]);
	}
	fprintf(out,
		")\n#error \"sandsh: no seccomp filter for this target architecture (the targets are in tools/seccomp-gen.c)\"\n#endif\n");
	fprintf(out,
		"#include <linux/filter.h>\n#include <sys/ioctl.h>\n#include <sys/syscall.h>\n");

	for (size_t i = 0; i < N_TARGETS; i++) {
		const struct target *t = &targets[i];
		struct sock_filter *insn = NULL;
		long n = compile(t, &insn);

		if (n < 0)
			return fail("compile the filter", t->abis[0], (int)-n);
		fprintf(out, "\n#%s ", i ? "elif" : "if");
		print_cond(out, t);
		fprintf(out, "\n/* target: %s (abis:", t->abis[0]);
		for (size_t a = 0; a < 3 && t->abis[a]; a++)
			fprintf(out, " %s", t->abis[a]);
		fprintf(out, ") */\n");
		if (n == 0) {
			fprintf(out,
				"#error \"sandsh: libseccomp %u.%u.%u on the build machine cannot make a seccomp filter for %s\"\n",
				v->major, v->minor, v->micro, t->abis[0]);
			continue;
		}
		emit_checks(out, t);
		fprintf(out, "static const struct sock_filter sandsh_seccomp_filter[] = {\n");
		for (long k = 0; k < n; k++)
			fprintf(out, "\t{ 0x%04x, %3u, %3u, 0x%08x },\n", insn[k].code, insn[k].jt,
				insn[k].jf, insn[k].k);
		fprintf(out, "};\n");
		free(insn);
	}
	fprintf(out, "#endif\n");
	if (fclose(out) != 0)
		return fail(argv[1], NULL, errno);
	return 0;
}
