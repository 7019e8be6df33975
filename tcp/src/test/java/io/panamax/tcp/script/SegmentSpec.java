package io.panamax.tcp.script;

import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.tcp.wire.TcpChecksum;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;
import io.panamax.tcp.wire.TcpSegmentRepr;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * A segment to inject, described field by field (the "inject" half of a packet-script test): a
 * {@link TcpSegmentRepr} emitted into real wire bytes, or a fixed header with raw (possibly
 * malformed) option bytes. The stack's parser reads them back; {@link SentSegment} checks the
 * parser against reads of the raw header on every segment the stack sends.
 */
public final class SegmentSpec {
    /** Builds segments that are only turned into bytes, off any shard (tests are single-threaded). */
    private static final PacketPool BYTES_POOL = PacketPool.unowned(SlabBufferPool.unowned(64, 2048 + 128, 128));

    int srcIp;
    int dstIp;
    /** The header fields and typed options, emitted by the stack's own {@link TcpSegmentRepr#emit}. */
    final TcpSegmentRepr repr = new TcpSegmentRepr();
    byte[] payload = new byte[0];
    byte[] rawOptions;
    boolean corruptChecksum;
    int nicFlags;

    SegmentSpec(int srcIp, int dstIp, int srcPort, int dstPort) {
        this.srcIp = srcIp;
        this.dstIp = dstIp;
        repr.srcPort = srcPort;
        repr.dstPort = dstPort;
        repr.window = 65535;
    }

    public SegmentSpec syn() {
        repr.flags |= TcpHeader.SYN;
        return this;
    }

    public SegmentSpec fin() {
        repr.flags |= TcpHeader.FIN;
        return this;
    }

    public SegmentSpec rst() {
        repr.flags |= TcpHeader.RST;
        return this;
    }

    public SegmentSpec psh() {
        repr.flags |= TcpHeader.PSH;
        return this;
    }

    /** Sets the ACK flag and the acknowledgment number. */
    public SegmentSpec ack(int ack) {
        repr.flags |= TcpHeader.ACK;
        repr.ack = ack;
        return this;
    }

    public SegmentSpec flags(int flags) {
        repr.flags = flags;
        return this;
    }

    public SegmentSpec seq(int seq) {
        repr.seq = seq;
        return this;
    }

    public SegmentSpec window(int window) {
        repr.window = window;
        return this;
    }

    public SegmentSpec srcPort(int port) {
        repr.srcPort = port;
        return this;
    }

    public SegmentSpec dstPort(int port) {
        repr.dstPort = port;
        return this;
    }

    public SegmentSpec srcIp(int ip) {
        this.srcIp = ip;
        return this;
    }

    public SegmentSpec mss(int mss) {
        repr.options.mss = mss;
        return this;
    }

    public SegmentSpec windowScale(int shift) {
        repr.options.windowScale = shift;
        return this;
    }

    public SegmentSpec sackPermitted() {
        repr.options.sackPermitted = true;
        return this;
    }

    public SegmentSpec ts(int val, int ecr) {
        repr.options.hasTimestamps = true;
        repr.options.tsVal = val;
        repr.options.tsEcr = ecr;
        return this;
    }

    /** A User Timeout option (RFC 5482 3) with these 16 bits: G and the 15-bit timeout. */
    public SegmentSpec userTimeout(int value) {
        repr.options.userTimeout = value;
        return this;
    }

    public SegmentSpec sack(int... edges) {
        if (edges.length % 2 != 0 || edges.length / 2 > TcpOptions.MAX_SACK_BLOCKS) {
            throw new IllegalArgumentException("SACK blocks are pairs of edges, at most " + TcpOptions.MAX_SACK_BLOCKS);
        }
        for (int i = 0; i < edges.length / 2; i++) {
            repr.options.sackLeft[i] = edges[2 * i];
            repr.options.sackRight[i] = edges[2 * i + 1];
        }
        repr.options.sackBlocks = edges.length / 2;
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

    /** Sets ECE (ECN-Echo, RFC 3168 6.1). */
    public SegmentSpec ece() {
        repr.flags |= TcpHeader.ECE;
        return this;
    }

    /** Sets CWR (Congestion Window Reduced, RFC 3168 6.1). */
    public SegmentSpec cwr() {
        repr.flags |= TcpHeader.CWR;
        return this;
    }

    /** Arrives with CE in its IP header (RFC 3168 5), as the IP layer reports it ({@link Packet#RX_ECN_CE}). */
    public SegmentSpec ce() {
        nicFlags |= Packet.RX_ECN_CE;
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
        byte[] seg;
        if (rawOptions != null) {
            int hlen = TcpHeader.MIN_LENGTH + ((rawOptions.length + 3) & ~3);
            seg = new byte[hlen + payload.length];
            MemorySegment m = MemorySegment.ofArray(seg);
            repr.emitFixedHeader(m, 0, hlen);
            System.arraycopy(rawOptions, 0, seg, TcpHeader.MIN_LENGTH, rawOptions.length);
        } else {
            seg = new byte[repr.headerLength() + payload.length];
            repr.emit(MemorySegment.ofArray(seg), 0);
        }
        System.arraycopy(payload, 0, seg, seg.length - payload.length, payload.length);
        Packet p = pool.allocateWithHeadroom();
        p.appendBytes(seg, 0, seg.length);
        TcpChecksum.fill(srcIp, dstIp, p);
        if (corruptChecksum) {
            p.setU16(TcpHeader.CHECKSUM, p.getU16(TcpHeader.CHECKSUM) ^ 0x5a5a);
        }
        p.setFlags(nicFlags);
        return p;
    }
}
