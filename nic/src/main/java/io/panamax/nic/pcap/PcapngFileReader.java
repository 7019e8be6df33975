package io.panamax.nic.pcap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The pcapng format: a sequence of blocks (type, total length, body, total length again) in
 * sections, each opened by a Section Header Block that fixes the byte order, with Interface
 * Description Blocks giving each interface's link type and timestamp resolution. Frames come in
 * Enhanced, Simple or (obsolete) Packet Blocks; every other block is skipped.
 *
 * <p>The blocks before the first frame (section header, interfaces) are read when the file is
 * opened, so that a broken header is an error of {@link CaptureFileReader#open}.
 */
final class PcapngFileReader extends CaptureFileReader {
    static final int BLOCK_SECTION_HEADER = 0x0A0D0D0A;
    static final int BLOCK_INTERFACE = 1;
    static final int BLOCK_PACKET_OBSOLETE = 2;
    static final int BLOCK_SIMPLE_PACKET = 3;
    static final int BLOCK_ENHANCED_PACKET = 6;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final int OPTION_END = 0;
    static final int OPTION_IF_TSRESOL = 9;
    static final int OPTION_IF_TSOFFSET = 14;
    private static final int DEFAULT_TSRESOL = 6;

    private ValueLayout.OfInt u32 = LE_INT;
    private ValueLayout.OfShort u16 = LE_SHORT;
    private long position;
    /** Per interface of the current section. */
    private int interfaces;
    private int[] linkTypes = new int[4];
    private int[] snapLengths = new int[4];
    private int[] resolutions = new int[4];
    private long[] offsetsNanos = new long[4];
    private int firstLinkType = -1;
    private long firstLinkTypeOffset = -1;

    PcapngFileReader(Path file, MemorySegment bytes, Arena arena) throws PcapFormatException {
        super(file, bytes, arena);
        readUpToFirstFrame();
    }

    private void readUpToFirstFrame() throws PcapFormatException {
        if (size < 28) {
            throw error(0, "the file ends inside the pcapng section header (" + size + " bytes)");
        }
        while (position < size) {
            int type = blockType(position);
            if (type == BLOCK_ENHANCED_PACKET || type == BLOCK_SIMPLE_PACKET || type == BLOCK_PACKET_OBSOLETE) {
                return;
            }
            long length = checkBlock(position, type);
            readControlBlock(position, type, length);
            position += length;
        }
    }

    @Override
    public boolean next() throws PcapFormatException {
        while (position < size) {
            long at = position;
            int type = blockType(at);
            long length = checkBlock(at, type);
            boolean frame = switch (type) {
                case BLOCK_ENHANCED_PACKET -> readPacket(at, length, true);
                case BLOCK_SIMPLE_PACKET -> readSimple(at, length);
                case BLOCK_PACKET_OBSOLETE -> readPacket(at, length, false);
                default -> {
                    readControlBlock(at, type, length);
                    yield false;
                }
            };
            position = at + length;
            if (frame) {
                recordOffset = at;
                recordIndex++;
                return true;
            }
        }
        return false;
    }

    @Override
    public void rewind() {
        position = 0;
        interfaces = 0;
        recordIndex = -1;
        recordOffset = -1;
    }

    @Override
    public Format format() {
        return Format.PCAPNG;
    }

    @Override
    public int headerLinkType() {
        return firstLinkType;
    }

    @Override
    public long headerLinkTypeOffset() {
        return firstLinkTypeOffset;
    }

    /** The block type at {@code at}; a section header also sets the byte order for what follows. */
    private int blockType(long at) throws PcapFormatException {
        if (size - at < 12) {
            throw error(at, "the file ends inside a block header (" + (size - at) + " bytes left, a block has at least 12)");
        }
        int raw = bytes.get(LE_INT, at);
        if (raw == BLOCK_SECTION_HEADER) {
            if (size - at < 28) {
                throw error(at, "the file ends inside a section header block (" + (size - at) + " of at least 28 bytes)");
            }
            int bom = bytes.get(LE_INT, at + 8);
            if (bom == BYTE_ORDER_MAGIC) {
                u32 = LE_INT;
                u16 = LE_SHORT;
            } else if (bom == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
                u32 = BE_INT;
                u16 = BE_SHORT;
            } else {
                throw error(at + 8, String.format("section header with an unknown byte-order magic 0x%08x", bom));
            }
            return BLOCK_SECTION_HEADER;
        }
        if (at == 0) {
            throw error(0, "not a pcapng file: the first block is not a section header");
        }
        return bytes.get(u32, at);
    }

    /** Checks the block's framing (total length, trailer) and returns its total length. */
    private long checkBlock(long at, int type) throws PcapFormatException {
        long length = bytes.get(u32, at + 4) & 0xffff_ffffL;
        if (length < 12 || (length & 3) != 0) {
            throw error(at, "block of type " + blockName(type) + " has a total length of " + length
                    + " (must be a multiple of 4, at least 12)");
        }
        if (length > size - at) {
            throw error(at, "the file ends inside a " + blockName(type) + " block: " + length + " bytes announced, "
                    + (size - at) + " left");
        }
        long trailer = bytes.get(u32, at + length - 4) & 0xffff_ffffL;
        if (trailer != length) {
            throw error(at, "block total length in header (" + length + ") and trailer (" + trailer
                    + ") don't match in a " + blockName(type) + " block");
        }
        return length;
    }

    private void readControlBlock(long at, int type, long length) throws PcapFormatException {
        if (type == BLOCK_SECTION_HEADER) {
            int major = bytes.get(u16, at + 12) & 0xffff;
            int minor = bytes.get(u16, at + 14) & 0xffff;
            if (major != 1) {
                throw error(at + 12, "pcapng version " + major + "." + minor + " is not supported (only 1.x is)");
            }
            checkOptions(at, 24, length, "section header");
            interfaces = 0;
        } else if (type == BLOCK_INTERFACE) {
            readInterface(at, length);
        }
    }

    private void readInterface(long at, long length) throws PcapFormatException {
        if (length < 20) {
            throw error(at, "interface description block of " + length + " bytes (at least 20)");
        }
        int linkType = bytes.get(u16, at + 8) & 0xffff;
        int snap = bytes.get(u32, at + 12);
        int resolution = DEFAULT_TSRESOL;
        long offsetNanos = 0;
        long end = at + length - 4;
        for (long opt = at + 16, next; (next = nextOption(opt, end, "interface description")) >= 0; opt = next) {
            int code = bytes.get(u16, opt) & 0xffff;
            int len = bytes.get(u16, opt + 2) & 0xffff;
            if (code == OPTION_IF_TSRESOL && len >= 1) {
                resolution = bytes.get(ValueLayout.JAVA_BYTE, opt + 4) & 0xff;
                if ((resolution & 0x80) == 0 ? resolution > 18 : (resolution & 0x7f) > 62) {
                    throw error(opt, "if_tsresol " + resolution + " is beyond what 64-bit timestamps can use");
                }
            } else if (code == OPTION_IF_TSOFFSET && len >= 8) {
                long seconds = bytes.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(u32.order()), opt + 4);
                offsetNanos = seconds * 1_000_000_000L;
            }
        }
        if (interfaces == linkTypes.length) {
            int n = interfaces * 2;
            linkTypes = Arrays.copyOf(linkTypes, n);
            snapLengths = Arrays.copyOf(snapLengths, n);
            resolutions = Arrays.copyOf(resolutions, n);
            offsetsNanos = Arrays.copyOf(offsetsNanos, n);
        }
        linkTypes[interfaces] = linkType;
        snapLengths[interfaces] = snap;
        resolutions[interfaces] = resolution;
        offsetsNanos[interfaces] = offsetNanos;
        interfaces++;
        if (firstLinkType < 0) {
            firstLinkType = linkType;
            firstLinkTypeOffset = at + 8;
        }
    }

    /** Checks that the options from {@code from} (relative to the block) stay inside the block. */
    private void checkOptions(long at, long from, long length, String block) throws PcapFormatException {
        long end = at + length - 4;
        long opt = at + from;
        while (opt >= 0) {
            opt = nextOption(opt, end, block);
        }
    }

    /**
     * The offset of the option after the one at {@code opt}, or -1 when the options end there (an
     * end-of-options option, or no room for another); throws if the option runs past {@code end}.
     */
    private long nextOption(long opt, long end, String block) throws PcapFormatException {
        if (opt + 4 > end) {
            return -1;
        }
        int code = bytes.get(u16, opt) & 0xffff;
        int len = bytes.get(u16, opt + 2) & 0xffff;
        if (code == OPTION_END) {
            return -1;
        }
        if (opt + 4 + len > end) {
            throw error(opt, "option " + code + " of " + len + " bytes overruns its " + block + " block");
        }
        return opt + 4 + ((len + 3) & ~3);
    }

    /**
     * An enhanced packet block, or the obsolete packet block it replaced: the same layout but for
     * the interface number, 32 bits in the one, 16 in the other (followed by a drop count).
     */
    private boolean readPacket(long at, long length, boolean enhanced) throws PcapFormatException {
        String name = enhanced ? "enhanced packet block" : "packet block";
        if (length < 32) {
            throw error(at, name + " of " + length + " bytes (at least 32)");
        }
        int iface = checkInterface(at, enhanced ? bytes.get(u32, at + 8) : bytes.get(u16, at + 8) & 0xffff);
        long captured = bytes.get(u32, at + 20) & 0xffff_ffffL;
        long original = bytes.get(u32, at + 24) & 0xffff_ffffL;
        if (captured > length - 32) {
            throw error(at, name + " claims " + captured + " captured bytes, its " + length
                    + "-byte block holds at most " + (length - 32));
        }
        frame(at + 28, captured, original, iface, ticks(at + 12));
        return true;
    }

    /** A simple packet block: no interface number (it is interface 0) and no timestamp (the previous frame's is kept). */
    private boolean readSimple(long at, long length) throws PcapFormatException {
        if (length < 16) {
            throw error(at, "simple packet block of " + length + " bytes (at least 16)");
        }
        int iface = checkInterface(at, 0);
        long original = bytes.get(u32, at + 8) & 0xffff_ffffL;
        long captured = Math.min(original, length - 16);
        int snap = snapLengths[iface];
        if (snap > 0) {
            captured = Math.min(captured, snap & 0xffff_ffffL);
        }
        long keep = timestampNanos;
        frame(at + 12, captured, original, iface, -1);
        timestampNanos = keep;
        return true;
    }

    private int checkInterface(long at, int iface) throws PcapFormatException {
        if (iface < 0 || iface >= interfaces) {
            throw error(at, "packet block refers to interface " + Integer.toUnsignedString(iface) + ", but "
                    + interfaces + " interface(s) are described before it in its section");
        }
        return iface;
    }

    private long ticks(long at) {
        long high = bytes.get(u32, at) & 0xffff_ffffL;
        long low = bytes.get(u32, at + 4) & 0xffff_ffffL;
        return high << 32 | low;
    }

    private void frame(long data, long captured, long original, int iface, long ticks) throws PcapFormatException {
        if (captured > MAX_RECORD_BYTES) {
            throw error(data, "frame of " + captured + " captured bytes, more than the " + MAX_RECORD_BYTES
                    + " a record may hold (corrupt file?)");
        }
        dataOffset = data;
        capturedLength = (int) captured;
        originalLength = (int) Math.min(Integer.MAX_VALUE, Math.max(original, captured));
        linkType = linkTypes[iface];
        if (ticks >= 0) {
            timestampNanos = toNanos(ticks, resolutions[iface]) + offsetsNanos[iface];
        }
    }

    /** Timestamp units to nanoseconds: units of 10^-r seconds, or of 2^-r with the high bit of {@code r} set. */
    static long toNanos(long ticks, int resolution) {
        if ((resolution & 0x80) != 0) {
            int shift = resolution & 0x7f;
            if (shift == 0) {
                return ticks * 1_000_000_000L;
            }
            long seconds = ticks >>> shift;
            long fraction = ticks & ((1L << shift) - 1);
            return seconds * 1_000_000_000L + Math.unsignedMultiplyHigh(fraction << (64 - shift), 1_000_000_000L);
        }
        if (resolution <= 9) {
            return ticks * POWERS_OF_TEN[9 - resolution];
        }
        return Long.divideUnsigned(ticks, POWERS_OF_TEN[resolution - 9]);
    }

    private static final long[] POWERS_OF_TEN = {
        1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L,
    };

    private static String blockName(int type) {
        return switch (type) {
            case BLOCK_SECTION_HEADER -> "section header";
            case BLOCK_INTERFACE -> "interface description";
            case BLOCK_PACKET_OBSOLETE -> "packet";
            case BLOCK_SIMPLE_PACKET -> "simple packet";
            case BLOCK_ENHANCED_PACKET -> "enhanced packet";
            case 4 -> "name resolution";
            case 5 -> "interface statistics";
            default -> String.format("0x%08x", type);
        };
    }
}
