package io.panamax.nic.pcap;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A capture file that cannot be read as pcap or pcapng: the message names the file, the byte
 * offset where the problem is, and what is wrong there.
 */
public final class PcapFormatException extends IOException {
    private final transient Path file;
    private final long offset;
    private final String problem;

    /** A problem at byte {@code offset} of {@code file}. */
    public PcapFormatException(Path file, long offset, String problem) {
        super(file + ": at byte " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
        this.problem = problem;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** Where in the file the problem starts (the record or block at fault). */
    public long offset() {
        return offset;
    }

    /** What is wrong, without the file and offset. */
    public String problem() {
        return problem;
    }
}
