package io.panamax.reactor;

import java.util.function.Predicate;

/**
 * A loop that reads each value from a source and writes it to a sink, and allocates nothing per
 * value: an echo (a connection into itself) or a proxy (one connection into another) with
 * back-pressure both ways. The next read starts once the sink has taken the last value, so a
 * slow sink holds the reads, and what is unread holds the source's peer.
 *
 * <p>A {@link ReadLoop} whose handler answers {@code write(v).map(...)} allocates, for every write
 * that must wait for room, the write's promise and the {@code map} step. A pump passes itself to the
 * source as the completion of every read and to the sink as the completion of every write (as
 * {@link ReadLoop} and {@link WriteLoop} each do for one side): the object reused is one the
 * application never sees. The future the pump is (completed when it ends) is created once.
 *
 * <p>Every value read is written, the {@code last} one too (a stream's empty end-of-stream buffer:
 * writing it releases it); the pump ends once the sink has taken that one, or with the first
 * failure of a read or a write. It yields to the poll loop every 1,024 values that were read and
 * written at once (as {@link ShardFuture#repeat} does).
 *
 * <p>Single-shard like every future: started, fed and completed on the shard that created it.
 */
public final class Pump<T> extends CompletionLoop implements Completion<Object> {

    private final ReadLoop.Source<T> source;
    private final Predicate<? super T> last;
    private final WriteLoop.Sink<T> sink;

    /** True from {@code source.read(this)} until the source completes it. */
    private boolean reading;
    /** True from {@code sink.write(.., this)} until the sink completes it. */
    private boolean writing;
    /** The value being written is the last: the pump ends once it is taken. */
    private boolean sawLast;

    private Pump(Shard owner, ReadLoop.Source<T> source, Predicate<? super T> last, WriteLoop.Sink<T> sink) {
        super(owner);
        this.source = source;
        this.last = last;
        this.sink = sink;
    }

    /**
     * Starts a pump on the current shard: reads a first value from {@code source} now.
     *
     * @param last accepts the value after which the pump ends, once it is written (null: only a failure ends it)
     */
    public static <T> Pump<T> start(ReadLoop.Source<T> source, Predicate<? super T> last, WriteLoop.Sink<T> sink) {
        Pump<T> pump = new Pump<>(Shard.current(), source, last, sink);
        pump.run();
        return pump;
    }

    @Override
    public void complete(Object v) {
        done(v, null);
    }

    @Override
    public void fail(Throwable cause) {
        done(null, orNpe(cause));
    }

    private void done(Object v, Throwable cause) {
        assert checkOwner();
        if ((!reading && !writing) || delivered) {
            throw new IllegalStateException("pump completed without a read or write in flight");
        }
        delivered(v, cause);
    }

    @Override
    @SuppressWarnings("unchecked")
    void step() {
        int budget = LOOP_YIELD_EVERY;
        while (true) {
            if (reading || writing) {
                if (!delivered) {
                    return; // the operation in flight completes this pump later
                }
                delivered = false;
                Object v = value;
                Throwable cause = failure;
                value = null;
                failure = null;
                if (cause != null) {
                    reading = false;
                    writing = false;
                    complete(FAILED, cause);
                    return;
                }
                if (reading) {
                    reading = false;
                    T data = (T) v;
                    sawLast = last != null && last.test(data);
                    writing = true;
                    sink.write(data, this);
                    continue;
                }
                writing = false;
                if (sawLast) {
                    complete(SUCCEEDED, null);
                    return;
                }
            }
            if (--budget == 0 && owner != null) {
                owner.schedule(this); // nothing in flight: the next run reads
                return;
            }
            reading = true;
            source.read(this);
        }
    }
}
