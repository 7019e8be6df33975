package io.panamax.tcp;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;

/**
 * Two standard services on any {@link StreamConnection} (TCP, or TLS over it): echo (RFC 862) and
 * discard (RFC 863). They are what any TCP client can exercise a stack with, and what the samples,
 * tests and benchmarks serve. Both close after the peer's end of stream and abort on failure.
 */
public final class StandardServices {
    /** RFC 862: the echo port. */
    public static final int ECHO_PORT = 7;
    /** RFC 863: the discard port. */
    public static final int DISCARD_PORT = 9;

    private StandardServices() {
    }

    /**
     * Sends back every byte received, in order, zero-copy (each received packet is written as it
     * is); writes wait for the send buffer, so a peer that does not read slows the echo down.
     */
    public static ShardFuture<Void> echo(StreamConnection c) {
        return ShardFuture.repeat(() -> c.read().then(data -> {
            if (data.isEmpty()) {
                data.release();
                return ShardFuture.stop();
            }
            return c.write(data).map(v -> Loop.CONTINUE);
        })).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }

    /** Reads and throws away everything. */
    public static ShardFuture<Void> discard(StreamConnection c) {
        return ShardFuture.repeat(() -> c.read().map(data -> {
            boolean end = data.isEmpty();
            data.release();
            return end ? Loop.STOP : Loop.CONTINUE;
        })).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }
}
