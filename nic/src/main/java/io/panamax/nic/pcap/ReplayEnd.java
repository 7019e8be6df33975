package io.panamax.nic.pcap;

import java.util.Optional;

/**
 * How the input of a {@link PcapNic} ended.
 *
 * @param frames     frames delivered to the stack (over all passes)
 * @param passes     complete passes over the file
 * @param cutFrames  delivered frames that the capture had cut short (captured length below the
 *                   length on the wire)
 * @param dropped    frames dropped for lack of buffers (only when pacing at the recorded times)
 * @param error      why reading stopped early, if it did
 */
public record ReplayEnd(long frames, long passes, long cutFrames, long dropped, PcapFormatException error) {

    /** The error that ended the input early, if one did. */
    public Optional<PcapFormatException> failure() {
        return Optional.ofNullable(error);
    }

    /** Whether the whole file was read. */
    public boolean complete() {
        return error == null;
    }
}
