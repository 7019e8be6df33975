package io.panamax.tcp;

import java.io.IOException;

/**
 * A {@link Framing} read that cannot be satisfied: no delimiter within the limit (a line too long,
 * a peer sending garbage or flooding), or the stream ended in the middle of a frame. The bytes
 * stay buffered; the usual answer is an error reply and closing (or aborting) the connection.
 */
public final class FramingException extends IOException {
    private final int limit;

    private FramingException(String message, int limit) {
        super(message);
        this.limit = limit;
    }

    static FramingException tooLong(byte delimiter, int limit) {
        return new FramingException("no delimiter " + describe(delimiter) + " within " + limit
                + " bytes (the limit this read was given)", limit);
    }

    static FramingException truncated(String wanted, int held) {
        return new FramingException("the stream ended in the middle of a frame: " + wanted + " wanted, "
                + held + " byte" + (held == 1 ? "" : "s") + " left", -1);
    }

    /** The limit that was exceeded, or -1 when the stream ended mid-frame. */
    public int limit() {
        return limit;
    }

    /** True when the stream ended in the middle of a frame (rather than a limit being exceeded). */
    public boolean isTruncated() {
        return limit < 0;
    }

    private static String describe(byte b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("0x%02x", b & 0xff);
    }
}
