/* The control-socket load generator of `make bench` (Tests/bench/bench.py): a C client, so that the
 * figures measure the daemon rather than an interpreter.
 *
 *   sockbench pingpong SOCKET SECONDS   one connection: send "status\n", read to the final "OK\n",
 *                                       repeat; prints "<requests> <seconds>"
 *   sockbench oneshot SOCKET SECONDS    connect, send "status\n", half-close, read to EOF, close,
 *                                       repeat; prints "<connections> <seconds>"
 * Any reply that does not end in "OK\n" is an error (exit 1): the count is of complete answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int connect_to(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); exit(1); }
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); exit(1); }
    return fd;
}

static void send_all(int fd, const char *text) {
    size_t left = strlen(text);
    while (left > 0) {
        ssize_t n = write(fd, text, left);
        if (n <= 0) { perror("write"); exit(1); }
        text += n;
        left -= (size_t)n;
    }
}

/* Reads until the reply's final line: "OK\n" at the start of a line. Requests are not pipelined,
 * so the final line is the last thing in the buffer. */
static void read_reply(int fd, char *buf, size_t size) {
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, size - have - 1);
        if (n <= 0) { fprintf(stderr, "connection ended before OK\n"); exit(1); }
        have += (size_t)n;
        buf[have] = 0;
        if (have >= 3 && strcmp(buf + have - 3, "OK\n") == 0 && (have == 3 || buf[have - 4] == '\n')) return;
        if (have + 1 >= size) { fprintf(stderr, "reply too long\n"); exit(1); }
    }
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: sockbench pingpong|oneshot SOCKET SECONDS\n"); return 2; }
    const char *mode = argv[1], *path = argv[2];
    double seconds = atof(argv[3]);
    static char buf[1 << 16];
    long count = 0;
    double start = now(), end = start + seconds, t = start;
    if (strcmp(mode, "pingpong") == 0) {
        int fd = connect_to(path);
        while (t < end) {
            send_all(fd, "status\n");
            read_reply(fd, buf, sizeof buf);
            count++;
            if ((count & 63) == 0) t = now();
        }
        close(fd);
    } else if (strcmp(mode, "oneshot") == 0) {
        while (t < end) {
            int fd = connect_to(path);
            send_all(fd, "status\n");
            shutdown(fd, SHUT_WR);
            size_t have = 0;
            ssize_t n;
            while ((n = read(fd, buf + have, sizeof buf - have - 1)) > 0) have += (size_t)n;
            buf[have] = 0;
            if (have < 3 || strcmp(buf + have - 3, "OK\n") != 0) { fprintf(stderr, "bad reply: %s\n", buf); return 1; }
            close(fd);
            count++;
            if ((count & 15) == 0) t = now();
        }
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("%ld %.6f\n", count, now() - start);
    return 0;
}
