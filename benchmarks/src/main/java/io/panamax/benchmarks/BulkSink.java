package io.panamax.benchmarks;

import io.panamax.reactor.Promise;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.ShardFuture;

/**
 * The receiving end of a bulk benchmark: it counts and releases what a server connection reads,
 * and completes the future of the operation under way once that operation's bytes have all
 * arrived (a write completing only says the data left the sender). Used on the shard only; one
 * operation waits at a time.
 */
public final class BulkSink {
    private long received;
    private long target;
    private Promise<Void> arrived;

    /** Counts and releases one read; returns whether it was the end of the stream (empty). */
    public boolean take(ReadBuffer p) {
        boolean end = p.isEmpty();
        received += p.length();
        p.release();
        if (arrived != null && received >= target) {
            Promise<Void> a = arrived;
            arrived = null;
            a.complete(null);
        }
        return end;
    }

    /** A future completing when {@code bytes} more than have arrived so far have arrived. */
    public ShardFuture<Void> expect(long bytes) {
        target = received + bytes;
        Promise<Void> done = new Promise<>();
        arrived = done;
        return done;
    }

    /** Bytes received so far. */
    public long received() {
        return received;
    }
}
