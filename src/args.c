/* Command-line parsing for the sandsh shell. Pure; runs first in main(),
 * euid 0, before any policy is read. */
#include <stdlib.h>
#include <string.h>

#include "sandsh/args.h"

/* what may be a caller's argument: it is printed as part of the one
 * stderr line, so control characters (a newline, terminal escapes) become
 * '?' and a long one is cut. */
static int usage(struct sandsh_err *e, const char *what, const char *why)
{
	size_t len = strnlen(what, 100);
	char shown[101];

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)what[i];
		shown[i] = what[i];
		if (c < 0x20 || c == 0x7f)
			shown[i] = '?';
	}
	shown[len] = '\0';
	sandsh_err_set(e, 0, "%s%s: %s (see sandsh --help)", shown, what[len] ? "..." : "", why);
	return -1;
}

static bool root_option(const char *opt)
{
	return !strcmp(opt, "--check") || !strcmp(opt, "--explain") || !strcmp(opt, "--list") ||
	       !strcmp(opt, "--stop");
}

int sandsh_args_parse(int argc, char *const argv[], const char *ssh_original_command,
		      bool caller_is_root, struct sandsh_args *a, struct sandsh_err *e)
{
	int i = 1;

	memset(a, 0, sizeof(*a));
	if (argc < 1 || !argv[0] || !argv[0][0])
		return sandsh_err_set(e, 0, "invocation: empty argument list");
	a->login = argv[0][0] == '-';
	a->mode = SANDSH_MODE_SHELL;

	if (i < argc && !strcmp(argv[i], "--")) {
		if (i + 1 < argc)
			return usage(e, argv[i + 1], "unexpected argument");
	} else if (i < argc) {
		const char *opt = argv[i];

		if (!strcmp(opt, "-c")) {
			if (i + 1 >= argc)
				return usage(e, "-c", "missing command");
			if (i + 2 < argc)
				return usage(e, argv[i + 2],
					     "unexpected argument after -c COMMAND");
			a->mode = SANDSH_MODE_COMMAND;
			a->command = argv[i + 1];
			return 0;
		}
		if (!strcmp(opt, "--help") || !strcmp(opt, "--version")) {
			if (i + 1 < argc)
				return usage(e, argv[i + 1], "unexpected argument");
			a->mode = opt[2] == 'h' ? SANDSH_MODE_HELP : SANDSH_MODE_VERSION;
			return 0;
		}
		if (root_option(opt)) {
			if (!caller_is_root)
				return usage(e, opt, "permitted to root only");
			if (!strcmp(opt, "--list")) {
				if (i + 1 < argc)
					return usage(e, argv[i + 1], "unexpected argument");
				a->mode = SANDSH_MODE_LIST;
			} else if (!strcmp(opt, "--check")) {
				if (i + 2 < argc)
					return usage(e, argv[i + 2], "unexpected argument");
				a->mode = SANDSH_MODE_CHECK;
				a->operand = i + 1 < argc ? argv[i + 1] : NULL;
			} else {
				bool stop = !strcmp(opt, "--stop");
				if (i + 1 >= argc)
					return usage(e, opt,
						     stop ? "missing user name or session id"
							  : "missing user name");
				if (i + 2 < argc)
					return usage(e, argv[i + 2], "unexpected argument");
				a->mode = stop ? SANDSH_MODE_STOP : SANDSH_MODE_EXPLAIN;
				a->operand = argv[i + 1];
			}
			return 0;
		}
		if (opt[0] == '-')
			return usage(e, opt, "unknown option");
		return usage(e, opt, "unexpected argument");
	}

	/* ForceCommand: sshd runs `usershell -c sandsh` with the client's
	 * command in SSH_ORIGINAL_COMMAND. */
	if (ssh_original_command) {
		a->mode = SANDSH_MODE_COMMAND;
		a->command = ssh_original_command;
	}
	return 0;
}

char **sandsh_args_inner_argv(const struct sandsh_args *a, const char *shell)
{
	const char *base = strrchr(shell, '/');
	size_t blen, clen = 0, n = 2, size;
	char **argv, *p;

	base = base ? base + 1 : shell;
	blen = strlen(base);
	if (a->mode == SANDSH_MODE_COMMAND) {
		clen = strlen(a->command);
		n = 4;
	}
	size = n * sizeof(char *) + blen + 2 + (a->mode == SANDSH_MODE_COMMAND ? 3 + clen + 1 : 0);
	argv = calloc(1, size);
	if (!argv)
		return NULL;
	p = (char *)(argv + n);
	argv[0] = p;
	if (a->login && a->mode == SANDSH_MODE_SHELL)
		*p++ = '-';
	memcpy(p, base, blen + 1);
	p += blen + 1;
	if (a->mode == SANDSH_MODE_COMMAND) {
		argv[1] = p;
		memcpy(p, "-c", 3);
		p += 3;
		argv[2] = p;
		memcpy(p, a->command, clen + 1);
	}
	return argv;
}
