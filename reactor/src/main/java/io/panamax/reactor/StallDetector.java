package io.panamax.reactor;

import io.panamax.reactor.metrics.Counter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Watches every shard from its own thread: a shard whose progress counter has not moved for longer
 * than the threshold while it was not parked is running a task that does not yield (blocking I/O,
 * a long loop). Its stack is sampled while it is stuck, so the report shows the culprit.
 *
 * <p>Every stall is counted, by shard and by the place its stack names ({@link StallReport#siteOf}):
 * the counter {@code reactor_stalls_total{site="..."}} of the stalled shard, so {@code /metrics}
 * shows where a loaded server stalls. The listener hears of the first stall at each place (the
 * default one prints its full stack once) and of at most one other per shard per report interval;
 * none during a short warm-up after start, when class loading and the JIT make first calls slow.
 * Once per summary period, if anything stalled, one line sums the period up. A flood of identical
 * traces would hide the one that matters.
 */
final class StallDetector implements Runnable {
    /** Distinct places counted under their own label; later ones share {@link #OTHER_SITES}. */
    static final int MAX_SITES = 32;
    static final String OTHER_SITES = "(other places)";

    private final Reactor reactor;
    private final long reportIntervalNanos;
    private final long thresholdNanos;
    private final long warmupNanos;
    private final long periodNanos;
    private final long summaryIntervalNanos;
    private final Consumer<StallReport> listener;
    private final Consumer<StallSummary> summaryListener;
    private final long[] lastProgress;
    private final long[] unchangedSince;
    private final boolean[] reported;
    private final long[] stalls;
    private final long[] lastReport;
    // The detector thread alone touches these: no lock. The per-site counters it registers are
    // written by this thread only, which is what a Counter allows.
    private final Map<String, Site> sites = new HashMap<>();
    private final long[] periodPerShard;
    private final Map<String, Long> periodBySite = new HashMap<>();
    private long sinceStart;
    private long startedAt;
    private long lastSummary;
    private volatile boolean stopped;
    private Thread thread;

    /** One place: whether its trace was reported yet, its counter on each shard (made on first use). */
    private static final class Site {
        final Counter[] counters;
        boolean reported;

        Site(int shards) {
            counters = new Counter[shards];
        }
    }

    StallDetector(Reactor reactor, long thresholdNanos, long warmupNanos, long reportIntervalNanos,
                  Consumer<StallReport> listener, long summaryIntervalNanos, Consumer<StallSummary> summaryListener) {
        this.reactor = reactor;
        this.reportIntervalNanos = reportIntervalNanos;
        this.thresholdNanos = thresholdNanos;
        this.warmupNanos = warmupNanos;
        this.periodNanos = Math.max(100_000, thresholdNanos / 2);
        this.summaryIntervalNanos = summaryIntervalNanos;
        this.listener = listener;
        this.summaryListener = summaryListener;
        int n = reactor.shardCount();
        this.lastProgress = new long[n];
        this.unchangedSince = new long[n];
        this.reported = new boolean[n];
        this.stalls = new long[n];
        this.lastReport = new long[n];
        this.periodPerShard = new long[n];
    }

    void start() {
        startedAt = System.nanoTime();
        lastSummary = startedAt;
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

    /** Stalls counted for shard {@code i} so far. */
    long stalls(int i) {
        return stalls[i];
    }

    @Override
    public void run() {
        while (!stopped) {
            LockSupport.parkNanos(periodNanos);
            long now = System.nanoTime();
            check(now);
            summarize(now);
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
                ShardThread t = s.thread;
                StackTraceElement[] stack = t != null ? t.getStackTrace() : new StackTraceElement[0];
                // The shard may have moved on while we sampled: then the trace is not the stall's.
                boolean sampled = s.progress() == p && stack.length > 0;
                String key = sampled ? StallReport.siteOf(stack) : StallReport.UNSAMPLED;
                Site site = sites.get(key);
                if (site == null) {
                    if (sites.size() >= MAX_SITES) {
                        key = OTHER_SITES;
                        site = sites.get(key);
                    }
                    if (site == null) {
                        site = new Site(lastProgress.length);
                        sites.put(key, site);
                    }
                }
                count(i, key, site);
                if (!sampled || now - startedAt < warmupNanos) {
                    continue;
                }
                boolean first = !site.reported;
                if (!first && lastReport[i] != 0 && now - lastReport[i] < reportIntervalNanos) {
                    continue;
                }
                site.reported = true;
                lastReport[i] = now;
                try {
                    listener.accept(new StallReport(i, stalled, stack, key, first));
                } catch (Throwable e) {
                    System.getLogger("io.panamax.reactor").log(System.Logger.Level.ERROR, "stall listener failed", e);
                }
            }
        }
    }

    private void count(int shard, String key, Site site) {
        if (site.counters[shard] == null) {
            site.counters[shard] = reactor.metrics().shard(shard).counter("reactor_stalls_total",
                    "Tasks that ran longer than the stall threshold without returning to the poll loop, by the place "
                            + "their stack named (the first two frames below the JDK's)", "site", key);
        }
        site.counters[shard].increment();
        periodPerShard[shard]++;
        periodBySite.merge(key, 1L, Long::sum);
        sinceStart++;
    }

    void summarize(long now) {
        if (summaryIntervalNanos <= 0 || now - lastSummary < summaryIntervalNanos) {
            return;
        }
        long period = now - lastSummary;
        lastSummary = now;
        if (periodBySite.isEmpty()) {
            return;
        }
        List<Map.Entry<String, Long>> bySite = new ArrayList<>(periodBySite.entrySet());
        bySite.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        Map<String, Long> ordered = new LinkedHashMap<>();
        bySite.forEach(e -> ordered.put(e.getKey(), e.getValue()));
        StallSummary summary = new StallSummary(period, periodPerShard.clone(), ordered, sinceStart, sites.size());
        java.util.Arrays.fill(periodPerShard, 0);
        periodBySite.clear();
        try {
            summaryListener.accept(summary);
        } catch (Throwable e) {
            System.getLogger("io.panamax.reactor").log(System.Logger.Level.ERROR, "stall summary listener failed", e);
        }
    }
}
