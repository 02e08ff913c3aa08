/* The policy: sandsh.conf (libconfig) parsed, statically validated, then
 * merged and expanded for one user. The only user of libconfig.h. Pure
 * apart from sandsh_policy_load(), which reads the file (euid 0, outer). */
#ifndef SANDSH_POLICY_H
#define SANDSH_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sandsh/err.h"
#include "sandsh/ident.h"

#define SANDSH_POLICY_MAX_BYTES (1024 * 1024)

enum sandsh_net { SANDSH_NET_HOST, SANDSH_NET_NONE };
enum sandsh_passwd { SANDSH_PASSWD_GENERATE, SANDSH_PASSWD_ROOTFS };
enum sandsh_mount_type { SANDSH_MOUNT_BIND, SANDSH_MOUNT_TMPFS };

struct sandsh_mount {
	enum sandsh_mount_type type;
	char *source;  /* bind: absolute host path; tmpfs: NULL */
	char *target;  /* absolute path inside the sandbox, never "/" */
	bool readonly; /* default false */
	uint64_t size; /* tmpfs bytes; default SANDSH_TMPFS_DEFAULT_SIZE; 0 for bind */
};
#define SANDSH_TMPFS_DEFAULT_SIZE (128ULL * 1024 * 1024)

struct sandsh_envvar {
	char *name;
	char *value;
};

/* Keys of a section, in SPEC order; also indexes sandsh_policy.origin[]. */
enum sandsh_key {
	SANDSH_K_ALLOW,
	SANDSH_K_SANDBOX,
	SANDSH_K_ROOTFS,
	SANDSH_K_READONLY_ROOT,
	SANDSH_K_HOSTNAME,
	SANDSH_K_SHELL,
	SANDSH_K_HOME,
	SANDSH_K_PIDS_MAX,
	SANDSH_K_MEMORY_MAX,
	SANDSH_K_CPU_MAX,
	SANDSH_K_MAX_SESSIONS,
	SANDSH_K_TIMEOUT,
	SANDSH_K_NET,
	SANDSH_K_IPC,
	SANDSH_K_MOUNTS,
	SANDSH_K_ENV,
	SANDSH_K_ENV_KEEP,
	SANDSH_K_PASSWD,
	SANDSH_K_SECCOMP,
	SANDSH_K_PERSIST,
	SANDSH_K_LINGER,
	SANDSH_K__COUNT
};
/* "allow", "sandbox", ... "seccomp". */
const char *sandsh_policy_key_name(enum sandsh_key k);

/* Where a resolved value came from: section is "built-in", "defaults",
 * "groups.<name>" or "users.<name>"; line is 0 for built-in. For env, the
 * origin is that of the last section that set any variable. */
struct sandsh_origin {
	char section[80];
	int line;
};

struct sandsh_settings {
	char *cgroup_parent;     /* default "sandsh"; relative, no "..", [A-Za-z0-9._-/] */
	bool allow_root;         /* default false */
	int log_facility;        /* LOG_AUTHPRIV by default */
	char *log_facility_name; /* "authpriv" */
	long slice_linger;       /* s the user's systemd slice outlives its last session; 10 */
};
#define SANDSH_SLICE_LINGER_DEFAULT 10
#define SANDSH_SLICE_LINGER_MAX 3600

/* The resolved policy of one user: merged and expanded. */
struct sandsh_policy {
	bool allow;                  /* true */
	bool sandbox;                /* true */
	char *rootfs;                /* NULL when unset; required (error) when sandbox */
	bool readonly_root;          /* true */
	char *hostname;              /* "sandsh", expanded and valid */
	char *shell;                 /* "/bin/sh", absolute */
	char *home;                  /* passwd home when unset, absolute */
	long pids_max;               /* 64 */
	int64_t memory_max;          /* bytes, -1 = unset */
	int cpu_max_pct;             /* 100; -1 = "max" (no quota) */
	long max_sessions;           /* 0 = unset */
	long timeout;                /* seconds, 0 = unset */
	enum sandsh_net net;         /* host */
	bool ipc;                    /* true */
	struct sandsh_mount *mounts; /* default: one tmpfs on /tmp */
	size_t n_mounts;
	struct sandsh_envvar *env; /* default: PATH=SANDSH_DEFAULT_PATH */
	size_t n_env;
	char **env_keep; /* names; an entry ending in '*' is a prefix pattern */
	size_t n_env_keep;
	enum sandsh_passwd passwd; /* generate */
	bool seccomp;              /* true */
	bool persist;              /* false: one sandbox per login; true: one per user, joined */
	long linger; /* persist: seconds the sandbox outlives its last login; -1 = unset */
	struct sandsh_origin origin[SANDSH_K__COUNT];
};
#define SANDSH_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* One diagnostic: "file:line: message" (line 0: no line). */
struct sandsh_diag {
	char *file;
	int line;
	char *msg;
};
struct sandsh_diags {
	struct sandsh_diag *v;
	size_t n;
};
void sandsh_diags_free(struct sandsh_diags *d);
/* Prints every diagnostic as "file:line: msg\n" (or "file: msg"). */
void sandsh_diags_print(FILE *out, const struct sandsh_diags *d);

struct sandsh_policy_file; /* opaque: the parsed, statically valid file */

/* Reads path with sandsh_fs_read_trusted() and parses it like
 * sandsh_policy_parse(). Errors opening/reading go to d too (line 0). */
int sandsh_policy_load(const char *path, struct sandsh_policy_file **out, struct sandsh_diags *d);

/* Parses text (name is used in diagnostics) and validates statically:
 * version = 1 present; only known top-level names (version, settings,
 * defaults, groups, users); known keys in settings and in every section;
 * types, ranges and syntax of every value (templates checked for valid %
 * sequences); "@include" refused. Collects every error it can into d.
 * Returns 0 and sets *out iff there is no error. */
int sandsh_policy_parse(const char *name, const char *text, struct sandsh_policy_file **out,
			struct sandsh_diags *d);
void sandsh_policy_file_free(struct sandsh_policy_file *pf);
const struct sandsh_settings *sandsh_policy_settings(const struct sandsh_policy_file *pf);
const char *sandsh_policy_path(const struct sandsh_policy_file *pf);

/* Merges built-in defaults, "defaults", each "groups" section (file order)
 * naming a group in u->group_names, then "users.<u->name>"; expands
 * templates; validates the result (rootfs required when sandbox, hostname
 * valid after expansion, paths absolute without "." / ".." components,
 * expanded values free of control characters). Pure: no file system access.
 * host is the host short name for "%h". Returns 0 or -1 with d filled. */
int sandsh_policy_resolve(const struct sandsh_policy_file *pf, const struct sandsh_user *u,
			  const char *host, struct sandsh_policy *out, struct sandsh_diags *d);
void sandsh_policy_free(struct sandsh_policy *p);

/* Prints the resolved policy, one "key = value  # section (file:line)" per
 * key, in libconfig syntax, for --explain. */
void sandsh_policy_explain(FILE *out, const struct sandsh_policy_file *pf,
			   const struct sandsh_policy *p);

/* Expands %u %U %g %H %h %% in tmpl. Returns a malloc'd string, or NULL
 * with a message in err (unknown sequence, trailing %, out of memory). */
char *sandsh_policy_expand(const char *tmpl, const struct sandsh_user *u, const char *host,
			   char *err, size_t errlen);
/* Hostname check after expansion: 1-64 chars, dot-separated labels of
 * [A-Za-z0-9-], no label empty or starting/ending with '-'. */
bool sandsh_policy_hostname_valid(const char *name);
/* "512M", "2G", "1048576" (K M G T, powers of 1024) -> bytes; -1 if bad. */
int64_t sandsh_policy_parse_size(const char *s);

#endif
