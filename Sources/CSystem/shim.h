// The libc surface tanglemeter uses, and tiny wrappers for what Swift cannot call directly
// (variadic functions, errno, ioctl requests, function-like macros). No logic lives here.
#ifndef TANGLEMETER_CSYSTEM_SHIM_H
#define TANGLEMETER_CSYSTEM_SHIM_H
// No _GNU_SOURCE: every module map (and Swift's own Glibc) must see glibc's types identically,
// or clang refuses to merge them (fd_set differed between CSystem and CCurl).
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/watchdog.h>

static inline int tm_errno(void) { return errno; }
// errno's C name ("ENOENT"), glibc 2.32+; declared here because <string.h> shows it only
// under _GNU_SOURCE. NULL for a code it cannot name.
extern const char *strerrorname_np(int errnum);
// For the OS tests of the EINTR rule: a fake call sets errno as a real one would.
static inline void tm_set_errno(int value) { errno = value; }

// open(2) and fcntl(2) are variadic in C.
static inline int tm_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }
static inline int tm_fcntl_getfl(int fd) { return fcntl(fd, F_GETFL); }
static inline int tm_fcntl_setfl(int fd, int flags) { return fcntl(fd, F_SETFL, flags); }
static inline int tm_fcntl_setfd_cloexec(int fd) { return fcntl(fd, F_SETFD, FD_CLOEXEC); }

// ioctl(2) is variadic; each request the daemon makes gets its own typed wrapper.
static inline int tm_ioctl_exclusive(int fd) { return ioctl(fd, TIOCEXCL); }
// Reads back the TIOCEXCL flag (Linux >= 3.8): tests prove the port holds its line exclusively.
static inline int tm_ioctl_get_exclusive(int fd, int *exclusive) { return ioctl(fd, TIOCGEXCL, exclusive); }
// SIOCOUTQ (= TIOCOUTQ) on a Unix stream socket: bytes sent that the peer has not read yet.
static inline int tm_ioctl_bytes_unread_by_peer(int fd, int *count) { return ioctl(fd, TIOCOUTQ, count); }
// A hardware watchdog's timeout in seconds; the driver may round it and writes back what it set.
static inline int tm_watchdog_set_timeout(int fd, int *seconds) { return ioctl(fd, WDIOC_SETTIMEOUT, seconds); }

// Function-like macros from <sys/stat.h>.
static inline int tm_is_socket(mode_t mode) { return S_ISSOCK(mode); }
static inline int tm_is_dir(mode_t mode) { return S_ISDIR(mode); }

// Wait-status macros from <sys/wait.h> (the tests wait for the processes they start).
static inline int tm_wifexited(int status) { return WIFEXITED(status); }
static inline int tm_wexitstatus(int status) { return WEXITSTATUS(status); }

// SO_PEERCRED fills a struct ucred, which glibc hides behind _GNU_SOURCE; its layout is fixed
// by the kernel ABI (pid, uid, gid as 32-bit values), so read it into plain integers.
static inline int tm_peer_credentials(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid) {
    struct { int32_t pid; uint32_t uid; uint32_t gid; } cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *pid = cred.pid; *uid = cred.uid; *gid = cred.gid;
    return 0;
}

// syslog(3) is variadic: always log a preformatted message.
static inline void tm_syslog(int priority, const char *message) { syslog(priority, "%s", message); }

// Supplementary groups of a Unix-socket peer as the kernel recorded them at connect (Linux 4.13+).
// Returns the count, or -1 (errno ENOPROTOOPT on older kernels or emulators: fall back to
// getgrouplist). ERANGE when more than `capacity` groups.
static inline int tm_peer_groups(int fd, uint32_t *groups, int capacity) {
#ifdef SO_PEERGROUPS
    socklen_t len = (socklen_t)(capacity * sizeof(uint32_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0) return -1;
    return (int)(len / sizeof(uint32_t));
#else
    (void)fd; (void)groups; (void)capacity; errno = ENOPROTOOPT; return -1;
#endif
}

// SIG_IGN is a cast macro Swift cannot import: a write to a closed socket must return EPIPE,
// never kill the daemon.
static inline int tm_ignore_sigpipe(void) { return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0; }

// A write past RLIMIT_FSIZE (`ulimit -f` in an init script) must return EFBIG — the journal then
// refuses the change — never kill the daemon by SIGXFSZ's default action.
static inline int tm_ignore_sigxfsz(void) { return signal(SIGXFSZ, SIG_IGN) == SIG_ERR ? -1 : 0; }

// SIG_BLOCK/SIG_SETMASK are plain ints, but sigprocmask's set type is easier to drive from here:
// block (or unblock) the daemon's control signals in one call and make a signalfd for them.
static inline int tm_block_signals(const sigset_t *set) { return sigprocmask(SIG_BLOCK, set, NULL); }
static inline int tm_unblock_signals(const sigset_t *set) { return sigprocmask(SIG_UNBLOCK, set, NULL); }

// Socket types are an enum in glibc whose import differs by platform; flags for socket(2).
static inline int tm_unix_stream_socket(void) {
    return socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}
// accept4(2) is hidden behind _GNU_SOURCE (which this header must not define); the raw
// syscall gives a non-blocking, close-on-exec client in one call.
static inline int tm_accept_nonblocking(int fd) {
    return (int)syscall(SYS_accept4, fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
// send(2) without SIGPIPE: a peer that went away is an EPIPE to handle, not a signal.
static inline ssize_t tm_send_nosignal(int fd, const void *bytes, size_t count) {
    return send(fd, bytes, count, MSG_NOSIGNAL);
}
// bind/connect take a sockaddr_un built here, so Swift never fiddles with sun_path's tuple.
// Returns -2 when the path does not fit sun_path.
static inline int tm_unix_address(const char *path, struct sockaddr_un *addr, socklen_t *len) {
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(addr->sun_path)) return -2;
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    memcpy(addr->sun_path, path, n + 1);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}
static inline int tm_bind_unix(int fd, const struct sockaddr_un *addr, socklen_t len) {
    return bind(fd, (const struct sockaddr *)addr, len);
}
static inline int tm_connect_unix(int fd, const struct sockaddr_un *addr, socklen_t len) {
    return connect(fd, (const struct sockaddr *)addr, len);
}

// RLIMIT_NOFILE's type differs with _GNU_SOURCE: raise the soft limit toward `want` (never above
// the hard limit), so the control socket's client cap is reachable.
static inline void tm_raise_open_file_limit(uint64_t want) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= want) return;
    limit.rlim_cur = want < limit.rlim_max ? want : limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
}
#endif
