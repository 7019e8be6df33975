package io.panamax.nic.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the frames out of a classic pcap file (what {@code tcpdump -w} writes), tolerating a last
 * record that is still being written: a capture can be read while it runs.
 */
public final class PcapReader {
    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;

    private PcapReader() {
    }

    /** The captured bytes of every complete record in {@code file}, in order. */
    public static List<byte[]> frames(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        List<byte[]> out = new ArrayList<>();
        if (all.length < 24) {
            return out;
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
            if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
                throw new IOException(file + " is not a classic pcap file (magic " + Integer.toHexString(magic) + ")");
            }
        }
        int at = 24;
        while (at + 16 <= all.length) {
            int included = b.getInt(at + 8);
            if (included < 0 || at + 16 + included > all.length) {
                break;
            }
            byte[] frame = new byte[included];
            System.arraycopy(all, at + 16, frame, 0, included);
            out.add(frame);
            at += 16 + included;
        }
        return out;
    }
}
