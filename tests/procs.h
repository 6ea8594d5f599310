/* procs.h: running mpcc as processes, for the suites that do (test_multi.c, test_faults.c,
 * test_cli.c): an argv builder, a process whose stdout and stderr go to files, a wait for
 * many with a time limit that kills what hangs, a free loopback port. Include after
 * <criterion/criterion.h>.
 * MPCC_TEST_VERBOSE=1 prints what every process said, for debugging. */
#ifndef MPCC_TEST_PROCS_H
#define MPCC_TEST_PROCS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { PROCS_MAX_ARGS = 600 };

static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A loopback TCP port that was free a moment ago. */
static inline uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		  getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* A whole file, NUL-terminated (the caller frees it). */
static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert(f, "cannot open %s", path);
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	for (size_t k; buf && (k = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
		len += k;
		if (cap - len - 1 == 0)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	cr_assert(buf);
	buf[len] = '\0';
	return buf;
}

/* An argv, v[0] the program. */
struct args {
	char *v[PROCS_MAX_ARGS + 1];
	int n;
};

static inline void arg(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void arg(struct args *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cr_assert(a->n < PROCS_MAX_ARGS);
	a->v[a->n++] = strdup(buf);
	a->v[a->n] = NULL;
}

static inline void args_free(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* One process: its stdout and stderr go to out_path and err_path, read back once it ended. */
struct proc {
	char name[64];
	pid_t pid;
	double t0, elapsed;
	int status; /* exit status, 128 + signal, or -1 when it hung and was killed */
	char *out, *err;
	char out_path[300], err_path[300];
};

/* Starts a's program as p (name and paths set). */
static inline void proc_start(struct proc *p, struct args *a)
{
	fflush(stdout);
	fflush(stderr);
	p->t0 = now();
	p->pid = fork();
	cr_assert(p->pid >= 0, "fork: %s", strerror(errno));
	if (p->pid == 0) {
		int fo = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(126);
		close(fo);
		close(fe);
		execv(a->v[0], a->v);
		_exit(127);
	}
}

/* Waits for every process, killing those still there after limit_s; reads what they
 * printed. */
static inline void wait_all(struct proc *p, int n, double limit_s)
{
	double start = now();
	int left = n;
	for (int i = 0; i < n; i++)
		p[i].status = -2;
	while (left > 0) {
		for (int i = 0; i < n; i++) {
			int st;
			if (p[i].status != -2 || waitpid(p[i].pid, &st, WNOHANG) != p[i].pid)
				continue;
			p[i].elapsed = now() - p[i].t0;
			p[i].status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			left--;
		}
		if (left > 0 && now() - start > limit_s) {
			for (int i = 0; i < n; i++)
				if (p[i].status == -2) {
					kill(p[i].pid, SIGKILL);
					waitpid(p[i].pid, NULL, 0);
					p[i].status = -1;
					p[i].elapsed = now() - p[i].t0;
				}
			break;
		}
		if (left > 0)
			sleep_ms(3);
	}
	for (int i = 0; i < n; i++) {
		p[i].out = slurp(p[i].out_path);
		p[i].err = slurp(p[i].err_path);
		if (getenv("MPCC_TEST_VERBOSE"))
			fprintf(stderr, "%s: exit %d after %.2f s\n%s%s", p[i].name, p[i].status,
				p[i].elapsed, p[i].out, p[i].err);
	}
}

static inline void proc_free(struct proc *p, int n)
{
	for (int i = 0; i < n; i++) {
		free(p[i].out);
		free(p[i].err);
		p[i].out = p[i].err = NULL;
	}
}

#endif
