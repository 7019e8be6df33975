package io.panamax.nic.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** Classic pcap, little-endian, Ethernet link type. */
final class PcapFileWriter extends CaptureFileWriter {
    private final boolean nanos;

    PcapFileWriter(Path file, boolean nanos, int snaplen) throws IOException {
        super(file);
        this.nanos = nanos;
        MemorySegment b = buffer();
        long at = reserve(PcapFileReader.FILE_HEADER);
        b.set(U32, at, nanos ? PcapFileReader.MAGIC_NANOS : PcapFileReader.MAGIC_MICROS);
        b.set(U16, at + 4, (short) 2);
        b.set(U16, at + 6, (short) 4);
        b.set(U32, at + 8, 0);
        b.set(U32, at + 12, 0);
        b.set(U32, at + 16, snaplen);
        b.set(U32, at + 20, LinkTypes.ETHERNET);
    }

    @Override
    public int recordSize(int captured, int direction) {
        return PcapFileReader.RECORD_HEADER + Math.min(captured, MAX_SNAPLEN);
    }

    @Override
    long beginRecord(long timestampNanos, int captured, int original, int iface, int direction) throws IOException {
        long at = reserve(PcapFileReader.RECORD_HEADER + captured);
        MemorySegment b = buffer();
        long seconds = Math.floorDiv(timestampNanos, 1_000_000_000L);
        long fraction = Math.floorMod(timestampNanos, 1_000_000_000L);
        b.set(U32, at, (int) seconds);
        b.set(U32, at + 4, (int) (nanos ? fraction : fraction / 1000));
        b.set(U32, at + 8, captured);
        b.set(U32, at + 12, Math.max(original, captured));
        return at + PcapFileReader.RECORD_HEADER;
    }

    @Override
    void endRecord(long end, int captured, int direction) {
    }
}
