package io.panamax.reactor;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A loop over the values a source produces one at a time (a connection's reads), which allocates
 * nothing per iteration: the request/response shape "read, answer, read again" without a future
 * per read or a combinator step per answer.
 *
 * <p>{@code ShardFuture.repeat(() -> conn.read().then(handler))} allocates every iteration: the read's
 * future, the pending {@code then} step and, usually, the lambda that captures the connection. Those
 * futures are handed to the caller, who may keep them, so they cannot be recycled. A read loop
 * instead passes itself to the source as the {@link Completion} of every read: the one object that
 * is reused is one the application never sees. The future the loop is (completed when the loop
 * ends) is created once per loop and never reused.
 *
 * <p><b>The rule for reuse</b>, here and in every pool of the stack: a future that has been
 * returned to application code is never recycled, because the application may hold it and look at
 * it later. Only objects internal to a mechanism (a completion slot, a loop's state) are reused.
 *
 * <p>Each value goes to {@code handler}, which answers {@link Loop#CONTINUE} or {@link Loop#STOP}
 * as a future ({@link ShardFuture#next()}, {@link ShardFuture#stop()} or {@code write(...).map(v -> Loop.CONTINUE)}:
 * resolved futures of those shapes are shared and allocate nothing). The next read starts once that
 * future has completed, so a handler's writes keep their order and back-pressure holds the loop.
 * The loop ends when the handler answers {@code STOP}, after the handler has seen a value that
 * {@code last} accepts (a stream's empty end-of-stream buffer: reading on would return it again),
 * or with the first failure of a read, of the handler or of its future. It yields to the poll loop
 * every 1,024 iterations that resolve at once (as {@link ShardFuture#repeat} does).
 *
 * <p>Single-shard like every future: started, fed and completed on the shard that created it.
 */
public final class ReadLoop<T> extends CompletionLoop implements Completion<T> {

    /** Where the values come from: an operation that completes {@code into} with the next one, now or later. */
    @FunctionalInterface
    public interface Source<T> {
        void read(Completion<? super T> into);
    }

    private final Source<T> source;
    private final Predicate<? super T> last;
    private final Function<? super T, ? extends ShardFuture<Loop>> handler;

    /** The handler's future for the current value (pending or resolved), or null while reading. */
    private ShardFuture<?> answer;
    /** True from {@code source.read(this)} until the source completes it. */
    private boolean reading;
    /** The handler has seen the last value: the loop ends when its answer completes. */
    private boolean sawLast;

    private ReadLoop(Shard owner, Source<T> source, Predicate<? super T> last, Function<? super T, ? extends ShardFuture<Loop>> handler) {
        super(owner);
        this.source = source;
        this.last = last;
        this.handler = handler;
    }

    /**
     * Starts a loop on the current shard: reads a first value from {@code source} now.
     *
     * @param last accepts the value after which the loop ends (null: only {@code STOP} or a failure ends it)
     */
    public static <T> ReadLoop<T> start(Source<T> source, Predicate<? super T> last,
                                        Function<? super T, ? extends ShardFuture<Loop>> handler) {
        ReadLoop<T> loop = new ReadLoop<>(Shard.current(), source, last, handler);
        loop.answer = next(); // as if a handler had answered CONTINUE: the first run reads
        loop.run();
        return loop;
    }

    @Override
    public void complete(T v) {
        read(v, null);
    }

    @Override
    public void fail(Throwable cause) {
        read(null, orNpe(cause));
    }

    private void read(T v, Throwable cause) {
        assert checkOwner();
        if (!reading) {
            throw new IllegalStateException("read loop completed without a read in flight");
        }
        reading = false;
        delivered(v, cause);
    }

    @Override
    @SuppressWarnings("unchecked")
    void step() {
        int budget = LOOP_YIELD_EVERY;
        while (true) {
            ShardFuture<?> a = answer;
            if (a != null) {
                if (a.state == PENDING) {
                    return; // resumed as its continuation
                }
                answer = null;
                if (a.state == FAILED) {
                    complete(FAILED, a.result);
                    return;
                }
                if (a.result == Loop.STOP || sawLast) {
                    complete(SUCCEEDED, null);
                    return;
                }
                if (--budget == 0 && owner != null) {
                    answer = a; // resolved CONTINUE: the next run reads
                    owner.schedule(this);
                    return;
                }
                reading = true;
                source.read(this);
            }
            if (!delivered) {
                return; // the read completes later and schedules this loop
            }
            delivered = false;
            T v = (T) value;
            Throwable cause = failure;
            value = null;
            failure = null;
            if (cause != null) {
                complete(FAILED, cause);
                return;
            }
            sawLast = last != null && last.test(v);
            ShardFuture<Loop> f = handler.apply(v);
            a = f != null ? f : next();
            answer = a;
            if (a.state == PENDING) {
                a.setContinuation(this);
                return;
            }
        }
    }
}
