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
 * Watches every shard from its own thread: a shard whose current loop iteration began longer than
 * the threshold ago while it was not asleep (parked, or waiting in {@code ppoll}) is running a task
 * that does not yield (blocking I/O, a long loop). Its stack is sampled while it is stuck, so the
 * report shows the culprit.
 *
 * <p>Cheap by design: the shard writes one timestamp per iteration and nothing else, and this
 * thread looks every check interval (2 ms by default, {@link Reactor.Builder#stallCheckInterval}),
 * not every half threshold: on this 2-CPU machine a look every 250 µs cost the shards 8 to 12 % of
 * their CPU in wake-ups. The stall's length is measured from the iteration's start, so a look
 * late in a stall still reports it whole; stalls shorter than threshold + interval are caught in
 * proportion to how far they outlast the threshold.
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
    /** The iteration start last looked at, per shard. */
    private final long[] lastLoopAt;
    /** The progress count (one per task or message) last looked at. */
    private final long[] lastProgress;
    /**
     * When the current task began, as well as the looks can tell: the iteration's start when the
     * look saw a new iteration (one task holds most stalled iterations), else the look that saw
     * the task change within an iteration (it began after the previous look; this errs short).
     */
    private final long[] since;
    /** Whether the current task's stall was counted: once per task. */
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
                  Consumer<StallReport> listener, long summaryIntervalNanos, Consumer<StallSummary> summaryListener,
                  long checkIntervalNanos) {
        this.reactor = reactor;
        this.reportIntervalNanos = reportIntervalNanos;
        this.thresholdNanos = thresholdNanos;
        this.warmupNanos = warmupNanos;
        this.periodNanos = Math.max(Math.max(100_000, checkIntervalNanos), thresholdNanos / 2);
        this.summaryIntervalNanos = summaryIntervalNanos;
        this.listener = listener;
        this.summaryListener = summaryListener;
        int n = reactor.shardCount();
        this.lastLoopAt = new long[n];
        this.lastProgress = new long[n];
        this.since = new long[n];
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
        for (int i = 0; i < lastLoopAt.length; i++) {
            Shard s = reactor.shard(i);
            // Asleep is never stalled: the flag is up from before the last look for work until
            // after the wait, and the shard stamps a new iteration start before lowering it.
            if (s.isParked() || !s.isRunning()) {
                continue;
            }
            long at = s.loopStartedAt();
            long p = s.progress();
            if (at != lastLoopAt[i]) {
                since[i] = at;
                reported[i] = false;
            } else if (p != lastProgress[i]) {
                since[i] = now;
                reported[i] = false;
            }
            lastLoopAt[i] = at;
            lastProgress[i] = p;
            long stalled = now - since[i];
            if (!reported[i] && stalled >= thresholdNanos) {
                reported[i] = true;
                stalls[i]++;
                ShardThread t = s.thread;
                StackTraceElement[] stack = t != null ? t.getStackTrace() : new StackTraceElement[0];
                // The shard may have moved on while we sampled: then the trace is not the stall's.
                boolean sampled = s.progress() == p && s.loopStartedAt() == at && !s.isParked() && stack.length > 0;
                String key = sampled ? StallReport.siteOf(stack) : StallReport.UNSAMPLED;
                Site site = sites.get(key);
                if (site == null) {
                    if (sites.size() >= MAX_SITES) {
                        key = OTHER_SITES;
                        site = sites.get(key);
                    }
                    if (site == null) {
                        site = new Site(lastLoopAt.length);
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
