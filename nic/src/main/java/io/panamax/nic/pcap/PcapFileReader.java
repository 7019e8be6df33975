package io.panamax.nic.pcap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * The classic libpcap format: a 24-byte file header, then records of a 16-byte header and the
 * captured bytes. The magic number says the byte order and whether timestamps are in micro- or
 * nanoseconds.
 *
 * <p>A record longer than the header's snapshot length is read whole, as Wireshark reads it
 * (libpcap cuts it to the snapshot length): the bytes are in the file, and a replay should not
 * hide them.
 */
final class PcapFileReader extends CaptureFileReader {
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int MAGIC_MODIFIED = 0xa1b2cd34;
    static final int FILE_HEADER = 24;
    static final int RECORD_HEADER = 16;

    private final ValueLayout.OfInt u32;
    private final boolean nanos;
    private final int snapLength;
    private final int fileLinkType;
    private long position = FILE_HEADER;

    private PcapFileReader(Path file, MemorySegment bytes, Arena arena, ValueLayout.OfInt u32, boolean nanos,
                           int snapLength, int linkType) {
        super(file, bytes, arena);
        this.u32 = u32;
        this.nanos = nanos;
        this.snapLength = snapLength;
        this.fileLinkType = linkType;
    }

    static PcapFileReader open(Path file, MemorySegment bytes, Arena arena, int leMagic) throws PcapFormatException {
        ValueLayout.OfInt u32;
        ValueLayout.OfShort u16;
        boolean nanos;
        if (leMagic == MAGIC_MICROS || leMagic == MAGIC_NANOS) {
            u32 = LE_INT;
            u16 = LE_SHORT;
            nanos = leMagic == MAGIC_NANOS;
        } else if (Integer.reverseBytes(leMagic) == MAGIC_MICROS || Integer.reverseBytes(leMagic) == MAGIC_NANOS) {
            u32 = BE_INT;
            u16 = BE_SHORT;
            nanos = Integer.reverseBytes(leMagic) == MAGIC_NANOS;
        } else if (leMagic == MAGIC_MODIFIED || Integer.reverseBytes(leMagic) == MAGIC_MODIFIED) {
            throw new PcapFormatException(file, 0, "Alexey Kuznetzov's modified pcap format is not supported; "
                    + "convert it with editcap -F pcap");
        } else {
            throw new PcapFormatException(file, 0, String.format(
                    "not a pcap or pcapng file: it starts with 0x%08x, no known magic number", Integer.reverseBytes(leMagic)));
        }
        if (bytes.byteSize() < FILE_HEADER) {
            throw new PcapFormatException(file, 0, "the file ends inside the " + FILE_HEADER + "-byte pcap header ("
                    + bytes.byteSize() + " bytes)");
        }
        int major = bytes.get(u16, 4) & 0xffff;
        int minor = bytes.get(u16, 6) & 0xffff;
        if (major != 2) {
            throw new PcapFormatException(file, 4, "pcap format version " + major + "." + minor
                    + " is not supported (only 2.x is; version 1 is the archaic pre-1990s format)");
        }
        int snap = bytes.get(u32, 16);
        // The high bits of the link-type field carry FCS information, not the type.
        int linkType = bytes.get(u32, 20) & 0xffff;
        return new PcapFileReader(file, bytes, arena, u32, nanos, snap, linkType);
    }

    @Override
    public boolean next() throws PcapFormatException {
        long at = position;
        if (at == size) {
            return false;
        }
        if (size - at < RECORD_HEADER) {
            throw error(at, "the file ends inside a record header (" + (size - at) + " of " + RECORD_HEADER + " bytes)");
        }
        long seconds = bytes.get(u32, at) & 0xffff_ffffL;
        long fraction = bytes.get(u32, at + 4) & 0xffff_ffffL;
        long captured = bytes.get(u32, at + 8) & 0xffff_ffffL;
        long original = bytes.get(u32, at + 12) & 0xffff_ffffL;
        long limit = Math.max(MAX_RECORD_BYTES, snapLength & 0xffff_ffffL);
        if (captured > limit) {
            throw error(at, "record " + (recordIndex + 1) + " claims " + captured + " captured bytes, more than the "
                    + limit + " a record may hold (corrupt file?)");
        }
        if (captured > size - at - RECORD_HEADER) {
            throw error(at, "the file ends inside record " + (recordIndex + 1) + ": " + captured
                    + " captured bytes announced, " + (size - at - RECORD_HEADER) + " present");
        }
        recordOffset = at;
        dataOffset = at + RECORD_HEADER;
        capturedLength = (int) captured;
        originalLength = (int) Math.min(Integer.MAX_VALUE, Math.max(original, captured));
        timestampNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000);
        linkType = fileLinkType;
        recordIndex++;
        position = dataOffset + captured;
        return true;
    }

    @Override
    public void rewind() {
        position = FILE_HEADER;
        recordIndex = -1;
        recordOffset = -1;
    }

    @Override
    public Format format() {
        return Format.PCAP;
    }

    @Override
    public int headerLinkType() {
        return fileLinkType;
    }

    @Override
    public long headerLinkTypeOffset() {
        return 20;
    }
}
