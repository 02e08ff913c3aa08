/* runargv: exec a program with a chosen argv and environment, for the
 * integration tests (the variables reach only the exec'd program, not the
 * launcher chain before it).
 * Usage: runargv [-e VAR=VAL]... PATH ARGV0 [ARG...]
 *            exec PATH with argv {ARGV0, ARG..., NULL}
 *        runargv [-e VAR=VAL]... --no-argv PATH
 *            exec PATH with argc == 0 (argv = {NULL})
 * The inherited environment is kept; each -e adds or replaces one
 * variable. Not part of the product. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int usage(void)
{
	fprintf(stderr, "usage: runargv [-e VAR=VAL]... PATH ARGV0 [ARG...]\n"
			"       runargv [-e VAR=VAL]... --no-argv PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	int i = 1;

	while (i + 1 < argc && !strcmp(argv[i], "-e")) {
		if (!strchr(argv[i + 1], '=') || putenv(argv[i + 1]) != 0)
			return usage();
		i += 2;
	}
	if (i + 1 < argc && !strcmp(argv[i], "--no-argv")) {
		char *empty[] = { NULL };

		if (i + 2 != argc)
			return usage();
		execve(argv[i + 1], empty, environ);
		fprintf(stderr, "runargv: %s: %s\n", argv[i + 1], strerror(errno));
		return 127;
	}
	if (i + 2 > argc)
		return usage();
	execve(argv[i], argv + i + 1, environ);
	fprintf(stderr, "runargv: %s: %s\n", argv[i], strerror(errno));
	return 127;
}
