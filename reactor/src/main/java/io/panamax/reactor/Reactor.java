package io.panamax.reactor;

import io.panamax.reactor.metrics.MetricsRegistry;
import org.jctools.queues.SpscArrayQueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A set of shards, one thread per core, connected by a single-producer/single-consumer queue for
 * every ordered pair of shards.
 *
 * <pre>{@code
 * try (Reactor reactor = Reactor.builder().shards(4).build().start()) {
 *     reactor.submit(0, () -> ShardFuture.succeeded("hello from shard 0")).join();
 * }
 * }</pre>
 *
 * <p>In manual mode ({@link Builder#manual()}) no thread is started: the caller runs the loops with
 * {@link #runOnce()} and {@link #await}, and with a {@link ManualClock} time moves only when the
 * reactor has nothing else to do. Tests use it to be deterministic and to skip over long timeouts.
 */
public final class Reactor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.panamax.reactor");

    private final ReactorConfig config;
    private final Shard[] shards;
    private final MetricsRegistry metrics;
    /** Package-private for tests. */
    StallDetector stallDetector;
    private volatile boolean started;
    private volatile boolean stopped;
    /** What each shard thread runs around its loop ({@link Builder#shardThreadBody}). */
    private UnaryOperator<Runnable> shardThreadBody = UnaryOperator.identity();

    private Reactor(ReactorConfig config) {
        this.config = config;
        int n = config.shards();
        this.metrics = new MetricsRegistry(n);
        this.shards = new Shard[n];
        for (int i = 0; i < n; i++) {
            shards[i] = new Shard(this, i, config, metrics.shard(i));
        }
        @SuppressWarnings("unchecked")
        SpscArrayQueue<ShardMessage>[][] queues = new SpscArrayQueue[n][n];
        for (int from = 0; from < n; from++) {
            for (int to = 0; to < n; to++) {
                if (from != to) {
                    queues[from][to] = new SpscArrayQueue<>(config.messageQueueCapacity());
                }
            }
        }
        for (Shard s : shards) {
            s.connect(queues);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public ReactorConfig config() {
        return config;
    }

    public int shardCount() {
        return shards.length;
    }

    public Shard shard(int i) {
        return shards[i];
    }

    public List<Shard> shards() {
        return List.of(shards);
    }

    public Clock clock() {
        return config.clock();
    }

    public MetricsRegistry metrics() {
        return metrics;
    }

    public boolean isManual() {
        return config.manual();
    }

    /** Starts the shard threads (nothing to start in manual mode); returns this. */
    public synchronized Reactor start() {
        if (started) {
            throw new IllegalStateException("reactor already started");
        }
        started = true;
        if (config.manual()) {
            return this;
        }
        for (Shard s : shards) {
            ShardThread t = new ShardThread(s, shardThreadBody.apply(s::loop));
            s.bindThread(t);
        }
        for (Shard s : shards) {
            s.thread.start();
        }
        if (!config.stallThreshold().isZero()) {
            stallDetector = new StallDetector(this, config.stallThreshold().toNanos(), config.stallWarmup().toNanos(),
                    config.stallReportInterval().toNanos(), config.stallListener(),
                    config.stallSummaryInterval().toNanos(), config.stallSummaryListener(),
                    config.stallCheckInterval().toNanos(), config.stallIdleCheckInterval().toNanos());
            stallDetector.start();
        }
        return this;
    }

    /**
     * Stops every shard: each finishes the work in flight and runs its stop hooks; then all keep
     * serving messages until none is left anywhere (what a hook sends to another shard, a reply, a
     * buffer going home, is delivered), and exit together; this call returns when all have, or
     * after the stop timeout. Idempotent. Must not be called from a shard thread.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        if (Shard.current() != null && !config.manual()) {
            throw new IllegalStateException("stop() would wait for the shard it runs on; call it from another thread");
        }
        stopped = true;
        if (stallDetector != null) {
            stallDetector.stop();
        }
        long deadline = System.nanoTime() + config.stopTimeout().toNanos();
        if (config.manual()) {
            // Every shard drains before any hook runs, and after the hooks every shard runs until
            // none has work: what one shard's hook sends to another is delivered.
            runAllUntilQuiet(deadline);
            for (Shard s : shards) {
                s.driveOnCallingThread(s::runStopHooks);
            }
            runAllUntilQuiet(deadline);
            return;
        }
        if (!started) {
            return;
        }
        for (Shard s : shards) {
            s.requestStop();
        }
        // Each shard drains, runs its hooks and lingers; they end together once all are quiet.
        awaitQuiescence(deadline);
        for (Shard s : shards) {
            s.release();
        }
        for (Shard s : shards) {
            try {
                s.thread.join(config.stopTimeout().toMillis() + 5_000);
                if (s.thread.isAlive()) {
                    LOG.log(System.Logger.Level.ERROR, "shard " + s.id() + " did not stop in time");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Waits (on the stopping thread) until every shard is lingering and quiet, with empty queues,
     * twice in a row with no work done in between: then no message is in flight anywhere. Gives
     * up, with an error, at {@code deadline}.
     */
    private void awaitQuiescence(long deadline) {
        long[] activity = new long[shards.length];
        while (true) {
            if (quietTwice(activity)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                LOG.log(System.Logger.Level.ERROR, "shards still busy " + config.stopTimeout()
                        + " after stop was requested; stopping them anyway");
                return;
            }
            LockSupport.parkNanos(20_000);
        }
    }

    private boolean quietTwice(long[] activity) {
        for (int i = 0; i < shards.length; i++) {
            if (!shards[i].isQuietAfterStop()) {
                return false;
            }
            activity[i] = shards[i].lingerActivity();
        }
        for (Shard s : shards) {
            if (!s.inboundEmpty()) {
                return false;
            }
        }
        // A shard quiet at both readings with the same activity did nothing in between, so the
        // queues read empty in between were empty at one instant with every shard idle.
        for (int i = 0; i < shards.length; i++) {
            if (!shards[i].isQuietAfterStop() || shards[i].lingerActivity() != activity[i]) {
                return false;
            }
        }
        return true;
    }

    /** Manual mode: runs every shard's loop until none has work or queued messages. */
    private void runAllUntilQuiet(long deadline) {
        boolean[] busy = new boolean[1];
        do {
            busy[0] = false;
            for (Shard s : shards) {
                s.driveOnCallingThread(() -> busy[0] |= s.runOnce() | s.hasQueuedWork());
            }
        } while (busy[0] && System.nanoTime() - deadline < 0);
    }

    /**
     * Stalls counted on shard {@code i} (0 when the detector is off); by place in the metric
     * {@code reactor_stalls_total{site="..."}}.
     */
    public long stallCount(int i) {
        return stallDetector == null ? 0 : stallDetector.stalls(i);
    }

    /** Looks the stall detector has taken at the shards (0 when it is off). */
    long stallDetectorLooks() {
        return stallDetector == null ? 0 : stallDetector.looks();
    }

    // ---- entry points from outside the shards -------------------------------------------------

    /**
     * Runs {@code task} on shard {@code i}; callable from any thread. On a reactor that has been
     * stopped the result fails at once with an {@link IllegalStateException} (nothing would run it).
     */
    public <T> CompletableFuture<T> submit(int i, Supplier<? extends ShardFuture<T>> task) {
        Objects.requireNonNull(task);
        CompletableFuture<T> result = new CompletableFuture<>();
        if (stopped) {
            result.completeExceptionally(new IllegalStateException("reactor stopped"));
            return result;
        }
        shards[i].execute(() -> {
            ShardFuture<T> f;
            try {
                f = task.get();
            } catch (Throwable t) {
                result.completeExceptionally(t);
                return;
            }
            if (f == null) {
                result.complete(null);
                return;
            }
            f.whenComplete((v, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(v);
                }
            });
        });
        return result;
    }

    /** Runs {@code action} on every shard; the result completes when all have. */
    public CompletableFuture<Void> onEveryShard(Consumer<Shard> action) {
        List<CompletableFuture<Object>> all = new ArrayList<>();
        for (int i = 0; i < shards.length; i++) {
            Shard s = shards[i];
            all.add(submit(i, () -> {
                action.accept(s);
                return ShardFuture.<Object>succeeded(null);
            }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    // ---- manual mode ---------------------------------------------------------------------------

    /** Manual mode: one loop iteration on every shard, in order; returns whether any did work. */
    public boolean runOnce() {
        requireManual();
        boolean worked = false;
        for (Shard s : shards) {
            worked |= s.driveOnce();
        }
        return worked;
    }

    /**
     * Manual mode: runs the loops until {@code done} holds. When an iteration finds no work and the
     * clock is a {@link ManualClock}, time jumps to the next timer; the call fails once more than
     * {@code limit} of (virtual or real) time has passed.
     */
    public void runUntil(BooleanSupplier done, Duration limit) {
        requireManual();
        Clock clock = config.clock();
        long start = clock.nanoTime();
        long wallStart = System.nanoTime();
        long limitNanos = limit.toNanos();
        while (!done.getAsBoolean()) {
            if (clock.nanoTime() - start > limitNanos || System.nanoTime() - wallStart > Math.max(limitNanos, 60_000_000_000L)) {
                throw new IllegalStateException("condition not reached within " + limit);
            }
            if (!runOnce() && !done.getAsBoolean() && clock instanceof ManualClock manual) {
                long next = Long.MAX_VALUE;
                for (Shard s : shards) {
                    next = Math.min(next, s.timers().nextDeadlineBound());
                }
                if (next == Long.MAX_VALUE) {
                    throw new IllegalStateException("nothing left to run and no timer armed: the condition cannot become true");
                }
                manual.advanceTo(Math.min(next, start + limitNanos + 1));
            }
        }
    }

    /** Manual mode: runs the loops until they go quiet (no work, no due timer). */
    public void runUntilIdle() {
        requireManual();
        int spins = 0;
        while (runOnce()) {
            if (++spins > 100_000_000) {
                throw new IllegalStateException("reactor never went idle");
            }
        }
    }

    /** Manual mode: moves a {@link ManualClock} forward by {@code d}, running every timer due on the way. */
    public void advance(Duration d) {
        requireManual();
        if (!(config.clock() instanceof ManualClock manual)) {
            throw new IllegalStateException("advance() needs a ManualClock");
        }
        long target = manual.nanoTime() + d.toNanos();
        while (true) {
            runUntilIdle();
            long next = Long.MAX_VALUE;
            for (Shard s : shards) {
                next = Math.min(next, s.timers().nextDeadlineBound());
            }
            if (next > target) {
                manual.advanceTo(target);
                runUntilIdle();
                return;
            }
            manual.advanceTo(Math.max(next, manual.nanoTime()));
            runOnce();
        }
    }

    /**
     * Waits for {@code f}: in manual mode by running the loops (virtual time may jump, see
     * {@link #runUntil}), otherwise by blocking up to {@code limit}. Returns its value.
     */
    public <T> T await(CompletableFuture<T> f, Duration limit) {
        try {
            if (config.manual()) {
                runUntil(f::isDone, limit);
                return f.get();
            }
            return f.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("not completed within " + limit, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Manual mode: runs {@code body} on the calling thread as shard {@code i} (so it may touch its state). */
    public void runOn(int i, Runnable body) {
        requireManual();
        shards[i].driveOnCallingThread(body);
    }

    private void requireManual() {
        if (!config.manual()) {
            throw new IllegalStateException("only a manual-mode reactor is driven by its caller");
        }
    }

    /** Builds a {@link Reactor}; every setting has a default. */
    public static final class Builder {
        private int shards = Runtime.getRuntime().availableProcessors();
        private IdlePolicy idlePolicy = IdlePolicy.defaults();
        private Boolean pinThreads;
        private boolean manual;
        private Clock clock = Clock.system();
        private Duration stallThreshold = Duration.ofNanos(500_000);
        private Duration stallWarmup = Duration.ofSeconds(2);
        private Duration stallReportInterval = Duration.ofSeconds(1);
        // The full stack once per place: later stalls there are in the summary and the metrics.
        private Consumer<StallReport> stallListener = r -> {
            if (r.firstAtSite()) {
                LOG.log(System.Logger.Level.WARNING, r.describe());
            }
        };
        private Duration stallSummaryInterval = Duration.ofSeconds(10);
        private Duration stallCheckInterval = Duration.ofMillis(2);
        private Duration stallIdleCheckInterval = Duration.ofMillis(64);
        private UnaryOperator<Runnable> shardThreadBody = UnaryOperator.identity();
        private int shardNice = ShardPriority.INHERITED;
        private Consumer<StallSummary> stallSummaryListener =
                s -> LOG.log(System.Logger.Level.WARNING, "stalls: " + s.describe());
        private int messageQueueCapacity = 4096;
        private int taskBudget = 4096;
        private int messageBudget = 1024;
        private int buffersPerShard = 8192;
        private int bufferSize = 2048 + 128;
        private int headroom = 128;
        private Duration stopTimeout = Duration.ofSeconds(5);
        private BufferPoolFactory bufferPools;

        public Builder shards(int n) {
            this.shards = n;
            return this;
        }

        public Builder idlePolicy(IdlePolicy p) {
            this.idlePolicy = Objects.requireNonNull(p);
            return this;
        }

        /** Pin shard threads to CPUs; the default pins when there are no more shards than CPUs. */
        public Builder pinThreads(boolean pin) {
            this.pinThreads = pin;
            return this;
        }

        /** No threads: the caller drives the loops. */
        public Builder manual() {
            this.manual = true;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        /** Report tasks that run longer than {@code d}; {@link Duration#ZERO} turns detection off. */
        public Builder stallThreshold(Duration d) {
            this.stallThreshold = Objects.requireNonNull(d);
            return this;
        }

        /**
         * How often the stall detector thread looks at the shards; default 2 ms, and never less
         * than half the threshold. Each look reads, per shard, when its current loop iteration began
         * (the shard writes it once per iteration): a look that falls in a stall after the
         * threshold catches it and measures it from its start, so every stall longer than
         * threshold + interval is caught and shorter ones in proportion. A shorter interval
         * catches more short stalls at the price of more wake-ups of the detector thread (on a
         * busy machine it takes CPU from the shards: 250 µs cost 8 to 12 % of a shard's CPU).
         */
        public Builder stallCheckInterval(Duration d) {
            this.stallCheckInterval = Objects.requireNonNull(d);
            return this;
        }

        /**
         * The longest wait between the stall detector's looks while every shard sleeps; default
         * 64 ms, never less than {@link #stallCheckInterval}. An idle server's shards sleep, and
         * a detector that looked every 2 ms regardless woke 500 times a second for nothing. Each
         * look that finds every shard asleep doubles the wait up to this; the first look that
         * finds one awake goes back to the check interval. The price: a stall that begins within
         * such a wait is caught only if it lasts until the look that ends it (it is then measured
         * whole, from its iteration's start), so after an idle stretch stalls shorter than this
         * may go uncounted. {@code stallCheckInterval} here turns the back-off off.
         */
        /**
         * The nice value (-20 to 19) each shard thread sets for itself when it starts; by default
         * the shards keep the priority they inherit. A negative value needs CAP_SYS_NICE: without
         * it the shard logs a warning and runs at the inherited priority. For a stack that shares
         * its CPUs with the processes it serves over TAP, where each frame written wakes the
         * reader onto the shard's CPU (ShardPriority has the figures: at -10, 100 MB under 1 %
         * loss went faster in 12 of 12 pairs).
         */
        /**
         * Wraps the body of every shard thread: {@code body.apply(loop)} runs on the thread instead
         * of the loop itself, and must run {@code loop} to its end on that thread. For a library
         * whose per-thread state needs the thread's whole life in a scope of its own: the netty
         * module's {@code PanamaxEventLoopGroup.SHARD_THREADS} runs the loop inside Netty's
         * {@code FastThreadLocalThread.runWithFastThreadLocal}, without which Netty does not
         * recycle its objects or cache its pooled buffers on a thread that is not its own.
         */
        public Builder shardThreadBody(UnaryOperator<Runnable> body) {
            this.shardThreadBody = Objects.requireNonNull(body, "body");
            return this;
        }

        public Builder shardNice(int nice) {
            if (nice < ShardPriority.MIN_NICE || nice > ShardPriority.MAX_NICE) {
                throw new IllegalArgumentException("nice must be -20 to 19, got " + nice);
            }
            this.shardNice = nice;
            return this;
        }

        public Builder stallIdleCheckInterval(Duration d) {
            this.stallIdleCheckInterval = Objects.requireNonNull(d);
            return this;
        }

        /** No stall is reported (all are counted) this long after start; default 2 s. */
        public Builder stallWarmup(Duration d) {
            this.stallWarmup = Objects.requireNonNull(d);
            return this;
        }

        /**
         * At most one stall report per shard per {@code d} (default 1 s, so that a flood does not
         * hide the report that matters), besides the first at each place; every stall is counted
         * either way. Zero reports each.
         */
        public Builder stallReportInterval(Duration d) {
            this.stallReportInterval = Objects.requireNonNull(d);
            return this;
        }

        /**
         * Receives the stall reports (see {@link #stallReportInterval}); the default logs the full
         * stack of the first report at each place ({@link StallReport#firstAtSite()}) and nothing
         * else, the summary and {@code reactor_stalls_total{site=...}} count the rest.
         */
        public Builder stallListener(Consumer<StallReport> l) {
            this.stallListener = Objects.requireNonNull(l);
            return this;
        }

        /**
         * One {@link StallSummary} per {@code d} when anything stalled in it (default 10 s, logged as
         * one line); {@link Duration#ZERO} turns summaries off.
         */
        public Builder stallSummaryInterval(Duration d) {
            this.stallSummaryInterval = Objects.requireNonNull(d);
            return this;
        }

        public Builder stallSummaryListener(Consumer<StallSummary> l) {
            this.stallSummaryListener = Objects.requireNonNull(l);
            return this;
        }

        public Builder messageQueueCapacity(int n) {
            this.messageQueueCapacity = n;
            return this;
        }

        public Builder taskBudget(int n) {
            this.taskBudget = n;
            return this;
        }

        public Builder buffersPerShard(int n) {
            this.buffersPerShard = n;
            return this;
        }

        public Builder bufferSize(int bytes) {
            this.bufferSize = bytes;
            return this;
        }

        public Builder headroom(int bytes) {
            this.headroom = bytes;
            return this;
        }

        public Builder stopTimeout(Duration d) {
            this.stopTimeout = Objects.requireNonNull(d);
            return this;
        }

        /**
         * Makes each shard's buffer pool, for backends whose packet memory must come from the
         * device (DPDK mbufs); the default is an off-heap slab per shard.
         */
        public Builder bufferPools(BufferPoolFactory factory) {
            this.bufferPools = factory;
            return this;
        }

        public Reactor build() {
            boolean pin = pinThreads != null ? pinThreads
                    : !manual && shards <= CpuAffinity.allowedCpus().length;
            Reactor r = new Reactor(new ReactorConfig(shards, idlePolicy, pin, manual, clock,
                    manual ? Duration.ZERO : stallThreshold, stallListener, stallWarmup, messageQueueCapacity,
                    taskBudget, messageBudget, buffersPerShard, bufferSize, headroom, stopTimeout, bufferPools,
                    stallReportInterval, stallSummaryInterval, stallSummaryListener, stallCheckInterval,
                    stallIdleCheckInterval, shardNice));
            r.shardThreadBody = shardThreadBody;
            return r;
        }
    }
}
