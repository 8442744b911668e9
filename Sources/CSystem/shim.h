// The libc surface tanglemeter uses, and tiny wrappers for what Swift cannot call directly
// (variadic functions, errno, ioctl requests, function-like macros). No logic lives here.
#ifndef TANGLEMETER_CSYSTEM_SHIM_H
#define TANGLEMETER_CSYSTEM_SHIM_H
// No _GNU_SOURCE: every module map (and Swift's own Glibc) must see glibc's types identically,
// or clang refuses to merge them (fd_set differed between CSystem and CCurl).
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

static inline int tm_errno(void) { return errno; }
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
static inline int tm_ioctl_bytes_readable(int fd, int *count) { return ioctl(fd, FIONREAD, count); }

// Function-like macros from <sys/stat.h>.
static inline int tm_is_socket(mode_t mode) { return S_ISSOCK(mode); }
static inline int tm_is_dir(mode_t mode) { return S_ISDIR(mode); }
static inline int tm_is_reg(mode_t mode) { return S_ISREG(mode); }

// Wait-status macros from <sys/wait.h>.
static inline int tm_wifexited(int status) { return WIFEXITED(status); }
static inline int tm_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int tm_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int tm_wtermsig(int status) { return WTERMSIG(status); }

// stdio's stdout/stderr are macros or externs whose Swift import differs between
// glibc versions; flushing through a function keeps callers portable.
static inline void tm_flush_stdout(void) { fflush(stdout); }

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

#endif
