package io.panamax.nic.tap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code struct virtio_net_hdr} (the virtio 1.x specification, 5.1.6; {@code <linux/virtio_net.h>}):
 * the 10 bytes a TAP device opened with {@code IFF_VNET_HDR} puts in front of every frame it
 * hands out and expects in front of every frame written to it. Through it the kernel says what it
 * left undone (a checksum to fill, a super-segment to cut) or already did (a checksum verified),
 * and takes the same requests from us.
 *
 * <p>The 16-bit fields are in the device's byte order, little endian here: the TAP driver uses the
 * virtio 1.0 (little-endian) layout on little-endian hosts, whatever {@code TUNSETVNETBE} says.
 * Pure functions over native memory; no state.
 */
final class VirtioNetHeader {
    /** {@code sizeof(struct virtio_net_hdr)}: the TAP driver's default header size. */
    static final int LENGTH = 10;

    static final int OFFSET_FLAGS = 0;
    static final int OFFSET_GSO_TYPE = 1;
    static final int OFFSET_HDR_LEN = 2;
    static final int OFFSET_GSO_SIZE = 4;
    static final int OFFSET_CSUM_START = 6;
    static final int OFFSET_CSUM_OFFSET = 8;

    /**
     * {@code flags}: the checksum from {@code csum_start} to the end of the frame is not done; the
     * field at {@code csum_start + csum_offset} holds the pseudo-header sum (not complemented).
     */
    static final int F_NEEDS_CSUM = 1;
    /** {@code flags}: the kernel verified the frame's checksums (it came with CHECKSUM_UNNECESSARY). */
    static final int F_DATA_VALID = 2;

    /** {@code gso_type}: an ordinary frame. */
    static final int GSO_NONE = 0;
    /** {@code gso_type}: an IPv4 TCP super-segment of {@code gso_size}-byte segments. */
    static final int GSO_TCPV4 = 1;
    /** {@code gso_type}: IPv4 UDP fragmentation offload (UFO; not requested by this backend). */
    static final int GSO_UDP = 3;
    /** {@code gso_type}: an IPv6 TCP super-segment. */
    static final int GSO_TCPV6 = 4;
    /** {@code gso_type}: UDP segmentation (USO; not requested by this backend). */
    static final int GSO_UDP_L4 = 5;
    /** {@code gso_type} bit: the super-segment carries ECN CWR, which goes on the first segment only. */
    static final int GSO_ECN = 0x80;

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private VirtioNetHeader() {
    }

    static int flags(MemorySegment h) {
        return h.get(ValueLayout.JAVA_BYTE, OFFSET_FLAGS) & 0xff;
    }

    static int gsoType(MemorySegment h) {
        return h.get(ValueLayout.JAVA_BYTE, OFFSET_GSO_TYPE) & 0xff;
    }

    static int gsoSize(MemorySegment h) {
        return h.get(LE16, OFFSET_GSO_SIZE) & 0xffff;
    }

    static int csumStart(MemorySegment h) {
        return h.get(LE16, OFFSET_CSUM_START) & 0xffff;
    }

    static int csumOffset(MemorySegment h) {
        return h.get(LE16, OFFSET_CSUM_OFFSET) & 0xffff;
    }

    /** Writes a whole header (every field, so nothing of the previous frame's stays). */
    static void write(MemorySegment h, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        h.set(ValueLayout.JAVA_BYTE, OFFSET_FLAGS, (byte) flags);
        h.set(ValueLayout.JAVA_BYTE, OFFSET_GSO_TYPE, (byte) gsoType);
        h.set(LE16, OFFSET_HDR_LEN, (short) hdrLen);
        h.set(LE16, OFFSET_GSO_SIZE, (short) gsoSize);
        h.set(LE16, OFFSET_CSUM_START, (short) csumStart);
        h.set(LE16, OFFSET_CSUM_OFFSET, (short) csumOffset);
    }
}
