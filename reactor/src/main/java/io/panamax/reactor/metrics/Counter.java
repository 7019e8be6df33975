package io.panamax.reactor.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A monotonically increasing count, written by one shard only: increments are plain stores (no
 * atomics); readers on other threads use an opaque read, which sees a recent, untorn value.
 */
public final class Counter {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Counter.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long value;

    public void increment() {
        value++;
    }

    public void add(long n) {
        value += n;
    }

    /** The count, as seen from any thread. */
    public long get() {
        return (long) VALUE.getOpaque(this);
    }
}
