/*
 * sandbox: what loaxa-net may still do once it runs. no_new_privs, then a
 * seccomp filter (libseccomp) allowing the system calls that libcurl, its
 * TLS library, the resolver and the event loop use, and nothing else:
 * no exec, no ptrace, no mount, no new namespaces, no listening sockets,
 * no chmod/chown, no signals to other processes.
 *
 * A call outside the list fails with EPERM rather than killing the process:
 * a C library on another board (armhf, a newer glibc) may use a call this
 * list does not name, and a failed transfer is logged and retried where a
 * killed network process would only be restarted to die again.
 */
#include "net/sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <seccomp.h>

static const char *const allowed[] = {
	/* files: CA bundles, the download folder, the resolver's /etc files */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "close", "open", "openat",
	"fstat", "newfstatat", "stat", "lstat", "statx", "fstat64", "stat64", "lstat64",
	"fstatat64", "lseek", "_llseek", "access", "faccessat", "faccessat2", "readlink",
	"readlinkat", "getdents64", "getcwd", "unlink", "unlinkat", "ftruncate", "ftruncate64",
	"fsync", "fdatasync", "fcntl", "fcntl64", "ioctl", "dup", "dup2", "dup3", "pipe",
	"pipe2", "eventfd2",
	/* memory */
	"mmap", "mmap2", "munmap", "mprotect", "mremap", "brk", "madvise",
	/* waiting */
	"poll", "ppoll", "ppoll_time64", "select", "pselect6", "pselect6_time64",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "nanosleep",
	"clock_nanosleep", "clock_nanosleep_time64", "clock_gettime", "clock_gettime64",
	"clock_getres", "clock_getres_time64", "gettimeofday", "timerfd_create",
	"timerfd_settime", "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64",
	"restart_syscall",
	/* outgoing connections (TCP, and UDP to the resolver) */
	"socket", "connect", "getsockopt", "setsockopt", "getsockname", "getpeername",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "send", "recv",
	"shutdown", "socketpair",
	/* signals to itself, threads (libcurl's resolver thread) */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn", "sigaltstack",
	"signalfd4", "tgkill", "clone", "clone3", "futex", "futex_time64", "set_robust_list",
	"get_robust_list", "rseq", "set_tid_address", "sched_getaffinity", "sched_yield",
	"membarrier",
	/* who and where am I */
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getuid32", "geteuid32",
	"getgid32", "getegid32", "getrandom", "uname", "sysinfo", "prlimit64", "getrlimit",
	"ugetrlimit",
	"exit", "exit_group",
};

int
sandbox_enter(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;	/* not a call on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc != 0 && rc != -EACCES) {
			snprintf(err, errlen, "seccomp rule for %s: %s", allowed[i], strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
		return -1;
	}
	return 0;
}
