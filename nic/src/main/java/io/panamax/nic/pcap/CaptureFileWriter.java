package io.panamax.nic.pcap;

import io.panamax.reactor.buffer.Packet;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes frames to a capture file that Wireshark, tshark and tcpdump open: classic pcap (micro- or
 * nanosecond timestamps) or pcapng (one interface per name given, nanosecond timestamps, and the
 * direction of each frame). Records are gathered in an off-heap buffer and written in large
 * chunks; nothing is allocated per frame.
 *
 * <p>Not thread-safe: one thread writes. The file is complete (every record whole) after
 * {@link #flush()} and {@link #close()}.
 */
public abstract sealed class CaptureFileWriter implements AutoCloseable permits PcapFileWriter, PcapngFileWriter {

    /** The file formats written. */
    public enum Format {
        /** Classic pcap, microsecond timestamps: what every tool reads. */
        PCAP,
        /** Classic pcap with nanosecond timestamps (magic 0xa1b23c4d). */
        PCAP_NANOS,
        /** pcapng: an interface per queue and the direction of each frame. */
        PCAPNG;

        /** {@link #PCAPNG} for a name ending in {@code .pcapng}, {@link #PCAP} otherwise. */
        public static Format forFile(Path file) {
            return file.getFileName().toString().endsWith(".pcapng") ? PCAPNG : PCAP;
        }
    }

    /** Direction of a frame (pcapng's {@code epb_flags}): not known. */
    public static final int DIRECTION_UNKNOWN = 0;
    /** Received by the interface. */
    public static final int DIRECTION_INBOUND = 1;
    /** Sent by the interface. */
    public static final int DIRECTION_OUTBOUND = 2;

    /** Captured bytes per record at most (libpcap's limit); longer frames are cut and say so in their original length. */
    public static final int MAX_SNAPLEN = CaptureFileReader.MAX_RECORD_BYTES;

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final MemorySegment buffer;
    private final ByteBuffer view;
    private int fill;
    private long written;

    CaptureFileWriter(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        this.buffer = Arena.ofAuto().allocate(BUFFER_BYTES, 64);
        this.view = buffer.asByteBuffer();
    }

    /**
     * A writer of {@code format} that creates (or truncates) {@code file} and writes its header.
     *
     * @param interfaces names of the interfaces frames are written for (pcapng); at least one
     * @param snaplen    the snapshot length the header announces
     */
    public static CaptureFileWriter create(Path file, Format format, List<String> interfaces, int snaplen)
            throws IOException {
        if (snaplen < 1 || snaplen > MAX_SNAPLEN) {
            throw new IllegalArgumentException("snaplen must be in [1, " + MAX_SNAPLEN + "], got " + snaplen);
        }
        return switch (format) {
            case PCAP -> new PcapFileWriter(file, false, snaplen);
            case PCAP_NANOS -> new PcapFileWriter(file, true, snaplen);
            case PCAPNG -> new PcapngFileWriter(file, interfaces, snaplen);
        };
    }

    /**
     * Writes one frame of {@code originalLength} bytes, of which {@code capturedLength} are at
     * {@code offset} in {@code source}.
     *
     * @param iface     the interface (index into the names given at creation; pcapng only)
     * @param direction one of the {@code DIRECTION_} constants (pcapng only)
     */
    public final void write(long timestampNanos, MemorySegment source, long offset, int capturedLength,
                            int originalLength, int iface, int direction) throws IOException {
        int captured = Math.min(capturedLength, MAX_SNAPLEN);
        long at = beginRecord(timestampNanos, captured, originalLength, iface, direction);
        MemorySegment.copy(source, offset, buffer, at, captured);
        endRecord(at + captured, captured, direction);
    }

    /** Writes the first {@code snaplen} bytes of {@code frame} (its whole length as the original length). */
    public final void write(long timestampNanos, Packet frame, int snaplen, int iface, int direction)
            throws IOException {
        int captured = Math.min(Math.min(frame.length(), snaplen), MAX_SNAPLEN);
        long at = beginRecord(timestampNanos, captured, frame.length(), iface, direction);
        frame.copyTo(0, buffer, at, captured);
        endRecord(at + captured, captured, direction);
    }

    /** Bytes in the file once everything written so far is flushed. */
    public final long size() {
        return written + fill;
    }

    /** The file being written. */
    public final Path file() {
        return file;
    }

    /** Writes out what is buffered. */
    public final void flush() throws IOException {
        view.clear().limit(fill);
        while (view.hasRemaining()) {
            written += channel.write(view);
        }
        fill = 0;
    }

    @Override
    public final void close() throws IOException {
        try {
            flush();
        } finally {
            channel.close();
        }
    }

    /** Bytes a record of {@code captured} bytes adds to the file. */
    public abstract int recordSize(int captured, int direction);

    /** Writes the record header and returns where the captured bytes go. */
    abstract long beginRecord(long timestampNanos, int captured, int original, int iface, int direction)
            throws IOException;

    /** Finishes the record whose bytes end at {@code end}. */
    abstract void endRecord(long end, int captured, int direction);

    /** Makes room for {@code n} contiguous bytes and returns their offset in the buffer. */
    final long reserve(int n) throws IOException {
        if (BUFFER_BYTES - fill < n) {
            flush();
        }
        long at = fill;
        fill += n;
        return at;
    }

    final MemorySegment buffer() {
        return buffer;
    }
}
