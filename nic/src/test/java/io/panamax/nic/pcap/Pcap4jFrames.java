package io.panamax.nic.pcap;

import io.panamax.reactor.testing.SharedData;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

import java.io.EOFException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Reads a capture with pcap4j (libpcap through JNA): the independent decoder the tests compare
 * Panamax's own reader and writers against.
 */
public final class Pcap4jFrames {
    private Pcap4jFrames() {
    }

    /**
     * One record: its number (from 1, as tshark numbers frames), the captured bytes, the timestamp
     * in nanoseconds since the epoch, the length on the wire.
     */
    public record Frame(int number, byte[] data, long timestampNanos, int originalLength) {
    }

    /** Every record of {@code file}, in order. */
    public static List<Frame> read(Path file) {
        try (PcapHandle h = Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO)) {
            List<Frame> frames = new ArrayList<>();
            while (true) {
                byte[] data;
                try {
                    data = h.getNextRawPacketEx();
                } catch (EOFException end) {
                    return frames;
                }
                var ts = h.getTimestamp();
                long nanos = ts.getTime() / 1000 * 1_000_000_000L + ts.getNanos();
                frames.add(new Frame(frames.size() + 1, data, nanos, h.getOriginalLength()));
            }
        } catch (PcapNativeException | NotOpenException | TimeoutException e) {
            throw new IllegalStateException("pcap4j could not read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Every record of the shared capture {@code name} ({@link SharedData#pcap}). */
    public static List<Frame> sharedCapture(String name) {
        return read(SharedData.pcap(name));
    }

    /** Record {@code number} (from 1) of the shared capture {@code name}. */
    public static Frame sharedFrame(String name, int number) {
        return sharedCapture(name).get(number - 1);
    }

    /** The captured bytes of every record of {@code file}. */
    public static List<byte[]> bytes(Path file) {
        return read(file).stream().map(Frame::data).toList();
    }
}
