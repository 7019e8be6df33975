package io.panamax.nic.capture;

import io.panamax.nic.pcap.CaptureFileWriter;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The settings of a {@link CapturingNic}.
 *
 * @param file          where to write; with {@link SizeLimit#ROTATE} the first of the numbered files
 * @param format        pcap or pcapng (pcapng records each frame's queue and direction)
 * @param snaplen       bytes kept of each frame (the rest is counted in the record's original length)
 * @param maxFileBytes  size limit of a file; 0 for none
 * @param sizeLimit     what happens at the limit: stop capturing, or go on in a new file
 * @param maxFiles      with {@link SizeLimit#ROTATE}: how many files to keep (the oldest is
 *                      deleted); 0 keeps them all
 * @param ringBytes     per queue: memory between the shard and the writer thread; records that do
 *                      not fit while the writer is behind are dropped and counted
 * @param enabled       whether capturing starts switched on
 */
public record CaptureConfig(Path file, CaptureFileWriter.Format format, int snaplen, long maxFileBytes,
                            SizeLimit sizeLimit, int maxFiles, int ringBytes, boolean enabled) {

    /** What the capture does when a file reaches {@link #maxFileBytes()}. */
    public enum SizeLimit {
        /** Stop capturing (the file ends with the last whole record that fit); frames still flow. */
        STOP,
        /** Close the file and go on in the next: {@code cap.pcapng}, {@code cap.1.pcapng}, {@code cap.2.pcapng}, ... */
        ROTATE
    }

    public static final int DEFAULT_SNAPLEN = CaptureFileWriter.MAX_SNAPLEN;
    public static final int DEFAULT_RING_BYTES = 4 << 20;

    public CaptureConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(sizeLimit, "sizeLimit");
        if (snaplen < 1 || snaplen > CaptureFileWriter.MAX_SNAPLEN) {
            throw new IllegalArgumentException("snaplen must be in [1, " + CaptureFileWriter.MAX_SNAPLEN + "], got " + snaplen);
        }
        if (maxFileBytes < 0 || maxFiles < 0) {
            throw new IllegalArgumentException("negative limit: " + maxFileBytes + " bytes, " + maxFiles + " files");
        }
        if (Integer.bitCount(ringBytes) != 1 || ringBytes < 4L * CaptureRing.recordBytes(snaplen)) {
            throw new IllegalArgumentException("ringBytes must be a power of two holding at least four records of "
                    + snaplen + " bytes, got " + ringBytes);
        }
    }

    /** A capture to {@code file} (pcapng when it ends in {@code .pcapng}, pcap otherwise), with the defaults. */
    public static CaptureConfig of(Path file) {
        return builder(file).build();
    }

    /** A builder for a capture to {@code file}: whole frames, no size limit, switched on. */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** Builds a {@link CaptureConfig}: whole frames, no size limit, 4 MiB per queue, switched on. */
    public static final class Builder {
        private final Path file;
        private CaptureFileWriter.Format format;
        private int snaplen = DEFAULT_SNAPLEN;
        private long maxFileBytes;
        private SizeLimit sizeLimit = SizeLimit.STOP;
        private int maxFiles;
        private int ringBytes = DEFAULT_RING_BYTES;
        private boolean enabled = true;

        private Builder(Path file) {
            this.file = file;
        }

        /** The file format (default: from the file name). */
        public Builder format(CaptureFileWriter.Format format) {
            this.format = format;
            return this;
        }

        /** Bytes kept of each frame. */
        public Builder snaplen(int bytes) {
            this.snaplen = bytes;
            return this;
        }

        /** Stop capturing once a file would grow past {@code bytes}. */
        public Builder stopAt(long bytes) {
            this.maxFileBytes = bytes;
            this.sizeLimit = SizeLimit.STOP;
            return this;
        }

        /** Start a new numbered file once one would grow past {@code bytes}, keeping the last {@code keep} (0: all). */
        public Builder rotateAt(long bytes, int keep) {
            this.maxFileBytes = bytes;
            this.sizeLimit = SizeLimit.ROTATE;
            this.maxFiles = keep;
            return this;
        }

        /** Memory per queue between the shard and the writer thread (a power of two). */
        public Builder ringBytes(int bytes) {
            this.ringBytes = bytes;
            return this;
        }

        /** Whether recording starts switched on. */
        public Builder enabled(boolean on) {
            this.enabled = on;
            return this;
        }

        /** The configuration; throws on a setting out of range. */
        public CaptureConfig build() {
            return new CaptureConfig(file, format != null ? format : CaptureFileWriter.Format.forFile(file), snaplen,
                    maxFileBytes, sizeLimit, maxFiles, ringBytes, enabled);
        }
    }
}
