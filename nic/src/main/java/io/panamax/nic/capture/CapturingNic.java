package io.panamax.nic.capture;

import io.panamax.nic.ForwardingNic;
import io.panamax.nic.Nic;
import io.panamax.nic.NicQueue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Records every frame a NIC receives or sends, on every queue, to a pcap or pcapng file that
 * Wireshark opens: a user-space stack is invisible to tcpdump, so this is how one sees its
 * traffic.
 *
 * <pre>{@code
 * CapturingNic nic = CapturingNic.wrap(tap, CaptureConfig.builder(Path.of("pmx.pcapng")).rotateAt(100 << 20, 5).build());
 * nic.setEnabled(false);   // from any thread, while running
 * }</pre>
 *
 * <p>The shards never wait for the disk: each queue copies up to the snap length of each frame
 * into its own single-producer/single-consumer ring, and one writer thread per NIC writes the
 * file. When the writer falls behind and a ring is full, records are dropped and counted
 * ({@link CaptureStats#droppedRingFull()}), never the frames. In pcapng each queue is an
 * interface named {@code nic/qN} and each frame carries its direction. Timestamps are wall-clock
 * nanoseconds, one per receive or transmit burst.
 */
public final class CapturingNic extends ForwardingNic {
    private final CaptureConfig config;
    private final CapturingQueue[] queues;
    private final CaptureWriter writer;
    private volatile boolean enabled;

    private CapturingNic(Nic inner, CaptureConfig config) throws IOException {
        super(inner);
        this.config = config;
        int n = inner.queueCount();
        this.queues = new CapturingQueue[n];
        CaptureRing[] rings = new CaptureRing[n];
        List<String> names = new ArrayList<>();
        for (int q = 0; q < n; q++) {
            rings[q] = new CaptureRing(config.ringBytes(), config.snaplen());
            queues[q] = new CapturingQueue(this, inner.queue(q), rings[q]);
            names.add(inner.name() + "/q" + q);
        }
        this.enabled = config.enabled();
        this.writer = new CaptureWriter(this, config, rings, names);
        writer.start();
    }

    /** Wraps {@code nic}; the file is created now. Closing the capturing NIC closes {@code nic}. */
    public static CapturingNic wrap(Nic nic, CaptureConfig config) throws IOException {
        return new CapturingNic(nic, config);
    }

    /** The capture's settings. */
    public CaptureConfig config() {
        return config;
    }

    /** Switches recording on or off, from any thread; frames flow either way. */
    public void setEnabled(boolean on) {
        this.enabled = on && !writer.stopped();
    }

    /** Whether frames are being recorded now. */
    public boolean isEnabled() {
        return enabled;
    }

    /** What has been recorded and dropped so far. */
    public CaptureStats captureStats() {
        long ringFull = 0;
        for (CapturingQueue q : queues) {
            ringFull += q.droppedRingFull.get();
        }
        return new CaptureStats(writer.written.get(), ringFull, writer.droppedAtLimit.get(), writer.files(),
                writer.stopped());
    }

    /** The write error that stopped the capture, if one did. */
    public Optional<IOException> captureFailure() {
        return Optional.ofNullable(writer.failure());
    }

    /** The file being written now (the last one, when rotating). */
    public Path currentFile() {
        return writer.currentFile();
    }

    @Override
    public int queueCount() {
        return queues.length;
    }

    @Override
    public NicQueue queue(int id) {
        return queues[id];
    }

    /**
     * Writes the records still on their way, completes the file, and closes the wrapped NIC. The
     * queues must no longer be polled.
     */
    @Override
    public void close() {
        try {
            enabled = false;
            writer.close();
        } finally {
            inner.close();
        }
    }

    @Override
    public String toString() {
        return "CapturingNic[" + inner.name() + " -> " + config.file() + "]";
    }
}
