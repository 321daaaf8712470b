// SPDX-License-Identifier: GPL-2.0
/*
 * /init of `make peers`: run the kernel's own selftests in the UML the
 * initramfs boots, and print their TAP as one KTAP document that
 * kunit.py's parser reads.
 *
 * /peers/plan holds one test per line: <name> <timeout s> <argv ...>,
 * separated by single tabs.  Each test's output is indented as a
 * subtest of the top-level plan; its result line follows from its exit
 * status (0 ok, 4 skip, else not ok) or from its timeout.  A boot line
 * with zdrace_peers.probe only powers off: the console then holds what
 * the kernel printed while booting.
 *
 * Built static with the host compiler: the initramfs holds nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PLAN		"/peers/plan"
#define MAX_TESTS	64
#define MAX_ARGS	32
#define LINE_MAX_LEN	4096
#define KSFT_SKIP	4
/* How long a killed test may take to be reaped before it is given up on. */
#define REAP_S		10

struct peer_test {
	char *name;
	int timeout_s;
	char *argv[MAX_ARGS + 1];
};

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* Only if the kernel refused: init must not exit. */
	for (;;)
		pause();
}

static void mount_or_say(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL))
		say("# zdrace-peers: mount %s on %s: %s\n", type, dir,
		    strerror(errno));
}

static int cmdline_has(const char *word)
{
	char buf[LINE_MAX_LEN];
	ssize_t n;
	int fd = open("/proc/cmdline", O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return !!strstr(buf, word);
}

/* Split @line at tabs into @t; return 0, or -1 for a malformed line. */
static int parse_test(char *line, struct peer_test *t)
{
	char *save, *tok;
	int argc = 0;

	t->name = strtok_r(line, "\t\n", &save);
	tok = strtok_r(NULL, "\t\n", &save);
	if (!t->name || !tok)
		return -1;
	t->timeout_s = atoi(tok);
	while ((tok = strtok_r(NULL, "\t\n", &save)) && argc < MAX_ARGS)
		t->argv[argc++] = tok;
	t->argv[argc] = NULL;
	return argc ? 0 : -1;
}

static int read_plan(struct peer_test *tests, char *buf, size_t len)
{
	char *line, *save;
	ssize_t n;
	int fd = open(PLAN, O_RDONLY), nr = 0;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && nr < MAX_TESTS;
	     line = strtok_r(NULL, "\n", &save)) {
		if (parse_test(line, &tests[nr]))
			return -1;
		nr++;
	}
	return nr;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Copy the child's output from @fd, each line indented as a subtest;
 * name the subtest after the child's own version line.  Return 0 at
 * the end of its output, -1 if @deadline passed first.
 */
static int relay(int fd, const char *name, double deadline)
{
	char line[LINE_MAX_LEN], c;
	size_t len = 0;
	int named = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((deadline - now()) * 1000);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) == 0)
			return -1;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (c != '\n' && len < sizeof(line) - 1) {
			line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (!named && (!strncmp(line, "TAP version", 11) ||
			       !strncmp(line, "KTAP version", 12))) {
			say("    KTAP version 1\n    # Subtest: %s\n", name);
			named = 1;
			continue;
		}
		say("    %s\n", line);
	}
	if (len) {
		line[len] = '\0';
		say("    %s\n", line);
	}
	if (!named)
		say("    # Subtest: %s\n", name);
	return 0;
}

/* Reap @pid within @secs; return 0, or -1 if it is still there. */
static int reap(pid_t pid, int *status, int secs)
{
	const struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	double deadline = now() + secs;

	do {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		nanosleep(&tick, NULL);
	} while (now() < deadline);
	return -1;
}

static void run_test(int nr, const struct peer_test *t)
{
	double deadline = now() + t->timeout_s;
	int pipefd[2], status = 0, timed_out;
	pid_t pid;

	if (pipe(pipefd)) {
		say("not ok %d %s # pipe: %s\n", nr, t->name, strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* A group of its own: a timeout kills the cases it forked too. */
		setpgid(0, 0);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		if (chdir("/tmp"))
			_exit(127);
		execv(t->argv[0], t->argv);
		printf("# zdrace-peers: exec %s: %s\n", t->argv[0],
		       strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		say("not ok %d %s # fork: %s\n", nr, t->name, strerror(errno));
		return;
	}
	timed_out = relay(pipefd[0], t->name, deadline);
	if (timed_out)
		kill(-pid, SIGKILL);
	close(pipefd[0]);
	/* Its output ended; it must exit before its time is up too. */
	if (!timed_out && reap(pid, &status, (int)(deadline - now()) + 1)) {
		timed_out = 1;
		kill(-pid, SIGKILL);
	}
	if (timed_out && reap(pid, &status, REAP_S)) {
		say("not ok %d %s # timed out after %d s, and still there %d s after SIGKILL\n",
		    nr, t->name, t->timeout_s, REAP_S);
		return;
	}
	if (timed_out)
		say("not ok %d %s # timed out after %d s\n", nr, t->name,
		    t->timeout_s);
	else if (WIFSIGNALED(status))
		say("not ok %d %s # killed by signal %d\n", nr, t->name,
		    WTERMSIG(status));
	else if (WEXITSTATUS(status) == KSFT_SKIP)
		say("ok %d %s # SKIP exit status %d\n", nr, t->name, KSFT_SKIP);
	else if (WEXITSTATUS(status))
		say("not ok %d %s # exit status %d\n", nr, t->name,
		    WEXITSTATUS(status));
	else
		say("ok %d %s\n", nr, t->name);
}

int main(void)
{
	static struct peer_test tests[MAX_TESTS];
	static char plan[1 << 16];
	int i, nr;

	mount_or_say("proc", "/proc", "proc");
	if (cmdline_has("zdrace_peers.probe")) {
		say("zdrace-peers: probe done\n");
		power_off();
	}
	mount_or_say("sysfs", "/sys", "sysfs");
	mount_or_say("debugfs", "/sys/kernel/debug", "debugfs");
	mount_or_say("devtmpfs", "/dev", "devtmpfs");
	mount_or_say("tmpfs", "/tmp", "tmpfs");
	nr = read_plan(tests, plan, sizeof(plan));
	say("zdrace-peers: start\nKTAP version 1\n");
	if (nr < 0) {
		say("1..0 # SKIP %s: missing or malformed\n", PLAN);
		power_off();
	}
	say("1..%d\n", nr);
	for (i = 0; i < nr; i++)
		run_test(i + 1, &tests[i]);
	say("zdrace-peers: done\n");
	power_off();
	return 0;
}
