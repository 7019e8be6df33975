/*
 * The kernel-socket peer of the TCP request/response benchmarks: a TCP echo server and a
 * request/response client, each one thread on epoll, written against the plain socket API so that
 * what is measured is the kernel's TCP, not a runtime.
 *
 *   rr_peer server PORT                         echo every byte back (TCP_NODELAY), until killed
 *   rr_peer client IP PORT CONNS SECONDS WARMUP [SIZE]
 *       CONNS connections, each sending SIZE bytes (default 64) and waiting for all of them back
 *       before the next; after WARMUP seconds counts transactions for SECONDS seconds, prints
 *       "result transactions=N seconds=S tps=T ... client_cpu_s=C" (its own CPU time over those seconds) and, for CONNS=1, latency percentiles of the round
 *       trip in microseconds; exits 0 (1 on any error or a closed connection).
 *
 * Build: gcc -O2 -o rr_peer rr_peer.c   (the benchmark suite compiles it into benchmarks/target).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define MAX_SAMPLES (1 << 22)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int server(int port) {
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (l < 0) die("socket");
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(l, (struct sockaddr *) &a, sizeof a) < 0) die("bind");
    if (listen(l, 1024) < 0) die("listen");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    printf("ready\n");
    fflush(stdout);
    static char buf[65536];
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == l) {
                int c;
                while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    nodelay(c);
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            for (;;) {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0) {
                    ssize_t off = 0;
                    while (off < r) {
                        ssize_t w = write(fd, buf + off, r - off);
                        if (w < 0 && errno == EAGAIN) continue; /* echo server: the client reads soon */
                        if (w < 0) break;
                        off += w;
                    }
                    continue;
                }
                if (r < 0 && errno == EAGAIN) break;
                close(fd); /* EOF or error; close removes it from the epoll set */
                break;
            }
        }
    }
    return 0;
}

struct conn {
    int fd;
    int got;
    double sent_at;
};

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static int client(const char *ip, int port, int conns, double seconds, double warmup, int size) {
    static char msg[65536], buf[65536];
    memset(msg, 'x', sizeof msg);
    int ep = epoll_create1(0);
    struct conn *cs = calloc(conns, sizeof *cs);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) die("inet_pton");
    for (int i = 0; i < conns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) die("socket");
        if (connect(fd, (struct sockaddr *) &a, sizeof a) < 0) die("connect");
        nodelay(fd);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        cs[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    double *samples = conns == 1 ? malloc(sizeof(double) * MAX_SAMPLES) : NULL;
    long nsamples = 0;
    double start = now();
    double t0 = start + warmup, t1 = t0 + seconds;
    long count = 0;
    double cpu0 = -1;
    for (int i = 0; i < conns; i++) {
        cs[i].sent_at = now();
        if (write(cs[i].fd, msg, size) != size) die("write");
    }
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, 1000);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait");
        double t = now();
        if (cpu0 < 0 && t >= t0) cpu0 = cpu_seconds();
        if (t >= t1) break;
        for (int e = 0; e < n; e++) {
            struct conn *c = &cs[events[e].data.u32];
            ssize_t r = read(c->fd, buf, sizeof buf);
            if (r == 0) {
                fprintf(stderr, "the server closed a connection\n");
                return 1;
            }
            if (r < 0) {
                if (errno == EAGAIN) continue;
                die("read");
            }
            c->got += r;
            if (c->got >= size) {
                c->got -= size;
                double done = now();
                if (done >= t0 && done < t1) {
                    count++;
                    if (samples && nsamples < MAX_SAMPLES) samples[nsamples++] = done - c->sent_at;
                }
                c->sent_at = done;
                if (write(c->fd, msg, size) != size) die("write");
            }
        }
    }
    double cpu = cpu_seconds() - (cpu0 < 0 ? 0 : cpu0);
    printf("result transactions=%ld seconds=%.3f tps=%.0f connections=%d size=%d client_cpu_s=%.3f\n", count, seconds,
           count / seconds, conns, size, cpu);
    if (samples && nsamples > 0) {
        qsort(samples, nsamples, sizeof(double), cmp_double);
        double sum = 0;
        for (long i = 0; i < nsamples; i++) sum += samples[i];
        printf("latency_us avg=%.2f p50=%.2f p99=%.2f p999=%.2f\n", sum / nsamples * 1e6,
               samples[nsamples / 2] * 1e6, samples[(long) (nsamples * 0.99)] * 1e6, samples[(long) (nsamples * 0.999)] * 1e6);
    }
    for (int i = 0; i < conns; i++) close(cs[i].fd);
    return 0;
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 3 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]));
    if (argc >= 7 && strcmp(argv[1], "client") == 0)
        return client(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atof(argv[6]), argc > 7 ? atoi(argv[7]) : 64);
    fprintf(stderr, "usage: rr_peer server PORT | rr_peer client IP PORT CONNS SECONDS WARMUP [SIZE]\n");
    return 2;
}
