package io.panamax.reactor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReadLoop} on one shard of a manual reactor: values read at once and later, answers
 * resolved and pending, the three ways to end (STOP, the last value, a failure), and no heap
 * allocation per iteration.
 */
class ReadLoopTest {
    private final ManualShard m = new ManualShard();
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void close() {
        m.close();
    }

    /**
     * A source of 1, 2, 3... (modulo 128, so the boxes are the JDK's cached ones and the source
     * itself allocates nothing): at once while {@code ready} > 0, otherwise kept until {@link #feed}.
     */
    private final class Numbers implements ReadLoop.Source<Integer> {
        int next = 1;
        int ready;
        int reads;
        Completion<? super Integer> waiting;
        Throwable failWith;

        @Override
        public void read(Completion<? super Integer> into) {
            reads++;
            if (waiting != null) {
                throw new IllegalStateException("two reads at once");
            }
            if (failWith != null) {
                into.fail(failWith);
            } else if (ready > 0) {
                ready--;
                into.complete(next++ & 127);
            } else {
                waiting = into;
            }
        }

        /** Completes the waiting read from a task of the shard, as a connection's delivery does. */
        void feed() {
            Completion<? super Integer> c = waiting;
            waiting = null;
            c.complete(next++ & 127);
        }
    }

    @Test
    void valuesReadAtOnceAndLaterReachTheHandlerInOrderUntilStop() {
        Numbers src = new Numbers();
        src.ready = 2;
        ShardFuture<Void> loop = m.on(() -> ReadLoop.start(src, null, v -> {
            log.add("v" + v);
            return v == 4 ? ShardFuture.stop() : ShardFuture.next();
        }));
        m.drain();
        assertEquals(List.of("v1", "v2"), log, "the two ready values, then a read left waiting");
        m.run(src::feed);
        m.run(() -> assertFalse(loop.isDone()));
        assertEquals(List.of("v1", "v2"), log, "a later completion runs the handler from the run queue, not inline");
        m.drain();
        assertEquals(List.of("v1", "v2", "v3"), log);
        m.run(src::feed);
        m.drain();
        assertEquals(List.of("v1", "v2", "v3", "v4"), log);
        m.run(() -> assertTrue(loop.isSucceeded()));
        assertEquals(4, src.reads, "no read after STOP");
    }

    @Test
    void aPendingAnswerHoldsTheNextReadUntilItCompletes() {
        Numbers src = new Numbers();
        src.ready = 10;
        List<Promise<Loop>> answers = new ArrayList<>();
        ShardFuture<Void> loop = m.on(() -> ReadLoop.start(src, null, v -> {
            log.add("v" + v);
            Promise<Loop> p = new Promise<>();
            answers.add(p);
            return p;
        }));
        m.drain();
        assertEquals(List.of("v1"), log);
        assertEquals(1, src.reads, "the next read waits for the handler's future");
        m.run(() -> answers.get(0).complete(Loop.CONTINUE));
        m.drain();
        assertEquals(List.of("v1", "v2"), log);
        m.run(() -> answers.get(1).complete(Loop.STOP));
        m.drain();
        m.run(() -> assertTrue(loop.isSucceeded()));
        assertEquals(2, src.reads);
    }

    @Test
    void theLoopEndsAfterTheLastValueWhateverTheHandlerAnswers() {
        Numbers src = new Numbers();
        src.ready = 10;
        ShardFuture<Void> loop = m.on(() -> ReadLoop.start(src, v -> v == 3, v -> {
            log.add("v" + v);
            return ShardFuture.next();
        }));
        m.drain();
        assertEquals(List.of("v1", "v2", "v3"), log);
        m.run(() -> assertTrue(loop.isSucceeded()));
        assertEquals(3, src.reads);
    }

    @Test
    void aFailedReadAFailedAnswerOrAThrowingHandlerFailTheLoop() {
        IOException reset = new IOException("reset");
        Numbers failing = new Numbers();
        failing.failWith = reset;
        ShardFuture<Void> a = m.on(() -> ReadLoop.start(failing, null, v -> ShardFuture.next()));
        IllegalStateException thrown = new IllegalStateException("handler");
        Numbers ok = new Numbers();
        ok.ready = 5;
        ShardFuture<Void> b = m.on(() -> ReadLoop.start(ok, null, v -> {
            throw thrown;
        }));
        Numbers ok2 = new Numbers();
        ok2.ready = 5;
        ShardFuture<Void> c = m.on(() -> ReadLoop.start(ok2, null, v -> ShardFuture.failed(reset)));
        m.drain();
        m.run(() -> {
            assertSame(reset, a.cause());
            assertSame(thrown, b.cause());
            assertSame(reset, c.cause());
        });
        assertEquals(1, ok.reads, "no read after the handler threw");
        assertEquals(1, ok2.reads);
    }

    @Test
    void aCompletionWithoutAReadInFlightIsRefused() {
        Numbers src = new Numbers();
        src.ready = 1;
        ReadLoop<Integer> loop = m.on(() -> ReadLoop.start(src, null, v -> ShardFuture.stop()));
        m.drain();
        m.run(() -> {
            assertTrue(loop.isSucceeded(), "the loop ended at STOP");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.complete(7));
            assertTrue(e.getMessage().contains("without a read in flight"), e.getMessage());
        });
    }

    @Test
    void aMillionIterationsAllocateNothingPerIteration() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        // Half the reads complete at once, half later from a task (the run queue): both paths.
        Numbers src = new Numbers();
        int[] left = {0};
        Runnable feeder = src::feed;
        ReadLoop.Source<Integer> alternating = into -> {
            src.ready = (src.next & 1);
            src.read(into);
            if (src.waiting != null) {
                Shard.current().schedule(feeder);
            }
        };
        java.util.function.Function<Integer, ShardFuture<Loop>> handler = v -> --left[0] <= 0 ? ShardFuture.stop() : ShardFuture.next();
        left[0] = 200_000; // warm-up: the JIT compiles, the run queue reaches its size
        m.on(() -> ReadLoop.start(alternating, null, handler));
        m.drain();
        left[0] = 1_000_000;
        long before = mx.getThreadAllocatedBytes(tid);
        ShardFuture<Void> loop = m.on(() -> ReadLoop.start(alternating, null, handler));
        m.drain();
        long bytes = mx.getThreadAllocatedBytes(tid) - before;
        m.run(() -> assertTrue(loop.isSucceeded()));
        // One object per iteration would be 16,000,000 bytes or more. What remains (about 32 KB
        // here) is the manual reactor's own driving of its loop, paid per poll-loop pass (the loop
        // yields every 1,024 resolved iterations, and half the reads wait for a pass), not per read.
        assertTrue(bytes < 100_000, "heap bytes for 1,000,000 iterations: " + bytes);
    }
}
