package io.panamax.nic.tap;

import io.panamax.nic.NicQueue;
import io.panamax.nic.QueueStats;
import io.panamax.nic.linux.Errno;
import io.panamax.nic.linux.Libc;
import io.panamax.nic.linux.Pollable;
import io.panamax.nic.offload.SoftwareChecksum;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.BufferPool;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One queue of a {@link TapNic}: a non-blocking {@code /dev/net/tun} file descriptor polled by
 * one shard.
 *
 * <p>Receive reads frames one {@code read(2)} each, straight into buffers of the shard's pool
 * (after the pool's headroom, so upper layers can prepend in place), until the burst is full or
 * the kernel says EAGAIN. Transmit writes each packet from its own fragment memory: one
 * {@code write(2)} for a single fragment, one {@code writev(2)} over a reused iovec array for a
 * chain. Nothing here allocates Java objects per frame, takes a lock or does an atomic
 * read-modify-write; the native scratch (errno capture, iovecs) is made once per queue.
 *
 * <p>Failures are counted, never thrown on the data path: see {@link QueueStats} for how many and
 * {@link TapCounters} for why.
 */
public final class TapQueue implements NicQueue, Pollable {
    /** The largest frame a TAP device with offloads hands over: an IPv4 packet of 64 KB and a tagged Ethernet header. */
    static final int MAX_COALESCED_FRAME = 65535 + 14 + 4;
    /** Ethernet header: destination, source, EtherType. */
    static final int ETH_HLEN = 14;
    /** Room for one 802.1Q tag beyond the MTU and the header. */
    static final int VLAN_HLEN = 4;
    private static final int INITIAL_IOVECS = 16;

    private final TapNic nic;
    private final int id;
    private final TapFile file;
    private final QueueStats stats = new QueueStats();
    private final TapCounters counters = new TapCounters();
    // Per-queue native scratch. Arena.ofAuto: freed when the queue is unreachable, never while a
    // shard may still be inside a system call with these addresses.
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment errno = arena.allocate(Errno.LAYOUT);
    private MemorySegment iovecs = arena.allocate((long) Libc.IOVEC_BYTES * INITIAL_IOVECS, 8);
    private int iovecCapacity = INITIAL_IOVECS;

    private volatile int fd;
    private PacketPool packets;
    private BufferPool buffers;
    private int headroom;
    private int room;

    // ---- with offloads (IFF_VNET_HDR): a virtio-net header before every frame ----
    private final boolean vnet;
    private final boolean fillReceivedChecksums;
    private final MemorySegment rxHeader;
    private final MemorySegment txHeader;
    /**
     * Receive: iovec 0 is {@link #rxHeader}, iovecs 1.. are the buffers in {@link #spares}, enough
     * for the largest frame the kernel hands over (a 64 KB coalesced super-segment). A frame takes
     * the buffers it filled; only those are replaced before the next read.
     */
    private MemorySegment rxIovecs;
    private Buffer[] spares;
    private int bufferSize;

    TapQueue(TapNic nic, int id, TapFile file, boolean vnet, boolean fillReceivedChecksums) {
        this.nic = nic;
        this.id = id;
        this.file = file;
        this.fd = file.fd();
        this.vnet = vnet;
        this.fillReceivedChecksums = fillReceivedChecksums;
        this.rxHeader = vnet ? arena.allocate(VirtioNetHeader.LENGTH, 8) : null;
        this.txHeader = vnet ? arena.allocate(VirtioNetHeader.LENGTH, 8) : null;
    }

    @Override
    public int id() {
        return id;
    }

    public TapNic nic() {
        return nic;
    }

    /**
     * The queue's {@code /dev/net/tun} descriptor, readable when a frame waits: what an idle shard
     * would {@code poll(2)} on (see docs/tap.md). -1 once the NIC is closed.
     */
    @Override
    public int fileDescriptor() {
        return fd;
    }

    /** The same descriptor as {@link #fileDescriptor()}: readable while a frame waits in the kernel. */
    @Override
    public int readyDescriptor() {
        return fd;
    }

    @Override
    public QueueStats stats() {
        return stats;
    }

    /** Why frames were dropped or refused on this queue. */
    public TapCounters counters() {
        return counters;
    }

    /**
     * Binds the queue to {@code packets} (and its buffer pool). Fails if a buffer, after the
     * pool's headroom, cannot hold a full frame at the device's MTU (plus one VLAN tag) and one
     * spare byte, since every such frame would be truncated and dropped. On a shard, also publishes the counters in
     * its metrics.
     */
    @Override
    public void attach(PacketPool packets) {
        BufferPool pool = packets.buffers();
        int frameRoom = pool.bufferSize() - pool.headroom();
        // One byte more than the largest frame: a read that fills the buffer means truncation.
        int needed = nic.mtu() + ETH_HLEN + VLAN_HLEN + 1;
        if (vnet) {
            // A frame may span buffers: the largest is a coalesced IPv4 packet of 64 KB, or without
            // segmentation offload a frame of the MTU.
            int largest = nic.segmentation() ? MAX_COALESCED_FRAME : nic.mtu() + ETH_HLEN + VLAN_HLEN;
            int slots = 1 + Math.max(0, (largest + 1 - frameRoom + pool.bufferSize() - 1) / pool.bufferSize());
            rxIovecs = arena.allocate((long) Libc.IOVEC_BYTES * (slots + 1), 8);
            rxIovecs.set(ValueLayout.JAVA_LONG, 0, rxHeader.address());
            rxIovecs.set(ValueLayout.JAVA_LONG, 8, VirtioNetHeader.LENGTH);
            spares = new Buffer[slots];
            bufferSize = pool.bufferSize();
            needed = Math.min(needed, frameRoom);
        }
        if (frameRoom < needed) {
            throw new IllegalArgumentException("buffers of " + pool.bufferSize() + " bytes with " + pool.headroom()
                    + " of headroom leave " + frameRoom + " bytes per frame; " + nic.name() + " has MTU " + nic.mtu()
                    + " and needs " + needed + " (frame, VLAN tag, one spare byte to detect truncation):"
                    + " make the buffers larger or the MTU smaller");
        }
        Buffer probe = pool.allocate();
        if (probe != null) {
            boolean nativeMemory = probe.memory().isNative();
            probe.release();
            if (!nativeMemory) {
                throw new IllegalArgumentException("the TAP backend reads into native buffers; this pool's are on the heap");
            }
        }
        this.packets = packets;
        this.buffers = pool;
        this.headroom = pool.headroom();
        this.room = frameRoom;
        Shard shard = packets.owner();
        if (shard != null && shard.isCurrent()) {
            stats.register(shard.metrics(), nic.name(), id);
            counters.register(shard.metrics(), nic.name(), id);
        }
    }

    @Override
    public int receive(Packet[] out, int max) {
        PacketPool pp = packets;
        if (pp == null) {
            throw new IllegalStateException(nic.name() + " queue " + id + " polled before attach()");
        }
        int f = fd;
        if (f < 0) {
            return 0;
        }
        if (vnet) {
            return receiveWithHeader(pp, f, out, max);
        }
        BufferPool pool = buffers;
        int n = 0;
        long bytes = 0;
        while (n < max) {
            Buffer b = pool.allocate();
            if (b == null) {
                counters.rxNoBuffer.increment();
                break;
            }
            long got = Libc.read(errno, f, b.memory().address() + headroom, room);
            if (got < 0) {
                b.release();
                readFailed();
                break;
            }
            if (got >= room) {
                // The kernel returns at most what it was asked for, even when the frame was longer
                // and is lost beyond that: a read that fills the buffer is a truncated frame. The
                // attach check keeps every frame within the MTU at least a byte short of that.
                b.release();
                stats.rxErrors.increment();
                counters.rxTruncated.increment();
                continue;
            }
            if (got < ETH_HLEN) {
                b.release();
                stats.rxErrors.increment();
                counters.rxRunts.increment();
                continue;
            }
            Packet p = pp.allocate();
            p.append(b, headroom, (int) got);
            out[n++] = p;
            bytes += got;
        }
        return received(n, bytes);
    }

    /**
     * Receive with offloads: one {@code readv} per frame into the virtio-net header and a chain of
     * buffers. What the header says becomes the packet's flags: {@code DATA_VALID} (the kernel
     * verified the checksum) and {@code NEEDS_CSUM} (the frame comes from this host's own stack,
     * whose checksum was never computed because no wire lies between) both mean the TCP/UDP
     * checksum need not be checked, as Linux itself treats CHECKSUM_PARTIAL on receive; with
     * {@code fillReceivedChecksums} the missing checksum is also computed into the frame, for
     * consumers that read it (captures, forwarding). A super-segment ({@code gso_type} TCPV4/6) is
     * handed up whole: its IP and TCP headers describe all of its payload.
     */
    private int receiveWithHeader(PacketPool pp, int f, Packet[] out, int max) {
        int n = 0;
        long bytes = 0;
        while (n < max) {
            int ready = refillSpares();
            if (ready == 0) {
                counters.rxNoBuffer.increment();
                break;
            }
            long got = Libc.readv(errno, f, rxIovecs.address(), ready + 1);
            if (got < 0) {
                readFailed();
                break;
            }
            int len = (int) (got - VirtioNetHeader.LENGTH);
            if (len >= roomOf(ready)) {
                // Truncated (see receive): the buffers stay where they are for the next read.
                stats.rxErrors.increment();
                counters.rxTruncated.increment();
                continue;
            }
            if (len < ETH_HLEN) {
                stats.rxErrors.increment();
                counters.rxRunts.increment();
                continue;
            }
            int hflags = VirtioNetHeader.flags(rxHeader);
            int csumStart = VirtioNetHeader.csumStart(rxHeader);
            int csumOffset = VirtioNetHeader.csumOffset(rxHeader);
            if ((hflags & VirtioNetHeader.F_NEEDS_CSUM) != 0 && csumStart + csumOffset + 2 > len) {
                // The checksum it asks for lies outside the frame: nothing sane to fill or trust.
                stats.rxErrors.increment();
                counters.rxBadHeader.increment();
                continue;
            }
            Packet p = pp.allocate();
            int left = len;
            int take = Math.min(left, room);
            p.append(spares[0], headroom, take);
            spares[0] = null;
            left -= take;
            for (int k = 1; left > 0; k++) {
                take = Math.min(left, bufferSize);
                p.append(spares[k], 0, take);
                spares[k] = null;
                left -= take;
            }
            if ((hflags & VirtioNetHeader.F_DATA_VALID) != 0) {
                p.addFlags(Packet.RX_L4_CHECKSUM_GOOD);
            } else if ((hflags & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
                if (fillReceivedChecksums) {
                    int field = csumStart + csumOffset;
                    p.setU16(field, ~SoftwareChecksum.fold(SoftwareChecksum.sum(p, csumStart, len - csumStart)) & 0xffff);
                    counters.rxChecksumsFilled.increment();
                }
                p.addFlags(Packet.RX_L4_CHECKSUM_GOOD);
            }
            if (VirtioNetHeader.gsoType(rxHeader) != VirtioNetHeader.GSO_NONE) {
                counters.rxCoalesced.increment();
            }
            out[n++] = p;
            bytes += len;
        }
        return received(n, bytes);
    }

    /** A failed read: EAGAIN (nothing waiting) and EINTR end the burst quietly, anything else is counted. */
    private void readFailed() {
        int e = Errno.get(errno);
        if (e != Errno.EAGAIN && e != Errno.EINTR) {
            stats.rxErrors.increment();
            counters.rxReadErrors.increment();
            counters.recordErrno(e);
        }
    }

    private int received(int n, long bytes) {
        if (n > 0) {
            stats.rxPackets.add(n);
            stats.rxBytes.add(bytes);
        }
        return n;
    }

    /** Bytes the first {@code ready} spare buffers hold. */
    private long roomOf(int ready) {
        return room + (long) (ready - 1) * bufferSize;
    }

    /**
     * Puts a buffer back in every empty spare slot, from the first, and points its iovec at it;
     * returns how many slots from the first are ready (fewer than all when the pool runs dry).
     */
    private int refillSpares() {
        Buffer[] s = spares;
        MemorySegment iov = rxIovecs;
        for (int k = 0; k < s.length; k++) {
            if (s[k] != null) {
                continue;
            }
            Buffer b = buffers.allocate();
            if (b == null) {
                return k;
            }
            s[k] = b;
            long at = (long) (k + 1) * Libc.IOVEC_BYTES;
            iov.set(ValueLayout.JAVA_LONG, at, b.memory().address() + (k == 0 ? headroom : 0));
            iov.set(ValueLayout.JAVA_LONG, at + 8, k == 0 ? room : bufferSize);
        }
        return s.length;
    }

    /** Gives the spare receive buffers back to the shard's pool (on the shard, after the last poll). */
    @Override
    public void detach() {
        if (spares != null) {
            for (int k = 0; k < spares.length; k++) {
                if (spares[k] != null) {
                    spares[k].release();
                    spares[k] = null;
                }
            }
        }
    }

    @Override
    public int transmit(Packet[] out, int count) {
        int f = fd;
        if (f < 0) {
            // Closed under a shard that should have stopped polling: drop rather than leak.
            for (int i = 0; i < count; i++) {
                out[i].release();
            }
            stats.txDrops.add(count);
            return count;
        }
        int i = 0;
        long bytes = 0;
        int sent = 0;
        for (; i < count; i++) {
            Packet p = out[i];
            int len = p.length();
            long wrote;
            if (vnet) {
                wrote = prepareHeader(p) ? writeChain(f, p) : REJECTED;
                if (wrote >= 0) {
                    wrote -= VirtioNetHeader.LENGTH;
                }
            } else {
                wrote = p.fragmentCount() == 1 ? writeSingle(f, p) : writeChain(f, p);
            }
            if (wrote == len) {
                sent++;
                bytes += len;
                p.release();
                continue;
            }
            if (wrote == REJECTED) {
                // Counted where it was refused.
            } else if (wrote < 0) {
                int e = Errno.get(errno);
                if (e == Errno.EAGAIN || e == Errno.ENOBUFS) {
                    // The device is full for now: the caller keeps this packet and the rest.
                    break;
                }
                countTxFailure(e);
            } else {
                // A TAP write is all or nothing per frame; anything else is an error, not a retry.
                counters.txWriteErrors.increment();
                stats.txErrors.increment();
            }
            p.release();
        }
        if (sent > 0) {
            stats.txPackets.add(sent);
            stats.txBytes.add(bytes);
        }
        return i;
    }

    /** A sentinel from the write helpers: the frame was refused before any system call (counted). */
    private static final long REJECTED = Long.MIN_VALUE;

    private long writeSingle(int f, Packet p) {
        MemorySegment memory = p.fragmentMemory(0);
        if (!memory.isNative()) {
            reject();
            return REJECTED;
        }
        return Libc.write(errno, f, memory.address() + p.fragmentOffset(0), p.fragmentLength(0));
    }

    /** One {@code writev}: the virtio-net header first when offloads are on, then every fragment. */
    private long writeChain(int f, Packet p) {
        int frags = p.fragmentCount();
        if (frags == 0) {
            reject();
            return REJECTED;
        }
        int first = vnet ? 1 : 0;
        int total = frags + first;
        if (total > iovecCapacity && !growIovecs(total)) {
            reject();
            return REJECTED;
        }
        MemorySegment iov = iovecs;
        if (vnet) {
            iov.set(ValueLayout.JAVA_LONG, 0, txHeader.address());
            iov.set(ValueLayout.JAVA_LONG, 8, VirtioNetHeader.LENGTH);
        }
        for (int k = 0; k < frags; k++) {
            MemorySegment memory = p.fragmentMemory(k);
            if (!memory.isNative()) {
                reject();
                return REJECTED;
            }
            long at = (long) (k + first) * Libc.IOVEC_BYTES;
            iov.set(ValueLayout.JAVA_LONG, at, memory.address() + p.fragmentOffset(k));
            iov.set(ValueLayout.JAVA_LONG, at + 8, p.fragmentLength(k));
        }
        return Libc.writev(errno, f, iov.address(), total);
    }

    /**
     * Fills {@link #txHeader} with what {@code p} asks of the NIC: a TCP or UDP checksum to
     * complete ({@code NEEDS_CSUM} from the transport header to the end, the field holding the
     * pseudo-header sum as the kernel expects), a TCP super-segment to cut ({@code gso_type},
     * {@code gso_size}: the kernel segments it, or delivers it whole to its own stack). The IPv4
     * header checksum, which a TAP device does not offload, is computed here if asked for. False
     * (counted) when the packet is not the IPv4 or IPv6 frame its flags say.
     */
    private boolean prepareHeader(Packet p) {
        int pf = p.flags();
        if ((pf & TX_OFFLOADS) == 0) {
            VirtioNetHeader.write(txHeader, 0, VirtioNetHeader.GSO_NONE, 0, 0, 0, 0);
            return true;
        }
        if ((pf & Packet.TX_IP_CHECKSUM) != 0 && !SoftwareChecksum.fill(p, Packet.TX_IP_CHECKSUM)) {
            counters.txBadOffload.increment();
            stats.txErrors.increment();
            return false;
        }
        if ((pf & TX_L4_OFFLOADS) == 0) {
            VirtioNetHeader.write(txHeader, 0, VirtioNetHeader.GSO_NONE, 0, 0, 0, 0);
            return true;
        }
        int l2 = p.l2Length() > 0 ? p.l2Length() : SoftwareChecksum.ethernetHeaderLength(p);
        int l3 = l2 < 0 || l2 >= p.length() ? -1 : p.l3Length() > 0 ? p.l3Length() : (p.getU8(l2) & 0x0f) * 4;
        boolean tcp = (pf & (Packet.TX_TCP_CHECKSUM | Packet.TX_TCP_SEGMENTATION)) != 0;
        int l4 = l2 + l3;
        if (l3 < SoftwareChecksum.IPV4_MIN_HEADER || l4 + (tcp ? SoftwareChecksum.TCP_MIN_HEADER : SoftwareChecksum.UDP_HEADER) > p.length()) {
            counters.txBadOffload.increment();
            stats.txErrors.increment();
            return false;
        }
        int gsoType = VirtioNetHeader.GSO_NONE;
        int gsoSize = 0;
        int headers = 0;
        if ((pf & Packet.TX_TCP_SEGMENTATION) != 0) {
            headers = l4 + (p.getU8(l4 + TCP_DATA_OFFSET) >>> 4) * 4;
            int mss = p.segmentSize();
            if (mss > 0 && p.length() - headers > mss) {
                // The IP version nibble tells the kernel's segmentation which header to rewrite.
                gsoType = (p.getU8(l2) >>> 4) == IP_VERSION_6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4;
                gsoSize = mss;
                counters.txSegmentationOffloaded.increment();
            }
        }
        VirtioNetHeader.write(txHeader, VirtioNetHeader.F_NEEDS_CSUM, gsoType, headers, gsoSize, l4,
                tcp ? SoftwareChecksum.TCP_CHECKSUM : SoftwareChecksum.UDP_CHECKSUM);
        return true;
    }

    private static final int TX_L4_OFFLOADS = Packet.TX_TCP_CHECKSUM | Packet.TX_UDP_CHECKSUM | Packet.TX_TCP_SEGMENTATION;
    private static final int TX_OFFLOADS = TX_L4_OFFLOADS | Packet.TX_IP_CHECKSUM;
    /** RFC 8200 3: an IPv6 header's Version field (its l3 length, 40, is set by the IPv6 layer). */
    private static final int IP_VERSION_6 = 6;
    /** RFC 9293 3.1: the TCP header's Data Offset is the high nibble of byte 12. */
    private static final int TCP_DATA_OFFSET = 12;

    /** Makes room for {@code frags} iovecs (rare: a long chain); false beyond IOV_MAX. */
    private boolean growIovecs(int frags) {
        if (frags > Libc.IOV_MAX) {
            return false;
        }
        int n = Math.min(Libc.IOV_MAX, Math.max(frags, iovecCapacity * 2));
        iovecs = arena.allocate((long) Libc.IOVEC_BYTES * n, 8);
        iovecCapacity = n;
        return true;
    }

    private void reject() {
        counters.txRejected.increment();
        stats.txErrors.increment();
    }

    private void countTxFailure(int e) {
        stats.txErrors.increment();
        counters.recordErrno(e);
        switch (e) {
            case Errno.EIO, Errno.ENETDOWN -> counters.txLinkDown.increment();
            case Errno.EINVAL, Errno.EMSGSIZE, Errno.EFAULT -> counters.txRejected.increment();
            default -> counters.txWriteErrors.increment();
        }
    }

    /** Sets the device's carrier through this queue's file. */
    void setCarrier(boolean on) throws java.io.IOException {
        file.setCarrier(on);
    }

    /** Closes the descriptor; later receives return nothing and transmits drop (counted). */
    void close() {
        if (fd >= 0) {
            fd = -1;
            file.close();
        }
    }

    @Override
    public String toString() {
        return nic.name() + "/queue " + id;
    }
}
