package io.panamax.nic.dpdk;

import io.panamax.dpdk.EthBurst;
import io.panamax.dpdk.Mbuf;
import io.panamax.dpdk.RawMemory;
import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.nic.NicQueue;
import io.panamax.nic.QueueStats;
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
 * One queue pair of a {@link DpdkNic}, polled by one shard.
 *
 * <p>Receive: one {@code rx_pkt_burst} downcall fills a native array with mbuf pointers; each mbuf
 * becomes a pooled {@link Packet} over the mbuf's pre-made {@link Buffer} wrapper, with the
 * device's checksum verdicts and RSS hash as packet flags. No copy, no Java allocation. Mbufs that
 * are not from this queue's pool (a loopback device fed by another pool) or that carry external
 * data are copied; malformed ones are dropped and counted.
 *
 * <p>Transmit: a single-fragment packet whose buffer is an mbuf of a pool this shard owns (this
 * queue's, or another port's polled by the same shard), and which no driver holds already, goes
 * as is: the mbuf's fields are set to the fragment and the checksum
 * offload request. When the stack holds the only reference the driver simply becomes the owner;
 * when other references remain (a retransmission queue), the mbuf's {@code refcnt} gains the
 * driver's reference. Every other packet is gathered into fresh mbufs (a chain when the device
 * sends chains). Checksums the device cannot compute are computed here first
 * ({@link SoftwareChecksum}). Packets the device does not take stay with the caller, their mbufs
 * restored.
 *
 * <p>Not thread-safe: one shard's thread only, and only between {@link DpdkNic#open} and
 * {@link DpdkNic#close}.
 */
public final class DpdkQueue implements NicQueue {
    /** Most frames moved in one call of {@link #receive} or {@link #transmit}. */
    public static final int MAX_BURST = 256;

    private static final long NO_MBUF = 0;
    private static final long DROP_EMPTY = -1;
    private static final long DROP_OVERSIZE = -2;
    private static final long DROP_BAD_OFFLOAD = -3;
    /**
     * How a prepared mbuf left: gathered copy, the stack's only reference lent (a packet another
     * shard lent, whose buffer goes back through its pool), a shared reference, or the packet's
     * only reference handed over (its wrapper freed at once, {@link Packet#releaseHandedOver()}).
     */
    private static final byte COPIED = 0;
    private static final byte LENT = 1;
    private static final byte SHARED = 2;
    private static final byte HANDED_OVER = 3;
    /** What happened to packet i of a transmit call. */
    private static final byte FATE_SENT = 0;
    private static final byte FATE_EMPTY = 1;
    private static final byte FATE_OVERSIZE = 2;
    private static final byte FATE_BAD_OFFLOAD = 3;
    /** Sent with the packet's only buffer reference handed to the driver ({@link #HANDED_OVER}). */
    private static final byte FATE_HANDED_OVER = 5;
    /** Largest frame gathered into an mbuf chain. */
    private static final int MAX_FRAME = 0xffff;
    private static final int IPV4_CHECKSUM = 10;
    private static final int IPV4_SOURCE = 12;
    private static final int IPV4_PROTOCOL_TCP = 6;
    /** RFC 9293 3.1: the TCP header's Data Offset is the high nibble of byte 12. */
    private static final int TCP_DATA_OFFSET = 12;
    private static final long DROP_TOO_MANY_SEGMENTS = -4;
    /** From {@link #segmentation}: one segment's worth, sent with checksum offloads only. */
    private static final long NOT_SEGMENTED = Long.MAX_VALUE;
    private static final byte FATE_TOO_MANY_SEGMENTS = 4;
    /** Packet flags that ask the device for work on transmit. */
    private static final int TX_REQUESTS = OffloadFlags.TX_CHECKSUM_FLAGS | Packet.TX_TCP_SEGMENTATION;

    /**
     * Whether the mbuf's {@code data_off}, {@code refcnt}, {@code nb_segs} (16 bits each, DPDK's
     * {@code rearm_data}) and {@code pkt_len} (32), {@code data_len} (16) lie as a little-endian
     * {@code toPacket} reads them, in one 64-bit load each: DPDK 22.11's layout on x86-64 and arm64.
     * Two loads instead of five per received frame (each load of a field through the address-space
     * segment is a bounds check and a load).
     */
    static final boolean REARM_AND_LENGTHS_PACKED = Mbuf.REFCNT == Mbuf.DATA_OFF + 2 && Mbuf.NB_SEGS == Mbuf.DATA_OFF + 4
            && Mbuf.DATA_LEN == Mbuf.PKT_LEN + 4 && java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    static {
        if (!REARM_AND_LENGTHS_PACKED) {
            throw new ExceptionInInitializerError("struct rte_mbuf is not laid out as DPDK 22.11's on a little-endian CPU");
        }
    }

    private final DpdkNic nic;
    private final int id;
    private final int port;
    private final MbufPool mempool;
    private final OffloadFlags.Tx txOffloads;
    private final boolean chainsOnTx;
    /** The device's TSO and its driver's limits; null without TSO. */
    private final Tso tso;
    private final QueueStats stats = new QueueStats();
    private final DpdkQueueCounters counters = new DpdkQueueCounters();
    private final long rxArray;
    private final long txArray;
    private final MemorySegment freeTable;
    private final byte[] txMode = new byte[MAX_BURST];
    private final int[] txSource = new int[MAX_BURST];
    private final byte[] fate = new byte[MAX_BURST];

    private EthBurst rx;
    private EthBurst tx;
    private volatile boolean stopped = true;
    private PacketPool packets;
    private MbufBufferPool pool;
    private boolean registered;
    /** The shard thread's DPDK lcore id while this queue uses its mempool cache ({@link LcoreCache}), else -1. */
    private int lcore = -1;
    /** The queue's AF_XDP socket on net_af_xdp (readable while its RX ring holds a frame), else -1. */
    private int xdpSocket = -1;
    private boolean cheapEmptyPoll;
    /** Second result of {@link #requestOffloads}: the frame's {@code tx_offload}. */
    private long requestedTxOffload;

    DpdkQueue(DpdkNic nic, int id, int port, MbufPool mempool, OffloadFlags.Tx txOffloads, boolean chainsOnTx, Tso tso) {
        this.nic = nic;
        this.tso = tso;
        this.id = id;
        this.port = port;
        this.mempool = mempool;
        this.txOffloads = txOffloads;
        this.chainsOnTx = chainsOnTx;
        Arena arena = Arena.ofAuto();
        this.rxArray = arena.allocate(ValueLayout.JAVA_LONG, MAX_BURST).address();
        this.txArray = arena.allocate(ValueLayout.JAVA_LONG, MAX_BURST).address();
        this.freeTable = arena.allocate(ValueLayout.JAVA_LONG, 1);
    }

    /** Binds the driver's burst functions; called once the port has started. */
    void start() {
        this.rx = EthBurst.rx(port, id);
        this.tx = EthBurst.tx(port, id);
        this.stopped = false;
    }

    /**
     * The last bursts' mbufs go back to the shard's pool: drivers that reap their transmit
     * completions only at the start of the next burst (net_af_xdp pulls its completion ring there)
     * would otherwise hold them past the stack's leak check. An empty burst sends nothing.
     */
    @Override
    public void detach() {
        if (!stopped && tx != null) {
            for (int i = 0; i < 4; i++) {
                tx.call(txArray, 0);
            }
        }
        releaseLcore();
    }

    /**
     * Sets the descriptor {@link #readyDescriptor()} gives, and whether an empty receive is free of
     * system calls ({@link #emptyPollIsCheap()}); on opening, before any shard polls.
     */
    void readyDescriptor(int fd, boolean emptyPollIsCheap) {
        this.xdpSocket = fd;
        this.cheapEmptyPoll = emptyPollIsCheap;
    }

    /**
     * True on net_af_xdp with {@code busy_budget=0}: an empty receive burst reads the RX ring's
     * producer index in shared memory and returns, so the shard spins on it before sleeping on the
     * socket ({@link io.panamax.reactor.IdlePolicy#waitSpinNanos()}).
     */
    @Override
    public boolean emptyPollIsCheap() {
        return cheapEmptyPoll;
    }

    /**
     * On net_af_xdp, the queue's AF_XDP socket: {@code poll(2)} reports it readable while its RX
     * ring holds a frame, and the kernel wakes a sleeping poller when it fills the ring, so an idle
     * shard sleeps on it instead of parking blind. Transmits need no wake-up: the driver kicks the
     * kernel in its transmit burst and reaps completions on the next one. -1 on other drivers, when
     * the socket was not found or {@link DpdkNicConfig#xdpSocketWait()} is off, and once stopped
     * (the driver closes the socket with the port).
     */
    @Override
    public int readyDescriptor() {
        return stopped ? -1 : xdpSocket;
    }

    /** Stops polling: later calls move nothing. */
    void stop() {
        this.stopped = true;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public void attach(PacketPool packets) {
        Shard owner = packets.owner();
        this.pool = mempool.bufferPool(owner);
        this.packets = packets;
        if (owner != null && !registered) {
            stats.register(owner.metrics(), nic.name(), id);
            counters.register(owner.metrics(), nic.name(), id);
            registered = true;
        }
        if (owner != null && lcore < 0 && mempool.cacheSize() > 0 && Shard.current() == owner) {
            // On the shard's thread: make it an lcore so the driver's allocations and frees use the
            // pool's cache for that lcore (-1 when DPDK refuses: the ring then, as before).
            lcore = LcoreCache.acquire();
            pool.useLcoreCache(mempool.lcoreCache(lcore));
        }
    }

    /** The shard thread's lcore id while this queue uses the mempool's lcore cache, else -1. */
    int lcore() {
        return lcore;
    }

    /**
     * Empties the shard thread's lcore cache of this queue's pool into the ring and gives the lcore
     * back, on the shard, once it will be polled no more: the mbufs would otherwise sit in a cache
     * no thread uses, out of the buffer pool's reach.
     */
    private void releaseLcore() {
        if (lcore < 0) {
            return;
        }
        LcoreCache.flush(mempool.lcoreCache(lcore), mempool.ops());
        pool.useLcoreCache(0);
        lcore = -1;
        LcoreCache.release();
    }

    /** The buffer pool over this queue's mbufs, once {@link #attach}ed or made by the reactor's factory. */
    public MbufBufferPool bufferPool() {
        return mempool.boundPool();
    }

    @Override
    public QueueStats stats() {
        return stats;
    }

    /** The counters by drop reason and transmit path. */
    public DpdkQueueCounters counters() {
        return counters;
    }

    // ---- receive ----------------------------------------------------------------------------------

    @Override
    public int receive(Packet[] out, int max) {
        if (stopped) {
            return 0;
        }
        checkAttached();
        int got = rx.call(rxArray, Math.min(Math.min(max, out.length), MAX_BURST));
        if (got > 0) {
            counters.rxBursts.increment();
        }
        int count = 0;
        long bytes = 0;
        for (int i = 0; i < got; i++) {
            Packet p = toPacket(RawMemory.getLong(rxArray + (long) i * Long.BYTES));
            if (p != null) {
                bytes += p.length();
                if (out[count] != p) { // as NicPoller's transmit queue: no store, no G1 barrier, when unchanged
                    out[count] = p;
                }
                count++;
            }
        }
        stats.rxPackets.add(count);
        stats.rxBytes.add(bytes);
        return count;
    }

    private Packet toPacket(long m) {
        // Two 64-bit loads for five fields (REARM_AND_LENGTHS_PACKED).
        long rearm = RawMemory.getLong(m + Mbuf.DATA_OFF);
        int segs = (int) (rearm >>> 32) & 0xffff;
        long ol = Mbuf.olFlags(m);
        Packet p;
        if (segs == 1 && (ol & OffloadFlags.EXTERNAL_OR_INDIRECT) == 0) {
            // The common case, read from the mbuf's first cache line only (a one-segment mbuf has
            // next == NULL: DPDK's invariant, which drivers keep).
            int off = (int) rearm & 0xffff;
            long lengths = RawMemory.getLong(m + Mbuf.PKT_LEN);
            int len = (int) (lengths >>> 32) & 0xffff;
            if (len == 0 || off + len > Mbuf.bufLen(m) || (int) lengths != len) {
                return dropMalformed(m);
            }
            Buffer b = pool.adopt(m);
            if (b == null) {
                b = adoptFromSiblingPool(m);
            }
            if (b != null) {
                p = packets.allocate(b, off, len);
            } else {
                p = copyChain(m, 1);
            }
        } else {
            p = toPacketSlow(m, segs);
        }
        if (p != null) {
            p.setFlags(OffloadFlags.rxFlags(ol));
            if (OffloadFlags.hasRssHash(ol)) {
                p.setRssHash(Mbuf.rssHash(m));
            }
        }
        return p;
    }

    /**
     * An mbuf of another pool this shard owns (a frame another port of this shard sent and a
     * loopback device delivered here): wrapped as well, no copy. Null for any other pool.
     */
    private Buffer adoptFromSiblingPool(long m) {
        MbufPool other = MbufPool.ofMempool(Mbuf.pool(m));
        MbufBufferPool bp = other == null ? null : other.boundPool();
        return bp != null && bp.owner() == pool.owner() ? bp.adopt(m) : null;
    }

    /** A chain of segments, or an mbuf whose data is not its own. */
    private Packet toPacketSlow(long m, int segs) {
        // Check the whole chain before touching anything: the driver's fields are input too.
        boolean ours = (Mbuf.olFlags(m) & OffloadFlags.EXTERNAL_OR_INDIRECT) == 0;
        long seg = m;
        long total = 0;
        for (int s = 0; s < segs; s++) {
            if (seg == 0) {
                return dropMalformed(m);
            }
            int off = Mbuf.dataOff(seg);
            int len = Mbuf.dataLen(seg);
            if (off + len > Mbuf.bufLen(seg)) {
                return dropMalformed(m);
            }
            total += len;
            ours &= pool.slotOf(seg) >= 0;
            seg = Mbuf.next(seg);
        }
        if (seg != 0 || segs == 0 || total == 0 || total != (Mbuf.pktLen(m) & 0xffffffffL)) {
            return dropMalformed(m);
        }
        return ours ? adoptChain(m, segs) : copyChain(m, segs);
    }

    /** Zero copy: each segment becomes a fragment over its own wrapper, the chain is undone. */
    private Packet adoptChain(long m, int segs) {
        Packet p = packets.allocate();
        long seg = m;
        for (int s = 0; s < segs; s++) {
            long next = Mbuf.next(seg);
            if (segs > 1) {
                // Each segment is now freed on its own, when its fragment goes.
                Mbuf.setNext(seg, 0);
                Mbuf.setNbSegs(seg, 1);
                Mbuf.setPktLen(seg, Mbuf.dataLen(seg));
            }
            p.append(pool.adopt(seg), Mbuf.dataOff(seg), Mbuf.dataLen(seg));
            seg = next;
        }
        return p;
    }

    /** Copies a chain this queue cannot wrap into the shard's buffers, then frees it. */
    private Packet copyChain(long m, int segs) {
        Packet p = packets.allocate();
        long seg = m;
        boolean complete = true;
        for (int s = 0; s < segs && complete; s++) {
            int len = Mbuf.dataLen(seg);
            MemorySegment data = RawMemory.segment(Mbuf.bufAddr(seg) + Mbuf.dataOff(seg), len);
            complete = p.appendBytes(data, 0, len) == len;
            seg = Mbuf.next(seg);
        }
        freeChain(m);
        if (!complete) {
            p.release();
            counters.rxNoBufferDrops.increment();
            stats.rxDrops.increment();
            return null;
        }
        counters.rxCopied.increment();
        return p;
    }

    private Packet dropMalformed(long m) {
        counters.rxMalformedDrops.increment();
        stats.rxErrors.increment();
        freeChain(m);
        return null;
    }

    /** Frees an mbuf chain not wrapped by the stack, the way DPDK does (into its own pool). */
    private void freeChain(long m) {
        freeTable.set(ValueLayout.JAVA_LONG, 0, m);
        dpdk_h.rte_pktmbuf_free_bulk(freeTable, 1);
    }

    // ---- transmit ---------------------------------------------------------------------------------

    @Override
    public int transmit(Packet[] packets, int count) {
        if (stopped) {
            return 0;
        }
        checkAttached();
        int n = Math.min(count, MAX_BURST);
        int prepared = 0;
        int processed = 0;
        for (; processed < n; processed++) {
            long m = prepare(packets[processed], prepared);
            if (m == NO_MBUF) {
                counters.txNoMbufStalls.increment();
                break;
            }
            if (m < 0) {
                fate[processed] = m == DROP_EMPTY ? FATE_EMPTY : m == DROP_OVERSIZE ? FATE_OVERSIZE
                        : m == DROP_TOO_MANY_SEGMENTS ? FATE_TOO_MANY_SEGMENTS : FATE_BAD_OFFLOAD;
                continue;
            }
            fate[processed] = txMode[prepared] == HANDED_OVER ? FATE_HANDED_OVER : FATE_SENT;
            txSource[prepared] = processed;
            RawMemory.setLong(txArray + (long) prepared * Long.BYTES, m);
            prepared++;
        }
        int sent = prepared == 0 ? 0 : tx.call(txArray, prepared);
        // The device took a prefix of the mbufs; the packets up to the first one it refused are done.
        int taken = sent == prepared ? processed : txSource[sent];
        for (int k = sent; k < prepared; k++) {
            undo(packets, k);
        }
        long bytes = 0;
        int frames = 0;
        for (int i = 0; i < taken; i++) {
            Packet p = packets[i];
            byte f = fate[i];
            if (f == FATE_HANDED_OVER) {
                // The common case: the driver has the mbuf, and the wrapper is free for its return.
                frames++;
                bytes += p.length();
                p.releaseHandedOver();
                continue;
            }
            switch (f) {
                case FATE_SENT -> {
                    frames++;
                    bytes += p.length();
                }
                case FATE_EMPTY -> {
                    counters.txEmptyDrops.increment();
                    stats.txErrors.increment();
                }
                case FATE_OVERSIZE -> {
                    counters.txOversizeDrops.increment();
                    stats.txErrors.increment();
                }
                case FATE_TOO_MANY_SEGMENTS -> {
                    counters.txTooManySegmentsDrops.increment();
                    stats.txErrors.increment();
                }
                default -> {
                    counters.txBadOffloadDrops.increment();
                    stats.txErrors.increment();
                }
            }
            p.release();
        }
        int copied = 0;
        for (int k = 0; k < sent; k++) {
            copied += txMode[k] == COPIED ? 1 : 0;
        }
        counters.txCopied.add(copied);
        counters.txZeroCopy.add(sent - copied);
        stats.txPackets.add(frames);
        stats.txBytes.add(bytes);
        return taken;
    }

    /**
     * The mbuf (chain) that sends {@code p}, as the {@code k}-th of the burst; {@link #NO_MBUF}
     * when none is free for a copy; a negative drop reason for a packet that cannot be sent.
     */
    private long prepare(Packet p, int k) {
        int len = p.length();
        if (len == 0) {
            return DROP_EMPTY;
        }
        long ol = 0;
        long txOffload = 0;
        if ((p.flags() & TX_REQUESTS) != 0) {
            ol = requestOffloads(p, len);
            if (ol < 0) {
                return ol;
            }
            txOffload = requestedTxOffload;
        }
        if (p.fragmentCount() == 1) {
            Buffer b = p.fragmentBuffer(0);
            // An mbuf of a pool this thread owns: the driver frees it, on this thread, into that pool.
            // This queue's own pool first (a received frame sent back out): one comparison.
            BufferPool bp = b.pool();
            if (bp == pool || bp instanceof MbufBufferPool other && other.owner() == pool.owner()) {
                MbufBufferPool owner = (MbufBufferPool) bp;
                long m = b.nativeHandle();
                // refcnt 1: only the stack holds it, no driver has it in a ring.
                if (Mbuf.refcnt(m) == 1) {
                    if (p.isSoleOwnerOfOnlyBuffer()) {
                        txMode[k] = HANDED_OVER;
                    } else if (b.refCnt() == 1) {
                        owner.lendToDevice(b);
                        txMode[k] = LENT;
                    } else {
                        Mbuf.setRefcnt(m, 2);
                        txMode[k] = SHARED;
                    }
                    // nb_segs 1 and next NULL already: a free mbuf has them, and receive undoes chains.
                    Mbuf.setDataOff(m, p.fragmentOffset(0));
                    Mbuf.setDataLen(m, len);
                    Mbuf.setPktLen(m, len);
                    finish(m, ol, txOffload);
                    return m;
                }
            }
        }
        int room = pool.bufferSize() - Mbuf.HEADROOM;
        if (len > MAX_FRAME || len > room && !chainsOnTx) {
            return DROP_OVERSIZE;
        }
        long m = gather(p, len, room);
        if (m != NO_MBUF) {
            txMode[k] = COPIED;
            finish(m, ol, txOffload);
        }
        return m;
    }

    /**
     * The offload request of a packet that asks for checksums or segmentation: its {@code ol_flags}
     * (DPDK's TX flags lie below bit 63: never negative), its {@code tx_offload} left in
     * {@link #requestedTxOffload}, checksums the device cannot compute filled in here; or a negative
     * drop reason. Apart from {@link #prepare}: a frame without requests (forwarded) skips it whole.
     */
    private long requestOffloads(Packet p, int len) {
        int wanted = p.flags() & OffloadFlags.TX_CHECKSUM_FLAGS;
        int offloaded = txOffloads.offloaded(wanted);
        long txOffload = 0;
        long ol;
        long segmentation = tso != null && p.hasFlag(Packet.TX_TCP_SEGMENTATION) ? segmentation(p, len) : NOT_SEGMENTED;
        if (segmentation < 0) {
            return segmentation;
        }
        if (segmentation != NOT_SEGMENTED) {
            txOffload = segmentation;
            ol = OffloadFlags.TX_TCP_SEGMENTATION;
        } else if (wanted != 0) {
            int inSoftware = wanted & ~offloaded;
            if (inSoftware != 0) {
                if (!SoftwareChecksum.fill(p, inSoftware)) {
                    return DROP_BAD_OFFLOAD;
                }
                // Done: a retry of this packet must not sum the finished checksum again.
                p.clearFlags(inSoftware);
            }
            if (offloaded != 0) {
                int l2 = p.l2Length() > 0 ? p.l2Length() : SoftwareChecksum.ethernetHeaderLength(p);
                if (l2 < 0 || l2 + SoftwareChecksum.IPV4_MIN_HEADER > len) {
                    return DROP_BAD_OFFLOAD;
                }
                int l3 = p.l3Length() > 0 ? p.l3Length() : (p.getU8(l2) & 0x0f) * 4;
                if ((offloaded & Packet.TX_IP_CHECKSUM) != 0) {
                    p.setU16(l2 + IPV4_CHECKSUM, 0); // the device sums the header with this field zero
                }
                txOffload = Mbuf.packTxOffload(l2, l3);
            }
            ol = OffloadFlags.Tx.olFlags(offloaded);
        } else {
            ol = 0;
        }
        requestedTxOffload = txOffload;
        return ol;
    }

    /**
     * Prepares an IPv4 TCP super-segment for the device's TSO: its {@code tx_offload} (header lengths
     * and {@code tso_segsz}), or a negative drop reason. The IPv4 checksum field becomes 0 (the
     * device sums each segment's header with it zero) and the TCP checksum field the pseudo-header
     * sum without the length, as DPDK's TSO contract has it ({@code rte_ipv4_phdr_cksum} with
     * {@code RTE_MBUF_F_TX_TCP_SEG}): each segment has its own length. A packet with no more than
     * one segment's payload goes as a checksum offload only.
     */
    private long segmentation(Packet p, int len) {
        int l2 = p.l2Length() > 0 ? p.l2Length() : SoftwareChecksum.ethernetHeaderLength(p);
        if (l2 < 0 || l2 + SoftwareChecksum.IPV4_MIN_HEADER > len || (p.getU8(l2) >>> 4) != 4) {
            return DROP_BAD_OFFLOAD;
        }
        int l3 = p.l3Length() > 0 ? p.l3Length() : (p.getU8(l2) & 0x0f) * 4;
        int at = l2 + l3;
        if (l3 < SoftwareChecksum.IPV4_MIN_HEADER || at + SoftwareChecksum.TCP_MIN_HEADER > len) {
            return DROP_BAD_OFFLOAD;
        }
        int l4 = (p.getU8(at + TCP_DATA_OFFSET) >>> 4) * 4;
        int headers = at + l4;
        int mss = p.segmentSize();
        if (l4 < SoftwareChecksum.TCP_MIN_HEADER || headers > len || mss <= 0) {
            return DROP_BAD_OFFLOAD;
        }
        int segment = tso.segmentPayload(mss, headers, nic.mtu());
        int payload = len - headers;
        if (segment <= 0) {
            return DROP_BAD_OFFLOAD;
        }
        if (payload <= segment) {
            // Nothing to cut (a driver may not send it at all: net_tap's GSO makes no segment).
            return NOT_SEGMENTED;
        }
        if ((payload + segment - 1) / segment > tso.maxSegments()) {
            return DROP_TOO_MANY_SEGMENTS;
        }
        p.setU16(l2 + IPV4_CHECKSUM, 0);
        long sum = IPV4_PROTOCOL_TCP;
        for (int i = 0; i < 8; i += 2) {
            sum += p.getU16(l2 + IPV4_SOURCE + i); // source and destination addresses
        }
        p.setU16(at + SoftwareChecksum.TCP_CHECKSUM, SoftwareChecksum.fold(sum));
        counters.txSegmentationOffloaded.increment();
        return Mbuf.packTxOffload(l2, l3, l4, segment);
    }

    /**
     * What a driver's TSO can take.
     *
     * @param maxSegments the most segments it cuts one super-segment into
     * @param frameInMtu  whether it wants {@code tso_segsz} plus all headers, Ethernet's included,
     *                    within the port's MTU: DPDK 22.11's {@code net_tap} refuses a super-segment
     *                    otherwise (it compares the whole frame with the IP MTU), so segments there
     *                    carry 14 bytes less than the MSS
     */
    record Tso(int maxSegments, boolean frameInMtu) {
        /** DPDK 22.11's {@code net_tap} cuts with {@code rte_gso_segment} into at most 64 mbufs ({@code MAX_GSO_MBUFS}). */
        private static final int NET_TAP_MAX_SEGMENTS = 64;

        static Tso of(String driver) {
            return driver.equals("net_tap") ? new Tso(NET_TAP_MAX_SEGMENTS, true) : new Tso(Integer.MAX_VALUE, false);
        }

        /** Payload bytes per segment for a connection's {@code mss}: at most the MSS, within the driver's limit. */
        int segmentPayload(int mss, int headers, int mtu) {
            return frameInMtu ? Math.min(mss, mtu - headers) : mss;
        }
    }

    /** Copies {@code p} into a fresh mbuf, or a chain of them; {@link #NO_MBUF} if they cannot be had. */
    private long gather(Packet p, int len, int room) {
        long head = NO_MBUF;
        long last = NO_MBUF;
        int segs = 0;
        for (int done = 0; done < len; ) {
            long m = pool.takeMbuf();
            if (m == NO_MBUF) {
                if (head != NO_MBUF) {
                    freeOwnChain(head);
                }
                return NO_MBUF;
            }
            int n = Math.min(room, len - done);
            p.copyTo(done, pool.buffer(pool.slotOf(m)).memory(), Mbuf.HEADROOM, n);
            Mbuf.setDataOff(m, Mbuf.HEADROOM);
            Mbuf.setDataLen(m, n);
            Mbuf.setNext(m, 0);
            Mbuf.setNbSegs(m, 1);
            if (head == NO_MBUF) {
                head = m;
            } else {
                Mbuf.setNext(last, m);
            }
            last = m;
            segs++;
            done += n;
        }
        Mbuf.setNbSegs(head, segs);
        Mbuf.setPktLen(head, len);
        return head;
    }

    /**
     * The offload request. {@code tx_offload} (the mbuf's second cache line) is written only with
     * a request: drivers read the lengths only for the offloads {@code ol_flags} asks for.
     */
    private static void finish(long m, long olFlags, long txOffload) {
        Mbuf.setOlFlags(m, olFlags);
        if (olFlags != 0) {
            Mbuf.setTxOffload(m, txOffload);
        }
    }

    /**
     * Takes back mbuf {@code k} of the burst, which the device refused. A lent mbuf's pool is found
     * from its packet's buffer, not kept per mbuf: a reference stored into a long-lived array costs
     * G1's post-write barrier (a memory fence when the card is not young), per frame.
     */
    private void undo(Packet[] packets, int k) {
        long m = RawMemory.getLong(txArray + (long) k * Long.BYTES);
        switch (txMode[k]) {
            case LENT -> {
                Buffer b = packets[txSource[k]].fragmentBuffer(0);
                ((MbufBufferPool) b.pool()).unlend(b);
            }
            case SHARED -> Mbuf.setRefcnt(m, 1);
            case HANDED_OVER -> {
                // Nothing was changed yet: the packet still holds its buffer.
            }
            default -> freeOwnChain(m);
        }
    }

    /** Returns a gathered chain of this pool's mbufs, segment by segment. */
    private void freeOwnChain(long m) {
        while (m != NO_MBUF) {
            long next = Mbuf.next(m);
            Mbuf.setNext(m, 0);
            Mbuf.setNbSegs(m, 1);
            pool.returnMbuf(m);
            m = next;
        }
    }

    private void checkAttached() {
        if (pool == null) {
            throw new IllegalStateException(nic.name() + " queue " + id + " is not attached to a shard's packet pool");
        }
    }

    @Override
    public String toString() {
        return nic.name() + "/q" + id;
    }
}
