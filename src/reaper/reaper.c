/* What a shell session's PID 1 becomes once the command runs: a program of
 * its own, without the C library, whose whole memory is a page of code and
 * a page of stack. Until the command's execve PID 1 is a copy of the
 * supervisor (its mounts, its drop of privileges, the command's start need
 * everything sandsh is); after it, PID 1 only reaps and passes on signals,
 * and a copy of the supervisor's address space would stay mapped for the
 * session's life for nothing. init.c embeds this program (blob.S) and
 * executes it from a sealed memfd with the same duties: it is started with
 * the argument vector "sandsh-init" (what ps shows) and the environment
 *
 *	SIGNALFD=N COMMAND=PID
 *
 * (unreadable to the user: the process is not dumpable), with SIGCHLD and
 * the passed-on signals still blocked and the signalfd N reading them
 * (both inherited). It exits with the command's status when the
 * command ends (128 + signal if killed); every other child is reaped; a
 * signal sent on purpose (not by the terminal: SI_KERNEL) goes on to the
 * command. The parent-death signal (SIGKILL when the supervisor dies)
 * survives the execve (no set-user-ID, no capabilities, no credential
 * change). Any surprise ends it with sandsh's failure status, which, as
 * PID 1's exit, ends the session.
 *
 * Freestanding: kernel headers only, a system-call stub per architecture
 * (x86_64, aarch64; the Makefile embeds nothing elsewhere and PID 1 stays
 * the copy). Built -nostdlib -static-pie, with the stack protector: the
 * start-up below sets its canary from the kernel's AT_RANDOM bytes, as the
 * C library would. */
#include <asm/signal.h>
#include <asm/unistd.h>
#include <linux/prctl.h>
#include <linux/signalfd.h>
#include <linux/wait.h>

#define EXIT_FAILURE_STATUS 125 /* SANDSH_EXIT_FAILURE */
#define SI_KERNEL_CODE 0x80

#if defined(__x86_64__)
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static long sys4(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

__asm__(".text\n"
	".global _start\n"
	".type _start,@function\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call reaper_main\n"
	"	hlt\n");
#elif defined(__aarch64__)
static long sys4(long n, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
}

static long sys3(long n, long a, long b, long c)
{
	return sys4(n, a, b, c, 0);
}

__asm__(".text\n"
	".global _start\n"
	".type _start,%function\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, sp\n"
	"	and sp, x0, #-16\n"
	"	bl reaper_main\n"
	"	brk #0\n");
#else
#error "sandsh-init: no system-call stub for this architecture"
#endif

__attribute__((noreturn)) static void quit(int status)
{
	for (;;)
		sys3(__NR_exit_group, status, 0, 0);
}

/* A smashed stack ends PID 1, and so the session. (The name is the one
 * the compiler calls: reserved, and ours to define without a C library.) */
/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
__attribute__((noreturn, used, visibility("hidden"))) void __stack_chk_fail(void);
__attribute__((noreturn, used, visibility("hidden"))) void __stack_chk_fail(void)
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
{
	quit(EXIT_FAILURE_STATUS);
}

/* Where the compiler reads the canary: in a thread control block of ours,
 * at %fs:0x28 on x86_64 (its first word points to itself, as the ABI has
 * it), at tpidr_el0 + 16 on aarch64 (the Makefile asks for that there: the
 * default, a global read through the GOT, would need a relocation). */
static unsigned long tcb[8];

static void set_canary(unsigned long v)
{
	tcb[0] = (unsigned long)tcb;
#if defined(__x86_64__)
	tcb[5] = v;
	if (sys3(__NR_arch_prctl, 0x1002 /* ARCH_SET_FS */, (long)tcb, 0) < 0)
		quit(EXIT_FAILURE_STATUS);
#else
	tcb[2] = v;
	__asm__ volatile("msr tpidr_el0, %0" : : "r"(tcb) : "memory");
#endif
}

#if defined(__has_attribute) && __has_attribute(no_stack_protector)
#define NO_CANARY __attribute__((no_stack_protector))
#else
#define NO_CANARY __attribute__((optimize("no-stack-protector")))
#endif

/* The value of NAME=decimal in envp, if > 0 and an int; else -1. */
static long number(char **envp, const char *name)
{
	const char *s = 0;
	long v = 0;

	for (; *envp && !s; envp++) {
		const char *e = *envp, *n = name;
		while (*n && *e == *n)
			e++, n++;
		if (!*n && *e == '=')
			s = e + 1;
	}
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 0x7fffffffL / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v > 0 && v <= 0x7fffffffL ? v : -1;
}

static int status_of(int ws)
{
	if ((ws & 0x7f) == 0)
		return (ws >> 8) & 0xff; /* exited */
	if ((ws & 0x7f) != 0x7f)
		return 128 + (ws & 0x7f); /* killed */
	return EXIT_FAILURE_STATUS;
}

__attribute__((noreturn, noinline)) static void run(char **envp)
{
	static const char name[] = "sandsh-init";
	long sfd, child;

	int pdeath = 0;

	/* The parent-death signal must have survived the exec (it would not
	 * have, had the exec been a secure one, an LSM's transition, say):
	 * without it the sandbox could outlive its supervisor. */
	if (sys3(__NR_prctl, PR_GET_PDEATHSIG, (long)&pdeath, 0) < 0 || pdeath != SIGKILL)
		quit(EXIT_FAILURE_STATUS);
	/* execveat(fd, "") names the process after the fd's number. */
	(void)sys3(__NR_prctl, PR_SET_NAME, (long)name, 0);
	if ((sfd = number(envp, "SIGNALFD")) < 0 || (child = number(envp, "COMMAND")) < 0)
		quit(EXIT_FAILURE_STATUS);

	for (;;) {
		static struct signalfd_siginfo si; /* static: no memset to zero it */
		long n = sys3(__NR_read, sfd, (long)&si, sizeof(si));

		if (n == -4 /* EINTR */)
			continue;
		if (n != (long)sizeof(si))
			quit(EXIT_FAILURE_STATUS);
		if (si.ssi_signo == SIGCHLD) {
			int ws = 0;
			long pid;
			while ((pid = sys4(__NR_wait4, -1, (long)&ws, WNOHANG, 0)) > 0)
				if (pid == child)
					quit(status_of(ws));
			continue;
		}
		if (si.ssi_code == SI_KERNEL_CODE)
			continue;
		(void)sys3(__NR_kill, child, (long)si.ssi_signo, 0);
	}
}

/* The entry from _start: SP points to argc, argv, NULL, envp, NULL, auxv.
 * No canary yet, so none checked here. */
__attribute__((noreturn, used)) void reaper_main(long *sp);

NO_CANARY __attribute__((noreturn, used)) void reaper_main(long *sp)
{
	long argc = sp[0];
	char **envp = (char **)(sp + 1 + argc + 1);
	unsigned long *aux, canary = 0;
	char **e = envp;

	/* First: not the user's to trace. The memfd is not readable, so the
	 * exec already made this process not dumpable (init.c runs it only
	 * where fs.suid_dumpable is 0 or 2); this says it again. */
	if (sys3(__NR_prctl, PR_SET_DUMPABLE, 0, 0) < 0)
		quit(EXIT_FAILURE_STATUS);
	while (*e)
		e++;
	for (aux = (unsigned long *)(e + 1); aux[0] != 0; aux += 2)
		if (aux[0] == 25 /* AT_RANDOM: 16 random bytes */)
			canary = *(const unsigned long *)aux[1];
	if (canary == 0)
		quit(EXIT_FAILURE_STATUS);
	/* A zero byte first, as the C library does: a string overflow cannot
	 * write the canary back. */
	set_canary(canary & ~0xffUL);
	run(envp);
}
