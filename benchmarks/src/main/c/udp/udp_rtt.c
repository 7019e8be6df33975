/*
 * UDP round trips, one datagram in flight: the peer of the suite's UDP latency rows.
 *
 *   udp_rtt server PORT
 *       echoes every datagram back to its sender (RFC 862 echo), forever.
 *   udp_rtt client IP PORT SAMPLES WARMUP SIZE
 *       sends WARMUP unmeasured datagrams, then SAMPLES measured ones, one at a time, each SIZE
 *       bytes; waits for each echo (1 s timeout: a lost one is counted, not measured) and prints
 *       one line "samples=N lost=L min=.. avg=.. p50=.. p90=.. p99=.. p99.9=.. max=.." in
 *       microseconds, then every sample on its own line after "rtt_us:".
 *
 * A blocking socket (recv sleeps in the kernel), as an ordinary client does; CLOCK_MONOTONIC
 * around send and receive. The payload carries a sequence number so that a late echo of an
 * earlier datagram is not taken for the current one.
 *
 * With UDP_RTT_TRACE=FILE in the environment the client also writes every measured round trip
 * to FILE as "SEND_NS RTT_NS": SEND_NS is CLOCK_MONOTONIC at the send, the clock the JVM's
 * unified logging prints as its 'timenanos' decoration (-Xlog:...:tn) and perf's default clock,
 * so that a slow round trip can be matched with what the server did at that moment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of a sorted array. */
static double pct(const double *v, int n, double p) {
    int i = (int)(p / 100.0 * n + 0.999999) - 1;
    if (i < 0) i = 0;
    if (i >= n) i = n - 1;
    return v[i];
}

static int server(int port) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("bind");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    char buf[65536];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n >= 0) sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
    }
}

static int client(const char *ip, int port, int samples, int warmup, int size) {
    if (size < 8 || size > 65000 || samples < 1 || warmup < 0) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (s < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("connect");
        return 1;
    }
    struct timeval tv = {.tv_sec = 1};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char *out = calloc(1, size), *in = calloc(1, 65536);
    double *rtt = malloc(sizeof(double) * samples);
    int64_t *sent = malloc(sizeof(int64_t) * samples);
    int measured = 0, lost = 0;
    for (uint64_t seq = 0; seq < (uint64_t)warmup + samples; seq++) {
        memcpy(out, &seq, 8);
        int64_t t0 = now_ns();
        if (send(s, out, size, 0) != size) {
            perror("send");
            return 1;
        }
        for (;;) {
            ssize_t n = recv(s, in, 65536, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                lost++; /* timeout: counted, not measured */
                break;
            }
            uint64_t got;
            if (n < 8) continue;
            memcpy(&got, in, 8);
            if (got != seq) continue; /* a late echo of an earlier datagram */
            double t = (now_ns() - t0) / 1e3;
            if (seq >= (uint64_t)warmup) {
                sent[measured] = t0;
                rtt[measured++] = t;
            }
            break;
        }
    }
    if (measured == 0) {
        printf("samples=0 lost=%d\n", lost);
        return 1;
    }
    double *sorted = malloc(sizeof(double) * measured), sum = 0;
    memcpy(sorted, rtt, sizeof(double) * measured);
    qsort(sorted, measured, sizeof(double), cmp);
    for (int i = 0; i < measured; i++) sum += sorted[i];
    printf("samples=%d lost=%d min=%.1f avg=%.1f p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f\n", measured, lost,
           sorted[0], sum / measured, pct(sorted, measured, 50), pct(sorted, measured, 90), pct(sorted, measured, 99),
           pct(sorted, measured, 99.9), sorted[measured - 1]);
    const char *trace = getenv("UDP_RTT_TRACE");
    if (trace != NULL && *trace != '\0') {
        FILE *f = fopen(trace, "w");
        if (f == NULL) {
            perror(trace);
            return 1;
        }
        for (int i = 0; i < measured; i++) fprintf(f, "%lld %lld\n", (long long)sent[i], (long long)(rtt[i] * 1e3 + 0.5));
        fclose(f);
    }
    printf("rtt_us:\n");
    for (int i = 0; i < measured; i++) printf("%.1f\n", rtt[i]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]));
    if (argc == 7 && strcmp(argv[1], "client") == 0)
        return client(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
    fprintf(stderr, "usage: udp_rtt server PORT | udp_rtt client IP PORT SAMPLES WARMUP SIZE\n");
    return 2;
}
