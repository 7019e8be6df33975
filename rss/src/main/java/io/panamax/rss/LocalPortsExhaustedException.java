package io.panamax.rss;

/**
 * No local port is free for an active open: every port of the range that steers the reply to the
 * connecting shard is already in use there. The connect fails; the application may retry after
 * connections close (Linux reports {@code EADDRNOTAVAIL} in the same situation).
 */
public final class LocalPortsExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int shard;

    LocalPortsExhaustedException(String message, int shard) {
        super(message);
        this.shard = shard;
    }

    /** The shard that tried to connect. */
    public int shard() {
        return shard;
    }
}
