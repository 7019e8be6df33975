package io.panamax.reactor;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Watches every shard from its own thread: a shard whose progress counter has not moved for longer
 * than the threshold while it was not parked is running a task that does not yield (blocking I/O,
 * a long loop). Its stack is sampled while it is stuck, so the report shows the culprit.
 *
 * <p>Every stall is counted. Reports are limited to one per shard per second (a setting), and none are sent
 * during a short warm-up after start, when class loading and the JIT make first calls slow: a flood
 * of reports would hide the one that matters.
 */
final class StallDetector implements Runnable {
    private final Reactor reactor;
    private final long reportIntervalNanos;
    private final long thresholdNanos;
    private final long warmupNanos;
    private final long periodNanos;
    private final Consumer<StallReport> listener;
    private final long[] lastProgress;
    private final long[] unchangedSince;
    private final boolean[] reported;
    private final long[] stalls;
    private final long[] lastReport;
    private long startedAt;
    private volatile boolean stopped;
    private Thread thread;

    StallDetector(Reactor reactor, long thresholdNanos, long warmupNanos, long reportIntervalNanos,
                  Consumer<StallReport> listener) {
        this.reactor = reactor;
        this.reportIntervalNanos = reportIntervalNanos;
        this.thresholdNanos = thresholdNanos;
        this.warmupNanos = warmupNanos;
        this.periodNanos = Math.max(100_000, thresholdNanos / 2);
        this.listener = listener;
        int n = reactor.shardCount();
        this.lastProgress = new long[n];
        this.unchangedSince = new long[n];
        this.reported = new boolean[n];
        this.stalls = new long[n];
        this.lastReport = new long[n];
    }

    void start() {
        startedAt = System.nanoTime();
        thread = new Thread(this, "panamax-stall-detector");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        stopped = true;
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stalls reported for shard {@code i} so far. */
    long stalls(int i) {
        return stalls[i];
    }

    @Override
    public void run() {
        while (!stopped) {
            LockSupport.parkNanos(periodNanos);
            check(System.nanoTime());
        }
    }

    void check(long now) {
        for (int i = 0; i < lastProgress.length; i++) {
            Shard s = reactor.shard(i);
            long p = s.progress();
            if (p != lastProgress[i] || s.isParked() || !s.isRunning()) {
                lastProgress[i] = p;
                unchangedSince[i] = now;
                reported[i] = false;
                continue;
            }
            long stalled = now - unchangedSince[i];
            if (!reported[i] && stalled >= thresholdNanos) {
                reported[i] = true;
                stalls[i]++;
                if (now - startedAt < warmupNanos || (lastReport[i] != 0 && now - lastReport[i] < reportIntervalNanos)) {
                    continue;
                }
                lastReport[i] = now;
                ShardThread t = s.thread;
                StackTraceElement[] stack = t != null ? t.getStackTrace() : new StackTraceElement[0];
                // The shard may have moved on while we sampled: then the trace is not the stall's.
                if (s.progress() == p) {
                    try {
                        listener.accept(new StallReport(i, stalled, stack));
                    } catch (Throwable e) {
                        System.getLogger("io.panamax.reactor").log(System.Logger.Level.ERROR, "stall listener failed", e);
                    }
                }
            }
        }
    }
}
