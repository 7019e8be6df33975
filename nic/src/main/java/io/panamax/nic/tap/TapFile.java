package io.panamax.nic.tap;

import io.panamax.nic.linux.Errno;
import io.panamax.nic.linux.ErrnoException;
import io.panamax.nic.linux.IfReq;
import io.panamax.nic.linux.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One open of {@code /dev/net/tun} bound to a TAP device with {@code TUNSETIFF}: the file
 * descriptor of one queue. Reading it takes a frame the kernel sent out of the device; writing it
 * hands the kernel a frame as if it had arrived on the device. With {@link #IFF_MULTI_QUEUE} every
 * open with the same name adds a queue, and the kernel spreads the frames it sends over them by
 * flow.
 *
 * <p>The file is opened non-blocking (the poll loop must never sleep in {@code read}) and
 * close-on-exec (child processes such as tcpdump must not keep the device alive). The device is
 * born in the network namespace of the thread that opens the first file.
 */
final class TapFile {
    /** {@code <linux/if_tun.h>}: ioctls on a tun file. */
    static final long TUNSETIFF = 0x400454ca;
    static final long TUNSETCARRIER = 0x400454e2;
    /** {@code _IOW('T', 208, unsigned int)}: which offloads the kernel may leave to us (TUN_F_*). */
    static final long TUNSETOFFLOAD = 0x400454d0;

    /** TUNSETOFFLOAD flags: we complete checksums, and take TCP super-segments over IPv4 and IPv6. */
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;

    /** TUNSETIFF flags ({@code ifr_flags}). */
    static final int IFF_TAP = 0x0002;
    static final int IFF_MULTI_QUEUE = 0x0100;
    static final int IFF_NO_PI = 0x1000;
    static final int IFF_VNET_HDR = 0x4000;
    static final int IFF_TUN_EXCL = 0x8000;

    /** The kernel's limit on queues per device (MAX_TAP_QUEUES in drivers/net/tun.c). */
    static final int MAX_TAP_QUEUES = 256;

    private static final String DEV_NET_TUN = "/dev/net/tun";

    private final int fd;
    private final String name;

    private TapFile(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /**
     * Opens a queue of TAP device {@code name}, creating the device if it does not exist (in the
     * calling thread's namespace). With {@code exclusive} an existing device is an error instead
     * ({@link #IFF_TUN_EXCL}), which closes the gap between checking for a device and creating it.
     */
    static TapFile open(String name, boolean multiQueue, boolean exclusive, boolean vnetHeader, boolean segmentation)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            int fd = Libc.open(errno, arena.allocateFrom(DEV_NET_TUN), Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            if (fd < 0) {
                throw openError(Errno.get(errno));
            }
            IfReq req = IfReq.of(arena, name);
            int flags = IFF_TAP | IFF_NO_PI;
            if (multiQueue) {
                flags |= IFF_MULTI_QUEUE;
            }
            if (exclusive) {
                flags |= IFF_TUN_EXCL;
            }
            if (vnetHeader) {
                flags |= IFF_VNET_HDR;
            }
            req.setFlags(flags);
            if (Libc.ioctl(errno, fd, TUNSETIFF, req.segment()) < 0) {
                int e = Errno.get(errno);
                Libc.close(errno, fd);
                throw setIffError(e, name, multiQueue, exclusive);
            }
            // The device's features follow: with TUN_F_CSUM the kernel may send frames whose
            // checksum is left to us (NEEDS_CSUM), with TSO4/6 frames of up to 64 KB (gso_type).
            // Without this call a vnet header still comes, always saying "nothing to do". Without
            // TSO4/6 the kernel segments (GSO) what it would have handed over whole.
            int features = TUN_F_CSUM | (segmentation ? TUN_F_TSO4 | TUN_F_TSO6 : 0);
            if (vnetHeader && Libc.ioctl(errno, fd, TUNSETOFFLOAD, features) < 0) {
                int e = Errno.get(errno);
                Libc.close(errno, fd);
                throw new ErrnoException("TUNSETOFFLOAD " + name, e);
            }
            return new TapFile(fd, req.name());
        }
    }

    int fd() {
        return fd;
    }

    /** The device's name as the kernel has it ({@code %d} in the requested name filled in). */
    String name() {
        return name;
    }

    /** Sets the device's carrier (link) on or off, as a cable being plugged or pulled. */
    void setCarrier(boolean on) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_INT, on ? 1 : 0);
            if (Libc.ioctl(errno, fd, TUNSETCARRIER, value) < 0) {
                throw new ErrnoException("TUNSETCARRIER " + name, Errno.get(errno));
            }
        }
    }

    void close() {
        try (Arena arena = Arena.ofConfined()) {
            Libc.close(arena.allocate(Errno.LAYOUT), fd);
        }
    }

    private static IOException openError(int e) {
        String why = switch (e) {
            case Errno.ENOENT -> DEV_NET_TUN + " does not exist: load the tun driver (modprobe tun) or make the"
                    + " node (mkdir -p /dev/net && mknod " + DEV_NET_TUN + " c 10 200); in a container, pass the device in";
            case Errno.ENODEV, Errno.ENXIO -> "the kernel has no tun driver behind " + DEV_NET_TUN + " (modprobe tun)";
            case Errno.EACCES, Errno.EPERM -> "no permission to open " + DEV_NET_TUN
                    + ": run as root, or give this user read-write access to the node";
            case Errno.EMFILE -> "too many open files: raise the limit (ulimit -n) or use fewer queues";
            default -> "open " + DEV_NET_TUN + " failed";
        };
        return new ErrnoException(e, why + " [" + Errno.describe(e) + "]");
    }

    private static IOException setIffError(int e, String name, boolean multiQueue, boolean exclusive) {
        String why = switch (e) {
            case Errno.EPERM -> "creating or attaching TAP device '" + name + "' needs root or CAP_NET_ADMIN"
                    + " (or, for a persistent device, being its owner)";
            case Errno.EBUSY -> exclusive
                    ? "TAP device '" + name + "' already exists: pick another name, or attach to it"
                    : "TAP device '" + name + "' is busy: it is a single-queue device whose queue is already open"
                    + " elsewhere (open it with multi-queue, or close the other user)";
            case Errno.EINVAL -> "'" + name + "' exists but is not a TAP device with these flags: an interface of"
                    + " another kind, a TUN device, or a TAP made " + (multiQueue ? "without" : "with")
                    + " multi_queue (or with vnet_hdr); recreate it or change the multi-queue setting";
            case Errno.E2BIG -> "TAP device '" + name + "' already has the kernel's maximum of " + MAX_TAP_QUEUES + " queues";
            case Errno.ENOMEM -> "the kernel could not allocate the TAP device '" + name + "'";
            default -> "TUNSETIFF for TAP device '" + name + "' failed";
        };
        return new ErrnoException(e, why + " [" + Errno.describe(e) + "]");
    }
}
