package io.panamax.reactor;

import io.panamax.reactor.buffer.BufferPool;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.jctools.queues.SpscArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * One core's share of the stack: a thread that runs a poll loop over its own queues, timers,
 * buffers and counters, and talks to other shards only by messages.
 *
 * <p>Each iteration of the loop: poll the registered {@link Poller}s (NIC receive queues) → run
 * ready continuations → fire due timers → deliver messages from other shards → flush (send the
 * TX bursts). An iteration that found no work spins, then sleeps in its {@link IdleWaiter}, as the
 * {@link IdlePolicy} says.
 *
 * <p>Sleeping and waking is a Dekker protocol on the parked flag: the shard raises the flag, then
 * looks for work once more, then waits; a thread that gives it work (a message, a task, a Netty
 * task) enqueues, then reads the flag, and calls {@link IdleWaiter#wake()} only if it is raised.
 * One of the two sees the other, and a wake between the shard's last look and its wait is not lost
 * because the waiter keeps it (an unpark permit, an eventfd count) until the wait.
 *
 * <p>Everything here is confined to the shard's thread unless a method says otherwise: nothing on
 * this path takes a lock or does an atomic read-modify-write.
 */
public final class Shard {
    private static final System.Logger LOG = System.getLogger("io.panamax.reactor");
    private static final ThreadLocal<Shard> DRIVEN = new ThreadLocal<>();
    private static final VarHandle PROGRESS;
    private static final VarHandle LOOP_AT;
    private static final VarHandle PARKED;
    /** Where the parked flag sits in {@link #parkedCell}: 128 bytes clear of anything else. */
    private static final int PARKED_AT = 32;
    /** {@link #turnStart} between turns: no time read yet (a System.nanoTime() of exactly this is not to be met). */
    private static final long NO_TURN = Long.MIN_VALUE;

    static {
        try {
            var lookup = MethodHandles.lookup();
            PROGRESS = lookup.findVarHandle(Shard.class, "progress", long.class);
            LOOP_AT = lookup.findVarHandle(Shard.class, "loopAt", long.class);
            PARKED = MethodHandles.arrayElementVarHandle(int[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Reactor reactor;
    private final int id;
    private final ReactorConfig config;
    private final Clock clock;
    /** Whether {@link #clock} is {@link System#nanoTime()}, which {@link #runOnce} reads once a turn for all. */
    private final boolean systemClock;
    /**
     * The system clock as {@link #runOnce} read it at the start of the turn under way, or
     * {@link #NO_TURN} between turns and with any other clock: what {@link #turnNanos()} answers.
     */
    private long turnStart = NO_TURN;
    private final TimerWheel timers;
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>(1024);
    private Poller[] pollers = new Poller[0];
    private final List<Runnable> stopHooks = new ArrayList<>();
    private SpscArrayQueue<ShardMessage>[] inbound;
    private SpscArrayQueue<ShardMessage>[] outbound;
    private ArrayDeque<ShardMessage>[] overflow;
    private int overflowed;
    /**
     * Written before parking, read by other shards after they see the parked flag: the targets
     * whose full queues hold back this shard's overflow. A target that drains messages from this
     * shard wakes it when it is parked waiting for that room.
     */
    private boolean[] blockedOn;
    /** Shards this iteration sent to: they are woken (if parked) once, at the end of the iteration. */
    private boolean[] wakePending;
    private int wakesPending;
    private final MpscUnboundedArrayQueue<ShardMessage> external = new MpscUnboundedArrayQueue<>(256);
    private final ShardMetrics metrics;
    private final BufferPool buffers;
    private final PacketPool packets;
    private final Counter tasksRun;
    private final Counter messagesReceived;
    private final Counter messagesDeferred;
    private final Counter uncaughtErrors;
    private final Counter parks;

    ShardThread thread;
    /**
     * How this shard sleeps and is woken; null until the thread is bound (never in manual mode).
     * Volatile: another thread reads it after seeing the parked flag, and a TAP stack replaces
     * the default while the shard runs.
     */
    private volatile IdleWaiter waiter;
    /** Bumped at every unit of work; the stall detector reads it from its own thread. */
    @SuppressWarnings("unused")
    private long progress;
    /**
     * {@link System#nanoTime()} when the current iteration began (or the shard woke): the stall
     * detector's clock, one write per iteration.
     */
    @SuppressWarnings("unused")
    private long loopAt;
    /**
     * The parked flag (1 while parked), alone on its cache lines: every shard that sends here reads
     * it, and in a plain field it would share a line with counters this shard writes all the time.
     */
    private final int[] parkedCell = new int[2 * PARKED_AT + 1];
    private int idleIterations;
    /** The shard thread's Linux thread id, for the stall detector (-1 until the thread starts). */
    private volatile int nativeTid = -1;
    /** This idle stretch spins until {@link #timedSpinEnd} (clock time) before its device wait. */
    private boolean timedSpin;
    private long timedSpinEnd;
    /** How long a watching shard whose polls are system calls polls before its device wait (TAP). */
    private IdlePollWindow pollWindow;
    /** This idle stretch polls until {@link #pollUntil} (clock time), having gone idle at {@link #idleSince}. */
    private boolean windowPoll;
    private long idleSince;
    private long pollUntil;
    /** Clock time of the last idle iteration's look (or the end of its wait): when the stretch last had no work. */
    private long idleSeen;
    private volatile boolean stopRequested;
    private volatile boolean running;
    /** Stopping, hooks run: the shard serves late messages until the reactor releases it. */
    private volatile boolean lingering;
    /** Lingering and in (or about to start) an iteration: not known to be quiet. */
    private volatile boolean lingerBusy;
    /** Lingering iterations that found work; the reactor compares two readings. */
    private volatile long lingerActivity;
    /** Set by the reactor once it has seen every shard quiet at the same time: the thread may end. */
    private volatile boolean released;

    Shard(Reactor reactor, int id, ReactorConfig config, ShardMetrics metrics) {
        this.reactor = reactor;
        this.id = id;
        this.config = config;
        this.clock = config.clock();
        this.systemClock = clock == Clock.system();
        // Timers armed in a turn count from the turn's time: an RTO or a delayed ACK armed while a
        // burst is served starts at most one turn early, and the wheel fires them at turn
        // boundaries anyway.
        this.timers = new TimerWheel(this::turnNanos);
        this.metrics = metrics;
        this.buffers = config.bufferPools() != null
                ? config.bufferPools().create(this, config)
                : new SlabBufferPool(this, config.buffersPerShard(), config.bufferSize(), config.headroom());
        this.packets = new PacketPool(this, buffers);
        this.tasksRun = metrics.counter("reactor_tasks_total", "Tasks and continuations run");
        this.messagesReceived = metrics.counter("reactor_messages_received_total", "Messages received from other shards");
        this.messagesDeferred = metrics.counter("reactor_messages_deferred_total",
                "Messages held back because the queue to their shard was full");
        this.uncaughtErrors = metrics.counter("reactor_uncaught_errors_total",
                "Exceptions that escaped a task, timer, message or poller (reported and survived)");
        this.parks = metrics.counter("reactor_parks_total", "Times the shard parked for lack of work");
        metrics.gauge("reactor_ready_tasks", "Tasks waiting in the run queue", ready::size);
        metrics.gauge("reactor_timers", "Armed timers", timers::size);
        metrics.gauge("reactor_buffers_available", "Free packet buffers in the shard's pool", buffers::available);
        metrics.gauge("reactor_buffers_capacity", "Packet buffers in the shard's pool", buffers::capacity);
        metrics.gauge("reactor_buffer_pool_exhausted_total", "Allocations refused because the pool was empty",
                buffers::exhaustedCount);
    }

    @SuppressWarnings("unchecked")
    void connect(SpscArrayQueue<ShardMessage>[][] queues) {
        int n = queues.length;
        inbound = new SpscArrayQueue[n];
        outbound = new SpscArrayQueue[n];
        overflow = new ArrayDeque[n];
        blockedOn = new boolean[n];
        wakePending = new boolean[n];
        for (int i = 0; i < n; i++) {
            inbound[i] = queues[i][id];
            outbound[i] = queues[id][i];
            overflow[i] = new ArrayDeque<>();
        }
    }

    // ---- identity and context ------------------------------------------------------------

    /** The shard whose loop runs on the calling thread, or null on any other thread. */
    public static Shard current() {
        if (Thread.currentThread() instanceof ShardThread t) {
            return t.shard;
        }
        return DRIVEN.get();
    }

    /** The current shard; throws on a thread that runs none. */
    public static Shard currentOrThrow() {
        Shard s = current();
        if (s == null) {
            throw new IllegalStateException("not on a shard thread: " + Thread.currentThread().getName());
        }
        return s;
    }

    public boolean isCurrent() {
        return current() == this;
    }

    /**
     * Throws unless called on this shard's thread: the check on public entry points (listen,
     * connect, bind, send, poller and stop-hook registration), whether or not assertions are on.
     * It is one identity comparison (the current thread's shard against this), cheap enough for
     * entry points but kept off the per-packet paths. The message says which shard to use and how
     * to get there, e.g. {@code Tcp.listen called from thread 'main'; what shard 0 owns
     * (connections, sockets, timers) is used on shard 0: shard.execute(...), Reactor.submit or
     * Stack.onEveryShard runs code there}.
     *
     * @param what the entry point, for the message ({@code "Tcp.listen"})
     */
    public void checkOwner(String what) {
        if (current() != this) {
            throw wrongThread(what);
        }
    }

    private IllegalStateException wrongThread(String what) {
        Shard cur = current();
        String from = cur == null ? "thread '" + Thread.currentThread().getName() + "'"
                : "shard " + cur.id + (cur.reactor == reactor ? "" : " of another reactor");
        return new IllegalStateException(what + " called from " + from + "; what shard " + id
                + " owns (connections, sockets, timers) is used on shard " + id
                + ": shard.execute(...), Reactor.submit(" + id + ", ...) or Stack.onEveryShard(...) runs code there");
    }

    public int id() {
        return id;
    }

    /** Number of shards in this shard's reactor. */
    public int count() {
        return inbound.length;
    }

    public Reactor reactor() {
        return reactor;
    }

    public Clock clock() {
        return clock;
    }

    /** The clock, read now: for what must not be a turn late (a deadline polled in a loop, a duration measured across turns). */
    public long nanoTime() {
        return clock.nanoTime();
    }

    /**
     * The clock as this turn of the poll loop read it, the same for everything the turn does: the
     * protocols' times (segment send and arrival stamps, RTT samples, TCP timestamps, neighbour
     * ageing) without a clock read each. About ten a request on the Netty HTTP benchmark over TAP
     * made clock reads 3.4 % of the shard's samples (docs/netty.md); Linux's TCP does the same
     * with {@code tcp_mstamp}, one clock read per receive or transmit pass. A time taken here is
     * late by at most the turn's work so far (a frame's arrival is stamped when the turn that read
     * it began, closer to the wire than a read after the frames before it). Outside a turn (set-up,
     * another thread) and with a clock other than the system's ({@link ManualClock}: packet scripts
     * stay exact) it reads the clock.
     */
    public long turnNanos() {
        long t = turnStart;
        return t != NO_TURN ? t : clock.nanoTime();
    }

    public TimerWheel timers() {
        return timers;
    }

    public BufferPool buffers() {
        return buffers;
    }

    public PacketPool packets() {
        return packets;
    }

    public ShardMetrics metrics() {
        return metrics;
    }

    // ---- work on this shard ----------------------------------------------------------------

    /** Queues {@code task} to run on this shard soon; must be called on this shard. */
    public void schedule(Runnable task) {
        assert checkCurrent();
        ready.addLast(task);
    }

    /** Registers a poller that runs every iteration; must be called on this shard. */
    public void addPoller(Poller poller) {
        checkOwner("Shard.addPoller");
        Poller[] p = Arrays.copyOf(pollers, pollers.length + 1);
        p[p.length - 1] = poller;
        pollers = p;
    }

    public void removePoller(Poller poller) {
        checkOwner("Shard.removePoller");
        pollers = Arrays.stream(pollers).filter(p -> p != poller).toArray(Poller[]::new);
    }

    /** Runs {@code hook} on this shard when the reactor stops, after in-flight work has drained. */
    public void onStop(Runnable hook) {
        checkOwner("Shard.onStop");
        stopHooks.add(hook);
    }

    // ---- messages between shards -----------------------------------------------------------

    /**
     * Runs {@code task} on shard {@code target} and returns, on this shard, a future of the future
     * it returns. Never blocks and never drops: when the queue to {@code target} is full the call
     * waits in this shard's overflow, in order.
     */
    public <T> ShardFuture<T> submitTo(int target, Supplier<? extends ShardFuture<T>> task) {
        checkOwner("Shard.submitTo");
        if (target == id) {
            try {
                ShardFuture<T> f = task.get();
                return f != null ? f : ShardFuture.succeeded(null);
            } catch (Throwable t) {
                return ShardFuture.failed(t);
            }
        }
        CrossShardCall<T> call = new CrossShardCall<>(this, task);
        send(target, call);
        return call;
    }

    /**
     * Sends a message to shard {@code target}, to be delivered there in order after earlier
     * messages from this shard. Must be called on this shard.
     */
    public void send(int target, ShardMessage message) {
        assert checkCurrent();
        ArrayDeque<ShardMessage> held = overflow[target];
        if (held.isEmpty() && outbound[target].offer(message)) {
            markForWake(target);
        } else {
            held.addLast(message);
            overflowed++;
            messagesDeferred.increment();
        }
    }

    /** Messages this shard holds back for {@code target} because its queue was full (back-pressure). */
    public int deferredTo(int target) {
        return overflow[target].size();
    }

    /**
     * Runs {@code task} on this shard; callable from any thread. From another shard of the same
     * reactor it travels over the ordered shard queues, from elsewhere over a shared inbound queue.
     */
    public void execute(Runnable task) {
        execute((ShardMessage) s -> task.run());
    }

    /** Delivers {@code message} on this shard; callable from any thread (see {@link #execute(Runnable)}). */
    public void execute(ShardMessage message) {
        Shard cur = current();
        if (cur == this) {
            ready.addLast(() -> message.deliver(this));
        } else if (cur != null && cur.reactor == reactor) {
            cur.send(id, message);
        } else {
            external.offer(message);
            wakeIfParked();
        }
    }

    /**
     * Remembers to wake {@code target} at the end of this iteration. Waking costs a full fence
     * (Dekker with the target's idle()), so it is paid once per target per iteration, not per
     * message, as Seastar batches its cross-core queues; a parked target wakes a few microseconds
     * later at most, a busy one never needed it.
     */
    private void markForWake(int target) {
        if (!wakePending[target]) {
            wakePending[target] = true;
            wakesPending++;
        }
    }

    /** Wakes the parked shards that this iteration sent to; one fence for all of them. */
    private void flushWakes() {
        wakesPending = 0;
        if (thread == null || !config.idlePolicy().parks()) {
            Arrays.fill(wakePending, false); // manual mode or busy-polling: nobody parks
            return;
        }
        VarHandle.fullFence(); // our enqueues become visible before we read their flags
        for (int t = 0; t < wakePending.length; t++) {
            if (wakePending[t]) {
                wakePending[t] = false;
                Shard target = reactor.shard(t);
                if ((int) PARKED.getVolatile(target.parkedCell, PARKED_AT) != 0) {
                    target.waiter.wake();
                }
            }
        }
    }

    /**
     * Wakes this shard if it sleeps ({@link IdleWaiter#wake()}, only when its parked flag is up:
     * nothing is paid while it runs); callable from any thread. For queues outside the reactor
     * that this shard polls (a Netty event loop's task queue): whoever enqueues calls this after.
     */
    public void wakeup() {
        wakeIfParked();
    }

    void wakeIfParked() {
        if (thread == null || !config.idlePolicy().parks()) {
            return;
        }
        // Dekker with idle(): our enqueue must be visible before we read the flag it wrote.
        VarHandle.fullFence();
        if ((int) PARKED.getVolatile(parkedCell, PARKED_AT) != 0) {
            waiter.wake();
        }
    }

    // ---- the loop ----------------------------------------------------------------------------

    /** One iteration of the poll loop; returns whether it did any work. */
    boolean runOnce() {
        int work = 0;
        long now = System.nanoTime();
        stampLoop(now);
        if (systemClock) {
            turnStart = now;
        }
        bumpProgress();
        Poller[] ps = pollers;
        for (Poller p : ps) {
            try {
                work += p.poll();
            } catch (Throwable e) {
                uncaught("poller", e);
            }
        }
        work += runReady();
        // One clock read per turn (clock_gettime, ~50 ns in this VM: 1.7 ns a frame of a 32-frame
        // forwarding burst): with the system clock, the turn's start time serves the timers too,
        // which then fire at most one turn later than a fresh read would have let them.
        work += timers.advance(systemClock ? now : clock.nanoTime());
        work += drainMessages();
        work += runReady();
        if (overflowed > 0) {
            work += flushOverflow();
        }
        for (Poller p : ps) {
            try {
                work += p.flush();
            } catch (Throwable e) {
                uncaught("poller flush", e);
            }
        }
        if (wakesPending > 0) {
            flushWakes();
        }
        turnStart = NO_TURN;
        return work > 0;
    }

    private int runReady() {
        int n = 0;
        int budget = config.taskBudget();
        Runnable task;
        while (n < budget && (task = ready.pollFirst()) != null) {
            bumpProgress();
            try {
                task.run();
            } catch (Throwable e) {
                uncaught("task", e);
            }
            n++;
        }
        tasksRun.add(n);
        return n;
    }

    private int drainMessages() {
        int n = 0;
        int budget = config.messageBudget();
        for (int from = 0; from < inbound.length; from++) {
            if (from == id) {
                continue;
            }
            SpscArrayQueue<ShardMessage> q = inbound[from];
            int k = 0;
            for (; k < budget; k++) {
                ShardMessage m = q.relaxedPoll();
                if (m == null) {
                    break;
                }
                deliver(m);
            }
            if (k > 0) {
                n += k;
                wakeIfWaitingForRoom(from);
            }
        }
        for (int k = 0; k < budget; k++) {
            ShardMessage m = external.relaxedPoll();
            if (m == null) {
                break;
            }
            deliver(m);
            n++;
        }
        messagesReceived.add(n);
        return n;
    }

    /**
     * We made room in the queue from {@code from}: wake that shard if it parked waiting for it.
     * At once, not at the end of the iteration: the producer then refills the queue while this
     * shard delivers the rest, instead of this shard finding it empty and spinning (measured: a
     * storm over 4-slot queues took three times the CPU with the deferred wake).
     */
    private void wakeIfWaitingForRoom(int from) {
        Shard producer = reactor.shard(from);
        if (producer.thread == null || !config.idlePolicy().parks()) {
            return;
        }
        // Dekker with idle(): the slots we freed must be visible before we read its flag.
        VarHandle.fullFence();
        if ((int) PARKED.getVolatile(producer.parkedCell, PARKED_AT) != 0 && producer.blockedOn[id]) {
            producer.waiter.wake();
        }
    }

    private void deliver(ShardMessage m) {
        bumpProgress();
        try {
            m.deliver(this);
        } catch (Throwable e) {
            uncaught("message", e);
        }
    }

    private int flushOverflow() {
        int moved = 0;
        for (int target = 0; target < overflow.length; target++) {
            ArrayDeque<ShardMessage> held = overflow[target];
            int before = moved;
            while (!held.isEmpty() && outbound[target].offer(held.peekFirst())) {
                held.pollFirst();
                moved++;
            }
            if (moved > before) {
                markForWake(target);
            }
        }
        overflowed -= moved;
        return moved;
    }

    /** Work this shard can do now: ready tasks or inbound messages (overflow aside). */
    private boolean hasRunnableWork() {
        if (!ready.isEmpty() || !external.isEmpty()) {
            return true;
        }
        for (int from = 0; from < inbound.length; from++) {
            if (from != id && !inbound[from].isEmpty()) {
                return true;
            }
        }
        for (Poller p : pollers) {
            if (p.hasPendingWork()) {
                return true;
            }
        }
        return false;
    }

    boolean hasQueuedWork() {
        if (!ready.isEmpty() || !external.isEmpty() || overflowed > 0) {
            return true;
        }
        for (int from = 0; from < inbound.length; from++) {
            if (from != id && !inbound[from].isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** The body of the shard's thread. */
    void loop() {
        nativeTid = StallDetector.currentTid();
        stampLoop();
        running = true;
        if (config.pinThreads()) {
            CpuAffinity.pinCurrentThread(CpuAffinity.cpuForShard(id));
        }
        // An idle shard's timed sleeps (a blind park, a wait a due timer bounds) end late by up
        // to the thread's timer slack, 50 µs by default: take as little as Linux allows.
        TimerSlack.setCurrentThread(TimerSlack.SHARD_NANOS);
        int nice = config.shardNice();
        if (nice != ShardPriority.INHERITED && !ShardPriority.setThread(nativeTid, nice)) {
            System.getLogger("io.panamax.reactor").log(System.Logger.Level.WARNING, "shard " + id + ": nice " + nice
                    + " refused (a negative value needs CAP_SYS_NICE); the shard runs at the priority it inherited");
        }
        try {
            while (!stopRequested) {
                if (runOnce()) {
                    if (windowPoll) {
                        idleStretchEnded();
                    }
                    idleIterations = 0;
                } else {
                    idle();
                }
            }
            long deadline = System.nanoTime() + config.stopTimeout().toNanos();
            runUntilQuiet(deadline);
            runStopHooks();
            runUntilQuiet(deadline);
            lingerUntilReleased();
        } catch (Throwable fatal) {
            LOG.log(System.Logger.Level.ERROR, "shard " + id + " loop died", fatal);
        } finally {
            running = false;
            try {
                waiter.close();
            } catch (Throwable e) {
                uncaught("idle waiter close", e);
            }
        }
    }

    private void idle() {
        IdlePolicy policy = config.idlePolicy();
        if (!policy.parks()) {
            Thread.onSpinWait();
            return;
        }
        IdleWaiter w = waiter;
        boolean watching = w.watchesDevices();
        int n = ++idleIterations;
        if (watching) {
            if (n == 1) {
                startIdleStretch(policy);
            }
            if (n < policy.waitSpinIterations()) {
                Thread.onSpinWait();
                return;
            }
            if (timedSpin) {
                // The clock every 8 iterations: an empty af_xdp iteration is tens of nanoseconds.
                if ((n & 7) != 0 || clock.nanoTime() - timedSpinEnd < 0) {
                    Thread.onSpinWait();
                    return;
                }
                timedSpin = false; // spent: the rest of this idle stretch waits at once
            }
            if (windowPoll) {
                // The clock every iteration: an empty TAP iteration is a read(2), 1-3 µs.
                idleSeen = clock.nanoTime();
                if (idleSeen - pollUntil < 0) {
                    // sched_yield, as Linux's busy poll stops at need_resched(): a task runnable on
                    // this CPU (the client, when it shares it) goes first. Without it the poll took
                    // the CPU from wrk on the shard's CPU: wrk -c1 24.5-38.8k requests/s at 16.6-17.4
                    // µs of server CPU each, against 31.2-48.2k and 11.4-11.7 µs with 8 iterations
                    // alone; with it 50.6-51.4k at 9.6-10.0 µs (three rounds each, load 5-12).
                    Thread.yield();
                    return;
                }
            }
        } else if (n < policy.spinIterations()) {
            Thread.onSpinWait();
            return;
        }
        long max = watching && everyPollerWakesUs() ? policy.maxWaitNanos() : policy.maxParkNanos();
        long parkNanos = Math.min(max, timers.nextDeadlineBound() - clock.nanoTime());
        if (parkNanos <= 0) {
            return;
        }
        // Messages held back for full queues are no reason to spin: that burns the CPU their
        // targets need (shards may outnumber cores). Park; a target that makes room wakes us.
        for (int t = 0; t < blockedOn.length; t++) {
            blockedOn[t] = overflowed > 0 && !overflow[t].isEmpty();
        }
        PARKED.setVolatile(parkedCell, PARKED_AT, 1);
        // Dekker with wakeIfWaitingForRoom(): retrying the full queues after raising the flag
        // means either we see the room or the target sees us parked.
        if (!hasRunnableWork() && (overflowed == 0 || flushOverflow() == 0)
                && !(lingering ? released : stopRequested)) {
            w.await(parkNanos);
            parks.increment();
            if (windowPoll) {
                idleSeen = clock.nanoTime();
            }
            stampLoop(); // the sleep was no stall: the detector must not measure it once the flag is down
        }
        PARKED.setVolatile(parkedCell, PARKED_AT, 0);
        if (wakesPending > 0) {
            flushWakes(); // the retry above moved messages
        }
    }

    /**
     * At the first idle iteration of a stretch on a watching waiter: whether this stretch also
     * spins by time ({@link IdlePolicy#waitSpinNanos()}), because every poller's empty poll is cheap,
     * or else polls for the adaptive window ({@link IdlePolicy#idlePollNanos()}, {@link IdlePollWindow}).
     */
    private void startIdleStretch(IdlePolicy policy) {
        timedSpin = policy.waitSpinNanos() > 0 && everyPollerPollsCheaply();
        if (timedSpin) {
            timedSpinEnd = clock.nanoTime() + policy.waitSpinNanos();
        }
        windowPoll = !timedSpin && policy.idlePollNanos() > 0;
        if (windowPoll) {
            if (pollWindow == null) {
                pollWindow = new IdlePollWindow(policy.idlePollNanos(), IdlePolicy.IDLE_POLL_GROW_START_NANOS);
            }
            idleSince = clock.nanoTime();
            idleSeen = idleSince;
            pollUntil = idleSince + pollWindow.nanos();
        }
    }

    /**
     * A stretch that polled by window found work: it went idle at {@link #idleSince} and was last
     * seen without work at {@link #idleSeen} (within one iteration of the arrival, or when its wait ended).
     */
    private void idleStretchEnded() {
        windowPoll = false;
        pollWindow.observe(idleSeen - idleSince);
    }

    private boolean everyPollerPollsCheaply() {
        for (Poller p : pollers) {
            if (!p.emptyPollIsCheap()) {
                return false;
            }
        }
        return true;
    }

    private boolean everyPollerWakesUs() {
        for (Poller p : pollers) {
            if (!p.wakesIdleShard()) {
                return false;
            }
        }
        return true;
    }

    /** Runs the {@link #onStop} hooks, in the order they were added. */
    void runStopHooks() {
        for (Runnable hook : stopHooks) {
            try {
                hook.run();
            } catch (Throwable e) {
                uncaught("stop hook", e);
            }
        }
    }

    /**
     * After the stop hooks: other shards may still be running theirs, and what they send here (a
     * reply, a buffer going home) must be served. The shard keeps looping (and parking when idle)
     * until the reactor has seen every shard quiet at once, with no message in flight, and releases it.
     */
    private void lingerUntilReleased() {
        idleIterations = 0;
        lingering = true;
        while (!released) {
            lingerBusy = true;
            if (runOnce() || hasQueuedWork()) {
                lingerActivity = lingerActivity + 1; // single writer
                idleIterations = 0;
                continue;
            }
            lingerBusy = false;
            idle();
        }
    }

    /** For the stopping reactor: lingering and not in an iteration (or the thread has ended). */
    boolean isQuietAfterStop() {
        return thread == null || !thread.isAlive() || (lingering && !lingerBusy);
    }

    long lingerActivity() {
        return lingerActivity;
    }

    /** For the stopping reactor (any thread): no message waits in this shard's inbound queues. */
    boolean inboundEmpty() {
        if (thread != null && !thread.isAlive()) {
            return true; // nobody will ever read them
        }
        for (int from = 0; from < inbound.length; from++) {
            if (from != id && !inbound[from].isEmpty()) {
                return false;
            }
        }
        return external.isEmpty();
    }

    /** Lets a lingering shard's thread end. */
    void release() {
        released = true;
        wakeUnconditionally();
    }

    private void runUntilQuiet(long deadline) {
        while (System.nanoTime() < deadline) {
            boolean worked = runOnce();
            if (!worked && !hasQueuedWork()) {
                return;
            }
        }
    }

    void requestStop() {
        stopRequested = true;
        wakeUnconditionally();
    }

    /** For the rare control-path wakes (stop, release): without looking at the parked flag. */
    private void wakeUnconditionally() {
        IdleWaiter w = waiter;
        if (w != null) {
            w.wake();
        }
    }

    /** Gives the shard its thread and the default (parking) waiter; by the reactor, before the start. */
    void bindThread(ShardThread t) {
        thread = t;
        waiter = IdleWaiter.parking(t);
    }

    /** How this shard sleeps when idle (null in manual mode, where it never does). */
    public IdleWaiter idleWaiter() {
        return waiter;
    }

    /**
     * Replaces how this shard sleeps when idle and returns the previous waiter, which the caller
     * now owns (the shard closes only the one it has when its thread ends); null restores the
     * default parking waiter. On this shard only. In manual mode nothing changes (the caller
     * drives the loop and nobody sleeps) and null is returned.
     */
    public IdleWaiter idleWaiter(IdleWaiter next) {
        checkOwner("Shard.idleWaiter");
        if (thread == null) {
            return null;
        }
        IdleWaiter previous = waiter;
        waiter = next != null ? next : IdleWaiter.parking(thread);
        return previous;
    }

    boolean isRunning() {
        return running;
    }

    boolean isParked() {
        return (int) PARKED.getVolatile(parkedCell, PARKED_AT) != 0;
    }

    int nativeTid() {
        return nativeTid;
    }

    long progress() {
        return (long) PROGRESS.getAcquire(this);
    }

    long loopStartedAt() {
        return (long) LOOP_AT.getAcquire(this);
    }

    private void stampLoop() {
        stampLoop(System.nanoTime());
    }

    private void stampLoop(long now) {
        LOOP_AT.setRelease(this, now);
    }

    private void bumpProgress() {
        PROGRESS.setRelease(this, progress + 1);
    }

    /** One iteration of the loop as this shard, on the calling thread (manual mode); allocates nothing. */
    boolean driveOnce() {
        Shard previous = DRIVEN.get();
        DRIVEN.set(this);
        try {
            return runOnce();
        } finally {
            DRIVEN.set(previous);
        }
    }

    /** Runs {@code body} as if on this shard, on the calling thread (manual mode and tests). */
    void driveOnCallingThread(Runnable body) {
        Shard previous = DRIVEN.get();
        DRIVEN.set(this);
        try {
            body.run();
        } finally {
            DRIVEN.set(previous);
        }
    }

    /** For {@code assert checkCurrent()} on the paths that run per packet or per continuation. */
    private boolean checkCurrent() {
        if (!isCurrent()) {
            throw wrongThread("shard " + id);
        }
        return true;
    }

    private void uncaught(String where, Throwable e) {
        uncaughtErrors.increment();
        LOG.log(System.Logger.Level.ERROR, "shard " + id + ": uncaught exception in " + where, e);
    }

    /** Reports an exception that escaped user code on the current shard (counted there), and goes on. */
    static void reportUncaught(String where, Throwable e) {
        Shard s = current();
        if (s != null) {
            s.uncaught(where, e);
        } else {
            LOG.log(System.Logger.Level.ERROR, "uncaught exception in " + where, e);
        }
    }

    @Override
    public String toString() {
        return "Shard[" + id + "]";
    }
}
