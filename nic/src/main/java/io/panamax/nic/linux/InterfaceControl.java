package io.panamax.nic.linux;

import io.panamax.nic.MacAddress;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The classic interface ioctls ({@code SIOCGIFFLAGS}, {@code SIOCSIFMTU}, ...) on an AF_INET
 * datagram socket. A socket belongs to the network namespace it was opened in, so a control made
 * inside a namespace configures that namespace's interfaces from any thread, for as long as it is
 * open.
 *
 * <p>Why ioctls rather than {@code ip} commands: no dependency on iproute2 at run time, no process
 * per setting, and a failure arrives as an errno naming the exact step.
 */
public final class InterfaceControl implements AutoCloseable {
    public static final long SIOCGIFFLAGS = 0x8913;
    public static final long SIOCSIFFLAGS = 0x8914;
    public static final long SIOCSIFADDR = 0x8916;
    public static final long SIOCSIFNETMASK = 0x891c;
    public static final long SIOCGIFMTU = 0x8921;
    public static final long SIOCSIFMTU = 0x8922;
    public static final long SIOCSIFHWADDR = 0x8924;
    public static final long SIOCGIFHWADDR = 0x8927;
    public static final long SIOCGIFINDEX = 0x8933;
    public static final long SIOCGIFTXQLEN = 0x8942;
    public static final long SIOCSIFTXQLEN = 0x8943;

    /** {@code ifr_flags} bits ({@code <net/if.h>}). */
    public static final int IFF_UP = 0x1;
    public static final int IFF_RUNNING = 0x40;

    private volatile int fd;

    private InterfaceControl(int fd) {
        this.fd = fd;
    }

    /** A control socket in the calling thread's network namespace. */
    public static InterfaceControl open() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            int fd = Libc.socket(errno, Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw Errno.exception("socket(AF_INET, SOCK_DGRAM) for interface control", errno);
            }
            return new InterfaceControl(fd);
        }
    }

    /** A control socket opened inside {@code namespace}. */
    public static InterfaceControl openIn(NetworkNamespace namespace) throws IOException {
        try {
            return namespace.callInside(InterfaceControl::open);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** Whether an interface of that name exists in the socket's namespace. */
    public boolean exists(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            IfReq r = IfReq.of(arena, name);
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            if (Libc.ioctl(errno, fd(), SIOCGIFINDEX, r.segment()) == 0) {
                return true;
            }
            int e = Errno.get(errno);
            if (e == Errno.ENODEV) {
                return false;
            }
            throw new ErrnoException("SIOCGIFINDEX " + name, e);
        }
    }

    /** The interface's index. */
    public int index(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return call(arena, name, SIOCGIFINDEX, "SIOCGIFINDEX").index();
        }
    }

    /** {@code ifr_flags}: IFF_UP, IFF_RUNNING and the rest. */
    public int flags(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return call(arena, name, SIOCGIFFLAGS, "SIOCGIFFLAGS").flags();
        }
    }

    /** Sets or clears IFF_UP, keeping the other flags. */
    public void setUp(String name, boolean up) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            IfReq r = call(arena, name, SIOCGIFFLAGS, "SIOCGIFFLAGS");
            r.setFlags(up ? r.flags() | IFF_UP : r.flags() & ~IFF_UP);
            ioctl(arena, r, SIOCSIFFLAGS, "SIOCSIFFLAGS (" + (up ? "up" : "down") + ")");
        }
    }

    public int mtu(String name) throws IOException {
        return unionInt(name, SIOCGIFMTU, "SIOCGIFMTU");
    }

    public void setMtu(String name, int mtu) throws IOException {
        setUnionInt(name, SIOCSIFMTU, mtu, "SIOCSIFMTU " + mtu);
    }

    /** The device's transmit queue length ({@code txqueuelen}), in frames. */
    public int txQueueLength(String name) throws IOException {
        return unionInt(name, SIOCGIFTXQLEN, "SIOCGIFTXQLEN");
    }

    public void setTxQueueLength(String name, int frames) throws IOException {
        setUnionInt(name, SIOCSIFTXQLEN, frames, "SIOCSIFTXQLEN " + frames);
    }

    /** A get request whose answer is the request's int member of the union. */
    private int unionInt(String name, long request, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return call(arena, name, request, what).unionInt();
        }
    }

    /** A set request that takes one int member of the union. */
    private void setUnionInt(String name, long request, int value, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            IfReq r = IfReq.of(arena, name);
            r.setUnionInt(value);
            ioctl(arena, r, request, what);
        }
    }

    public MacAddress hardwareAddress(String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return call(arena, name, SIOCGIFHWADDR, "SIOCGIFHWADDR").hardwareAddress();
        }
    }

    public void setHardwareAddress(String name, MacAddress mac) throws IOException {
        if (mac.isMulticast() || mac.equals(MacAddress.ZERO)) {
            throw new IllegalArgumentException("an interface address must be unicast and non-zero: " + mac);
        }
        try (Arena arena = Arena.ofConfined()) {
            IfReq r = IfReq.of(arena, name);
            r.setHardwareAddress(mac);
            ioctl(arena, r, SIOCSIFHWADDR, "SIOCSIFHWADDR " + mac);
        }
    }

    /**
     * Gives the interface an IPv4 address and netmask. The kernel adds the connected route when
     * the interface is (or comes) up.
     */
    public void setIpv4(String name, Ipv4Cidr cidr) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            IfReq r = IfReq.of(arena, name);
            r.setIpv4(cidr.address());
            ioctl(arena, r, SIOCSIFADDR, "SIOCSIFADDR " + Ipv4Cidr.format(cidr.address()));
            // SIOCSIFADDR picks a classful mask; the real one comes second.
            r.setIpv4(cidr.netmask());
            ioctl(arena, r, SIOCSIFNETMASK, "SIOCSIFNETMASK /" + cidr.prefixLength());
        }
    }

    private IfReq call(Arena arena, String name, long request, String what) throws IOException {
        IfReq r = IfReq.of(arena, name);
        ioctl(arena, r, request, what);
        return r;
    }

    private void ioctl(Arena arena, IfReq r, long request, String what) throws IOException {
        MemorySegment errno = arena.allocate(Errno.LAYOUT);
        if (Libc.ioctl(errno, fd(), request, r.segment()) < 0) {
            int e = Errno.get(errno);
            String hint = switch (e) {
                case Errno.ENODEV -> " (no interface '" + r.name() + "' in this network namespace)";
                case Errno.EPERM -> " (needs root or CAP_NET_ADMIN)";
                default -> "";
            };
            throw new ErrnoException(e, what + " on " + r.name() + ": " + Errno.describe(e) + hint);
        }
    }

    private int fd() throws IOException {
        int f = fd;
        if (f < 0) {
            throw new IOException("interface control socket is closed");
        }
        return f;
    }

    @Override
    public synchronized void close() {
        int f = fd;
        if (f >= 0) {
            fd = -1;
            try (Arena arena = Arena.ofConfined()) {
                Libc.close(arena.allocate(Errno.LAYOUT), f);
            }
        }
    }
}
