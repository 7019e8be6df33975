package io.panamax.nic.wire;

import io.panamax.nic.MacAddress;

import java.nio.ByteBuffer;

/**
 * Numbered Ethernet frames for the statistical tests, where what matters is telling frames apart
 * after loss, duplication and reordering: EtherType 0x88B5 (IEEE 802 local experimental), an
 * 8-byte sequence number, then bytes derived from it.
 */
final class TestFrames {
    static final int ETHERTYPE_EXPERIMENTAL = 0x88B5;

    private TestFrames() {
    }

    static byte[] numbered(MacAddress dst, MacAddress src, long seq, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(dst.toBytes()).put(src.toBytes()).putShort((short) ETHERTYPE_EXPERIMENTAL).putLong(seq);
        while (b.hasRemaining()) {
            b.put((byte) (seq * 31 + b.position()));
        }
        return b.array();
    }

    static byte[] numbered(long seq, int length) {
        return numbered(WireConfig.DEFAULT_MAC_B, WireConfig.DEFAULT_MAC_A, seq, length);
    }

    static long sequence(byte[] frame) {
        return ByteBuffer.wrap(frame).getLong(14);
    }
}
