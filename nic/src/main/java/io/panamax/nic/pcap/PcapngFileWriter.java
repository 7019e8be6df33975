package io.panamax.nic.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * pcapng, little-endian: a section header naming Panamax, an Ethernet interface description (with
 * its name and nanosecond resolution) per interface, then an Enhanced Packet Block per frame, with
 * the frame's direction in {@code epb_flags} when it is known.
 */
final class PcapngFileWriter extends CaptureFileWriter {
    private static final int OPTION_SHB_USERAPPL = 4;
    private static final int OPTION_IF_NAME = 2;
    private static final int OPTION_EPB_FLAGS = 2;
    private static final int RESOLUTION_NANOS = 9;
    private static final int EPB_FIXED = 28;
    /** epb_flags (4 + 4 bytes) and the end of options (4). */
    private static final int EPB_FLAGS_OPTION = 12;
    private final int interfaceCount;

    PcapngFileWriter(Path file, List<String> interfaces, int snaplen) throws IOException {
        super(file);
        if (interfaces.isEmpty()) {
            throw new IllegalArgumentException("a pcapng file needs at least one interface");
        }
        this.interfaceCount = interfaces.size();
        byte[] app = "Panamax".getBytes(StandardCharsets.UTF_8);
        int shbLength = 28 + option(app.length) + 4;
        long at = reserve(shbLength);
        MemorySegment b = buffer();
        b.set(U32, at, PcapngFileReader.BLOCK_SECTION_HEADER);
        b.set(U32, at + 4, shbLength);
        b.set(U32, at + 8, PcapngFileReader.BYTE_ORDER_MAGIC);
        b.set(U16, at + 12, (short) 1);
        b.set(U16, at + 14, (short) 0);
        b.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), at + 16, -1L);
        long o = putOption(b, at + 24, OPTION_SHB_USERAPPL, app);
        b.set(U32, o, 0);
        b.set(U32, at + shbLength - 4, shbLength);
        for (String name : interfaces) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            int idbLength = 20 + option(n.length) + option(1) + 4;
            long i = reserve(idbLength);
            b.set(U32, i, PcapngFileReader.BLOCK_INTERFACE);
            b.set(U32, i + 4, idbLength);
            b.set(U16, i + 8, (short) LinkTypes.ETHERNET);
            b.set(U16, i + 10, (short) 0);
            b.set(U32, i + 12, snaplen);
            long p = putOption(b, i + 16, OPTION_IF_NAME, n);
            p = putOption(b, p, PcapngFileReader.OPTION_IF_TSRESOL, new byte[] {RESOLUTION_NANOS});
            b.set(U32, p, 0);
            b.set(U32, i + idbLength - 4, idbLength);
        }
    }

    /** Bytes an option with a {@code length}-byte value takes, padding included. */
    private static int option(int length) {
        return 4 + ((length + 3) & ~3);
    }

    private static long putOption(MemorySegment b, long at, int code, byte[] value) {
        b.set(U16, at, (short) code);
        b.set(U16, at + 2, (short) value.length);
        MemorySegment.copy(value, 0, b, ValueLayout.JAVA_BYTE, at + 4, value.length);
        int padded = (value.length + 3) & ~3;
        for (int k = value.length; k < padded; k++) {
            b.set(ValueLayout.JAVA_BYTE, at + 4 + k, (byte) 0);
        }
        return at + 4 + padded;
    }

    private static int blockLength(int captured, int direction) {
        return EPB_FIXED + ((captured + 3) & ~3) + (direction != DIRECTION_UNKNOWN ? EPB_FLAGS_OPTION : 0) + 4;
    }

    @Override
    public int recordSize(int captured, int direction) {
        return blockLength(Math.min(captured, MAX_SNAPLEN), direction);
    }

    @Override
    long beginRecord(long timestampNanos, int captured, int original, int iface, int direction) throws IOException {
        if (iface < 0 || iface >= interfaceCount) {
            throw new IllegalArgumentException("interface " + iface + " of " + interfaceCount);
        }
        int length = blockLength(captured, direction);
        long at = reserve(length);
        MemorySegment b = buffer();
        b.set(U32, at, PcapngFileReader.BLOCK_ENHANCED_PACKET);
        b.set(U32, at + 4, length);
        b.set(U32, at + 8, iface);
        b.set(U32, at + 12, (int) (timestampNanos >>> 32));
        b.set(U32, at + 16, (int) timestampNanos);
        b.set(U32, at + 20, captured);
        b.set(U32, at + 24, Math.max(original, captured));
        return at + EPB_FIXED;
    }

    @Override
    void endRecord(long end, int captured, int direction) {
        MemorySegment b = buffer();
        long at = end;
        for (int pad = captured & 3; pad != 0 && pad < 4; pad++) {
            b.set(ValueLayout.JAVA_BYTE, at++, (byte) 0);
        }
        if (direction != DIRECTION_UNKNOWN) {
            b.set(U16, at, (short) OPTION_EPB_FLAGS);
            b.set(U16, at + 2, (short) 4);
            b.set(U32, at + 4, direction);
            b.set(U32, at + 8, 0);
            at += EPB_FLAGS_OPTION;
        }
        int length = blockLength(captured, direction);
        b.set(U32, at, length);
    }
}
