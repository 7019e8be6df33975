package io.panamax.reactor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Pump} on one shard of a manual reactor: each value read is written before the next read,
 * reads and writes completing at once or later, the end after the last value is written, failures
 * of either side, and no heap allocation per value.
 */
class PumpTest {
    private final ManualShard m = new ManualShard();
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void close() {
        m.close();
    }

    /** Both ends of a pump: reads of 1, 2, 3... and a sink that takes values while it has room. */
    private final class Ends implements ReadLoop.Source<Integer>, WriteLoop.Sink<Integer> {
        int next = 1;
        int ready;
        int room;
        Completion<? super Integer> readWaiting;
        Completion<? super Void> writeWaiting;
        Throwable readFails;
        Throwable writeFails;
        boolean logging = true;

        @Override
        public void read(Completion<? super Integer> into) {
            if (logging) {
                log.add("read");
            }
            if (readFails != null) {
                into.fail(readFails);
            } else if (ready > 0) {
                ready--;
                into.complete(next++ & 127);
            } else {
                readWaiting = into;
            }
        }

        @Override
        public void write(Integer data, Completion<? super Void> into) {
            if (logging) {
                log.add("w" + data);
            }
            if (writeFails != null) {
                into.fail(writeFails);
            } else if (room > 0) {
                room--;
                into.complete(null);
            } else {
                writeWaiting = into;
            }
        }

        void feed() {
            Completion<? super Integer> c = readWaiting;
            readWaiting = null;
            c.complete(next++ & 127);
        }

        void makeRoom() {
            Completion<? super Void> c = writeWaiting;
            writeWaiting = null;
            c.complete(null);
        }
    }

    @Test
    void eachValueIsWrittenBeforeTheNextReadAndTheLastEndsThePump() {
        Ends ends = new Ends();
        ends.ready = 2;
        ends.room = 1;
        ShardFuture<Void> pump = m.on(() -> Pump.start(ends, v -> v == 4, ends));
        m.drain();
        assertEquals(List.of("read", "w1", "read", "w2"), log, "the second write waits for room: no read meanwhile");
        m.run(ends::makeRoom);
        m.drain();
        assertEquals(List.of("read", "w1", "read", "w2", "read"), log, "room made: the next read waits for data");
        ends.room = 10;
        m.run(ends::feed);
        m.drain();
        m.run(ends::feed);
        m.drain();
        assertEquals(List.of("read", "w1", "read", "w2", "read", "w3", "read", "w4"), log, "the last value is written too");
        m.run(() -> assertTrue(pump.isSucceeded()));
    }

    @Test
    void aFailedReadOrWriteFailsThePump() {
        IOException reset = new IOException("reset");
        Ends readFailing = new Ends();
        readFailing.readFails = reset;
        ShardFuture<Void> a = m.on(() -> Pump.start(readFailing, null, readFailing));
        Ends writeFailing = new Ends();
        writeFailing.ready = 5;
        writeFailing.writeFails = reset;
        ShardFuture<Void> b = m.on(() -> Pump.start(writeFailing, null, writeFailing));
        m.drain();
        m.run(() -> {
            assertSame(reset, a.cause());
            assertSame(reset, b.cause());
        });
        assertEquals(List.of("read", "read", "w1"), log, "nothing after the first failure of each");
    }

    @Test
    void aMillionValuesAllocateNothingPerValue() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        // Reads complete at once, every other write waits and is taken from a task: both paths.
        Ends ends = new Ends();
        ends.logging = false;
        Runnable later = ends::makeRoom;
        int[] left = {0};
        ReadLoop.Source<Integer> source = into -> {
            ends.ready = 1;
            ends.read(into);
        };
        WriteLoop.Sink<Integer> sink = (v, into) -> {
            ends.room = v & 1;
            ends.write(v, into);
            if (ends.writeWaiting != null) {
                Shard.current().schedule(later);
            }
        };
        java.util.function.Predicate<Integer> last = v -> --left[0] <= 0;
        left[0] = 200_000; // warm-up: the JIT compiles, the run queue reaches its size
        m.on(() -> Pump.start(source, last, sink));
        m.drain();
        left[0] = 1_000_000;
        long before = mx.getThreadAllocatedBytes(tid);
        ShardFuture<Void> pump = m.on(() -> Pump.start(source, last, sink));
        m.drain();
        long bytes = mx.getThreadAllocatedBytes(tid) - before;
        m.run(() -> assertTrue(pump.isSucceeded()));
        assertEquals(0, left[0], "the pump ended at the value the predicate called last");
        // One object per value would be 16,000,000 bytes or more; what remains is the manual
        // reactor's own driving of its loop, per poll-loop pass (as in ReadLoopTest).
        assertTrue(bytes < 100_000, "heap bytes for 1,000,000 values: " + bytes);
    }
}
