package io.panamax.nic.tap;

import io.panamax.nic.MacAddress;
import io.panamax.nic.Nic;
import io.panamax.nic.NicCapabilities;
import io.panamax.nic.NicQueue;
import io.panamax.nic.linux.InterfaceControl;
import io.panamax.nic.linux.IfReq;
import io.panamax.nic.linux.Ipv4Cidr;
import io.panamax.nic.linux.NetworkNamespace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A Linux TAP device as a {@link Nic}, in pure Java (FFM on {@code /dev/net/tun}): one
 * non-blocking file descriptor per queue, frames without any packet-information or virtio header
 * ({@code IFF_TAP | IFF_NO_PI}), and with several queues {@code IFF_MULTI_QUEUE}, so that each
 * shard reads and writes its own descriptor.
 *
 * <p>A TAP device has two ends. The <em>kernel side</em> is an ordinary interface: the kernel
 * routes, ARPs and answers pings through it, with its own MAC ({@link #kernelMac()}) and,
 * optionally, an IPv4 address. The <em>stack side</em> is these file descriptors: frames the
 * kernel sends out of the interface are read here, frames written here arrive at the kernel as if
 * from a wire. The stack's own address ({@link #mac()}) is a different MAC, random and locally
 * administered unless configured.
 *
 * <p>The device can be made inside a network namespace ({@link Builder#namespace}): the opening
 * thread enters it for the duration of the open, so the device is born there while the JVM stays
 * where it is; the interface is configured through a control socket opened in the same namespace.
 * A device created here is non-persistent: the kernel deletes it when {@link #close()} closes the
 * last descriptor. One attached to an existing (persistent) device is left in place.
 *
 * <p>Offloads ({@link Builder#offloads}, off by default here; the echo sample turns them on): the
 * device is opened with {@code IFF_VNET_HDR} and {@code TUNSETOFFLOAD} (checksum, TSO4, TSO6), and
 * every frame carries a virtio-net header. The kernel then hands over TCP super-segments of up to
 * 64 KB whole, and frames whose checksum it vouches for or never computed; it takes TCP/UDP
 * checksums and TCP segmentation from us (see docs/tap.md). Without them, whole Ethernet frames of
 * at most the MTU, every checksum computed by the stack.
 */
public final class TapNic implements Nic {
    private final String interfaceName;
    private final NetworkNamespace namespace;
    private final InterfaceControl control;
    private final TapQueue[] queues;
    private final MacAddress mac;
    private final MacAddress kernelMac;
    private final boolean multiQueue;
    private final boolean created;
    private final boolean offloads;
    private final boolean segmentation;
    private volatile int lastMtu;
    private volatile boolean closed;

    private TapNic(String interfaceName, NetworkNamespace namespace, InterfaceControl control, List<TapFile> files,
                   MacAddress mac, MacAddress kernelMac, boolean multiQueue, boolean created, int mtu, boolean offloads,
                   boolean segmentation, boolean fillReceivedChecksums) {
        this.interfaceName = interfaceName;
        this.namespace = namespace;
        this.control = control;
        this.mac = mac;
        this.kernelMac = kernelMac;
        this.multiQueue = multiQueue;
        this.created = created;
        this.lastMtu = mtu;
        this.offloads = offloads;
        this.segmentation = offloads && segmentation;
        this.queues = new TapQueue[files.size()];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new TapQueue(this, i, files.get(i), offloads, fillReceivedChecksums);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What to do about a device of the requested name. */
    public enum Existing {
        /** Create the device; fail if one of that name exists. The default. */
        CREATE,
        /** Attach queues to an existing device (made with {@code ip tuntap add ... mode tap}); fail if none. */
        ATTACH,
        /** Attach if the device exists, create it if not. */
        CREATE_OR_ATTACH
    }

    // ---- Nic ----------------------------------------------------------------------------------

    @Override
    public String name() {
        return "tap:" + interfaceName;
    }

    /** The interface's name in its namespace, as the kernel has it. */
    public String interfaceName() {
        return interfaceName;
    }

    /** The namespace the device lives in; empty when it was made in the JVM's own. */
    public Optional<NetworkNamespace> namespace() {
        return Optional.ofNullable(namespace);
    }

    /** The stack's own MAC: the source of frames it sends, the destination the kernel sends to. */
    @Override
    public MacAddress mac() {
        return mac;
    }

    /** The MAC of the kernel side of the device (the interface the kernel sees), read at open. */
    public MacAddress kernelMac() {
        return kernelMac;
    }

    /** The device's MTU, asked of the kernel (so a change made with {@code ip link} shows); not for per-packet use. */
    @Override
    public int mtu() {
        if (closed) {
            return lastMtu;
        }
        try {
            int m = control.mtu(interfaceName);
            lastMtu = m;
            return m;
        } catch (IOException e) {
            return lastMtu;
        }
    }

    /**
     * Sets the device's MTU (both sides: a TAP device has one). Queues already attached keep
     * their buffers: frames larger than those are counted as truncated and dropped.
     */
    public void setMtu(int mtu) throws IOException {
        checkOpen();
        control.setMtu(interfaceName, mtu);
        lastMtu = mtu;
    }

    /**
     * How many frames the kernel queues toward the stack before it drops them (the device's
     * {@code txqueuelen}, see {@link Builder#kernelQueueFrames}), asked of the kernel; not for
     * per-packet use.
     */
    public int kernelQueueFrames() throws IOException {
        checkOpen();
        return control.txQueueLength(interfaceName);
    }

    /** Whether the interface is up and has carrier (IFF_UP and IFF_RUNNING). */
    @Override
    public boolean linkUp() {
        if (closed) {
            return false;
        }
        try {
            int flags = control.flags(interfaceName);
            return (flags & InterfaceControl.IFF_UP) != 0 && (flags & InterfaceControl.IFF_RUNNING) != 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Raises or drops the device's carrier, as a cable plugged in or pulled (TUNSETCARRIER): the
     * kernel side then sees the link up or NO-CARRIER. The carrier is on when the device is opened.
     */
    public void setCarrier(boolean on) throws IOException {
        checkOpen();
        queues[0].setCarrier(on);
    }

    /** Whether this object created the device (and closing it deletes the device). */
    public boolean createdHere() {
        return created;
    }

    /** Whether the device was opened with IFF_MULTI_QUEUE. */
    public boolean multiQueue() {
        return multiQueue;
    }

    /** Whether frames carry virtio-net headers (checksum and segmentation offloads). */
    public boolean offloads() {
        return offloads;
    }

    /** Whether TCP segmentation is offloaded both ways (super-segments sent and received). */
    public boolean segmentation() {
        return segmentation;
    }

    /**
     * Up to 256 queues on a multi-queue device (the kernel's MAX_TAP_QUEUES), else 1. With
     * offloads: TCP/UDP checksums on transmit (the kernel completes them) and on receive (frames
     * the kernel vouches for are flagged), TCP segmentation of up to 64 KB, coalesced frames on
     * receive; the IPv4 header checksum stays the stack's. Without: nothing. With offloads but
     * without {@link Builder#segmentation segmentation}: the checksums only.
     */
    @Override
    public NicCapabilities capabilities() {
        int maxQueues = multiQueue ? TapFile.MAX_TAP_QUEUES : 1;
        if (!offloads) {
            return NicCapabilities.none(maxQueues);
        }
        if (!segmentation) {
            return new NicCapabilities(maxQueues, false, true, false, true, true, false, 0, 0);
        }
        return new NicCapabilities(maxQueues, false, true, false, true, true, false, 0, 0, TSO_MAX_BYTES, true);
    }

    /** The largest TCP super-segment handed to the kernel: an IPv4 packet's 64 KB (the device's gso_max_size). */
    public static final int TSO_MAX_BYTES = 65535;

    /** With offloads, IPv6 TCP too: the virtio-net header has GSO_TCPV6, and TUNSETOFFLOAD asked for TSO6. */
    @Override
    public boolean ipv6TcpOffloads() {
        return offloads;
    }

    @Override
    public int queueCount() {
        return queues.length;
    }

    @Override
    public TapQueue queue(int id) {
        return queues[id];
    }

    /** The queues, typed. */
    public List<TapQueue> queues() {
        return List.of(queues);
    }

    /**
     * Closes every queue and the control socket. A device created here goes away with its last
     * descriptor; an attached one stays. Shards must have stopped polling the queues. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (TapQueue q : queues) {
            q.close();
        }
        control.close();
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(name() + " is closed");
        }
    }

    @Override
    public String toString() {
        return name() + (namespace != null ? " in netns " + namespace.name() : "") + " (" + queues.length
                + " queue" + (queues.length == 1 ? "" : "s") + ", mac " + mac + ", kernel side " + kernelMac + ")";
    }

    // ---- opening ----------------------------------------------------------------------------

    private static TapNic open(Builder b) throws IOException {
        if (b.namespace == null) {
            return openHere(b);
        }
        if (!NetworkNamespace.exists(b.namespace.name())) {
            throw new IOException("network namespace '" + b.namespace.name() + "' does not exist (ip netns add "
                    + b.namespace.name() + ")");
        }
        try {
            return b.namespace.callInside(() -> openHere(b));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** Opens and configures the device in the calling thread's namespace. */
    private static TapNic openHere(Builder b) throws IOException {
        String where = b.namespace != null ? " in network namespace '" + b.namespace.name() + "'" : "";
        InterfaceControl control = InterfaceControl.open();
        List<TapFile> files = new ArrayList<>();
        try {
            boolean exists = !b.name.contains("%") && control.exists(b.name);
            if (exists && b.existing == Existing.CREATE) {
                throw new IOException("an interface named '" + b.name + "' already exists" + where
                        + ": pick another name, or attach to it (Existing.ATTACH)");
            }
            if (!exists && b.existing == Existing.ATTACH) {
                throw new IOException("no interface named '" + b.name + "'" + where + " to attach to"
                        + " (create it with: ip tuntap add dev " + b.name + " mode tap"
                        + (b.multiQueue ? " multi_queue" : "") + ")");
            }
            boolean create = !exists;
            TapFile first = TapFile.open(b.name, b.multiQueue, create, b.offloads, b.segmentation);
            files.add(first);
            String name = first.name();
            for (int i = 1; i < b.queues; i++) {
                files.add(TapFile.open(name, b.multiQueue, false, b.offloads, b.segmentation));
            }
            if (b.kernelMac != null) {
                control.setHardwareAddress(name, b.kernelMac);
            }
            if (b.mtu > 0) {
                control.setMtu(name, b.mtu);
            }
            if (b.kernelQueueFrames > 0) {
                control.setTxQueueLength(name, b.kernelQueueFrames);
            }
            if (!b.kernelIpv6) {
                disableIpv6(name);
            }
            if (b.kernelAddress != null) {
                control.setIpv4(name, b.kernelAddress);
            }
            if (b.up) {
                control.setUp(name, true);
            }
            MacAddress kernelMac = control.hardwareAddress(name);
            MacAddress mac = b.mac;
            if (mac == null) {
                do {
                    mac = MacAddress.randomLocal(b.random);
                } while (mac.equals(kernelMac));
            } else if (mac.equals(kernelMac)) {
                throw new IllegalArgumentException("the stack's MAC " + mac + " is the kernel side's MAC of " + name
                        + ": the two ends of a TAP device need different addresses");
            }
            return new TapNic(name, b.namespace, control, files, mac, kernelMac, b.multiQueue, create, control.mtu(name),
                    b.offloads, b.segmentation, b.fillReceivedChecksums);
        } catch (IOException | RuntimeException | Error e) {
            for (TapFile f : files) {
                f.close();
            }
            control.close();
            throw e;
        }
    }

    /**
     * Turns IPv6 off on the kernel side, so that it does not send router solicitations and MLD
     * reports at an IPv4-only stack. /proc/sys/net shows the namespace of the thread that looks,
     * which here is the one inside the device's namespace.
     */
    private static void disableIpv6(String name) throws IOException {
        Path knob = Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6");
        try {
            Files.writeString(knob, "1", StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            // A kernel without IPv6 sends no IPv6 either.
        }
    }

    /** Configures and opens a {@link TapNic}. */
    public static final class Builder {
        private String name = "pmx%d";
        private NetworkNamespace namespace;
        private int queues = 1;
        private boolean multiQueue = true;
        private Existing existing = Existing.CREATE;
        private int mtu;
        private int kernelQueueFrames;
        private MacAddress mac;
        private MacAddress kernelMac;
        private Ipv4Cidr kernelAddress;
        private boolean up = true;
        private boolean kernelIpv6 = true;
        private boolean offloads;
        private boolean segmentation = true;
        private boolean fillReceivedChecksums;
        private RandomGenerator random = new SecureRandom();

        private Builder() {
        }

        /**
         * The interface name, at most 15 bytes; {@code %d} lets the kernel pick a free number
         * ({@code pmx%d}, the default, becomes {@code pmx0}, {@code pmx1}...).
         */
        public Builder name(String name) {
            IfReq.checkName(name);
            this.name = name;
            return this;
        }

        /** Makes (or finds) the device inside {@code ns}; by default, in the JVM's own namespace. */
        public Builder namespace(NetworkNamespace ns) {
            this.namespace = Objects.requireNonNull(ns);
            return this;
        }

        /** Queue pairs to open, one per shard (1 to 256). */
        public Builder queues(int n) {
            if (n < 1 || n > TapFile.MAX_TAP_QUEUES) {
                throw new IllegalArgumentException("a TAP device has 1 to " + TapFile.MAX_TAP_QUEUES + " queues, not " + n);
            }
            this.queues = n;
            return this;
        }

        /**
         * Opens the device with IFF_MULTI_QUEUE (the default, needed for more than one queue).
         * Turn it off only to attach to a single-queue device made by someone else.
         */
        public Builder multiQueue(boolean on) {
            this.multiQueue = on;
            return this;
        }

        public Builder existing(Existing what) {
            this.existing = Objects.requireNonNull(what);
            return this;
        }

        /** Sets the device's MTU; by default it is left as the kernel made it (1500). */
        public Builder mtu(int mtu) {
            if (mtu < 68 || mtu > 65521) {
                throw new IllegalArgumentException("a TAP device's MTU is 68 to 65521, not " + mtu);
            }
            this.mtu = mtu;
            return this;
        }

        /**
         * How many frames the kernel queues toward the stack before it drops them (the device's
         * {@code txqueuelen}: each queue's ring is this long); by default the kernel's (1000 here).
         * What the kernel drops because the stack has not read its queue yet is counted only on the
         * kernel's side, in the device's {@code tx_dropped}. A deeper queue rides out bursts that
         * arrive while a shard is not running (a loaded machine): 10,000 connections opened and
         * reset by 500 clients at once lost 436 to 3,172 frames, RSTs among them, at 1,000 frames
         * and none in two runs at 8,192 (netty's BadPeersOverTapTest, load 20). The cost is kernel
         * memory only while frames wait, and their wait.
         */
        public Builder kernelQueueFrames(int frames) {
            if (frames < 1) {
                throw new IllegalArgumentException("a TAP device's queue holds at least 1 frame, not " + frames);
            }
            this.kernelQueueFrames = frames;
            return this;
        }

        /** The stack's MAC; by default a random locally administered unicast address. */
        public Builder mac(MacAddress mac) {
            if (mac.isMulticast() || mac.equals(MacAddress.ZERO)) {
                throw new IllegalArgumentException("the stack's MAC must be unicast and non-zero: " + mac);
            }
            this.mac = mac;
            return this;
        }

        /** The kernel side's MAC; by default the random one the kernel gave the device. */
        public Builder kernelMac(MacAddress mac) {
            this.kernelMac = Objects.requireNonNull(mac);
            return this;
        }

        /** Gives the kernel side an IPv4 address, {@code "10.7.0.1/24"}; by default it has none. */
        public Builder kernelAddress(String cidr) {
            this.kernelAddress = Ipv4Cidr.parse(cidr);
            return this;
        }

        public Builder kernelAddress(Ipv4Cidr cidr) {
            this.kernelAddress = Objects.requireNonNull(cidr);
            return this;
        }

        /** Brings the interface up (the default): a TAP device that is down refuses writes with EIO. */
        public Builder up(boolean up) {
            this.up = up;
            return this;
        }

        /**
         * Leaves IPv6 on for the kernel side (the default) or turns it off, which stops the router
         * solicitations and MLD reports the kernel otherwise sends on a new interface.
         */
        public Builder kernelIpv6(boolean on) {
            this.kernelIpv6 = on;
            return this;
        }

        /**
         * Opens the device with a virtio-net header on every frame and the kernel's checksum and
         * TCP segmentation offloads (IFF_VNET_HDR, TUNSETOFFLOAD): off by default. A device that
         * exists already must have been made with the same setting ({@code ip tuntap ... vnet_hdr}).
         */
        public Builder offloads(boolean on) {
            this.offloads = on;
            return this;
        }

        /**
         * With offloads: whether TCP segmentation is offloaded too (on by default). Off leaves the
         * checksum offloads alone: the stack sends no super-segment, and the kernel hands over no
         * coalesced one (TUNSETOFFLOAD without TSO4/TSO6), every frame at most the MTU, as on a veth
         * pair with TSO, GSO and GRO off but checksum offload on (its default).
         */
        public Builder segmentation(boolean on) {
            this.segmentation = on;
            return this;
        }

        /**
         * With offloads: computes, into the frame, the TCP/UDP checksums the kernel left undone
         * (NEEDS_CSUM) on what it sends us, for whoever reads the field (a capture, a forwarder).
         * Off by default: the stack does not need them (the frames never crossed a wire).
         */
        public Builder fillReceivedChecksums(boolean on) {
            this.fillReceivedChecksums = on;
            return this;
        }

        /** The source of the random stack MAC (tests make it reproducible). */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random);
            return this;
        }

        /**
         * Creates or attaches the device and configures it. Errors name the cause: no
         * {@code /dev/net/tun}, missing privileges, a name in use, a missing namespace.
         */
        public TapNic open() throws IOException {
            return TapNic.open(this);
        }

        /** {@link #open()} for callers that cannot handle {@link IOException}. */
        public TapNic openUnchecked() {
            try {
                return open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
