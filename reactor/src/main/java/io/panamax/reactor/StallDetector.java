package io.panamax.reactor;

import io.panamax.reactor.metrics.Counter;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * their CPU in wake-ups. While every shard sleeps there is no task to stall, so each look that finds
 * them all asleep doubles the wait, up to the idle interval (64 ms by default,
 * {@link Reactor.Builder#stallIdleCheckInterval}): an idle server's detector wakes about 16 times a
 * second, not 500. The first look that finds a shard awake goes back to the check interval. The stall's length is measured from the iteration's start, so a look
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
 *
 * <p>A shard the operating system took off its CPU looks stalled too: its iteration does not end
 * because it does not run. That is no stall of a task: such a shard is not sampled (a stack sample
 * is a handshake that stops the shard at its next safepoint poll, and would only make a late shard
 * later, with the stack of whatever line it happened to be on) and is counted apart, in
 * {@code reactor_descheduled_total}. To tell the two apart the detector reads the shard thread's
 * CPU time at every look: a task past the threshold is a stall once it has had half a threshold
 * of CPU or half of the time (at the look that first sees it, counted from the look before less
 * the time before the task began), or as soon as its thread is not runnable ({@code S} or
 * {@code D} in {@code /proc/self/task/TID/stat}: it blocks, in a sleep or blocking I/O). A task
 * that ends before either, held up at every look, was waiting for a CPU. A task that spins on a
 * loaded CPU gets its share and is still caught, a look or a few later. On the loaded 2-CPU machine an echo shard over
 * TAP "stalled" 105 times in 10 s, 87 of them inside a {@code readv} or {@code writev} on its
 * non-blocking TAP descriptor (17 more moved on before the sample): preemptions, each of which
 * the detector answered by stopping the shard for a stack.
 */
final class StallDetector implements Runnable {
    /** Distinct places counted under their own label; later ones share {@link #OTHER_SITES}. */
    static final int MAX_SITES = 32;
    static final String OTHER_SITES = "(other places)";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Reactor reactor;
    private final long reportIntervalNanos;
    private final long thresholdNanos;
    private final long warmupNanos;
    private final long periodNanos;
    /** The longest wait between looks, reached while every shard sleeps. */
    private final long idlePeriodNanos;
    /** The wait before the next look: {@link #periodNanos}, doubled per look that found every shard asleep. */
    private long waitNanos;
    /** Looks made so far (written by the detector thread only; read by tests). */
    private volatile long looks;
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
    /** The shard thread's CPU time at the look that first saw the current task (-1: unknown), and that look's time. */
    private final long[] cpuAtFirstSight;
    private final long[] firstSight;
    /** Per shard: iterations the OS made long by giving the shard no CPU (not stalls). */
    private final Counter[] descheduled;
    /** Per shard: {@code /proc/self/task/TID/stat} of its thread, opened on first use, and that TID. */
    private final FileChannel[] stat;
    private final int[] statTid;
    private final ByteBuffer statBuffer = ByteBuffer.allocateDirect(1024);
    /** A task past the threshold, runnable, that has not run half a threshold of CPU yet. */
    private final boolean[] pending;
    private final boolean cpuTime = THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
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
                  long checkIntervalNanos, long idleCheckIntervalNanos) {
        this.reactor = reactor;
        this.reportIntervalNanos = reportIntervalNanos;
        this.thresholdNanos = thresholdNanos;
        this.warmupNanos = warmupNanos;
        this.periodNanos = Math.max(Math.max(100_000, checkIntervalNanos), thresholdNanos / 2);
        this.idlePeriodNanos = Math.max(periodNanos, idleCheckIntervalNanos);
        this.waitNanos = periodNanos;
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
        this.cpuAtFirstSight = new long[n];
        this.firstSight = new long[n];
        this.descheduled = new Counter[n];
        this.pending = new boolean[n];
        java.util.Arrays.fill(cpuAtFirstSight, -1);
        this.stat = new FileChannel[n];
        this.statTid = new int[n];
        for (int i = 0; i < n; i++) {
            descheduled[i] = reactor.metrics().shard(i).counter("reactor_descheduled_total",
                    "Iterations longer than the stall threshold because the shard's thread was runnable but got (almost) no "
                            + "CPU: the OS's doing, not a task's; never sampled");
        }
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

    /** Looks at the shards made so far. */
    long looks() {
        return looks;
    }

    /** Stalls counted for shard {@code i} so far. */
    long stalls(int i) {
        return stalls[i];
    }

    /** The detector thread's Linux thread id, once it runs (for tests that read its CPU mask). */
    volatile int tid;

    @Override
    public void run() {
        tid = currentTid();
        ReactorConfig config = reactor.config();
        if (config.pinThreads()) {
            // Off the shards' CPUs when there is a CPU beside them: each look is a wake-up, and on a
            // busy shard's CPU every wake-up preempts the shard (the Netty bench's server, confined
            // to one CPU, showed ~500 preemptions a second against the detector's ~470 looks). With
            // no free CPU it stays where the process may run.
            CpuAffinity.pinCurrentThread(CpuAffinity.cpusBesideShards(config.shards()));
        }
        while (!stopped) {
            LockSupport.parkNanos(waitNanos);
            long now = System.nanoTime();
            boolean allAsleep = check(now);
            looks = looks + 1; // this thread is the only writer
            waitNanos = allAsleep ? Math.min(idlePeriodNanos, 2 * waitNanos) : periodNanos;
            summarize(now);
        }
        for (FileChannel c : stat) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (IOException e) {
                // a /proc file: nothing to flush, nothing lost
            }
        }
    }

    /**
     * One look at every shard; returns whether every shard was asleep (parked, or waiting on its
     * devices), so that the next look can wait longer.
     */
    boolean check(long now) {
        boolean allAsleep = true;
        for (int i = 0; i < lastLoopAt.length; i++) {
            Shard s = reactor.shard(i);
            // Asleep is never stalled: the flag is up from before the last look for work until
            // after the wait, and the shard stamps a new iteration start before lowering it.
            boolean parked = s.isParked();
            // A shard not started yet (or stopped) has no task either, but one about to start
            // never parks first: it does not count as asleep.
            allAsleep &= parked;
            if (parked || !s.isRunning()) {
                if (pending[i]) {
                    pending[i] = false; // it ended, held up at every look, and the shard slept
                    descheduled[i].increment();
                }
                continue;
            }
            ShardThread t = s.thread;
            long at = s.loopStartedAt();
            long p = s.progress();
            if (at != lastLoopAt[i]) {
                since[i] = at;
                reported[i] = false;
            } else if (p != lastProgress[i]) {
                since[i] = now;
                reported[i] = false;
            }
            boolean firstLook = at != lastLoopAt[i] || p != lastProgress[i];
            lastLoopAt[i] = at;
            lastProgress[i] = p;
            // The CPU time the current task has had, at least, and over how long: since the look
            // that first saw it, or, at that look, since the look before less all the time between
            // that look and the task's start (as if the shard had run throughout it).
            long ran = -1;
            long over = 0;
            if (firstLook) {
                long cpu = cpuNanos(t);
                if (pending[i]) {
                    // The task held up at the last look (and at every look before) has ended.
                    pending[i] = false;
                    descheduled[i].increment();
                }
                if (cpu >= 0 && cpuAtFirstSight[i] >= 0) {
                    // Negative when the shard did not run throughout that time: no evidence it ran.
                    ran = Math.max(0, cpu - cpuAtFirstSight[i] - Math.max(0, since[i] - firstSight[i]));
                    over = now - since[i];
                }
                cpuAtFirstSight[i] = cpu;
                firstSight[i] = now;
            } else if (cpuAtFirstSight[i] >= 0) {
                long cpu = cpuNanos(t);
                ran = cpu >= 0 ? cpu - cpuAtFirstSight[i] : -1;
                over = now - firstSight[i];
            }
            long stalled = now - since[i];
            if (!reported[i] && stalled >= thresholdNanos) {
                if (ran >= 0) {
                    // Held up: runnable, yet it has had less than half a threshold of CPU and
                    // less than half of the time. Judged again at the next look.
                    if (2 * ran < thresholdNanos && 2 * ran < over && isRunnable(i, s.nativeTid())) {
                        pending[i] = true; // not (yet) a stall: runnable, and it has not run half a threshold
                        continue;
                    }
                }
                pending[i] = false;
                reported[i] = true;
                stalls[i]++;
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
        return allAsleep;
    }

    /** The CPU time of a shard's thread so far, or -1 if unknown. */
    private long cpuNanos(ShardThread t) {
        return cpuTime && t != null ? THREADS.getThreadCpuTime(t.threadId()) : -1;
    }

    /**
     * Whether shard {@code i}'s thread is runnable (state {@code R}: on a CPU or waiting for one),
     * not sleeping or blocked; false when unknown. Reads {@code /proc/self/task/TID/stat} through
     * a channel opened once per shard into one direct buffer: under load this runs at every look
     * at a preempted shard (500 a second), and a fresh {@code Files.readString} each time made
     * megabytes of garbage a second, enough for a young collection (a pause of every thread, the
     * shards' too) every few seconds.
     */
    private boolean isRunnable(int i, int tid) {
        if (tid <= 0) {
            return false;
        }
        try {
            if (statTid[i] != tid) {
                if (stat[i] != null) {
                    stat[i].close();
                }
                stat[i] = FileChannel.open(Path.of("/proc/self/task/" + tid + "/stat"));
                statTid[i] = tid;
            }
            statBuffer.clear();
            int n = stat[i].read(statBuffer, 0); // a read at offset 0 makes /proc write the line afresh
            // "TID (comm) S ...": the comm may hold spaces and parentheses, the state follows the last ')'.
            for (int k = n - 1; k > 0; k--) {
                if (statBuffer.get(k) == ')') {
                    return k + 2 < n && statBuffer.get(k + 2) == 'R';
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The calling thread's Linux thread id (from {@code /proc/thread-self}), or -1 if unknown. */
    static int currentTid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return -1;
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
