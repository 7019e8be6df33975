/*
 * The C-level peer of the TAP benchmarks: plain read(2)/write(2) loops on a TAP queue's file
 * descriptor, and a packet socket on the device's kernel side that makes the kernel send frames
 * out of the device. The benchmark (io.panamax.benchmarks.tap.TapPeer) compiles this file with
 * gcc into a shared library and calls it through FFM once per burst, so the loops themselves run
 * with no Java in them: what the Java backend is compared against.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Writes n copies of frame[0..len) to fd; returns how many went, or -errno for the first failure. */
long tap_peer_write_burst(int fd, const void *frame, size_t len, int n)
{
    for (int i = 0; i < n; i++) {
        ssize_t w = write(fd, frame, len);
        if (w < 0)
            return i > 0 ? i : -errno;
    }
    return n;
}

/*
 * Reads up to n frames from fd until EAGAIN, frame i into bufs + i * stride (capacity cap each),
 * as a driver fills a distinct buffer per frame; returns the frames read, or -errno if the first
 * read failed otherwise.
 */
long tap_peer_read_burst(int fd, void *bufs, size_t stride, size_t cap, int n)
{
    for (int i = 0; i < n; i++) {
        ssize_t r = read(fd, (char *) bufs + (size_t) i * stride, cap);
        if (r < 0)
            return (errno == EAGAIN || i > 0) ? i : -errno;
    }
    return n;
}

/*
 * A packet socket bound to interface ifname, in the calling thread's network namespace: frames
 * sent on it leave through that interface, which for a TAP device means they come out of the
 * device's queue descriptors. Returns the socket, or -errno.
 */
int tap_peer_packet_socket(const char *ifname)
{
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = (int) if_nametoindex(ifname);
    if (sll.sll_ifindex == 0 || bind(s, (struct sockaddr *) &sll, sizeof sll) < 0) {
        int e = errno;
        close(s);
        return -e;
    }
    return s;
}

/* Sends n copies of frame[0..len) on packet socket s; returns how many went, or -errno. */
long tap_peer_inject_burst(int s, const void *frame, size_t len, int n)
{
    for (int i = 0; i < n; i++) {
        ssize_t w = send(s, frame, len, 0);
        if (w < 0)
            return i > 0 ? i : -errno;
    }
    return n;
}

int tap_peer_close(int fd)
{
    return close(fd) < 0 ? -errno : 0;
}
