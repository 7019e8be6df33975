package io.panamax.nic.pcap;

import io.panamax.nic.AbstractNic;
import io.panamax.nic.MacAddress;
import io.panamax.nic.Nic;
import io.panamax.nic.NicCapabilities;
import io.panamax.nic.NicQueue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A NIC backed by capture files: it receives the frames of a pcap or pcapng file and writes the
 * frames it transmits into another. One queue pair.
 *
 * <pre>{@code
 * try (PcapNic nic = PcapNic.builder().input(Path.of("in.pcapng")).output(Path.of("out.pcap")).open()) {
 *     // poll nic.queue(0) from a shard; nic.endOfInput() completes when the file is done
 * }
 * }</pre>
 *
 * <p>Receive delivers frames as fast as the queue is polled ({@link Pacing#ASAP}: when the shard has
 * no buffer free the frame waits for the next poll, nothing is lost) or at the times recorded in
 * the file ({@link Pacing#RECORDED}, measured on the shard's clock, optionally sped up; a frame
 * that finds no buffer is dropped and counted, as a NIC would). Only Ethernet captures are
 * replayed. A file that turns out corrupt part-way ends the input: the frames before the fault
 * have been delivered, and {@link #endOfInput()} carries the error with the file and offset.
 *
 * <p>Transmitted frames are written with wall-clock timestamps on the shard's thread, through a
 * 1 MiB buffer: the file is the device here, so writing to it is the transmit path (use
 * {@link io.panamax.nic.capture.CapturingNic} to record a NIC without blocking its shard). Without
 * an output file, transmitted frames are counted and discarded.
 */
public final class PcapNic extends AbstractNic<NicQueue> {
    /** When received frames are delivered. */
    public enum Pacing {
        /** As fast as the queue is polled. */
        ASAP,
        /** At the capture's own timing (relative to the first frame), divided by the speed factor. */
        RECORDED
    }

    private final CaptureFileReader reader;
    private final CaptureFileWriter writer;
    private final PcapQueue queue;

    private PcapNic(Builder b, CaptureFileReader reader, CaptureFileWriter writer) {
        super(b.name != null ? b.name : "pcap:" + (b.input != null ? b.input.getFileName() : b.output.getFileName()),
                b.mac, b.mtu, null);
        this.reader = reader;
        this.writer = writer;
        this.queue = new PcapQueue(this, reader, writer, b.pacing, b.speed, b.loop);
        setQueues(new NicQueue[] {queue});
    }

    /** A builder: no files yet, ASAP pacing, one pass, MTU 1500. */
    public static Builder builder() {
        return new Builder();
    }

    /** A NIC that replays {@code input} as fast as it is polled, once, and discards what it sends. */
    public static PcapNic replay(Path input) throws IOException {
        return builder().input(input).open();
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public NicCapabilities capabilities() {
        return NicCapabilities.none(1);
    }

    /**
     * Completes, on the polling shard, when the input is done: after the last frame of the last
     * pass, at the first corrupt record, or at once when there is no input file.
     */
    public CompletableFuture<ReplayEnd> endOfInput() {
        return queue.endOfInput();
    }

    /** Whether the input is done (readable from any thread). */
    public boolean atEndOfInput() {
        return queue.endOfInput().isDone();
    }

    /** Writes out buffered transmitted frames; call on the polling shard, or after it stopped. */
    public void flushOutput() throws IOException {
        if (writer != null) {
            writer.flush();
        }
    }

    /** Completes the output file and unmaps the input; the queue must no longer be polled. */
    @Override
    public void close() {
        try {
            if (writer != null) {
                writer.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(name() + ": could not complete " + writer.file(), e);
        } finally {
            if (reader != null) {
                reader.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PcapNic[" + name() + "]";
    }

    /** Builds a {@link PcapNic}; give an input, an output or both. */
    public static final class Builder {
        private Path input;
        private Path output;
        private CaptureFileWriter.Format outputFormat;
        private Pacing pacing = Pacing.ASAP;
        private double speed = 1.0;
        private boolean loop;
        private String name;
        private MacAddress mac = MacAddress.parse("02:00:00:00:00:01");
        private int mtu = 1500;

        private Builder() {
        }

        /** The capture to receive from (pcap or pcapng, Ethernet). */
        public Builder input(Path file) {
            this.input = file;
            return this;
        }

        /** The file transmitted frames are written to; pcapng when it ends in {@code .pcapng}, pcap otherwise. */
        public Builder output(Path file) {
            this.output = file;
            return this;
        }

        /** The file transmitted frames are written to, in {@code format}. */
        public Builder output(Path file, CaptureFileWriter.Format format) {
            this.output = file;
            this.outputFormat = format;
            return this;
        }

        /** When received frames are delivered. */
        public Builder pacing(Pacing pacing) {
            this.pacing = Objects.requireNonNull(pacing);
            return this;
        }

        /** With {@link Pacing#RECORDED}: 2.0 replays twice as fast as recorded. */
        public Builder speed(double factor) {
            if (!(factor > 0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("speed must be a positive factor, got " + factor);
            }
            this.speed = factor;
            return this;
        }

        /** Start over at the end of the file, forever. */
        public Builder loop(boolean loop) {
            this.loop = loop;
            return this;
        }

        /** The NIC's name (default {@code pcap:<file name>}); also the pcapng interface name of the output. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** What {@link Nic#mac()} reports. */
        public Builder mac(MacAddress mac) {
            this.mac = Objects.requireNonNull(mac);
            return this;
        }

        /** What {@link Nic#mtu()} reports; frames are replayed whatever their length. */
        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        /**
         * Opens the files. The input's headers are checked here: a file that is not a capture, a
         * pcap version other than 2.x, a broken pcapng section header or a link type other than
         * Ethernet is a {@link PcapFormatException} naming the file and offset.
         */
        public PcapNic open() throws IOException {
            if (input == null && output == null) {
                throw new IllegalArgumentException("a PcapNic needs an input file, an output file or both");
            }
            CaptureFileReader reader = null;
            CaptureFileWriter writer = null;
            try {
                if (input != null) {
                    reader = CaptureFileReader.open(input);
                    int linkType = reader.headerLinkType();
                    if (linkType >= 0 && linkType != LinkTypes.ETHERNET) {
                        throw new PcapFormatException(input, reader.headerLinkTypeOffset(), "link type "
                                + LinkTypes.describe(linkType) + ": PcapNic replays Ethernet captures (link type 1) only");
                    }
                }
                if (output != null) {
                    CaptureFileWriter.Format format = outputFormat != null ? outputFormat : CaptureFileWriter.Format.forFile(output);
                    writer = CaptureFileWriter.create(output, format, List.of(name != null ? name : "panamax"),
                            CaptureFileWriter.MAX_SNAPLEN);
                }
                return new PcapNic(this, reader, writer);
            } catch (IOException | RuntimeException e) {
                if (reader != null) {
                    reader.close();
                }
                if (writer != null) {
                    try {
                        writer.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
    }
}
