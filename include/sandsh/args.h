/* Command line of the sandsh shell (SPEC §2). Pure. */
#ifndef SANDSH_ARGS_H
#define SANDSH_ARGS_H

#include <stdbool.h>

#include "sandsh/err.h"

enum sandsh_mode {
	SANDSH_MODE_SHELL,   /* interactive shell (login when argv[0] starts with '-') */
	SANDSH_MODE_COMMAND, /* shell -c COMMAND (from -c or SSH_ORIGINAL_COMMAND) */
	SANDSH_MODE_HELP,
	SANDSH_MODE_VERSION,
	SANDSH_MODE_CHECK,   /* root only; operand: optional FILE */
	SANDSH_MODE_EXPLAIN, /* root only; operand: USER */
	SANDSH_MODE_LIST,    /* root only */
	SANDSH_MODE_STOP,    /* root only; operand: USER or session/sandbox id */
};

struct sandsh_args {
	enum sandsh_mode mode;
	bool login;          /* argv[0] began with '-' */
	const char *command; /* MODE_COMMAND: one argv element for the inner shell */
	const char *operand; /* CHECK: FILE or NULL; EXPLAIN: USER; STOP: USER or ID */
};

/* Parses argv. ssh_original_command is the caller's SSH_ORIGINAL_COMMAND
 * (or NULL); it is used only when there is no -c. Options other than -c,
 * --help and --version are refused unless caller_is_root. Option parsing
 * stops at "--"; nothing may follow it. Usage errors set e (status 125). */
int sandsh_args_parse(int argc, char *const argv[], const char *ssh_original_command,
		      bool caller_is_root, struct sandsh_args *a, struct sandsh_err *e);

/* The inner shell's argv: {"-sh"} for a login, {"sh"} interactive,
 * {"sh", "-c", COMMAND} for a command (argv[0] = basename of shell, with a
 * leading '-' for a login). Returns a malloc'd NULL-terminated array whose
 * strings live in one block with it (free the array only), or NULL. */
char **sandsh_args_inner_argv(const struct sandsh_args *a, const char *shell);

#endif
