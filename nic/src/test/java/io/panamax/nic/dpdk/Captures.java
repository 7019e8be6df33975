package io.panamax.nic.dpdk;

import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** Reads capture files with pcap4j (libpcap underneath), a decoder independent of DPDK's net_pcap. */
final class Captures {
    private Captures() {
    }

    /** The captured bytes of every frame of {@code file} (pcap or pcapng), in order. */
    static List<byte[]> frames(Path file) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        try (PcapHandle h = Pcaps.openOffline(file.toString())) {
            while (true) {
                try {
                    frames.add(h.getNextRawPacketEx());
                } catch (EOFException e) {
                    return frames;
                } catch (TimeoutException e) {
                    throw new IOException("timeout reading " + file, e);
                }
            }
        } catch (PcapNativeException | org.pcap4j.core.NotOpenException e) {
            throw new IOException("pcap4j cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
