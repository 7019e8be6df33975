package io.panamax.reactor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link WriteLoop} on one shard of a manual reactor: writes taken at once and later (the producer
 * asked for the next value only once the previous one was taken), the end at the producer's null,
 * failures of a write and of the producer, and no heap allocation per write.
 */
class WriteLoopTest {
    private final ManualShard m = new ManualShard();
    private final List<Integer> written = new ArrayList<>();

    @AfterEach
    void close() {
        m.close();
    }

    /**
     * A sink that takes {@code room} values at once and then keeps the next one waiting until
     * {@link #makeRoom}, as a connection's send buffer does until acknowledgments arrive.
     */
    private final class Sink implements WriteLoop.Sink<Integer> {
        int room;
        Completion<? super Void> waiting;
        Throwable failWith;

        @Override
        public void write(Integer data, Completion<? super Void> into) {
            if (waiting != null) {
                throw new IllegalStateException("two writes at once");
            }
            written.add(data);
            if (failWith != null) {
                into.fail(failWith);
            } else if (room > 0) {
                room--;
                into.complete(null);
            } else {
                waiting = into;
            }
        }

        /** Takes the waiting value from a task of the shard and lets {@code more} values in at once after it. */
        void makeRoom(int more) {
            room = more;
            Completion<? super Void> c = waiting;
            waiting = null;
            c.complete(null);
        }
    }

    /** 1, 2, ... up to {@code n}, then null (boxes of the JDK's cache: the producer allocates nothing). */
    private static Supplier<Integer> upTo(int n) {
        int[] next = {0};
        return () -> next[0] < n ? (++next[0] & 127) : null;
    }

    @Test
    void theProducerIsAskedAgainOnlyOnceTheSinkHasTakenTheValue() {
        Sink sink = new Sink();
        sink.room = 2;
        ShardFuture<Void> loop = m.on(() -> WriteLoop.start(sink, upTo(5)));
        m.drain();
        assertEquals(List.of(1, 2, 3), written, "two taken at once, the third waits for room");
        m.run(() -> sink.makeRoom(0));
        m.run(() -> assertFalse(loop.isDone()));
        assertEquals(List.of(1, 2, 3), written, "room made later resumes the loop from the run queue, not inline");
        m.drain();
        assertEquals(List.of(1, 2, 3, 4), written);
        m.run(() -> sink.makeRoom(5));
        m.drain();
        assertEquals(List.of(1, 2, 3, 4, 5), written);
        m.run(() -> assertTrue(loop.isSucceeded(), "the producer's null ends the loop once the last value was taken"));
    }

    @Test
    void aFailedWriteOrAThrowingProducerFailTheLoop() {
        IOException reset = new IOException("reset");
        Sink failing = new Sink();
        failing.failWith = reset;
        ShardFuture<Void> a = m.on(() -> WriteLoop.start(failing, upTo(10)));
        IllegalStateException thrown = new IllegalStateException("producer");
        Sink ok = new Sink();
        ok.room = 10;
        int[] asked = {0};
        ShardFuture<Void> b = m.on(() -> WriteLoop.start(ok, () -> {
            if (++asked[0] == 3) {
                throw thrown;
            }
            return asked[0];
        }));
        m.drain();
        m.run(() -> {
            assertSame(reset, a.cause());
            assertSame(thrown, b.cause());
        });
        assertEquals(List.of(1, 1, 2), written, "one write to the failing sink, two before the producer threw");
    }

    @Test
    void aCompletionWithoutAWriteInFlightIsRefused() {
        Sink sink = new Sink();
        sink.room = 10;
        WriteLoop<Integer> loop = m.on(() -> WriteLoop.start(sink, upTo(1)));
        m.drain();
        m.run(() -> {
            assertTrue(loop.isSucceeded());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.complete(null));
            assertTrue(e.getMessage().contains("without a write in flight"), e.getMessage());
        });
    }

    @Test
    void aMillionWritesAllocateNothingPerWrite() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        // Every other write waits and is taken later from a task (the run queue): both paths.
        Sink sink = new Sink();
        Runnable later = () -> sink.makeRoom(1);
        int[] count = {0};
        WriteLoop.Sink<Integer> alternating = (v, into) -> {
            sink.write(v, into);
            if (sink.waiting != null) {
                Shard.current().schedule(later);
            }
        };
        int[] left = {0};
        Supplier<Integer> producer = () -> --left[0] < 0 ? null : (++count[0] & 127);
        left[0] = 200_000; // warm-up: the JIT compiles, the run queue reaches its size
        m.on(() -> WriteLoop.start(alternating, producer));
        m.drain();
        written.clear(); // keeps its capacity; cleared on every write below, so it never grows again
        ArrayList<Integer> sized = new ArrayList<>(1_000_001);
        WriteLoop.Sink<Integer> measured = (v, into) -> {
            sized.add(v);
            written.clear();
            alternating.write(v, into);
        };
        left[0] = 1_000_000;
        long before = mx.getThreadAllocatedBytes(tid);
        ShardFuture<Void> loop = m.on(() -> WriteLoop.start(measured, producer));
        m.drain();
        long bytes = mx.getThreadAllocatedBytes(tid) - before;
        m.run(() -> assertTrue(loop.isSucceeded()));
        assertEquals(1_000_000, sized.size());
        // One object per write would be 16,000,000 bytes or more; what remains is the manual
        // reactor's own driving of its loop, per poll-loop pass (as in ReadLoopTest).
        assertTrue(bytes < 100_000, "heap bytes for 1,000,000 writes: " + bytes);
    }
}
