/* Unit tests: the reaper (src/reaper/reaper.c), the program a shell
 * session's PID 1 becomes, run as init.c starts it (signals blocked, a
 * signalfd, the command its child, SIGNALFD= and COMMAND= in the
 * environment), outside a PID namespace: its exit status, reaping, the
 * signals it passes on, and what it refuses. SANDSH_REAPER_PATH is the
 * built program; where it is not built (no system-call stub for the
 * architecture) the tests are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above first. */
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SANDSH_REAPER_PATH
#define SANDSH_REAPER_PATH ""
#endif

/* The reaper insists on SIGKILL as its parent-death signal, as init.c
 * leaves it; a test turns this off to see the refusal. */
static int with_pdeath = 1;

struct run {
	pid_t reaper;
	int out; /* the command's stdout, read end */
};

/* Starts the reaper with ENV ("SIGNALFD=%d", "COMMAND=%d" filled in when
 * they are given as such) and the command `sh -c CMD`; with OTHER, the
 * reaper also has a child of its own that exits with status 9 at once. */
static struct run start(const char *const env_in[], const char *cmd, int other)
{
	struct run r = { -1, -1 };
	int pfd[2];

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	r.reaper = fork();
	assert_true(r.reaper >= 0);
	if (r.reaper == 0) {
		char vars[4][64];
		char *envp[5] = { NULL };
		char *argv[] = { "sandsh-init", NULL };
		sigset_t set;
		pid_t c;
		int sfd;

		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0)
			_exit(89);
		if (with_pdeath && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			_exit(88);
		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sfd = signalfd(-1, &set, 0);
		if (sfd < 0)
			_exit(90);
		c = fork();
		if (c == 0) {
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			dup2(pfd[1], 1);
			close(sfd);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(91);
		}
		if (other && fork() == 0)
			_exit(9);
		for (int i = 0; env_in[i] && i < 4; i++) {
			if (strcmp(env_in[i], "SIGNALFD=%d") == 0)
				snprintf(vars[i], sizeof(vars[i]), "SIGNALFD=%d", sfd);
			else if (strcmp(env_in[i], "SIGNALFD=%null") == 0)
				snprintf(vars[i], sizeof(vars[i]), "SIGNALFD=%d", null);
			else if (strcmp(env_in[i], "COMMAND=%d") == 0)
				snprintf(vars[i], sizeof(vars[i]), "COMMAND=%d", (int)c);
			else
				snprintf(vars[i], sizeof(vars[i]), "%s", env_in[i]);
			envp[i] = vars[i];
		}
		execve(SANDSH_REAPER_PATH, argv, envp);
		_exit(92);
	}
	close(pfd[1]);
	r.out = pfd[0];
	return r;
}

/* The reaper's exit status (its exit code; 128 + signal if killed), within
 * 20 s (then it is killed: the test fails). */
static int finish(struct run *r)
{
	int ws = 0;

	for (int i = 0; i < 2000; i++) {
		pid_t p = waitpid(r->reaper, &ws, WNOHANG);
		if (p == r->reaper)
			break;
		if (i == 1999) {
			kill(r->reaper, SIGKILL);
			waitpid(r->reaper, &ws, 0);
			close(r->out);
			fail_msg("the reaper did not end within 20 s");
		}
		struct timespec t = { 0, 10 * 1000 * 1000 };
		nanosleep(&t, NULL);
	}
	close(r->out);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* Waits (10 s) for LINE on the command's stdout. */
static void expect_line(struct run *r, const char *line)
{
	char buf[128];
	size_t n = 0;
	struct pollfd p = { .fd = r->out, .events = POLLIN };

	while (n < sizeof(buf) - 1 && poll(&p, 1, 10000) == 1) {
		ssize_t k = read(r->out, buf + n, 1);
		if (k != 1)
			break;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	assert_string_equal(buf, line);
}

static const char *const good_env[] = { "SIGNALFD=%d", "COMMAND=%d", NULL };

static int built(void **state)
{
	(void)state;
	if (SANDSH_REAPER_PATH[0] == '\0' || access(SANDSH_REAPER_PATH, X_OK) != 0)
		skip();
	return 0;
}

static void exit_status_is_the_commands(void **state)
{
	struct run r;

	built(state);
	r = start(good_env, "exit 7", 0);
	assert_int_equal(finish(&r), 7);
	r = start(good_env, "true", 0);
	assert_int_equal(finish(&r), 0);
	r = start(good_env, "kill -KILL $$", 0);
	assert_int_equal(finish(&r), 137);
	r = start(good_env, "kill -USR1 $$", 0);
	assert_int_equal(finish(&r), 128 + SIGUSR1);
}

static void other_children_are_reaped_not_waited_for(void **state)
{
	struct run r;

	built(state);
	/* The other child (status 9) ends first; the reaper reaps it (one
	 * child left, within 5 s) and goes on until the command ends, with
	 * the command's status. */
	r = start(good_env, "sleep 2; exit 5", 1);
	int children = -1;
	for (int i = 0; i < 50 && children != 1; i++) {
		char path[64], list[256] = "";
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)r.reaper,
			 (int)r.reaper);
		FILE *f = fopen(path, "re");
		if (f) {
			if (!fgets(list, sizeof(list), f))
				list[0] = '\0';
			fclose(f);
		}
		children = 0;
		for (char *t = strtok(list, " \n"); t; t = strtok(NULL, " \n"))
			children++;
		if (children != 1) {
			struct timespec t = { 0, 100 * 1000 * 1000 };
			nanosleep(&t, NULL);
		}
	}
	assert_int_equal(children, 1);
	assert_int_equal(finish(&r), 5);
}

static void signals_sent_on_purpose_reach_the_command(void **state)
{
	struct run r;

	built(state);
	r = start(good_env,
		  "sleep 20 & trap 'echo got-TERM; kill $!; exit 3' TERM; echo ready; wait", 0);
	expect_line(&r, "ready");
	assert_int_equal(kill(r.reaper, SIGTERM), 0);
	expect_line(&r, "got-TERM");
	assert_int_equal(finish(&r), 3);

	r = start(good_env, "sleep 20 & trap 'echo got-HUP; kill $!' HUP; echo ready; wait; exit 4",
		  0);
	expect_line(&r, "ready");
	assert_int_equal(kill(r.reaper, SIGHUP), 0);
	expect_line(&r, "got-HUP");
	assert_int_equal(finish(&r), 4);
}

static void refuses_a_start_it_does_not_understand(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const no_cmd[] = { "SIGNALFD=%d", NULL };
	static const char *const no_fd[] = { "COMMAND=%d", NULL };
	static const char *const bad_fd[] = { "SIGNALFD=3x", "COMMAND=%d", NULL };
	static const char *const zero[] = { "SIGNALFD=%d", "COMMAND=0", NULL };
	static const char *const big[] = { "SIGNALFD=%d", "COMMAND=99999999999", NULL };
	static const char *const empty[] = { "SIGNALFD=", "COMMAND=%d", NULL };
	static const char *const prefix[] = { "SIGNALFDX=%d", "COMMAND=%d", NULL };
	static const char *const not_sfd[] = { "SIGNALFD=%null", "COMMAND=%d", NULL };
	const char *const *cases[] = { none, no_cmd, no_fd,  bad_fd, zero,
				       big,  empty,  prefix, not_sfd };
	struct run r;

	built(state);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The command would end with 0; the reaper refuses first. */
		r = start(cases[i], "sleep 0.5", 0);
		int st = finish(&r);
		if (st != 125)
			fail_msg("case %zu: status %d, want 125", i, st);
	}
	/* Without the parent-death signal the sandbox could outlive its
	 * supervisor: refused too. */
	with_pdeath = 0;
	r = start(good_env, "sleep 0.5", 0);
	with_pdeath = 1;
	assert_int_equal(finish(&r), 125);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_status_is_the_commands),
		cmocka_unit_test(other_children_are_reaped_not_waited_for),
		cmocka_unit_test(signals_sent_on_purpose_reach_the_command),
		cmocka_unit_test(refuses_a_start_it_does_not_understand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
