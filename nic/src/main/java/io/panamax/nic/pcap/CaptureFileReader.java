package io.panamax.nic.pcap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the frames of a pcap or pcapng file, one record at a time, from the file mapped into
 * memory: nothing is copied or allocated per record, and every length in the file is checked
 * against what is really there before it is used, so a corrupt or truncated file gives a
 * {@link PcapFormatException} naming the byte where it goes wrong, never an out-of-bounds read.
 *
 * <p>Panamax reads captures itself rather than through pcap4j/libpcap: the replay path then copies
 * straight from the mapped file into packet buffers (libpcap through JNA hands out a new
 * {@code byte[]} per frame), errors carry the file offset (libpcap's do not), and no native library
 * is needed. The tests use pcap4j as the independent decoder to compare against.
 *
 * <p>Not thread-safe: one thread reads (the shard that polls a {@link PcapNic}).
 */
public abstract sealed class CaptureFileReader implements AutoCloseable
        permits PcapFileReader, PcapngFileReader {

    /** The formats a reader understands. */
    public enum Format { PCAP, PCAPNG }

    /** Most bytes one record may hold (libpcap's limit on a record's captured length). */
    public static final int MAX_RECORD_BYTES = 262_144;

    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    final Path file;
    final MemorySegment bytes;
    final long size;
    private final Arena arena;

    // The current record.
    long recordOffset = -1;
    long dataOffset;
    int capturedLength;
    int originalLength;
    long timestampNanos;
    int linkType;
    long recordIndex = -1;

    CaptureFileReader(Path file, MemorySegment bytes, Arena arena) {
        this.file = file;
        this.bytes = bytes;
        this.size = bytes.byteSize();
        this.arena = arena;
    }

    /**
     * Opens {@code file}, recognises pcap (either byte order, micro- or nanosecond) or pcapng by its
     * first bytes, and checks its headers: a bad header is reported here.
     */
    public static CaptureFileReader open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file (a capture is replayed from a file that can be mapped)");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment bytes;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size == 0) {
                    throw new PcapFormatException(file, 0, "empty file");
                }
                bytes = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            if (bytes.byteSize() < 4) {
                throw new PcapFormatException(file, 0, "file of " + bytes.byteSize() + " bytes is too short to be a capture");
            }
            int magic = bytes.get(LE_INT, 0);
            CaptureFileReader reader = switch (magic) {
                case PcapngFileReader.BLOCK_SECTION_HEADER -> new PcapngFileReader(file, bytes, arena);
                default -> PcapFileReader.open(file, bytes, arena, magic);
            };
            return reader;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Moves to the next frame; false at the end of the file. Throws when the record there is
     * corrupt or cut short; the reader then stays at that record.
     */
    public abstract boolean next() throws PcapFormatException;

    /** Goes back to the first frame. */
    public abstract void rewind();

    /** Which of the two formats the file is. */
    public abstract Format format();

    /** The link type of the file header (pcap) or of the first interface (pcapng); -1 if none is described yet. */
    public abstract int headerLinkType();

    /** Where {@link #headerLinkType()} is stored in the file, for error messages. */
    public abstract long headerLinkTypeOffset();

    /** The file being read. */
    public Path file() {
        return file;
    }

    /** The whole file, mapped; the current frame is {@link #capturedLength()} bytes at {@link #dataOffset()}. */
    public MemorySegment bytes() {
        return bytes;
    }

    /** Where the current frame's bytes start in {@link #bytes()}. */
    public long dataOffset() {
        return dataOffset;
    }

    /** Bytes of the current frame in the file. */
    public int capturedLength() {
        return capturedLength;
    }

    /** The frame's length on the wire; more than {@link #capturedLength()} when the capture cut it. */
    public int originalLength() {
        return originalLength;
    }

    /** Nanoseconds since the epoch. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** The link type of the current frame (pcapng files may mix interfaces of different types). */
    public int linkType() {
        return linkType;
    }

    /** Where the current frame's record (or block) starts in the file. */
    public long recordOffset() {
        return recordOffset;
    }

    /** The current frame's number, from 0. */
    public long recordIndex() {
        return recordIndex;
    }

    /** Unmaps the file. */
    @Override
    public void close() {
        arena.close();
    }

    final PcapFormatException error(long offset, String problem) {
        return new PcapFormatException(file, offset, problem);
    }
}
