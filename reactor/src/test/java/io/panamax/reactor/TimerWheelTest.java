package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The timing wheel on its own, driven by a {@link ManualClock}: order, cancellation, re-arming, horizon. */
class TimerWheelTest {
    private static final long TICK = TimerWheel.TICK_NANOS;
    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final TimerWheel wheel = new TimerWheel(clock);
    private final List<String> fired = new ArrayList<>();

    private Timer timer(String name, long delayNanos) {
        return wheel.schedule(delayNanos, () -> fired.add(name));
    }

    private int advanceBy(long nanos) {
        clock.advanceNanos(nanos);
        return wheel.advance(clock.nanoTime());
    }

    @Test
    void timersFireInDeadlineOrderWhateverTheOrderTheyWereArmedIn() {
        timer("c", 30 * MS);
        timer("a", 10 * MS);
        timer("d", 5_000 * MS);
        timer("b", 20 * MS);
        assertEquals(4, wheel.size());
        advanceBy(25 * MS);
        assertEquals(List.of("a", "b"), fired);
        advanceBy(10_000 * MS);
        assertEquals(List.of("a", "b", "c", "d"), fired);
        assertEquals(0, wheel.size());
    }

    @Test
    void timersDueInTheSameTickFireInDeadlineOrderThenArmingOrder() {
        long base = (clock.nanoTime() / TICK + 10) * TICK; // the start of a tick, 10 ticks ahead
        long now = clock.nanoTime();
        wheel.newTimer(() -> fired.add("late")).armAt(base + 900);
        wheel.newTimer(() -> fired.add("early")).armAt(base + 100);
        wheel.newTimer(() -> fired.add("mid-1")).armAt(base + 500);
        wheel.newTimer(() -> fired.add("mid-2")).armAt(base + 500);
        wheel.newTimer(() -> fired.add("mid-3")).armAt(base + 500);
        clock.advanceNanos(base + 2 * TICK - now);
        wheel.advance(clock.nanoTime());
        assertEquals(List.of("early", "mid-1", "mid-2", "mid-3", "late"), fired);
    }

    @Test
    void aTimerNeverFiresBeforeItsDeadline() {
        long deadline = clock.nanoTime() + 3 * TICK + 1; // one nanosecond into a tick
        wheel.newTimer(() -> fired.add("t")).armAt(deadline);
        clock.advanceTo(deadline - 1);
        wheel.advance(clock.nanoTime());
        assertEquals(List.of(), fired);
        clock.advanceTo(deadline + TICK);
        wheel.advance(clock.nanoTime());
        assertEquals(List.of("t"), fired);
    }

    @Test
    void aDeadlineInThePastFiresAtTheNextAdvance() {
        wheel.newTimer(() -> fired.add("past")).armAt(clock.nanoTime() - 5 * MS);
        timer("zero", 0);
        timer("negative", -7);
        assertEquals(0, advanceBy(0), "not within the current tick");
        advanceBy(TICK);
        assertEquals(List.of("past", "zero", "negative"), fired);
    }

    @Test
    void cancelledTimersDoNotFire() {
        Timer a = timer("a", 10 * MS);
        Timer b = timer("b", 20 * MS);
        Timer far = timer("far", Duration.ofHours(5).toNanos());
        assertTrue(a.isArmed());
        assertTrue(a.cancel());
        assertFalse(a.isArmed());
        assertFalse(a.cancel(), "a second cancel finds nothing armed");
        assertTrue(far.cancel());
        assertEquals(1, wheel.size());
        advanceBy(Duration.ofHours(6).toNanos());
        assertEquals(List.of("b"), fired);
        assertFalse(b.isArmed());
        assertFalse(b.cancel(), "a fired timer is no longer armed");
        assertEquals(0, wheel.size());
    }

    @Test
    void reArmingMovesATimer() {
        Timer t = timer("t", 10 * MS);
        t.arm(50 * MS);
        assertEquals(1, wheel.size(), "re-arming an armed timer does not add one");
        advanceBy(20 * MS);
        assertEquals(List.of(), fired);
        advanceBy(40 * MS);
        assertEquals(List.of("t"), fired);
        t.arm(5 * MS);
        t.arm(Duration.ofDays(2).toNanos());
        t.arm(1 * MS);
        assertEquals(clock.nanoTime() + 1 * MS, t.deadline(), "the last arming counts");
        assertEquals(1, wheel.size());
        advanceBy(2 * MS);
        assertEquals(List.of("t", "t"), fired);
    }

    @Test
    void aTimerReArmedInsideItsActionFiresAgain() {
        long[] firedAt = new long[5];
        int[] n = {0};
        Timer[] self = new Timer[1];
        self[0] = wheel.newTimer(() -> {
            firedAt[n[0]++] = clock.nanoTime();
            if (n[0] < 5) {
                self[0].arm(10 * MS);
            }
        });
        self[0].arm(10 * MS);
        for (int i = 0; i < 100; i++) {
            advanceBy(1 * MS);
        }
        assertEquals(5, n[0]);
        for (int i = 1; i < 5; i++) {
            long gap = firedAt[i] - firedAt[i - 1];
            assertTrue(gap >= 10 * MS && gap <= 11 * MS, "period " + gap);
        }
        assertFalse(self[0].isArmed());
        assertEquals(0, wheel.size());
    }

    @Test
    void aTimerReArmedWithZeroDelayInsideItsActionWaitsForTheNextTick() {
        int[] n = {0};
        Timer[] self = new Timer[1];
        self[0] = wheel.newTimer(() -> {
            n[0]++;
            self[0].arm(0);
        });
        self[0].arm(0);
        advanceBy(TICK);
        assertEquals(1, n[0], "one firing per tick: re-arming for now does not spin");
        advanceBy(TICK);
        assertEquals(2, n[0]);
        self[0].cancel();
    }

    @Test
    void anActionCanCancelATimerDueInTheSameTick() {
        long at = clock.nanoTime() + 5 * TICK;
        Timer victim = wheel.newTimer(() -> fired.add("victim"));
        Timer killer = wheel.newTimer(() -> {
            fired.add("killer");
            assertTrue(victim.isArmed());
            assertTrue(victim.cancel(), "it was due: cancel reports it was armed");
            assertFalse(victim.isArmed());
        });
        killer.armAt(at);
        victim.armAt(at + 1);
        advanceBy(10 * TICK);
        assertEquals(List.of("killer"), fired);
        assertEquals(0, wheel.size());
    }

    @Test
    void anActionCanPostponeATimerDueInTheSameTick() {
        long at = clock.nanoTime() + 5 * TICK;
        Timer later = wheel.newTimer(() -> fired.add("later"));
        wheel.newTimer(() -> {
            fired.add("first");
            later.arm(1 * MS);
        }).armAt(at);
        later.armAt(at + 1);
        advanceBy(10 * TICK);
        assertEquals(List.of("first"), fired);
        assertEquals(1, wheel.size());
        advanceBy(2 * MS);
        assertEquals(List.of("first", "later"), fired);
    }

    @Test
    void farTimersBeyondTheHorizonFireOnTime() {
        long horizon = TICK << 36; // about 13 days
        long[] delays = {horizon - TICK, horizon, horizon + 1, 2 * horizon + 12345, Duration.ofDays(100).toNanos()};
        long start = clock.nanoTime();
        Map<String, Long> deadlines = new HashMap<>();
        for (int i = 0; i < delays.length; i++) {
            timer("t" + i, delays[i]);
            deadlines.put("t" + i, start + delays[i]);
        }
        // Step in uneven strides of about a day, checking that nothing fires early or late.
        Random rnd = new Random(7);
        while (fired.size() < delays.length) {
            long before = clock.nanoTime();
            int seen = fired.size();
            advanceBy(Duration.ofHours(1 + rnd.nextInt(40)).toNanos());
            for (String name : fired.subList(seen, fired.size())) {
                long d = deadlines.get(name);
                assertTrue(d <= clock.nanoTime(), name + " fired early");
                assertTrue(d > before, name + " fired late: its deadline had passed at the previous advance");
            }
            assertTrue(fired.size() == delays.length || clock.nanoTime() - start < Duration.ofDays(101).toNanos(),
                    "fired only " + fired);
        }
        assertEquals(List.of("t0", "t1", "t2", "t3", "t4"), fired);
    }

    @Test
    void theLongestDelayMeansNeverRatherThanOverflowingIntoThePast() {
        Timer t = timer("never", Long.MAX_VALUE);
        assertTrue(t.isArmed());
        advanceBy(Duration.ofDays(365).toNanos());
        assertEquals(List.of(), fired);
        assertTrue(t.isArmed());
        wheel.newTimer(() -> fired.add("max")).armAt(Long.MAX_VALUE);
        advanceBy(TICK);
        assertEquals(List.of(), fired);
    }

    @Test
    void nextDeadlineBoundIsALowerBoundThatSkipsEmptyStretches() {
        assertEquals(Long.MAX_VALUE, wheel.nextDeadlineBound());
        Timer t = timer("t", Duration.ofHours(3).toNanos());
        long bound = wheel.nextDeadlineBound();
        assertTrue(bound <= t.deadline(), "a lower bound");
        // Following the bound from one wake-up to the next reaches the timer in a few dozen steps,
        // not one step per 64 ticks (about 650,000 for three hours).
        int steps = 0;
        while (fired.isEmpty()) {
            long next = wheel.nextDeadlineBound();
            assertTrue(next <= t.deadline() + TICK);
            clock.advanceTo(next);
            wheel.advance(clock.nanoTime());
            assertTrue(++steps < 1_000, "too many wake-ups on the way to a single timer");
        }
        assertTrue(clock.nanoTime() >= t.deadline());
    }

    @Test
    void aHundredThousandTimersFireInDeadlineOrder() {
        Random rnd = new Random(42);
        int n = 100_000;
        long start = clock.nanoTime();
        long[] deadline = new long[n];
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // Spread over ten seconds, with clusters of equal deadlines and many timers per tick.
            long d = start + 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(1000) * MS : (long) (rnd.nextDouble() * 10_000 * MS));
            deadline[i] = d;
            int id = i;
            wheel.newTimer(() -> {
                assertTrue(clock.nanoTime() >= deadline[id], "fired early");
                order.add(id);
            }).armAt(d);
        }
        assertEquals(n, wheel.size());
        while (order.size() < n) {
            advanceBy(rnd.nextInt(50) * MS / 7 + 1);
        }
        List<Integer> expected = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        expected.sort(Comparator.<Integer>comparingLong(i -> deadline[i]).thenComparing(i -> i));
        assertEquals(expected, order);
    }

    /** Random arms, re-arms, cancels and clock steps, checked against a model of what is due. */
    @Test
    void randomOperationsMatchAModel() {
        Random rnd = new Random(1234);
        int count = 2_000;
        Timer[] timers = new Timer[count];
        long[] fireTick = new long[count];
        long[] deadline = new long[count];
        long[] seq = new long[count];
        boolean[] armed = new boolean[count];
        long[] armCounter = {0};
        List<Integer> firedIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int id = i;
            timers[i] = wheel.newTimer(() -> {
                firedIds.add(id);
                armed[id] = false;
            });
        }
        long tick = clock.nanoTime() >> TimerWheel.TICK_SHIFT; // the wheel's current tick
        for (int step = 0; step < 200_000; step++) {
            int op = rnd.nextInt(10);
            int i = rnd.nextInt(count);
            if (op < 5) {
                long delay = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextInt((int) (4 * TICK));
                    case 1 -> rnd.nextInt(100) * MS;
                    case 2 -> (long) (rnd.nextDouble() * Duration.ofMinutes(30).toNanos());
                    default -> (long) (rnd.nextDouble() * Duration.ofDays(30).toNanos());
                };
                timers[i].arm(delay);
                deadline[i] = clock.nanoTime() + delay;
                fireTick[i] = Math.max((deadline[i] + TICK - 1) >> TimerWheel.TICK_SHIFT, tick + 1);
                seq[i] = armCounter[0]++;
                armed[i] = true;
            } else if (op < 7) {
                assertEquals(armed[i], timers[i].cancel());
                armed[i] = false;
            } else {
                long stepNanos = switch (rnd.nextInt(3)) {
                    case 0 -> rnd.nextInt((int) (3 * TICK));
                    case 1 -> rnd.nextInt(50) * MS;
                    default -> (long) (rnd.nextDouble() * Duration.ofHours(12).toNanos());
                };
                clock.advanceNanos(stepNanos);
                long now = clock.nanoTime();
                long nowTick = now >> TimerWheel.TICK_SHIFT;
                List<Integer> due = new ArrayList<>();
                for (int k = 0; k < count; k++) {
                    if (armed[k] && fireTick[k] <= nowTick) {
                        due.add(k);
                    }
                }
                due.sort(Comparator.<Integer>comparingLong(k -> deadline[k]).thenComparingLong(k -> seq[k]));
                firedIds.clear();
                wheel.advance(now);
                assertEquals(due, firedIds, "step " + step);
                for (int k : due) {
                    assertTrue(deadline[k] <= now, "fired early");
                }
                tick = Math.max(tick, nowTick);
            }
            int armedCount = 0;
            for (boolean a : armed) {
                armedCount += a ? 1 : 0;
            }
            assertEquals(armedCount, wheel.size(), "step " + step);
        }
    }
}
