/* chroot-exec ROOT PROGRAM [ARG...]: runs PROGRAM (a path inside ROOT) with ROOT as its root
 * directory and the caller's working directory kept — chroot(1) would move to "/", and the
 * end-to-end tests start binaries in their own folders. The process keeps its pid (exec), so
 * the tests' signals reach PROGRAM. Used as $TM_RUNNER by Tests/trixie/e2e-chroot.sh. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char cwd[4096];
    if (argc < 3) { fputs("usage: chroot-exec ROOT PROGRAM [ARG...]\n", stderr); return 2; }
    if (getcwd(cwd, sizeof cwd) == NULL) { perror("chroot-exec: getcwd"); return 125; }
    if (chroot(argv[1]) != 0) { perror("chroot-exec: chroot"); return 125; }
    if (chdir(cwd) != 0 && chdir("/") != 0) { perror("chroot-exec: chdir"); return 125; }
    execv(argv[2], argv + 2);
    perror("chroot-exec: exec");
    return 127;
}
