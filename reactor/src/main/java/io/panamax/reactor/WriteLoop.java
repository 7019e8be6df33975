package io.panamax.reactor;

import java.util.function.Supplier;

/**
 * A loop that writes what a producer makes, one value at a time, into a sink with back-pressure
 * (a connection's send buffer), and allocates nothing per write: the bulk-sender shape "make a
 * buffer, write it, make the next once the connection has taken it".
 *
 * <p>{@code ShardFuture.doUntil(..., () -> conn.write(p))} allocates a promise for every write that must
 * wait for room (in a bulk transfer: nearly all of them, since the sender outruns the network), and
 * that promise is handed to the loop, so it cannot be recycled. A write loop instead passes itself
 * to the sink as the {@link Completion} of every write, as {@link ReadLoop} does for reads: the
 * object reused is one the application never sees. The future the loop is (completed when it ends)
 * is created once per loop and never reused.
 *
 * <p>The producer is asked for the next value only when the previous one has been taken (at once
 * while the sink has room, later when it makes room), so the application never holds more than
 * one value the sink refused; it answers {@code null} to end the loop. The loop ends with the first
 * failure of a write or of the producer. It yields to the poll loop every 1,024 writes that
 * complete at once (as {@link ShardFuture#repeat} does), so a sink that never pushes back cannot
 * starve the shard.
 *
 * <p>Single-shard like every future: started, fed and completed on the shard that created it.
 */
public final class WriteLoop<T> extends CompletionLoop implements Completion<Void> {

    /** Where the values go: an operation that takes {@code data} and completes {@code into}, now or later. */
    @FunctionalInterface
    public interface Sink<T> {
        void write(T data, Completion<? super Void> into);
    }

    private final Sink<T> sink;
    private final Supplier<? extends T> producer;

    /** True from {@code sink.write(.., this)} until the sink completes it. */
    private boolean writing;

    private WriteLoop(Shard owner, Sink<T> sink, Supplier<? extends T> producer) {
        super(owner);
        this.sink = sink;
        this.producer = producer;
    }

    /**
     * Starts a loop on the current shard: asks {@code producer} for a first value and writes it now.
     *
     * @param producer the next value to write, or null to end the loop (with success)
     */
    public static <T> WriteLoop<T> start(Sink<T> sink, Supplier<? extends T> producer) {
        WriteLoop<T> loop = new WriteLoop<>(Shard.current(), sink, producer);
        loop.run();
        return loop;
    }

    @Override
    public void complete(Void v) {
        written(null);
    }

    @Override
    public void fail(Throwable cause) {
        written(orNpe(cause));
    }

    private void written(Throwable cause) {
        assert checkOwner();
        if (!writing || delivered) {
            throw new IllegalStateException("write loop completed without a write in flight");
        }
        delivered(null, cause);
    }

    @Override
    void step() {
        int budget = LOOP_YIELD_EVERY;
        while (true) {
            if (writing) {
                if (!delivered) {
                    return; // the sink completes this loop when it has taken the value
                }
                writing = false;
                delivered = false;
                Throwable cause = failure;
                failure = null;
                if (cause != null) {
                    complete(FAILED, cause);
                    return;
                }
            }
            if (--budget == 0 && owner != null) {
                owner.schedule(this); // nothing in flight: the next run asks the producer
                return;
            }
            T data = producer.get();
            if (data == null) {
                complete(SUCCEEDED, null);
                return;
            }
            writing = true;
            sink.write(data, this);
        }
    }
}
