/* sandsh: the setuid-root login shell. Validates how it was started,
 * sanitizes everything inherited from the caller, reads the policy and runs
 * the session. The only file that calls exit(). */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "sandsh/args.h"
#include <arpa/inet.h>

#include "sandsh/env.h"
#include "sandsh/fs.h"
#include "sandsh/hygiene.h"
#include "sandsh/ident.h"
#include "sandsh/log.h"
#include "sandsh/policy.h"
#include "sandsh/prof.h"
#include "sandsh/registry.h"
#include "sandsh/session.h"
#include "sandsh/sshaudit.h"

#define POLICY_PATH SANDSH_SYSCONFDIR "/sandsh/sandsh.conf"

extern char **environ;

__attribute__((noreturn)) static void die(int status, const char *msg)
{
	fprintf(stderr, "sandsh: %s\n", msg);
	exit(status);
}

/* SECURITY 2: standard fds open, nothing else inherited, then the
 * process hygiene every supervisor gets. */
static void sanitize(struct sandsh_saved *saved)
{
	struct sandsh_err e = { 0 };

	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null",
				     O_RDWR | O_NOCTTY); /* lands on fd; no O_CLOEXEC: 0-2 stay */
			if (n != fd)
				_exit(SANDSH_EXIT_FAILURE);
		}
	}
	if (close_range(3, ~0U, 0) < 0)
		die(SANDSH_EXIT_FAILURE, "close inherited file descriptors: close_range failed");
	if (sandsh_hygiene(saved, &e) < 0 || sandsh_std_fds_ok(&e) < 0)
		die(SANDSH_EXIT_FAILURE, e.msg);
}

/* SECURITY 1: setuid root, not under no_new_privs, initial user namespace. */
static void check_privileges(void)
{
	char map[128] = "";
	ssize_t n;
	int fd;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		die(SANDSH_EXIT_FAILURE,
		    "invocation: refusing to run under no_new_privs (nested sandbox?)");
	if (geteuid() != 0)
		die(SANDSH_EXIT_FAILURE, "invocation: not installed setuid root");
	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		die(SANDSH_EXIT_FAILURE, "cannot read /proc/self/uid_map (is /proc mounted?)");
	n = read(fd, map, sizeof(map) - 1);
	close(fd);
	if (n <= 0)
		die(SANDSH_EXIT_FAILURE, "cannot read /proc/self/uid_map");
	map[n] = '\0';
	{
		unsigned long inside, outside, count;
		/* The kernel writes uid_map: three decimal numbers below 2^32,
		 * so %lu cannot overflow (cert-err34-c is about untrusted text). */
		/* NOLINTNEXTLINE(cert-err34-c) */
		if (sscanf(map, " %lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 ||
		    outside != 0 || count != 4294967295UL || strchr(map, '\n') != map + n - 1)
			die(SANDSH_EXIT_FAILURE,
			    "invocation: refusing to run inside a user namespace");
	}
}

/* Inside a session pam_sandsh placed, a sandsh login shell has no setuid
 * effect (the rootfs is nosuid) and nothing to nest. The decision rests on
 * kernel state a caller outside such a session cannot forge, never on the
 * environment alone: no_new_privs, a PID namespace other than the initial
 * one, and the module's holder as its PID 1. */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

static bool inside_pam_session(char **env)
{
	char comm[32] = "";
	struct stat st;
	int fd;
	ssize_t n;

	if (!sandsh_env_get(env, "SANDSH_SESSION") || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return false;
	if (stat("/proc/self/ns/pid", &st) < 0 || st.st_ino == PROC_PID_INIT_INO)
		return false;
	fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	return n > 0 && !strcmp(comm, "sandsh-holder\n");
}

/* Runs the user's shell from the sandbox's passwd, as the user would. */
__attribute__((noreturn)) static void run_nested(const struct sandsh_args *a, char **env)
{
	struct passwd pw, *res = NULL;
	struct stat self, sh;
	char buf[4096], **argv;

	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) != 0 || !res)
		die(SANDSH_EXIT_FAILURE, "nested session: user not in the sandbox's passwd");
	/* The same file under any name would exec itself forever. */
	if (!pw.pw_shell[0] || (stat("/proc/self/exe", &self) == 0 && stat(pw.pw_shell, &sh) == 0 &&
				self.st_dev == sh.st_dev && self.st_ino == sh.st_ino))
		die(SANDSH_EXIT_FAILURE, "nested session: the policy shell is sandsh itself");
	argv = sandsh_args_inner_argv(a, pw.pw_shell);
	if (!argv)
		die(SANDSH_EXIT_FAILURE, "nested session: out of memory");
	/* The service set SHELL to the login shell, sandsh: the shell that
	 * runs is the sandbox's, as in a sandsh session (SPEC 4). */
	{
		size_t i = 0;
		char *shell = NULL;
		if (asprintf(&shell, "SHELL=%s", pw.pw_shell) < 0)
			die(SANDSH_EXIT_FAILURE, "nested session: out of memory");
		while (env[i] && strncmp(env[i], "SHELL=", 6))
			i++;
		if (!env[i]) {
			char **grown = realloc(env, (i + 2) * sizeof(*env));
			if (!grown)
				die(SANDSH_EXIT_FAILURE, "nested session: out of memory");
			env = grown;
			env[i + 1] = NULL;
		}
		env[i] = shell;
	}
	execve(pw.pw_shell, argv, env);
	fprintf(stderr, "sandsh: %s: %s\n", pw.pw_shell, sandsh_strerror(errno));
	exit(errno == ENOENT || errno == ENOTDIR ? SANDSH_EXIT_NOTFOUND : SANDSH_EXIT_NOEXEC);
}

static void usage(void)
{
	printf("Usage: sandsh                 start the sandboxed shell of the policy\n"
	       "       sandsh -c COMMAND      run COMMAND with that shell, in the sandbox\n"
	       "       sandsh --help | --version\n"
	       "Root only:\n"
	       "       sandsh --check [FILE]  validate the policy (default %s)\n"
	       "       sandsh --explain USER  print USER's resolved policy and its origins\n"
	       "       sandsh --list          list active sessions\n"
	       "       sandsh --stop USER|ID  end a user's sessions and sandbox, or one by id\n"
	       "As a login shell (argv[0] starting with '-') sandsh starts a login shell;\n"
	       "with SSH_ORIGINAL_COMMAND set (sshd ForceCommand) it runs that command.\n"
	       "Exit status: the command's; 128+N for signal N; 126/127 shell not\n"
	       "executable/not found; 125 sandsh failed; 1 access denied by policy.\n",
	       POLICY_PATH);
}

/* `sshd -T` as root, with an empty environment: its output, or NULL. An
 * absolute path, no shell (SECURITY 5); only root's --check runs it. */
static char *sshd_T(void)
{
	static char *const argv[] = { "sshd", "-T", NULL };
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char *out = NULL;
	size_t len = 0, cap = 0;
	int pfd[2], st;
	pid_t pid;

	if (access("/usr/sbin/sshd", X_OK) < 0 || pipe2(pfd, O_CLOEXEC) < 0)
		return NULL;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return NULL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		execve("/usr/sbin/sshd", argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n;
		if (len + 4096 + 1 > cap) {
			char *g =
				cap < 4 * 1024 * 1024 ? realloc(out, cap ? cap * 2 : 65536) : NULL;
			if (!g)
				break;
			out = g;
			cap = cap ? cap * 2 : 65536;
		}
		n = read(pfd[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!out || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	return out;
}

/* The side doors of this host's sshd around sandsh sessions (docs/ssh.md):
 * printed with the default policy's check; they do not change its status. */
static void check_sshd(void)
{
	char *t = sshd_T();

	if (!t && access("/usr/sbin/sshd", X_OK) == 0)
		printf("ssh audit: sshd -T failed (run it as root to see why); its settings are not checked\n");
	sandsh_sshaudit(stdout, "/etc/pam.d/sshd", t);
	free(t);
}

static int do_check(const char *path, bool sshd)
{
	struct sandsh_policy_file *pf = NULL;
	struct sandsh_diags d = { 0 };

	if (sandsh_policy_load(path, &pf, &d) < 0) {
		sandsh_diags_print(stderr, &d);
		sandsh_diags_free(&d);
		return 1;
	}
	printf("%s: OK\n", path);
	sandsh_policy_file_free(pf);
	if (sshd)
		check_sshd();
	return 0;
}

static int do_explain(const char *name)
{
	struct sandsh_policy_file *pf = NULL;
	struct sandsh_diags d = { 0 };
	struct sandsh_policy p;
	struct sandsh_user u;
	struct sandsh_err e = { 0 };
	char host[256];
	int rc = 1;

	if (sandsh_ident_from_name(name, &u, &e) < 0)
		die(1, e.msg);
	if (sandsh_ident_short_hostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	if (sandsh_policy_load(POLICY_PATH, &pf, &d) < 0 ||
	    sandsh_policy_resolve(pf, &u, host, &p, &d) < 0) {
		sandsh_diags_print(stderr, &d);
		goto out;
	}
	printf("# user %s (uid %u, groups:", u.name, (unsigned)u.uid);
	for (size_t i = 0; i < u.n_gids; i++)
		printf(" %s", u.group_names[i] ? u.group_names[i] : "?");
	printf(")\n");
	sandsh_policy_explain(stdout, pf, &p);
	rc = 0;
	if (p.allow && p.sandbox) {
		int fd = sandsh_fs_open_trusted_dir(p.rootfs, &e);
		if (fd < 0) {
			fprintf(stderr, "sandsh: rootfs unsafe: %s\n", e.msg);
			rc = 1;
		} else {
			close(fd);
		}
	}
	sandsh_policy_free(&p);
out:
	sandsh_diags_free(&d);
	sandsh_policy_file_free(pf);
	sandsh_ident_free(&u);
	return rc;
}

/* The terminal on stdin, as "pts/3", or NULL. */
static const char *tty_name(char *buf, size_t len)
{
	if (!isatty(STDIN_FILENO) || ttyname_r(STDIN_FILENO, buf, len) != 0)
		return NULL;
	return strncmp(buf, "/dev/", 5) ? buf : buf + 5;
}

/* The client address sshd put in SSH_CONNECTION, if it is one. This comes
 * from the caller and is only logged, never trusted for a decision. */
static const char *from_addr(char **env, char *buf, size_t len)
{
	const char *conn = sandsh_env_get(env, "SSH_CONNECTION");
	unsigned char addr[16];
	size_t n;

	if (!conn)
		return NULL;
	n = strcspn(conn, " ");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, conn, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, addr) != 1 && inet_pton(AF_INET6, buf, addr) != 1)
		return NULL;
	return buf;
}

/* The first variable of the caller's environment that a user-controlled
 * environment could have used to run code in the shell sshd started
 * sandsh with, or NULL. The loader removes LD_* from a setuid program's
 * environment, so they are looked for in the environment the kernel was
 * given (/proc/self/environ keeps the original strings). */
static const char *unsafe_env(void)
{
	static const char *const exact[] = { "BASH_ENV=", "ENV=", "GCONV_PATH=", "GLIBC_TUNABLES=",
					     NULL };
	static char name[64];
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	const char *found = NULL;
	int fd;

	fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "an unreadable /proc/self/environ"; /* cannot tell: fail closed */
	for (;;) {
		ssize_t n;
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			grown = cap <= 64 * 1024 * 1024 ? realloc(buf, cap) : NULL;
			if (!grown) {
				found = "an environment too large to check";
				break;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			found = "an unreadable /proc/self/environ";
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	for (char *v = buf; !found && v && v < buf + len;
	     v += strnlen(v, (size_t)(buf + len - v)) + 1) {
		bool hit = !strncmp(v, "LD_", 3) || !strncmp(v, "BASH_FUNC_", 10);
		for (size_t i = 0; !hit && exact[i]; i++)
			hit = !strncmp(v, exact[i], strlen(exact[i]));
		if (hit) {
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(v, "="), v);
			found = name;
		}
	}
	free(buf);
	return found;
}

/* As an sshd ForceCommand (no arguments, not a login shell, over ssh):
 * a side door through which the user's own code runs before sandsh, or
 * may next time, or NULL. Whether this sshd uses PAM cannot be told from
 * here: a stack that reads the user's environment is refused either way
 * (fail closed; docs/ssh.md says what ForceCommand requires). */
static const char *forced_side_door(int argc, const struct sandsh_args *a, char **env)
{
	static char why[512];
	const char *v;
	char *text = NULL, *p;
	size_t len = 0;
	FILE *f;

	if (argc != 1 || a->login || !sandsh_env_get(env, "SSH_CONNECTION"))
		return NULL;
	v = unsafe_env();
	if (v) {
		snprintf(why, sizeof(why), "%s in the environment of the shell that started sandsh",
			 v);
		return why;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return "cannot audit /etc/pam.d/sshd";
	if (sandsh_sshaudit(f, "/etc/pam.d/sshd", NULL) < 0) {
		fclose(f);
		free(text);
		return "cannot audit /etc/pam.d/sshd";
	}
	fclose(f);
	/* "side door: FILE:LINE: session pam_env.so user_readenv=1: WHY" */
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char where[256];
		if (strncmp(p, "side door: ", 11) || !strstr(p, " pam_env.so user_readenv="))
			continue;
		snprintf(where, sizeof(where), "%.*s", (int)strcspn(p + 11, " "), p + 11);
		if (where[0] && where[strlen(where) - 1] == ':')
			where[strlen(where) - 1] = '\0';
		snprintf(why, sizeof(why),
			 "%s reads the user's environment (pam_env user_readenv=1)", where);
		free(text);
		return why;
	}
	free(text);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sandsh_request req;
	struct sandsh_session s;
	struct sandsh_args a;
	struct sandsh_err e = { 0 };
	char ttybuf[64], frombuf[64];
	int status, d;

	/* PwnKit: with argc == 0, argv[1] would be the environment. Nothing is
	 * opened yet, so a closed fd 2 cannot be confused with a file. */
	if (argc < 1 || !argv[0] || !argv[0][0]) {
		static const char msg[] = "sandsh: invocation: empty argument list\n";
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		return SANDSH_EXIT_FAILURE;
	}
	SANDSH_PROF("entry");
	memset(&req, 0, sizeof(req));
	sanitize(&req.saved);
	req.via = SANDSH_VIA_SHELL;
	req.uid = getuid();
	req.caller_fd = req.sock = -1;
	req.env = sandsh_env_snapshot(environ);
	if (!req.env || clearenv() != 0)
		die(SANDSH_EXIT_FAILURE, "environment: out of memory");

	if (sandsh_args_parse(argc, argv, sandsh_env_get(req.env, "SSH_ORIGINAL_COMMAND"),
			      req.uid == 0, &a, &e) < 0)
		die(SANDSH_EXIT_FAILURE, e.msg);
	if (a.mode == SANDSH_MODE_HELP) {
		usage();
		return 0;
	}
	if (a.mode == SANDSH_MODE_VERSION) {
		printf("sandsh %s\n", SANDSH_VERSION);
		return 0;
	}
	if (geteuid() != 0 && (a.mode == SANDSH_MODE_SHELL || a.mode == SANDSH_MODE_COMMAND) &&
	    inside_pam_session(req.env))
		run_nested(&a, req.env);
	check_privileges();

	switch (a.mode) {
	case SANDSH_MODE_CHECK:
		if (a.operand && a.operand[0] != '/') {
			/* Root checking a draft by a relative name; the walk from "/"
			 * still applies to every component. */
			char cwd[4096], *abs = NULL;
			if (!getcwd(cwd, sizeof(cwd)) ||
			    asprintf(&abs, "%s/%s", cwd, a.operand) < 0)
				die(SANDSH_EXIT_FAILURE, "--check: cannot resolve a relative path");
			return do_check(abs, false);
		}
		return do_check(a.operand ? a.operand : POLICY_PATH, !a.operand);
	case SANDSH_MODE_EXPLAIN: return do_explain(a.operand);
	case SANDSH_MODE_LIST: return sandsh_registry_list(stdout) < 0 ? SANDSH_EXIT_FAILURE : 0;
	case SANDSH_MODE_STOP:
		if (sandsh_registry_stop(stdout, a.operand) > 0)
			return 0;
		fprintf(stderr,
			"sandsh: --stop: no active session or sandbox of that user or id\n");
		return 1;
	default: break;
	}

	/* From here on the outer process is root in all three ids, so the user
	 * cannot signal it; it was already non-dumpable. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		die(SANDSH_EXIT_FAILURE, "cannot become root (setresuid)");

	req.args = &a;
	req.tty = tty_name(ttybuf, sizeof(ttybuf));
	req.from = from_addr(req.env, frombuf, sizeof(frombuf));
	req.side_door = forced_side_door(argc, &a, req.env);
	SANDSH_PROF("main");
	d = sandsh_session_load(&s, &req, &e);
	if (d < 0)
		die(e.status, e.msg);
	status = sandsh_session_run(&s, &e);
	if (e.status) {
		fprintf(stderr, "sandsh: %s\n", e.msg);
		if (status < 0)
			status = e.status;
	}
	return status < 0 ? SANDSH_EXIT_FAILURE : status;
}
