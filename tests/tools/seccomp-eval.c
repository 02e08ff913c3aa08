/* Runs a classic-BPF seccomp program on one system call, as the kernel
 * would on the target: for tests/packaging/test-seccomp-arch.sh, which
 * checks the program of every target of build/gen/seccomp_filter.h on the
 * build machine, whatever its architecture.
 *
 * The program is read from stdin as the header writes it, one instruction
 * "{ 0xCODE, JT, JF, 0xK }," per line. struct seccomp_data is laid out in
 * the target's byte order (-b: big endian), as the kernel hands it over.
 *
 * Usage: seccomp-eval [-b] AUDIT_ARCH NR [ARG0 ... ARG5] < program
 * Prints the action: allow, errno N, kill, trap, trace, log, user_notif. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sock_filter prog[BPF_MAXINSNS];
static unsigned char data[sizeof(struct seccomp_data)];
static bool big_endian;

static void put32(size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		data[off + (size_t)i] = (unsigned char)(v >> (big_endian ? 24 - 8 * i : 8 * i));
}

static uint32_t get32(uint32_t off)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)data[off + (uint32_t)i] << (big_endian ? 24 - 8 * i : 8 * i);
	return v;
}

static void put64(size_t off, uint64_t v)
{
	put32(off + (big_endian ? 4 : 0), (uint32_t)v);
	put32(off + (big_endian ? 0 : 4), (uint32_t)(v >> 32));
}

static int die(const char *msg, long at)
{
	fprintf(stderr, "seccomp-eval: %s (instruction %ld)\n", msg, at);
	return 2;
}

static int print_action(uint32_t ret)
{
	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW: puts("allow"); break;
	case SECCOMP_RET_ERRNO: printf("errno %u\n", ret & SECCOMP_RET_DATA); break;
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD: puts("kill"); break;
	case SECCOMP_RET_TRAP: puts("trap"); break;
	case SECCOMP_RET_TRACE: puts("trace"); break;
	case SECCOMP_RET_LOG: puts("log"); break;
	case SECCOMP_RET_USER_NOTIF: puts("user_notif"); break;
	default: printf("unknown %#x\n", ret); break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char line[256];
	long n = 0;
	uint32_t a = 0;

	if (argc > 1 && !strcmp(argv[1], "-b")) {
		big_endian = true;
		argv++;
		argc--;
	}
	if (argc < 3 || argc > 9) {
		fprintf(stderr,
			"usage: seccomp-eval [-b] AUDIT_ARCH NR [ARG0 ... ARG5] < program\n");
		return 2;
	}
	put32(offsetof(struct seccomp_data, nr), (uint32_t)strtoull(argv[2], NULL, 0));
	put32(offsetof(struct seccomp_data, arch), (uint32_t)strtoull(argv[1], NULL, 0));
	for (int i = 3; i < argc; i++)
		put64(offsetof(struct seccomp_data, args) + 8 * (size_t)(i - 3),
		      strtoull(argv[i], NULL, 0));

	while (fgets(line, sizeof(line), stdin)) {
		unsigned int code, jt, jf, k;
		if (sscanf(line, " { %x , %u , %u , %x }", &code, &jt, &jf, &k) != 4)
			continue;
		if (n == BPF_MAXINSNS)
			return die("program too long", n);
		prog[n++] = (struct sock_filter){ (uint16_t)code, (uint8_t)jt, (uint8_t)jf, k };
	}
	if (n == 0)
		return die("no instructions on stdin", 0);

	/* The instructions libseccomp emits; anything else is an error here. */
	for (long pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k % 4 || f->k + 4 > sizeof(data))
				return die("load outside seccomp_data", pc);
			a = get32(f->k);
			break;
		case BPF_ALU | BPF_AND | BPF_K: a &= f->k; break;
		case BPF_ALU | BPF_OR | BPF_K: a |= f->k; break;
		case BPF_JMP | BPF_JA: pc += f->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == f->k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > f->k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= f->k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & f->k) ? f->jt : f->jf; break;
		case BPF_RET | BPF_K: return print_action(f->k);
		default: return die("unknown opcode", pc);
		}
	}
	return die("ran off the end of the program", n);
}
