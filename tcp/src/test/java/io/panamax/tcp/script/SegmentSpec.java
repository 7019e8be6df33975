package io.panamax.tcp.script;

import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.tcp.wire.TcpChecksum;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * A segment to inject, described field by field (the "inject" half of a packet-script test).
 * Builds real wire bytes with its own option writer, so the stack's parser is tested, not trusted.
 */
public final class SegmentSpec {
    /** Builds segments that are only turned into bytes, off any shard (tests are single-threaded). */
    private static final PacketPool BYTES_POOL = PacketPool.unowned(SlabBufferPool.unowned(64, 2048 + 128, 128));

    int srcIp;
    int dstIp;
    int srcPort;
    int dstPort;
    int seq;
    int ack;
    int flags;
    int window = 65535;
    int mss = -1;
    int windowScale = -1;
    boolean sackPermitted;
    boolean timestamps;
    int tsVal;
    int tsEcr;
    int[] sack = new int[0];
    byte[] payload = new byte[0];
    byte[] rawOptions;
    boolean corruptChecksum;
    int nicFlags;

    SegmentSpec(int srcIp, int dstIp, int srcPort, int dstPort) {
        this.srcIp = srcIp;
        this.dstIp = dstIp;
        this.srcPort = srcPort;
        this.dstPort = dstPort;
    }

    public SegmentSpec syn() {
        flags |= TcpHeader.SYN;
        return this;
    }

    public SegmentSpec fin() {
        flags |= TcpHeader.FIN;
        return this;
    }

    public SegmentSpec rst() {
        flags |= TcpHeader.RST;
        return this;
    }

    public SegmentSpec psh() {
        flags |= TcpHeader.PSH;
        return this;
    }

    /** Sets the ACK flag and the acknowledgment number. */
    public SegmentSpec ack(int ack) {
        flags |= TcpHeader.ACK;
        this.ack = ack;
        return this;
    }

    public SegmentSpec flags(int flags) {
        this.flags = flags;
        return this;
    }

    public SegmentSpec seq(int seq) {
        this.seq = seq;
        return this;
    }

    public SegmentSpec window(int window) {
        this.window = window;
        return this;
    }

    public SegmentSpec srcPort(int port) {
        this.srcPort = port;
        return this;
    }

    public SegmentSpec dstPort(int port) {
        this.dstPort = port;
        return this;
    }

    public SegmentSpec srcIp(int ip) {
        this.srcIp = ip;
        return this;
    }

    public SegmentSpec mss(int mss) {
        this.mss = mss;
        return this;
    }

    public SegmentSpec windowScale(int shift) {
        this.windowScale = shift;
        return this;
    }

    public SegmentSpec sackPermitted() {
        this.sackPermitted = true;
        return this;
    }

    public SegmentSpec ts(int val, int ecr) {
        this.timestamps = true;
        this.tsVal = val;
        this.tsEcr = ecr;
        return this;
    }

    public SegmentSpec sack(int... edges) {
        this.sack = edges;
        return this;
    }

    public SegmentSpec payload(String text) {
        this.payload = text.getBytes(StandardCharsets.ISO_8859_1);
        return this;
    }

    public SegmentSpec payload(byte[] bytes) {
        this.payload = bytes;
        return this;
    }

    /** Options given as raw bytes (malformed ones included), instead of the typed ones. */
    public SegmentSpec rawOptions(int... bytes) {
        this.rawOptions = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            rawOptions[i] = (byte) bytes[i];
        }
        return this;
    }

    public SegmentSpec corruptChecksum() {
        this.corruptChecksum = true;
        return this;
    }

    /** Packet flags as a NIC would set them (RX_L4_CHECKSUM_GOOD/BAD). */
    public SegmentSpec nicFlags(int flags) {
        this.nicFlags = flags;
        return this;
    }

    /**
     * The wire bytes of the segment. Built in {@code pool} on its shard's thread, otherwise in a
     * pool of the test thread's own (a shard's pool belongs to its thread).
     */
    public byte[] bytes(PacketPool pool) {
        if (pool.owner() != null && Shard.current() != pool.owner()) {
            pool = BYTES_POOL;
        }
        Packet p = build(pool);
        try {
            return p.toByteArray();
        } finally {
            p.release();
        }
    }

    /** Builds the segment as a packet from {@code pool}. */
    public Packet build(PacketPool pool) {
        byte[] opts = rawOptions != null ? rawOptions : typedOptions();
        int optLen = (opts.length + 3) & ~3;
        int hlen = 20 + optLen;
        byte[] seg = new byte[hlen + payload.length];
        MemorySegment m = MemorySegment.ofArray(seg);
        TcpHeader.setSourcePort(m, 0, srcPort);
        TcpHeader.setDestinationPort(m, 0, dstPort);
        TcpHeader.setSequenceNumber(m, 0, seq);
        TcpHeader.setAcknowledgmentNumber(m, 0, ack);
        TcpHeader.setHeaderLength(m, 0, hlen);
        TcpHeader.setFlags(m, 0, flags);
        TcpHeader.setWindow(m, 0, window);
        System.arraycopy(opts, 0, seg, 20, opts.length);
        System.arraycopy(payload, 0, seg, hlen, payload.length);
        Packet p = pool.allocateWithHeadroom();
        p.appendBytes(seg, 0, seg.length);
        TcpChecksum.fill(srcIp, dstIp, p);
        if (corruptChecksum) {
            p.setU16(TcpHeader.CHECKSUM, p.getU16(TcpHeader.CHECKSUM) ^ 0x5a5a);
        }
        p.setFlags(nicFlags);
        return p;
    }

    private byte[] typedOptions() {
        byte[] o = new byte[40];
        MemorySegment m = MemorySegment.ofArray(o);
        int n = 0;
        if (mss >= 0) {
            n += TcpOptions.writeMss(m, n, mss);
        }
        if (sackPermitted) {
            n += TcpOptions.writeSackPermitted(m, n);
        }
        if (timestamps) {
            n += TcpOptions.writeTimestamps(m, n, tsVal, tsEcr);
        }
        if (windowScale >= 0) {
            n += TcpOptions.writeNopWindowScale(m, n, windowScale);
        }
        if (sack.length > 0) {
            int blocks = sack.length / 2;
            int[] l = new int[blocks];
            int[] r = new int[blocks];
            for (int i = 0; i < blocks; i++) {
                l[i] = sack[2 * i];
                r[i] = sack[2 * i + 1];
            }
            n += TcpOptions.writeAlignedSack(m, n, l, r, blocks);
        }
        return java.util.Arrays.copyOf(o, n);
    }
}
