package io.panamax.reactor;

import java.util.Arrays;
import java.util.Comparator;

/**
 * A hierarchical timing wheel (Varghese and Lauck; the cascading layout of the classic Linux
 * kernel timers): six levels of 64 slots over ticks of 2^14 ns (16.4 µs), so arming and cancelling
 * are O(1) and the horizon is 2^36 ticks (about 13 days); timers beyond it wait at the far end and
 * are re-placed as the wheel turns. A 64-bit occupancy mask per level lets {@link #advance} jump over
 * empty slots and idle cascades instead of walking them, so a shard that slept a second does not
 * step 60,000 ticks, and a lone timer days away is reached in a few dozen steps.
 *
 * <p>Single-threaded: it belongs to one shard.
 */
public final class TimerWheel {
    static final int TICK_SHIFT = 14;
    static final long TICK_NANOS = 1L << TICK_SHIFT;
    private static final int LEVEL_BITS = 6;
    private static final int SLOTS = 1 << LEVEL_BITS;
    private static final int SLOT_MASK = SLOTS - 1;
    private static final int LEVELS = 6;
    private static final long HORIZON_TICKS = 1L << (LEVEL_BITS * LEVELS);

    private final Clock clock;
    private final Timer[] buckets = new Timer[LEVELS * SLOTS];
    private final long[] occupied = new long[LEVELS];
    /** Every timer due at or before this tick has fired. */
    private long currentTick;
    private int size;
    /** Timers detached from the slot being fired; reused, grown when a slot holds more. */
    private Timer[] firing = new Timer[64];
    /** Arming sequence: timers due in the same tick fire by deadline, then in the order they were armed. */
    private long armed;
    private static final Comparator<Timer> FIRING_ORDER = (a, b) -> a.deadline != b.deadline
            ? Long.compare(a.deadline, b.deadline)
            : Long.compare(a.seq, b.seq);

    public TimerWheel(Clock clock) {
        this.clock = clock;
        this.currentTick = clock.nanoTime() >> TICK_SHIFT;
    }

    /** A new, unarmed timer that runs {@code action} on this wheel's shard when it fires. */
    public Timer newTimer(Runnable action) {
        return new Timer(this, action);
    }

    /** Runs {@code action} once, {@code delayNanos} from now; the returned timer can cancel it. */
    public Timer schedule(long delayNanos, Runnable action) {
        Timer t = new Timer(this, action);
        t.arm(delayNanos);
        return t;
    }

    public long now() {
        return clock.nanoTime();
    }

    /** Armed timers. */
    public int size() {
        return size;
    }

    void arm(Timer t, long deadlineNanos) {
        if (t.bucket >= 0) {
            unlink(t);
        } else {
            size++; // idle, or due in the batch being fired: either way it is not counted now
        }
        t.deadline = deadlineNanos;
        t.seq = armed++;
        // Round up (without overflowing near Long.MAX_VALUE): a timer never fires before its deadline.
        long tick = (deadlineNanos >> TICK_SHIFT) + ((deadlineNanos & (TICK_NANOS - 1)) != 0 ? 1 : 0);
        t.expiryTick = Math.max(tick, currentTick + 1);
        place(t);
    }

    boolean cancel(Timer t) {
        if (t.bucket == Timer.FIRING) {
            t.bucket = Timer.IDLE; // due in the batch being fired: it will be skipped
            return true;
        }
        if (t.bucket < 0) {
            return false;
        }
        unlink(t);
        t.bucket = Timer.IDLE;
        size--;
        return true;
    }

    /** Places an armed timer in the slot its expiry tick falls in, relative to the current tick. */
    private void place(Timer t) {
        long delta = t.expiryTick - currentTick;
        long slotTick = t.expiryTick;
        if (delta >= HORIZON_TICKS) {
            slotTick = currentTick + HORIZON_TICKS - 1;
            delta = HORIZON_TICKS - 1;
        }
        int level = 0;
        while (level < LEVELS - 1 && delta >= (1L << (LEVEL_BITS * (level + 1)))) {
            level++;
        }
        int slot = (int) ((slotTick >>> (LEVEL_BITS * level)) & SLOT_MASK);
        int b = level * SLOTS + slot;
        Timer head = buckets[b];
        t.prev = null;
        t.next = head;
        if (head != null) {
            head.prev = t;
        }
        buckets[b] = t;
        t.bucket = b;
        occupied[level] |= 1L << slot;
    }

    private void unlink(Timer t) {
        int b = t.bucket;
        if (t.prev != null) {
            t.prev.next = t.next;
        } else {
            buckets[b] = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        }
        t.prev = t.next = null;
        if (buckets[b] == null) {
            occupied[b >> LEVEL_BITS] &= ~(1L << (b & SLOT_MASK));
        }
    }

    /**
     * Fires every timer due at or before {@code nowNanos}, in deadline order (timers with equal
     * deadlines in the order they were armed), and returns how many fired. Actions may arm timers
     * (including their own).
     */
    public int advance(long nowNanos) {
        long target = nowNanos >> TICK_SHIFT;
        int fired = 0;
        while (currentTick < target) {
            if (size == 0) {
                currentTick = target;
                break;
            }
            currentTick = Math.min(target, nextInterestingTick());
            if ((currentTick & SLOT_MASK) == 0) {
                cascade();
            }
            fired += fireSlot((int) (currentTick & SLOT_MASK));
        }
        return fired;
    }

    /**
     * A lower bound on the next deadline (nanoseconds), or {@link Long#MAX_VALUE} when no timer is
     * armed: a parked shard sleeps no longer than this.
     */
    public long nextDeadlineBound() {
        return size == 0 ? Long.MAX_VALUE : nextInterestingTick() << TICK_SHIFT;
    }

    /**
     * The next tick at which an occupied level-0 slot is due or an occupied higher-level slot
     * cascades; ticks in between have nothing to do, so {@link #advance} and a parked shard skip
     * them (a lone timer an hour away costs a handful of steps, not one per 64 ticks).
     */
    private long nextInterestingTick() {
        long ct = currentTick;
        int cur = (int) (ct & SLOT_MASK);
        long blockStart = ct & ~(long) SLOT_MASK;
        long level0 = occupied[0];
        long later = cur == SLOT_MASK ? 0 : level0 & (-1L << (cur + 1));
        if (later != 0) {
            return blockStart + Long.numberOfTrailingZeros(later); // nothing cascades before the block ends
        }
        // Level-0 slots at or before the current one hold timers due in the next block.
        long next = level0 != 0 ? blockStart + SLOTS + Long.numberOfTrailingZeros(level0) : Long.MAX_VALUE;
        for (int level = 1; level < LEVELS; level++) {
            long mask = occupied[level];
            if (mask == 0) {
                continue;
            }
            // Slot s of this level cascades at the next multiple of 64^level whose index there is s.
            int shift = LEVEL_BITS * level;
            long index = ct >> shift;
            int at = (int) (index & SLOT_MASK);
            int ahead = Long.numberOfTrailingZeros(Long.rotateRight(mask, at + 1)) + 1;
            next = Math.min(next, (index + ahead) << shift);
        }
        return next;
    }

    /** At a multiple of 64 ticks, moves the timers of the higher-level slots now due down a level. */
    private void cascade() {
        for (int level = 1; level < LEVELS; level++) {
            int slot = (int) ((currentTick >>> (LEVEL_BITS * level)) & SLOT_MASK);
            int b = level * SLOTS + slot;
            Timer t = buckets[b];
            buckets[b] = null;
            occupied[level] &= ~(1L << slot);
            while (t != null) {
                Timer next = t.next;
                t.prev = t.next = null;
                if (t.expiryTick < currentTick) {
                    t.expiryTick = currentTick;
                }
                place(t);
                t = next;
            }
            if (slot != 0) {
                break;
            }
        }
    }

    private int fireSlot(int slot) {
        Timer t = buckets[slot];
        if (t == null) {
            return 0;
        }
        buckets[slot] = null;
        occupied[0] &= ~(1L << slot);
        // Detach the whole list first: actions may re-arm timers into this very slot.
        int n = 0;
        Timer[] batch = firing;
        while (t != null) {
            Timer next = t.next;
            t.prev = t.next = null;
            t.bucket = Timer.FIRING;
            size--;
            if (n == batch.length) {
                batch = Arrays.copyOf(batch, n * 2);
                firing = batch;
            }
            batch[n++] = t;
            t = next;
        }
        if (n > 1) {
            // A slot is one tick (16 µs) whose list is in no particular order (insertion at the head,
            // cascades): fire by deadline. Batches under 32 are insertion-sorted without allocating.
            Arrays.sort(batch, 0, n, FIRING_ORDER);
        }
        for (int i = 0; i < n; i++) {
            Timer timer = batch[i];
            batch[i] = null;
            // A timer re-armed or cancelled by an earlier action in this batch is not fired.
            if (timer.bucket == Timer.FIRING) {
                timer.bucket = Timer.IDLE;
                runAction(timer);
            }
        }
        return n;
    }

    private static void runAction(Timer timer) {
        try {
            timer.action.run();
        } catch (Throwable e) {
            Shard.reportUncaught("timer", e);
        }
    }
}
