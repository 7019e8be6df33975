package io.panamax.nic.capture;

/**
 * What a {@link CapturingNic} has recorded, read at one moment.
 *
 * @param written           records written to files
 * @param droppedRingFull   frames not recorded because the writer thread was behind (the frames
 *                          themselves went through)
 * @param droppedAtLimit    records discarded after the size limit stopped the capture, or after a
 *                          write error
 * @param files             files started (more than one when rotating)
 * @param stopped           whether the capture stopped for good (size limit reached, or a write error)
 */
public record CaptureStats(long written, long droppedRingFull, long droppedAtLimit, int files, boolean stopped) {
}
