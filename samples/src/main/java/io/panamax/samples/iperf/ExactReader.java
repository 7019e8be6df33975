package io.panamax.samples.iperf;

import io.panamax.reactor.Future;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.StreamConnection;

/**
 * Reads exact byte counts from a stream connection, for protocols framed by fixed sizes and
 * length prefixes: bytes that arrive beyond a read wait for the next one. On its connection's shard.
 */
final class ExactReader {
    private final StreamConnection connection;
    /** Received and not yet consumed, or null. */
    private Packet held;

    ExactReader(StreamConnection connection) {
        this.connection = connection;
    }

    /** The next {@code n} bytes; fails if the stream ends first. */
    Future<byte[]> read(int n) {
        if (held != null && held.length() >= n) {
            byte[] b = new byte[n];
            held.copyTo(0, b, 0, n);
            held.trimFront(n);
            if (held.isEmpty()) {
                held.release();
                held = null;
            }
            return Future.succeeded(b);
        }
        return connection.read().then(p -> {
            if (p.isEmpty()) {
                p.release();
                return Future.failed(new ConnectionAbortedException("the peer closed the connection in the middle of a message"));
            }
            if (held == null) {
                held = p;
            } else {
                held.append(p);
            }
            return read(n);
        });
    }

    /** Bytes received beyond the reads so far (given up by this reader), or 0. */
    int takeRest() {
        if (held == null) {
            return 0;
        }
        int n = held.length();
        held.release();
        held = null;
        return n;
    }

    /** Drops what is held. */
    void release() {
        takeRest();
    }
}
