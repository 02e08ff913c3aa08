/* evil: a shared object whose constructor leaves a marker (with the ids it
 * ran with) in $EVIL_MARKER_DIR, or /run/sandsh-test/share. The escape
 * suite offers it to the setuid sandsh through LD_PRELOAD, LD_AUDIT,
 * LD_LIBRARY_PATH and GCONV_PATH: the dynamic loader of a setuid program
 * must never load it. Not part of the product. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void evil(void)
{
	char path[256], line[128];
	int fd, n;

	snprintf(path, sizeof(path), "/run/sandsh-test/share/EVIL-%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "ruid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
	if (n > 0)
		(void)!write(fd, line, (size_t)n);
	close(fd);
}

/* LD_AUDIT needs this entry point to accept the library. */
unsigned int la_version(unsigned int v)
{
	return v;
}

/* GCONV_PATH: a gconv module's entry points. */
int gconv_init(void *step)
{
	(void)step;
	return 0;
}
void gconv_end(void *step)
{
	(void)step;
}
int gconv(void *a, void *b, void *c, void *d, void *e, int f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return 0;
}
