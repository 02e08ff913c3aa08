/* The policy: sandsh.conf parsed with libconfig, validated statically, then
 * merged and expanded for one user. Pure (no privilege, no file system)
 * except sandsh_policy_load(), which reads the file as euid 0 in the outer
 * process. The only file that includes <libconfig.h>. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libconfig.h>

#include "sandsh/fs.h"
#include "sandsh/policy.h"

#define PIDS_MAX_LIMIT 4194304
#define CPU_PCT_LIMIT 100000
#define TIMEOUT_LIMIT 31536000
#define SESSIONS_LIMIT INT_MAX
#define SIZE_MIN_BYTES (1024 * 1024)
#define DIAG_PATH 512

/* ---------------------------------------------------------------- types */

/* Value kinds of the section keys. */
enum kind {
	KIND_BOOL,
	KIND_PATH,     /* template, absolute path after expansion */
	KIND_HOSTNAME, /* template, valid hostname after expansion */
	KIND_PIDS,
	KIND_SIZE, /* memory_max */
	KIND_CPU,
	KIND_SESSIONS,
	KIND_TIMEOUT,
	KIND_LINGER,
	KIND_NET,
	KIND_MOUNTS,
	KIND_ENV,
	KIND_ENV_KEEP,
	KIND_PASSWD,
};

static const struct {
	const char *name;
	enum kind kind;
} keys[SANDSH_K__COUNT] = {
	[SANDSH_K_ALLOW] = { "allow", KIND_BOOL },
	[SANDSH_K_SANDBOX] = { "sandbox", KIND_BOOL },
	[SANDSH_K_ROOTFS] = { "rootfs", KIND_PATH },
	[SANDSH_K_READONLY_ROOT] = { "readonly_root", KIND_BOOL },
	[SANDSH_K_HOSTNAME] = { "hostname", KIND_HOSTNAME },
	[SANDSH_K_SHELL] = { "shell", KIND_PATH },
	[SANDSH_K_HOME] = { "home", KIND_PATH },
	[SANDSH_K_PIDS_MAX] = { "pids_max", KIND_PIDS },
	[SANDSH_K_MEMORY_MAX] = { "memory_max", KIND_SIZE },
	[SANDSH_K_CPU_MAX] = { "cpu_max", KIND_CPU },
	[SANDSH_K_MAX_SESSIONS] = { "max_sessions", KIND_SESSIONS },
	[SANDSH_K_TIMEOUT] = { "timeout", KIND_TIMEOUT },
	[SANDSH_K_NET] = { "net", KIND_NET },
	[SANDSH_K_IPC] = { "ipc", KIND_BOOL },
	[SANDSH_K_MOUNTS] = { "mounts", KIND_MOUNTS },
	[SANDSH_K_ENV] = { "env", KIND_ENV },
	[SANDSH_K_ENV_KEEP] = { "env_keep", KIND_ENV_KEEP },
	[SANDSH_K_PASSWD] = { "passwd", KIND_PASSWD },
	[SANDSH_K_SECCOMP] = { "seccomp", KIND_BOOL },
	[SANDSH_K_PERSIST] = { "persist", KIND_BOOL },
	[SANDSH_K_LINGER] = { "linger", KIND_LINGER },
};

/* A mount entry as written: source and target are unexpanded templates. */
struct tmount {
	enum sandsh_mount_type type;
	char *source;
	char *target;
	bool readonly;
	uint64_t size;
	int source_line, target_line;
};

/* An env variable as written: value is an unexpanded template. */
struct tenv {
	char *name;
	char *value;
	int line;
};

/* One section (defaults, groups.<name>, users.<name>) as written. */
struct section {
	char origin[sizeof(((struct sandsh_origin *)0)->section)];
	char *name; /* group or user name; NULL for defaults */
	bool has[SANDSH_K__COUNT];
	int line[SANDSH_K__COUNT];
	bool b[SANDSH_K__COUNT];      /* bool keys */
	char *s[SANDSH_K__COUNT];     /* template keys */
	long long n[SANDSH_K__COUNT]; /* integer keys; memory_max; cpu_max */
	enum sandsh_net net;
	enum sandsh_passwd passwd;
	struct tmount *mounts;
	size_t n_mounts;
	struct tenv *env;
	size_t n_env;
	char **env_keep;
	size_t n_env_keep;
};

struct sandsh_policy_file {
	char *path;
	struct sandsh_settings settings;
	struct section *defaults; /* NULL when absent */
	struct section *groups;   /* file order */
	size_t n_groups;
	struct section *users;
	size_t n_users;
};

/* An integer literal libconfig 1.5 would silently truncate or saturate. */
struct badint {
	int line;
	bool hint_l; /* fits in 64 bits: an L suffix would fix it */
};

struct pctx {
	const char *file;
	struct sandsh_diags *d;
	unsigned errors;
	bool oom_reported;
	struct badint *bad;
	size_t n_bad;
};

/* ---------------------------------------------------------------- diags */

static int diag_vadd(struct sandsh_diags *d, const char *file, int line, const char *fmt,
		     va_list ap) __attribute__((format(printf, 4, 0)));

static int diag_vadd(struct sandsh_diags *d, const char *file, int line, const char *fmt,
		     va_list ap)
{
	struct sandsh_diag *nv;
	char *msg = NULL, *f;

	if (!d)
		return -1;
	if (vasprintf(&msg, fmt, ap) < 0)
		return -1;
	f = strdup(file ? file : "");
	nv = realloc(d->v, (d->n + 1) * sizeof(*nv));
	if (!f || !nv) {
		free(msg);
		free(f);
		if (nv)
			d->v = nv;
		return -1;
	}
	d->v = nv;
	d->v[d->n].file = f;
	d->v[d->n].line = line;
	d->v[d->n].msg = msg;
	d->n++;
	return 0;
}

static int diag_add(struct sandsh_diags *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int diag_add(struct sandsh_diags *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = diag_vadd(d, file, line, fmt, ap);
	va_end(ap);
	return rc;
}

void sandsh_diags_free(struct sandsh_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

void sandsh_diags_print(FILE *out, const struct sandsh_diags *d)
{
	if (!out || !d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].line > 0)
			fprintf(out, "%s:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].msg);
		else
			fprintf(out, "%s: %s\n", d->v[i].file, d->v[i].msg);
	}
}

static void perr(struct pctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct pctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	c->errors++;
	va_start(ap, fmt);
	diag_vadd(c->d, c->file, line, fmt, ap);
	va_end(ap);
}

static void poom(struct pctx *c)
{
	if (!c->oom_reported)
		perr(c, 0, "out of memory");
	c->oom_reported = true;
	c->errors++;
}

static char *pstrdup(struct pctx *c, const char *s)
{
	char *r = strdup(s);
	if (!r)
		poom(c);
	return r;
}

static void pathf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf for diagnostic paths: a path too long for buf is cut short. */
static void pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ strings */

/* libconfig-style escaped copy of s (without quotes): \" \\ \n \r \t \f
 * and \xNN for other control characters. NULL on allocation failure. */
static char *escape(const char *s)
{
	size_t len = strlen(s);
	char *out, *o;

	if (len > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(len * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			*o++ = '\\';
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			*o++ = '\\';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\f':
			*o++ = '\\';
			*o++ = 'f';
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				o += snprintf(o, 5, "\\x%02x", *p);
			else
				*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}

static bool has_ctrl(const char *s, bool allow_tab)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(allow_tab && *p == '\t')) || *p == 0x7f)
			return true;
	return false;
}

static bool is_alpha(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alnum(int ch)
{
	return is_alpha(ch) || is_digit(ch);
}

/* [A-Za-z_][A-Za-z0-9_]* over s[0..len). */
static bool var_name_valid_n(const char *s, size_t len)
{
	if (len == 0 || !(is_alpha(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(is_alnum(s[i]) || s[i] == '_'))
			return false;
	return true;
}

static bool env_reserved(const char *name)
{
	return !strcmp(name, "HOME") || !strcmp(name, "USER") || !strcmp(name, "LOGNAME") ||
	       !strcmp(name, "SHELL");
}

/* Why tmpl is not a valid template (NULL if it is); buf holds the text. */
static const char *template_problem(const char *tmpl, char *buf, size_t len)
{
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (!*p)
			return "trailing %";
		if (!strchr("uUgHh%", *p)) {
			unsigned char ch = (unsigned char)*p;
			if (ch < 0x20 || ch >= 0x7f)
				snprintf(buf, len, "unknown expansion %%\\x%02x", ch);
			else
				snprintf(buf, len, "unknown expansion %%%c", ch);
			return buf;
		}
	}
	return NULL;
}

/* Why p is not a clean absolute path (NULL if it is). With tmpl, p is a
 * template and may also start with "%H" (the absolute passwd home). */
static const char *path_problem(const char *p, bool tmpl)
{
	size_t len = strlen(p);
	const char *c;

	if (has_ctrl(p, false))
		return "contains a control character";
	if (p[0] != '/' && !(tmpl && !strncmp(p, "%H", 2)))
		return "is not an absolute path";
	if (len >= PATH_MAX)
		return "is too long";
	if (!strcmp(p, "/") || !strcmp(p, "%H"))
		return NULL;
	c = p[0] == '/' ? p + 1 : p + 2; /* "%H/x": start at the '/' */
	if (*c == '/' && c == p + 2)
		c++;
	for (;; c++) {
		const char *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);
		if (n == 0)
			return "has an empty component (\"//\" or a trailing \"/\")";
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return "has a \".\" or \"..\" component";
		if (!*e)
			return NULL;
		c = e;
	}
}

/* Mount targets sandsh manages itself (or that would hide the rootfs). */
static const char *target_problem(const char *t)
{
	static const char *const managed[] = { "/proc", "/dev" };

	if (!strcmp(t, "/"))
		return "must not be \"/\"";
	for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++) {
		size_t n = strlen(managed[i]);
		if (!strncmp(t, managed[i], n) && (t[n] == '\0' || t[n] == '/'))
			return "must not be /proc, /dev or below them (set up by sandsh)";
	}
	return NULL;
}

bool sandsh_policy_hostname_valid(const char *name)
{
	size_t len, label = 0;

	if (!name)
		return false;
	len = strlen(name);
	if (len < 1 || len > 64)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char ch = name[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || name[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(is_alnum(ch) || ch == '-'))
			return false;
		if (label == 0 && ch == '-')
			return false;
		label++;
	}
	return true;
}

int64_t sandsh_policy_parse_size(const char *s)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (!s || !is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0': break;
	case 'K':
	case 'k':
		mult = 1ULL << 10;
		p++;
		break;
	case 'M':
	case 'm':
		mult = 1ULL << 20;
		p++;
		break;
	case 'G':
	case 'g':
		mult = 1ULL << 30;
		p++;
		break;
	case 'T':
	case 't':
		mult = 1ULL << 40;
		p++;
		break;
	default: return -1;
	}
	if (*p != '\0')
		return -1;
	if (v > (uint64_t)INT64_MAX / mult)
		return -1;
	return (int64_t)(v * mult);
}

/* "N%" (1..CPU_PCT_LIMIT) or "max" (-1); 0 if bad. */
static int parse_cpu(const char *s)
{
	long v = 0;
	const char *p = s;

	if (!strcmp(s, "max"))
		return -1;
	if (!is_digit(*p))
		return 0;
	for (; is_digit(*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > CPU_PCT_LIMIT)
			return 0;
	}
	if (strcmp(p, "%") || v < 1)
		return 0;
	return (int)v;
}

/* ------------------------------------------------------------ expansion */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *np;
		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *sandsh_policy_expand(const char *tmpl, const struct sandsh_user *u, const char *host,
			   char *err, size_t errlen)
{
	struct sbuf b = { 0 };
	char num[32], tmp[64], pbuf[64];
	const char *problem;

	if (!err || !errlen) {
		err = tmp;
		errlen = sizeof(tmp);
	}
	err[0] = '\0';
	if (!tmpl || !u) {
		snprintf(err, errlen, "nothing to expand");
		return NULL;
	}
	problem = template_problem(tmpl, pbuf, sizeof(pbuf));
	if (problem) {
		snprintf(err, errlen, "%s", problem);
		return NULL;
	}
	sb_add(&b, "", 0);
	for (const char *p = tmpl; *p; p++) {
		const char *v;
		if (*p != '%') {
			const char *e = strchrnul(p, '%');
			sb_add(&b, p, (size_t)(e - p));
			p = e - 1;
			continue;
		}
		p++;
		switch (*p) {
		case 'u': v = u->name; break;
		case 'U':
			snprintf(num, sizeof(num), "%ju", (uintmax_t)u->uid);
			v = num;
			break;
		case 'g': v = u->group; break;
		case 'H': v = u->home; break;
		case 'h': v = host; break;
		default: v = "%"; break;
		}
		if (!v) {
			snprintf(err, errlen, "%%%c: no value for this user", *p);
			free(b.p);
			return NULL;
		}
		sb_add(&b, v, strlen(v));
	}
	if (b.oom) {
		snprintf(err, errlen, "%s", sandsh_strerror(ENOMEM));
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* --------------------------------------------------- integer literals */

/* libconfig 1.5 truncates integer literals to 32 bits without a word (and
 * saturates L literals), so "memory_max = 5368709120" would read as 1G.
 * This scans the text as libconfig's lexer does and records the lines of
 * literals whose value would not survive; any integer read from such a
 * line is refused. */
/* Whether s[0..n) is an integer literal libconfig 1.5 would not keep:
 * decimal beyond 32 bits (64 with L), hex beyond 0xffffffff (64 bits with
 * L). *hint: an L suffix would keep it. Floats and the like are not. */
static bool int_literal_bad(const char *s, size_t n, bool *hint)
{
	unsigned long long v = 0, limit, base = 10;
	bool neg = false, is_long = false, overflow = false;
	size_t i = 0;

	*hint = false;
	while (n && s[n - 1] == 'L') {
		n--;
		is_long = true;
	}
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == 0 && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i >= n)
		return false;
	for (; i < n; i++) {
		unsigned d;
		if (is_digit(s[i]))
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return false; /* not an integer literal */
		if (v > (ULLONG_MAX - d) / base)
			overflow = true;
		else
			v = v * base + d;
	}
	if (base == 16)
		limit = is_long ? ULLONG_MAX : 0xffffffffULL;
	else if (is_long)
		limit = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	else
		limit = neg ? (unsigned long long)INT_MAX + 1 : (unsigned long long)INT_MAX;
	if (!overflow && v <= limit)
		return false;
	*hint = !is_long && !overflow &&
		v <= (base == 16 || !neg ? (unsigned long long)LLONG_MAX
					 : (unsigned long long)LLONG_MAX + 1);
	return true;
}

static int scan_int_literals(struct pctx *c, const char *text)
{
	const char *p = text;
	int line = 1;

	while (*p) {
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					line++;
			if (*p)
				p += 2;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (*p == '\n')
					line++;
			}
			if (*p)
				p++;
		} else if (is_alpha(*p) || *p == '*') {
			while (is_alnum(*p) || *p == '-' || *p == '_' || *p == '*')
				p++;
		} else if (is_digit(*p) || ((*p == '-' || *p == '+') && is_digit(p[1]))) {
			const char *start = p++;
			bool hint;
			while (is_alnum(*p) || *p == '.' ||
			       ((*p == '-' || *p == '+') && (p[-1] == 'e' || p[-1] == 'E')))
				p++;
			if (int_literal_bad(start, (size_t)(p - start), &hint)) {
				struct badint *nb = realloc(c->bad, (c->n_bad + 1) * sizeof(*nb));
				if (!nb) {
					poom(c);
					return -1;
				}
				c->bad = nb;
				c->bad[c->n_bad].line = line;
				c->bad[c->n_bad].hint_l = hint;
				c->n_bad++;
			}
		} else {
			p++;
		}
	}
	return 0;
}

/* ------------------------------------------------------ typed getters */

static int sline(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

static int get_bool(struct pctx *c, const config_setting_t *s, const char *path, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		perr(c, sline(s), "%s: must be a boolean", path);
		return -1;
	}
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

static int get_string(struct pctx *c, const config_setting_t *s, const char *path, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		perr(c, sline(s), "%s: must be a string", path);
		return -1;
	}
	*out = config_setting_get_string(s);
	return *out ? 0 : -1;
}

static bool is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	       config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* Integer value of s (int or int64); refuses literals libconfig mangled. */
static int int_value(struct pctx *c, const config_setting_t *s, const char *path, long long *out)
{
	for (size_t i = 0; i < c->n_bad; i++) {
		if (c->bad[i].line == sline(s)) {
			perr(c, sline(s), "%s: integer out of range%s", path,
			     c->bad[i].hint_l ? " (write 64-bit values with an L suffix)" : "");
			return -1;
		}
	}
	*out = config_setting_get_int64(s);
	return 0;
}

static int get_int_range(struct pctx *c, const config_setting_t *s, const char *path, long long lo,
			 long long hi, long long *out)
{
	long long v;

	if (!is_int(s)) {
		perr(c, sline(s), "%s: must be an integer", path);
		return -1;
	}
	if (int_value(c, s, path, &v) < 0)
		return -1;
	if (v < lo || v > hi) {
		perr(c, sline(s), "%s: must be between %lld and %lld", path, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* A size: a string such as "512M" or an integer (bytes), at least 1M. With
 * allow_max, "max" gives -1. */
static int get_size(struct pctx *c, const config_setting_t *s, const char *path, bool allow_max,
		    long long *out)
{
	long long v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *str = config_setting_get_string(s);
		if (allow_max && !strcmp(str, "max")) {
			*out = -1;
			return 0;
		}
		v = sandsh_policy_parse_size(str);
		if (v < 0) {
			perr(c, sline(s), "%s: must be a size such as \"512M\"%s", path,
			     allow_max ? " or \"max\"" : "");
			return -1;
		}
	} else if (is_int(s)) {
		if (int_value(c, s, path, &v) < 0)
			return -1;
	} else {
		perr(c, sline(s), "%s: must be a string or an integer", path);
		return -1;
	}
	if (v < SIZE_MIN_BYTES) {
		perr(c, sline(s), "%s: must be at least 1M (%d bytes)", path, SIZE_MIN_BYTES);
		return -1;
	}
	*out = v;
	return 0;
}

/* Reports value's first problem as "<path>: \"<value>\" <problem>". */
static void value_err(struct pctx *c, int line, const char *path, const char *value,
		      const char *problem)
{
	char *esc = escape(value);

	if (!esc) {
		poom(c);
		return;
	}
	perr(c, line, "%s: \"%s\" %s", path, esc, problem);
	free(esc);
}

enum tmpl_kind { T_PATH, T_TARGET, T_HOSTNAME, T_ENV };

/* Static check of a template string; returns a copy or NULL (diag added). */
static char *get_template(struct pctx *c, const config_setting_t *s, const char *path,
			  enum tmpl_kind tk)
{
	const char *str, *problem;
	char buf[64];

	if (get_string(c, s, path, &str) < 0)
		return NULL;
	problem = template_problem(str, buf, sizeof(buf));
	if (problem) {
		perr(c, sline(s), "%s: %s", path, problem);
		return NULL;
	}
	switch (tk) {
	case T_TARGET:
		problem = path_problem(str, true);
		if (!problem)
			problem = target_problem(str);
		break;
	case T_PATH: problem = path_problem(str, true); break;
	case T_HOSTNAME:
		if (has_ctrl(str, false))
			problem = "contains a control character";
		else if (!strchr(str, '%') && !sandsh_policy_hostname_valid(str))
			problem = "is not a valid hostname";
		break;
	case T_ENV:
		if (has_ctrl(str, true))
			problem = "contains a control character";
		break;
	}
	if (problem) {
		value_err(c, sline(s), path, str, problem);
		return NULL;
	}
	return pstrdup(c, str);
}

static int pick(struct pctx *c, const config_setting_t *s, const char *path,
		const char *const *words, size_t n, const char *expect)
{
	const char *str;

	if (get_string(c, s, path, &str) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(str, words[i]))
			return (int)i;
	perr(c, sline(s), "%s: must be %s", path, expect);
	return -1;
}

/* ------------------------------------------------------------ sections */

static void section_free(struct section *sec)
{
	if (!sec)
		return;
	free(sec->name);
	for (int k = 0; k < SANDSH_K__COUNT; k++)
		free(sec->s[k]);
	for (size_t i = 0; i < sec->n_mounts; i++) {
		free(sec->mounts[i].source);
		free(sec->mounts[i].target);
	}
	free(sec->mounts);
	for (size_t i = 0; i < sec->n_env; i++) {
		free(sec->env[i].name);
		free(sec->env[i].value);
	}
	free(sec->env);
	for (size_t i = 0; i < sec->n_env_keep; i++)
		free(sec->env_keep[i]);
	free(sec->env_keep);
}

static bool is_list(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_LIST ||
	       config_setting_type(s) == CONFIG_TYPE_ARRAY;
}

static const char *const mount_keys[] = { "type", "source", "target", "readonly", "size" };

static int parse_mount(struct pctx *c, const config_setting_t *g, const char *path,
		       struct tmount *m)
{
	static const char *const types[] = { "bind", "tmpfs" };
	const config_setting_t *type, *src, *tgt, *ro, *size;
	unsigned before = c->errors;
	char sub[DIAG_PATH];
	int t = -1;

	if (!config_setting_is_group(g)) {
		perr(c, sline(g), "%s: must be a group", path);
		return -1;
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
		bool known = false;
		for (size_t k = 0; k < sizeof(mount_keys) / sizeof(mount_keys[0]); k++)
			known |= !strcmp(config_setting_name(e), mount_keys[k]);
		if (!known)
			perr(c, sline(e), "%s.%s: unknown key", path, config_setting_name(e));
	}
	type = config_setting_get_member(g, "type");
	src = config_setting_get_member(g, "source");
	tgt = config_setting_get_member(g, "target");
	ro = config_setting_get_member(g, "readonly");
	size = config_setting_get_member(g, "size");

	pathf(sub, sizeof(sub), "%s.type", path);
	if (!type)
		perr(c, sline(g), "%s: required", sub);
	else
		t = pick(c, type, sub, types, 2, "\"bind\" or \"tmpfs\"");
	m->type = t == 1 ? SANDSH_MOUNT_TMPFS : SANDSH_MOUNT_BIND;

	pathf(sub, sizeof(sub), "%s.source", path);
	if (src && t == 1) {
		perr(c, sline(src), "%s: not allowed for a tmpfs mount", sub);
	} else if (src) {
		m->source = get_template(c, src, sub, T_PATH);
		m->source_line = sline(src);
	} else if (t == 0) {
		perr(c, sline(g), "%s: required for a bind mount", sub);
	}

	pathf(sub, sizeof(sub), "%s.target", path);
	if (tgt) {
		m->target = get_template(c, tgt, sub, T_TARGET);
		m->target_line = sline(tgt);
	} else {
		perr(c, sline(g), "%s: required", sub);
	}

	pathf(sub, sizeof(sub), "%s.readonly", path);
	if (ro)
		get_bool(c, ro, sub, &m->readonly);

	pathf(sub, sizeof(sub), "%s.size", path);
	m->size = t == 1 ? SANDSH_TMPFS_DEFAULT_SIZE : 0;
	if (size && t == 0) {
		perr(c, sline(size), "%s: only for tmpfs mounts", sub);
	} else if (size) {
		long long v;
		if (get_size(c, size, sub, false, &v) == 0)
			m->size = (uint64_t)v;
	}
	return c->errors == before ? 0 : -1;
}

static void parse_mounts(struct pctx *c, const config_setting_t *s, const char *path,
			 struct section *sec)
{
	char sub[DIAG_PATH];
	int n;

	if (!is_list(s)) {
		perr(c, sline(s), "%s: must be a list", path);
		return;
	}
	n = config_setting_length(s);
	sec->mounts = calloc(n > 0 ? (size_t)n : 1, sizeof(*sec->mounts));
	if (!sec->mounts) {
		poom(c);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct tmount *m = &sec->mounts[sec->n_mounts++];
		pathf(sub, sizeof(sub), "%s[%d]", path, i);
		parse_mount(c, config_setting_get_elem(s, (unsigned)i), sub, m);
		if (!m->target)
			continue;
		for (size_t j = 0; j + 1 < sec->n_mounts; j++) {
			if (sec->mounts[j].target && !strcmp(sec->mounts[j].target, m->target)) {
				pathf(sub, sizeof(sub), "%s[%d].target", path, i);
				value_err(c, m->target_line, sub, m->target,
					  "is a duplicate target");
				break;
			}
		}
	}
}

static void parse_env(struct pctx *c, const config_setting_t *s, const char *path,
		      struct section *sec)
{
	char sub[DIAG_PATH];
	int n;

	if (!config_setting_is_group(s)) {
		perr(c, sline(s), "%s: must be a group", path);
		return;
	}
	n = config_setting_length(s);
	sec->env = calloc(n > 0 ? (size_t)n : 1, sizeof(*sec->env));
	if (!sec->env) {
		poom(c);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(e);
		char *value;

		pathf(sub, sizeof(sub), "%s.%s", path, name);
		if (!var_name_valid_n(name, strlen(name))) {
			perr(c, sline(e), "%s: not a valid variable name", sub);
			continue;
		}
		if (env_reserved(name)) {
			perr(c, sline(e), "%s: is set by sandsh", sub);
			continue;
		}
		value = get_template(c, e, sub, T_ENV);
		if (!value)
			continue;
		sec->env[sec->n_env].name = pstrdup(c, name);
		sec->env[sec->n_env].value = value;
		sec->env[sec->n_env].line = sline(e);
		sec->n_env++;
	}
}

static void parse_env_keep(struct pctx *c, const config_setting_t *s, const char *path,
			   struct section *sec)
{
	char sub[DIAG_PATH];
	int n;

	if (!is_list(s)) {
		perr(c, sline(s), "%s: must be an array of strings", path);
		return;
	}
	n = config_setting_length(s);
	sec->env_keep = calloc(n > 0 ? (size_t)n : 1, sizeof(*sec->env_keep));
	if (!sec->env_keep) {
		poom(c);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *str;
		size_t len;

		pathf(sub, sizeof(sub), "%s[%d]", path, i);
		if (get_string(c, e, sub, &str) < 0)
			continue;
		len = strlen(str);
		if (len && str[len - 1] == '*')
			len--;
		if (!var_name_valid_n(str, len)) {
			value_err(c, sline(e), sub, str,
				  "is not a variable name or a prefix pattern such as \"LC_*\"");
			continue;
		}
		sec->env_keep[sec->n_env_keep] = pstrdup(c, str);
		if (sec->env_keep[sec->n_env_keep])
			sec->n_env_keep++;
	}
}

static void parse_key(struct pctx *c, const config_setting_t *s, const char *path,
		      struct section *sec, enum sandsh_key k)
{
	static const char *const nets[] = { "host", "none" };
	static const char *const passwds[] = { "generate", "rootfs" };
	unsigned before = c->errors;
	long long v;
	int i;

	switch (keys[k].kind) {
	case KIND_BOOL: get_bool(c, s, path, &sec->b[k]); break;
	case KIND_PATH: sec->s[k] = get_template(c, s, path, T_PATH); break;
	case KIND_HOSTNAME: sec->s[k] = get_template(c, s, path, T_HOSTNAME); break;
	case KIND_PIDS:
		if (get_int_range(c, s, path, 1, PIDS_MAX_LIMIT, &v) == 0)
			sec->n[k] = v;
		break;
	case KIND_SESSIONS:
		if (get_int_range(c, s, path, 1, SESSIONS_LIMIT, &v) == 0)
			sec->n[k] = v;
		break;
	case KIND_TIMEOUT:
		if (get_int_range(c, s, path, 1, TIMEOUT_LIMIT, &v) == 0)
			sec->n[k] = v;
		break;
	case KIND_LINGER:
		if (get_int_range(c, s, path, 0, TIMEOUT_LIMIT, &v) == 0)
			sec->n[k] = v;
		break;
	case KIND_SIZE:
		if (get_size(c, s, path, true, &v) == 0)
			sec->n[k] = v;
		break;
	case KIND_CPU: {
		const char *str;
		if (get_string(c, s, path, &str) < 0)
			break;
		i = parse_cpu(str);
		if (i == 0)
			perr(c, sline(s), "%s: must be \"N%%\" with N from 1 to %d, or \"max\"",
			     path, CPU_PCT_LIMIT);
		else
			sec->n[k] = i;
		break;
	}
	case KIND_NET:
		i = pick(c, s, path, nets, 2, "\"host\" or \"none\"");
		if (i >= 0)
			sec->net = i ? SANDSH_NET_NONE : SANDSH_NET_HOST;
		break;
	case KIND_PASSWD:
		i = pick(c, s, path, passwds, 2, "\"generate\" or \"rootfs\"");
		if (i >= 0)
			sec->passwd = i ? SANDSH_PASSWD_ROOTFS : SANDSH_PASSWD_GENERATE;
		break;
	case KIND_MOUNTS: parse_mounts(c, s, path, sec); break;
	case KIND_ENV: parse_env(c, s, path, sec); break;
	case KIND_ENV_KEEP: parse_env_keep(c, s, path, sec); break;
	}
	if (c->errors == before) {
		sec->has[k] = true;
		sec->line[k] = sline(s);
	}
}

/* Parses one section group into sec; origin is "defaults", "groups.x"... */
static void parse_section(struct pctx *c, const config_setting_t *g, const char *origin,
			  const char *name, struct section *sec)
{
	char path[DIAG_PATH];

	pathf(sec->origin, sizeof(sec->origin), "%s", origin);
	if (name)
		sec->name = pstrdup(c, name);
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *kn = config_setting_name(s);
		int k;

		pathf(path, sizeof(path), "%s.%s", origin, kn);
		for (k = 0; k < SANDSH_K__COUNT; k++)
			if (!strcmp(kn, keys[k].name))
				break;
		if (k == SANDSH_K__COUNT) {
			perr(c, sline(s), "%s: unknown key", path);
			continue;
		}
		parse_key(c, s, path, sec, (enum sandsh_key)k);
	}
}

/* groups = { name = { ... }; ... } and users likewise. */
static void parse_named(struct pctx *c, const config_setting_t *s, const char *what,
			struct section **out, size_t *n_out)
{
	char origin[DIAG_PATH];
	int n;

	if (!config_setting_is_group(s)) {
		perr(c, sline(s), "%s: must be a group", what);
		return;
	}
	n = config_setting_length(s);
	*out = calloc(n > 0 ? (size_t)n : 1, sizeof(**out));
	if (!*out) {
		poom(c);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		pathf(origin, sizeof(origin), "%s.%s", what, config_setting_name(g));
		if (!config_setting_is_group(g)) {
			perr(c, sline(g), "%s: must be a group", origin);
			continue;
		}
		parse_section(c, g, origin, config_setting_name(g), &(*out)[(*n_out)++]);
	}
}

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "auth", LOG_AUTH },     { "authpriv", LOG_AUTHPRIV }, { "daemon", LOG_DAEMON },
	{ "user", LOG_USER },     { "local0", LOG_LOCAL0 },     { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },     { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },     { "local7", LOG_LOCAL7 },
};

/* Why cgroup_parent is not acceptable (NULL if it is). */
static const char *cgroup_parent_problem(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (s[0] == '/')
		return "must be relative to the sandsh cgroup root (no leading \"/\")";
	for (const char *p = s; *p; p++)
		if (!(is_alnum(*p) || strchr("._/-", *p)))
			return "may only contain the characters A-Z a-z 0-9 . _ / -";
	for (const char *p = s;; p++) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return "must not have an empty, \".\" or \"..\" component";
		if (!*e)
			return NULL;
		p = e;
	}
}

static void parse_settings(struct pctx *c, const config_setting_t *g, struct sandsh_settings *st)
{
	char path[DIAG_PATH];

	if (!config_setting_is_group(g)) {
		perr(c, sline(g), "settings: must be a group");
		return;
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *kn = config_setting_name(s), *str, *problem;

		pathf(path, sizeof(path), "settings.%s", kn);
		if (!strcmp(kn, "cgroup_parent")) {
			char *copy;
			if (get_string(c, s, path, &str) < 0)
				continue;
			problem = cgroup_parent_problem(str);
			if (problem) {
				value_err(c, sline(s), path, str, problem);
				continue;
			}
			copy = pstrdup(c, str);
			if (copy) {
				free(st->cgroup_parent);
				st->cgroup_parent = copy;
			}
		} else if (!strcmp(kn, "allow_root")) {
			get_bool(c, s, path, &st->allow_root);
		} else if (!strcmp(kn, "slice_linger")) {
			long long v;
			if (get_int_range(c, s, path, 0, SANDSH_SLICE_LINGER_MAX, &v) == 0)
				st->slice_linger = (long)v;
		} else if (!strcmp(kn, "log_facility")) {
			size_t f, nf = sizeof(facilities) / sizeof(facilities[0]);
			char *copy;
			if (get_string(c, s, path, &str) < 0)
				continue;
			for (f = 0; f < nf; f++)
				if (!strcmp(str, facilities[f].name))
					break;
			if (f == nf) {
				perr(c, sline(s),
				     "%s: must be one of auth, authpriv, daemon, user, local0 to local7",
				     path);
				continue;
			}
			copy = pstrdup(c, str);
			if (copy) {
				free(st->log_facility_name);
				st->log_facility_name = copy;
				st->log_facility = facilities[f].value;
			}
		} else {
			perr(c, sline(s), "%s: unknown key", path);
		}
	}
}

/* ------------------------------------------------------------ the file */

void sandsh_policy_file_free(struct sandsh_policy_file *pf)
{
	if (!pf)
		return;
	free(pf->path);
	free(pf->settings.cgroup_parent);
	free(pf->settings.log_facility_name);
	section_free(pf->defaults);
	free(pf->defaults);
	for (size_t i = 0; i < pf->n_groups; i++)
		section_free(&pf->groups[i]);
	free(pf->groups);
	for (size_t i = 0; i < pf->n_users; i++)
		section_free(&pf->users[i]);
	free(pf->users);
	free(pf);
}

const struct sandsh_settings *sandsh_policy_settings(const struct sandsh_policy_file *pf)
{
	return pf ? &pf->settings : NULL;
}

const char *sandsh_policy_path(const struct sandsh_policy_file *pf)
{
	return pf ? pf->path : NULL;
}

/* Line number of the first "@include" directive, 0 if none. libconfig
 * would open the named file relative to the current directory, bypassing
 * the root-owned walk, so the directive is refused before parsing. */
static int find_include(const char *text)
{
	int line = 1;

	for (const char *p = text; *p; line++) {
		const char *q = p + strspn(p, " \t");
		if (!strncmp(q, "@include", 8))
			return line;
		p = strchrnul(p, '\n');
		if (*p)
			p++;
	}
	return 0;
}

static void parse_tree(struct pctx *c, const config_setting_t *root, struct sandsh_policy_file *pf)
{
	const config_setting_t *ver = config_setting_get_member(root, "version");

	if (!ver)
		perr(c, 0, "version: required");
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);

		if (!strcmp(name, "version")) {
			long long v;
			if (!is_int(s) || config_setting_get_int64(s) != 1) {
				perr(c, sline(s), "version: must be 1");
				continue;
			}
			(void)int_value(c, s, "version", &v);
		} else if (!strcmp(name, "settings")) {
			parse_settings(c, s, &pf->settings);
		} else if (!strcmp(name, "defaults")) {
			if (!config_setting_is_group(s)) {
				perr(c, sline(s), "defaults: must be a group");
				continue;
			}
			pf->defaults = calloc(1, sizeof(*pf->defaults));
			if (!pf->defaults) {
				poom(c);
				continue;
			}
			parse_section(c, s, "defaults", NULL, pf->defaults);
		} else if (!strcmp(name, "groups")) {
			parse_named(c, s, "groups", &pf->groups, &pf->n_groups);
		} else if (!strcmp(name, "users")) {
			parse_named(c, s, "users", &pf->users, &pf->n_users);
		} else {
			perr(c, sline(s), "%s: unknown setting", name);
		}
	}
}

int sandsh_policy_parse(const char *name, const char *text, struct sandsh_policy_file **out,
			struct sandsh_diags *d)
{
	struct pctx c = { .file = name ? name : "(policy)", .d = d };
	struct sandsh_policy_file *pf = NULL;
	config_t cfg;
	int line;

	if (out)
		*out = NULL;
	if (!text || !out) {
		perr(&c, 0, "no policy text");
		return -1;
	}
	line = find_include(text);
	if (line) {
		perr(&c, line, "@include is not supported");
		return -1;
	}
	pf = calloc(1, sizeof(*pf));
	if (!pf) {
		poom(&c);
		return -1;
	}
	pf->path = pstrdup(&c, c.file);
	pf->settings.cgroup_parent = pstrdup(&c, "sandsh");
	pf->settings.log_facility_name = pstrdup(&c, "authpriv");
	pf->settings.log_facility = LOG_AUTHPRIV;
	pf->settings.allow_root = false;
	pf->settings.slice_linger = SANDSH_SLICE_LINGER_DEFAULT;
	if (c.errors) {
		sandsh_policy_file_free(pf);
		return -1;
	}

	config_init(&cfg);
	/* Strict types: no int/float conversion; no include directory. */
	config_set_auto_convert(&cfg, 0);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		const char *msg = config_error_text(&cfg);
		perr(&c, config_error_line(&cfg), "%s", msg ? msg : "parse error");
		config_destroy(&cfg);
		sandsh_policy_file_free(pf);
		return -1;
	}
	if (scan_int_literals(&c, text) == 0)
		parse_tree(&c, config_root_setting(&cfg), pf);
	config_destroy(&cfg);
	free(c.bad);
	if (c.errors) {
		sandsh_policy_file_free(pf);
		return -1;
	}
	*out = pf;
	return 0;
}

int sandsh_policy_load(const char *path, struct sandsh_policy_file **out, struct sandsh_diags *d)
{
	struct sandsh_err err = { 0 };
	char *buf = NULL;
	size_t len = 0, plen;
	int rc;

	if (out)
		*out = NULL;
	if (!path) {
		diag_add(d, "(policy)", 0, "no policy path");
		return -1;
	}
	if (sandsh_fs_read_trusted(path, SANDSH_POLICY_MAX_BYTES, &buf, &len, &err) < 0) {
		const char *msg = err.msg;
		plen = strlen(path);
		/* Most fs messages start with the path, which the diag carries. */
		if (!strncmp(msg, path, plen) && !strncmp(msg + plen, ": ", 2))
			msg += plen + 2;
		diag_add(d, path, 0, "%s", msg);
		return -1;
	}
	if (strlen(buf) != len) {
		diag_add(d, path, 0, "contains a NUL byte");
		free(buf);
		return -1;
	}
	rc = sandsh_policy_parse(path, buf, out, d);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------- resolve */

const char *sandsh_policy_key_name(enum sandsh_key k)
{
	if ((int)k < 0 || k >= SANDSH_K__COUNT)
		return NULL;
	return keys[k].name;
}

/* A variable of the merged environment; pointers into pf or literals. */
struct wenv {
	const char *name, *value;
	int line;
};

/* The merged policy before expansion; strings point into pf. */
struct work {
	bool b[SANDSH_K__COUNT];
	const char *s[SANDSH_K__COUNT];
	long long n[SANDSH_K__COUNT];
	enum sandsh_net net;
	enum sandsh_passwd passwd;
	const struct tmount *mounts;
	size_t n_mounts;
	struct wenv *env;
	size_t n_env;
	char *const *env_keep;
	size_t n_env_keep;
	struct sandsh_origin origin[SANDSH_K__COUNT];
};

static const struct tmount builtin_mounts[] = {
	{ .type = SANDSH_MOUNT_TMPFS,
	  .target = (char *)"/tmp",
	  .readonly = false,
	  .size = SANDSH_TMPFS_DEFAULT_SIZE },
};
static char *const builtin_env_keep[] = {
	(char *)"TERM",           (char *)"LANG",
	(char *)"LC_*",           (char *)"TZ",
	(char *)"SSH_CONNECTION", (char *)"SSH_CLIENT",
	(char *)"SSH_TTY",        (char *)"SSH_ORIGINAL_COMMAND",
};

static void work_builtin(struct work *w)
{
	for (int k = 0; k < SANDSH_K__COUNT; k++)
		pathf(w->origin[k].section, sizeof(w->origin[k].section), "built-in");
	w->b[SANDSH_K_ALLOW] = true;
	w->b[SANDSH_K_SANDBOX] = true;
	w->b[SANDSH_K_READONLY_ROOT] = true;
	w->b[SANDSH_K_IPC] = true;
	w->b[SANDSH_K_SECCOMP] = true;
	w->s[SANDSH_K_ROOTFS] = NULL;
	w->s[SANDSH_K_HOSTNAME] = "sandsh";
	w->s[SANDSH_K_SHELL] = "/bin/sh";
	w->s[SANDSH_K_HOME] = "%H";
	w->n[SANDSH_K_PIDS_MAX] = 64;
	w->n[SANDSH_K_MEMORY_MAX] = -1;
	w->n[SANDSH_K_CPU_MAX] = 100;
	w->n[SANDSH_K_MAX_SESSIONS] = 0;
	w->n[SANDSH_K_TIMEOUT] = 0;
	w->n[SANDSH_K_LINGER] = -1;
	w->net = SANDSH_NET_HOST;
	w->passwd = SANDSH_PASSWD_GENERATE;
	w->mounts = builtin_mounts;
	w->n_mounts = sizeof(builtin_mounts) / sizeof(builtin_mounts[0]);
	w->env[0].name = "PATH";
	w->env[0].value = SANDSH_DEFAULT_PATH;
	w->env[0].line = 0;
	w->n_env = 1;
	w->env_keep = builtin_env_keep;
	w->n_env_keep = sizeof(builtin_env_keep) / sizeof(builtin_env_keep[0]);
}

static void work_apply(struct work *w, const struct section *sec)
{
	for (int k = 0; k < SANDSH_K__COUNT; k++) {
		if (!sec->has[k])
			continue;
		pathf(w->origin[k].section, sizeof(w->origin[k].section), "%s", sec->origin);
		w->origin[k].line = sec->line[k];
		switch (keys[k].kind) {
		case KIND_BOOL: w->b[k] = sec->b[k]; break;
		case KIND_PATH:
		case KIND_HOSTNAME: w->s[k] = sec->s[k]; break;
		case KIND_PIDS:
		case KIND_SIZE:
		case KIND_CPU:
		case KIND_SESSIONS:
		case KIND_TIMEOUT:
		case KIND_LINGER: w->n[k] = sec->n[k]; break;
		case KIND_NET: w->net = sec->net; break;
		case KIND_PASSWD: w->passwd = sec->passwd; break;
		case KIND_MOUNTS:
			w->mounts = sec->mounts;
			w->n_mounts = sec->n_mounts;
			break;
		case KIND_ENV:
			for (size_t i = 0; i < sec->n_env; i++) {
				size_t j;
				for (j = 0; j < w->n_env; j++)
					if (!strcmp(w->env[j].name, sec->env[i].name))
						break;
				if (j == w->n_env)
					w->n_env++;
				w->env[j].name = sec->env[i].name;
				w->env[j].value = sec->env[i].value;
				w->env[j].line = sec->env[i].line;
			}
			break;
		case KIND_ENV_KEEP:
			w->env_keep = sec->env_keep;
			w->n_env_keep = sec->n_env_keep;
			break;
		}
	}
}

static bool user_in_group(const struct sandsh_user *u, const char *group)
{
	if (!u->group_names)
		return false;
	for (size_t i = 0; i < u->n_gids; i++)
		if (u->group_names[i] && !strcmp(u->group_names[i], group))
			return true;
	return false;
}

struct rctx {
	const char *file;
	struct sandsh_diags *d;
	const struct sandsh_user *u;
	const char *host;
	unsigned errors;
};

static void rerr(struct rctx *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rerr(struct rctx *r, int line, const char *fmt, ...)
{
	va_list ap;

	r->errors++;
	va_start(ap, fmt);
	diag_vadd(r->d, r->file, line, fmt, ap);
	va_end(ap);
}

static void rvalue_err(struct rctx *r, int line, const char *what, const char *value,
		       const char *problem)
{
	char *esc = escape(value);

	if (!esc) {
		rerr(r, line, "%s: %s", what, sandsh_strerror(ENOMEM));
		return;
	}
	rerr(r, line, "%s: \"%s\" %s", what, esc, problem);
	free(esc);
}

static char *rexpand(struct rctx *r, const char *tmpl, const char *what, int line)
{
	char err[256];
	char *v = sandsh_policy_expand(tmpl, r->u, r->host, err, sizeof(err));

	if (!v)
		rerr(r, line, "%s: %s", what, err);
	return v;
}

/* Expands a path template and checks the result. */
static char *rpath(struct rctx *r, const char *tmpl, const char *what, int line, bool target)
{
	const char *problem;
	char *v = rexpand(r, tmpl, what, line);

	if (!v)
		return NULL;
	problem = path_problem(v, false);
	if (!problem && target)
		problem = target_problem(v);
	if (problem) {
		rvalue_err(r, line, what, v, problem);
		free(v);
		return NULL;
	}
	return v;
}

void sandsh_policy_free(struct sandsh_policy *p)
{
	if (!p)
		return;
	free(p->rootfs);
	free(p->hostname);
	free(p->shell);
	free(p->home);
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].source);
		free(p->mounts[i].target);
	}
	free(p->mounts);
	for (size_t i = 0; i < p->n_env; i++) {
		free(p->env[i].name);
		free(p->env[i].value);
	}
	free(p->env);
	for (size_t i = 0; i < p->n_env_keep; i++)
		free(p->env_keep[i]);
	free(p->env_keep);
	memset(p, 0, sizeof(*p));
}

static void resolve_mounts(struct rctx *r, const struct work *w, struct sandsh_policy *out)
{
	char what[64];
	int line = w->origin[SANDSH_K_MOUNTS].line;

	out->mounts = calloc(w->n_mounts ? w->n_mounts : 1, sizeof(*out->mounts));
	if (!out->mounts) {
		rerr(r, line, "mounts: %s", sandsh_strerror(ENOMEM));
		return;
	}
	for (size_t i = 0; i < w->n_mounts; i++) {
		const struct tmount *m = &w->mounts[i];
		struct sandsh_mount *o = &out->mounts[out->n_mounts++];

		o->type = m->type;
		o->readonly = m->readonly;
		o->size = m->size;
		if (m->source) {
			pathf(what, sizeof(what), "mounts[%zu].source", i);
			o->source = rpath(r, m->source, what, m->source_line, false);
		}
		pathf(what, sizeof(what), "mounts[%zu].target", i);
		o->target = rpath(r, m->target, what, m->target_line, true);
		if (!o->target)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (out->mounts[j].target && !strcmp(out->mounts[j].target, o->target)) {
				rvalue_err(r, m->target_line, what, o->target,
					   "is a duplicate target");
				break;
			}
		}
	}
}

static void resolve_env(struct rctx *r, const struct work *w, struct sandsh_policy *out)
{
	char what[DIAG_PATH];

	out->env = calloc(w->n_env ? w->n_env : 1, sizeof(*out->env));
	out->env_keep = calloc(w->n_env_keep ? w->n_env_keep : 1, sizeof(*out->env_keep));
	if (!out->env || !out->env_keep) {
		rerr(r, 0, "env: %s", sandsh_strerror(ENOMEM));
		return;
	}
	for (size_t i = 0; i < w->n_env; i++) {
		struct sandsh_envvar *o = &out->env[out->n_env];
		pathf(what, sizeof(what), "env.%s", w->env[i].name);
		o->value = rexpand(r, w->env[i].value, what, w->env[i].line);
		if (!o->value)
			continue;
		o->name = strdup(w->env[i].name);
		out->n_env++;
		if (!o->name) {
			rerr(r, w->env[i].line, "%s: %s", what, sandsh_strerror(ENOMEM));
			continue;
		}
		if (has_ctrl(o->value, true))
			rvalue_err(r, w->env[i].line, what, o->value,
				   "contains a control character");
	}
	for (size_t i = 0; i < w->n_env_keep; i++) {
		out->env_keep[i] = strdup(w->env_keep[i]);
		if (!out->env_keep[i]) {
			rerr(r, w->origin[SANDSH_K_ENV_KEEP].line, "env_keep: %s",
			     sandsh_strerror(ENOMEM));
			break;
		}
		out->n_env_keep++;
	}
}

int sandsh_policy_resolve(const struct sandsh_policy_file *pf, const struct sandsh_user *u,
			  const char *host, struct sandsh_policy *out, struct sandsh_diags *d)
{
	struct rctx r = { .d = d, .u = u, .host = host };
	struct work w = { 0 };
	size_t env_cap = 1;
	int line;

	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!pf || !u || !u->name) {
		diag_add(d, pf && pf->path ? pf->path : "(policy)", 0, "no policy or no user");
		return -1;
	}
	r.file = pf->path;

	/* Sections that apply, in merge order. */
	if (pf->defaults)
		env_cap += pf->defaults->n_env;
	for (size_t i = 0; i < pf->n_groups; i++)
		env_cap += pf->groups[i].n_env;
	for (size_t i = 0; i < pf->n_users; i++)
		env_cap += pf->users[i].n_env;
	w.env = calloc(env_cap, sizeof(*w.env));
	if (!w.env) {
		rerr(&r, 0, "%s", sandsh_strerror(ENOMEM));
		return -1;
	}
	work_builtin(&w);
	if (pf->defaults)
		work_apply(&w, pf->defaults);
	for (size_t i = 0; i < pf->n_groups; i++)
		if (user_in_group(u, pf->groups[i].name))
			work_apply(&w, &pf->groups[i]);
	for (size_t i = 0; i < pf->n_users; i++)
		if (!strcmp(pf->users[i].name, u->name))
			work_apply(&w, &pf->users[i]);

	out->allow = w.b[SANDSH_K_ALLOW];
	out->sandbox = w.b[SANDSH_K_SANDBOX];
	out->readonly_root = w.b[SANDSH_K_READONLY_ROOT];
	out->ipc = w.b[SANDSH_K_IPC];
	out->seccomp = w.b[SANDSH_K_SECCOMP];
	out->persist = w.b[SANDSH_K_PERSIST];
	out->linger = (long)w.n[SANDSH_K_LINGER];
	out->pids_max = (long)w.n[SANDSH_K_PIDS_MAX];
	out->memory_max = (int64_t)w.n[SANDSH_K_MEMORY_MAX];
	out->cpu_max_pct = (int)w.n[SANDSH_K_CPU_MAX];
	out->max_sessions = (long)w.n[SANDSH_K_MAX_SESSIONS];
	out->timeout = (long)w.n[SANDSH_K_TIMEOUT];
	out->net = w.net;
	out->passwd = w.passwd;
	memcpy(out->origin, w.origin, sizeof(out->origin));

	if (w.s[SANDSH_K_ROOTFS])
		out->rootfs = rpath(&r, w.s[SANDSH_K_ROOTFS], "rootfs",
				    w.origin[SANDSH_K_ROOTFS].line, false);
	else if (out->sandbox && out->allow) /* a refused user needs no rootfs */
		rerr(&r, w.origin[SANDSH_K_SANDBOX].line, "rootfs: required when sandbox is true");

	line = w.origin[SANDSH_K_HOSTNAME].line;
	out->hostname = rexpand(&r, w.s[SANDSH_K_HOSTNAME], "hostname", line);
	if (out->hostname && !sandsh_policy_hostname_valid(out->hostname))
		rvalue_err(&r, line, "hostname", out->hostname, "is not a valid hostname");

	out->shell = rpath(&r, w.s[SANDSH_K_SHELL], "shell", w.origin[SANDSH_K_SHELL].line, false);
	out->home = rpath(&r, w.s[SANDSH_K_HOME], "home", w.origin[SANDSH_K_HOME].line, false);
	resolve_mounts(&r, &w, out);
	resolve_env(&r, &w, out);
	free(w.env);

	if (r.errors) {
		sandsh_policy_free(out);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- explain */

static void put_string(FILE *out, const char *s)
{
	char *esc = escape(s);

	fprintf(out, "\"%s\"", esc ? esc : "?");
	free(esc);
}

/* Sizes as strings sandsh_policy_parse_size() reads back: "128M" when the
 * value is an exact multiple of a unit, else plain bytes ("1048577"). */
static void put_size(FILE *out, uint64_t v)
{
	static const char units[] = "TGMK";

	for (int i = 0; i < 4; i++) {
		uint64_t m = 1ULL << (10 * (4 - i));
		if (v && v % m == 0) {
			fprintf(out, "\"%" PRIu64 "%c\"", v / m, units[i]);
			return;
		}
	}
	fprintf(out, "\"%" PRIu64 "\"", v);
}

static void put_origin(FILE *out, const struct sandsh_policy_file *pf,
		       const struct sandsh_origin *o)
{
	if (o->line > 0)
		fprintf(out, "  # %s (%s:%d)\n", o->section, pf->path, o->line);
	else
		fprintf(out, "  # %s\n", o->section);
}

static void put_bool(FILE *out, bool b)
{
	fputs(b ? "true" : "false", out);
}

/* Output, in libconfig syntax and SPEC key order:
 *   # resolved policy from <path>
 *   settings = { cgroup_parent = "sandsh"; allow_root = false; log_facility = "authpriv";
 *                slice_linger = 10; };
 *   allow = true;  # built-in
 *   rootfs = "/srv/rootfs";  # defaults (/etc/sandsh/sandsh.conf:5)
 * An unset value (rootfs, memory_max, max_sessions, timeout) is printed
 * commented out: "# memory_max = unset;  # built-in". */
void sandsh_policy_explain(FILE *out, const struct sandsh_policy_file *pf,
			   const struct sandsh_policy *p)
{
	const struct sandsh_settings *st;

	if (!out || !pf || !p)
		return;
	st = &pf->settings;
	fprintf(out, "# resolved policy from %s\n", pf->path);
	fputs("settings = { cgroup_parent = ", out);
	put_string(out, st->cgroup_parent);
	fputs("; allow_root = ", out);
	put_bool(out, st->allow_root);
	fputs("; log_facility = ", out);
	put_string(out, st->log_facility_name);
	fprintf(out, "; slice_linger = %ld; };\n", st->slice_linger);

	for (int k = 0; k < SANDSH_K__COUNT; k++) {
		const char *name = keys[k].name;
		bool unset = false;

		switch ((enum sandsh_key)k) {
		case SANDSH_K_ROOTFS: unset = !p->rootfs; break;
		case SANDSH_K_MEMORY_MAX: unset = p->memory_max < 0; break;
		case SANDSH_K_MAX_SESSIONS: unset = p->max_sessions <= 0; break;
		case SANDSH_K_TIMEOUT: unset = p->timeout <= 0; break;
		case SANDSH_K_LINGER: unset = p->linger < 0; break;
		default: break;
		}
		if (unset) {
			fprintf(out, "# %s = unset;", name);
			put_origin(out, pf, &p->origin[k]);
			continue;
		}
		fprintf(out, "%s = ", name);
		switch ((enum sandsh_key)k) {
		case SANDSH_K_ALLOW: put_bool(out, p->allow); break;
		case SANDSH_K_SANDBOX: put_bool(out, p->sandbox); break;
		case SANDSH_K_READONLY_ROOT: put_bool(out, p->readonly_root); break;
		case SANDSH_K_IPC: put_bool(out, p->ipc); break;
		case SANDSH_K_SECCOMP: put_bool(out, p->seccomp); break;
		case SANDSH_K_PERSIST: put_bool(out, p->persist); break;
		case SANDSH_K_LINGER: fprintf(out, "%ld", p->linger); break;
		case SANDSH_K_ROOTFS: put_string(out, p->rootfs); break;
		case SANDSH_K_HOSTNAME: put_string(out, p->hostname ? p->hostname : ""); break;
		case SANDSH_K_SHELL: put_string(out, p->shell ? p->shell : ""); break;
		case SANDSH_K_HOME: put_string(out, p->home ? p->home : ""); break;
		case SANDSH_K_PIDS_MAX: fprintf(out, "%ld", p->pids_max); break;
		case SANDSH_K_MEMORY_MAX: put_size(out, (uint64_t)p->memory_max); break;
		case SANDSH_K_CPU_MAX:
			if (p->cpu_max_pct < 0)
				fputs("\"max\"", out);
			else
				fprintf(out, "\"%d%%\"", p->cpu_max_pct);
			break;
		case SANDSH_K_MAX_SESSIONS: fprintf(out, "%ld", p->max_sessions); break;
		case SANDSH_K_TIMEOUT: fprintf(out, "%ld", p->timeout); break;
		case SANDSH_K_NET:
			put_string(out, p->net == SANDSH_NET_NONE ? "none" : "host");
			break;
		case SANDSH_K_PASSWD:
			put_string(out, p->passwd == SANDSH_PASSWD_ROOTFS ? "rootfs" : "generate");
			break;
		case SANDSH_K_MOUNTS:
			fputs("(", out);
			for (size_t i = 0; i < p->n_mounts; i++) {
				const struct sandsh_mount *m = &p->mounts[i];
				fputs(i ? ", { type = " : " { type = ", out);
				put_string(out, m->type == SANDSH_MOUNT_TMPFS ? "tmpfs" : "bind");
				if (m->source) {
					fputs("; source = ", out);
					put_string(out, m->source);
				}
				fputs("; target = ", out);
				put_string(out, m->target ? m->target : "");
				if (m->type == SANDSH_MOUNT_TMPFS) {
					fputs("; size = ", out);
					put_size(out, m->size);
				}
				fputs("; readonly = ", out);
				put_bool(out, m->readonly);
				fputs("; }", out);
			}
			fputs(" )", out);
			break;
		case SANDSH_K_ENV:
			fputs("{", out);
			for (size_t i = 0; i < p->n_env; i++) {
				fprintf(out, " %s = ", p->env[i].name);
				put_string(out, p->env[i].value);
				fputs(";", out);
			}
			fputs(" }", out);
			break;
		case SANDSH_K_ENV_KEEP:
			fputs("[", out);
			for (size_t i = 0; i < p->n_env_keep; i++) {
				fputs(i ? ", " : " ", out);
				put_string(out, p->env_keep[i]);
			}
			fputs(" ]", out);
			break;
		case SANDSH_K__COUNT: break;
		}
		fputs(";", out);
		put_origin(out, pf, &p->origin[k]);
	}
}
