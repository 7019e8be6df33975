package io.panamax.nic.tap;

import io.panamax.nic.NicQueue;
import io.panamax.nic.QueueStats;
import io.panamax.nic.linux.Errno;
import io.panamax.nic.linux.Libc;
import io.panamax.nic.linux.Pollable;
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

    TapQueue(TapNic nic, int id, TapFile file) {
        this.nic = nic;
        this.id = id;
        this.file = file;
        this.fd = file.fd();
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
                int e = Errno.get(errno);
                if (e != Errno.EAGAIN && e != Errno.EINTR) {
                    stats.rxErrors.increment();
                    counters.rxReadErrors.increment();
                    counters.recordErrno(e);
                }
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
        if (n > 0) {
            stats.rxPackets.add(n);
            stats.rxBytes.add(bytes);
        }
        return n;
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
            long wrote = p.fragmentCount() == 1 ? writeSingle(f, p) : writeChain(f, p);
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

    private long writeChain(int f, Packet p) {
        int frags = p.fragmentCount();
        if (frags == 0) {
            reject();
            return REJECTED;
        }
        if (frags > iovecCapacity && !growIovecs(frags)) {
            reject();
            return REJECTED;
        }
        MemorySegment iov = iovecs;
        for (int k = 0; k < frags; k++) {
            MemorySegment memory = p.fragmentMemory(k);
            if (!memory.isNative()) {
                reject();
                return REJECTED;
            }
            long at = (long) k * Libc.IOVEC_BYTES;
            iov.set(ValueLayout.JAVA_LONG, at, memory.address() + p.fragmentOffset(k));
            iov.set(ValueLayout.JAVA_LONG, at + 8, p.fragmentLength(k));
        }
        return Libc.writev(errno, f, iov.address(), frags);
    }

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
