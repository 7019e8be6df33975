package io.panamax.reactor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ShardFuture and Promise on one shard of a manual reactor: fast path, pending path, chains, errors. */
class ShardFutureTest {
    private final ManualShard m = new ManualShard();
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void close() {
        m.close();
    }

    // ---- the resolved fast path -------------------------------------------------------------

    @Test
    void thenOnAResolvedFutureRunsAtOnceAndReturnsTheFunctionsFuture() {
        m.run(() -> {
            ShardFuture<String> inner = ShardFuture.succeeded("x");
            ShardFuture<String> out = ShardFuture.succeeded(41).then(v -> {
                log.add("fn " + v);
                return inner;
            });
            assertEquals(List.of("fn 41"), log, "the function runs inside then()");
            assertSame(inner, out, "the fast path hands back the function's own future: nothing allocated");
        });
    }

    @Test
    void resolvedFastPathsMapHandleRecoverAndWhenComplete() {
        m.run(() -> {
            assertEquals(42, ShardFuture.succeeded(41).map(v -> v + 1).getNow());
            assertEquals("ok:1", ShardFuture.succeeded(1).handle((v, e) -> e == null ? "ok:" + v : "bad").getNow());
            ShardFuture<Integer> one = ShardFuture.succeeded(1);
            assertSame(one, one.recover(e -> 2), "recover passes a success through untouched");
            assertSame(one, one.recoverWith(e -> ShardFuture.succeeded(2)));
            assertSame(one, one.whenComplete((v, e) -> log.add("wc " + v + " " + e)));
            assertEquals(List.of("wc 1 null"), log);
            assertTrue(ShardFuture.done().isSucceeded());
            assertNull(ShardFuture.done().getNow());
            assertSame(Loop.STOP, ShardFuture.stop().getNow());
            assertSame(Loop.CONTINUE, ShardFuture.next().getNow());
            assertSame(ShardFuture.stop(), ShardFuture.succeeded(Loop.STOP), "the loop outcomes are shared, not allocated");
            assertSame(ShardFuture.next(), ShardFuture.succeeded(Loop.CONTINUE));
        });
    }

    @Test
    void thenWhoseFunctionReturnsNullGivesAResolvedVoidFuture() {
        m.run(() -> {
            ShardFuture<Object> f = ShardFuture.succeeded(1).then(v -> null);
            assertTrue(f.isSucceeded());
            assertNull(f.getNow());
        });
        Promise<Integer> p = m.on(Promise::new);
        ShardFuture<Object> f = m.on(() -> p.then(v -> null));
        m.run(() -> p.complete(1));
        m.drain();
        m.run(() -> assertTrue(f.isSucceeded()));
    }

    // ---- the pending path --------------------------------------------------------------------

    @Test
    void completingAPromiseSchedulesTheContinuationInsteadOfRunningItInline() {
        Promise<Integer> p = m.on(Promise::new);
        ShardFuture<Integer> f = m.on(() -> p.map(v -> {
            log.add("map " + v);
            return v * 2;
        }));
        m.run(() -> {
            assertFalse(f.isDone());
            p.complete(21);
            assertEquals(List.of(), log, "complete() must not re-enter the continuation");
            assertFalse(f.isDone());
        });
        m.drain();
        m.run(() -> assertEquals(42, f.getNow()));
        assertEquals(List.of("map 21"), log);
    }

    @Test
    void continuationsOfAChainRunInOrder() {
        Promise<Integer> p = m.on(Promise::new);
        ShardFuture<String> f = m.on(() -> p
                .then(v -> { log.add("then"); return ShardFuture.succeeded(v + 1); })
                .map(v -> { log.add("map"); return v + 1; })
                .whenComplete((v, e) -> log.add("whenComplete " + v))
                .handle((v, e) -> { log.add("handle"); return "v=" + v; })
                .finallyDo(() -> log.add("finally")));
        m.run(() -> p.complete(1));
        m.drain();
        m.run(() -> assertEquals("v=3", f.getNow()));
        assertEquals(List.of("then", "map", "whenComplete 3", "handle", "finally"), log);
    }

    @Test
    void continuationsOfIndependentFuturesRunInTheOrderTheirFuturesCompleted() {
        List<Promise<Integer>> ps = new ArrayList<>();
        m.run(() -> {
            for (int i = 0; i < 5; i++) {
                Promise<Integer> p = new Promise<>();
                ps.add(p);
                p.map(v -> log.add("c" + v));
            }
            for (int i : new int[] {3, 0, 4, 1, 2}) {
                ps.get(i).complete(i);
            }
        });
        m.drain();
        assertEquals(List.of("c3", "c0", "c4", "c1", "c2"), log);
    }

    @Test
    void thenFollowsAPendingInnerFuture() {
        Promise<Integer> outer = m.on(Promise::new);
        Promise<String> inner = m.on(Promise::new);
        ShardFuture<String> f = m.on(() -> outer.then(v -> inner));
        m.run(() -> outer.complete(1));
        m.drain();
        m.run(() -> assertFalse(f.isDone(), "waits for the inner future"));
        m.run(() -> inner.complete("done"));
        m.drain();
        m.run(() -> assertEquals("done", f.getNow()));
    }

    @Test
    void aPendingChainOfAMillionStepsCompletesWithoutRecursion() {
        Promise<Integer> p = m.on(Promise::new);
        ShardFuture<Integer> f = m.on(() -> {
            ShardFuture<Integer> g = p;
            for (int i = 0; i < 1_000_000; i++) {
                g = g.map(v -> v + 1);
            }
            return g;
        });
        m.run(() -> p.complete(0));
        m.drain();
        m.run(() -> assertEquals(1_000_000, f.getNow()));
    }

    // ---- failures ------------------------------------------------------------------------------

    @Test
    void aFailureSkipsThenAndMapAndReachesHandle() {
        Promise<Integer> p = m.on(Promise::new);
        IOException boom = new IOException("boom");
        ShardFuture<String> f = m.on(() -> p
                .then(v -> { log.add("then"); return ShardFuture.succeeded(v); })
                .map(v -> { log.add("map"); return v; })
                .whenComplete((v, e) -> log.add("whenComplete " + e.getMessage()))
                .handle((v, e) -> { log.add("handle"); return "caught " + e.getMessage(); }));
        m.run(() -> p.fail(boom));
        m.drain();
        m.run(() -> assertEquals("caught boom", f.getNow()));
        assertEquals(List.of("whenComplete boom", "handle"), log);
    }

    @Test
    void aResolvedFailurePassesThroughThenAndMapUnchanged() {
        m.run(() -> {
            ShardFuture<Integer> failed = ShardFuture.failed(new IOException("x"));
            assertSame(failed, failed.then(v -> ShardFuture.succeeded(1)));
            assertSame(failed, failed.map(v -> 1));
            assertSame(failed, failed.whenComplete((v, e) -> log.add("saw " + e.getMessage())));
            assertEquals(List.of("saw x"), log);
            FutureFailedException thrown = assertThrows(FutureFailedException.class, failed::getNow);
            assertInstanceOf(IOException.class, thrown.getCause());
            assertInstanceOf(IOException.class, failed.cause());
        });
    }

    @Test
    void recoverAndRecoverWithTurnAFailureIntoAValue() {
        Promise<Integer> p1 = m.on(Promise::new);
        Promise<Integer> p2 = m.on(Promise::new);
        Promise<Integer> later = m.on(Promise::new);
        ShardFuture<Integer> r1 = m.on(() -> p1.map(v -> v + 100).recover(e -> -1).map(v -> v * 2));
        ShardFuture<Integer> r2 = m.on(() -> p2.recoverWith(e -> later));
        m.run(() -> {
            p1.fail(new IllegalStateException());
            p2.fail(new IllegalStateException());
        });
        m.drain();
        m.run(() -> {
            assertEquals(-2, r1.getNow());
            assertFalse(r2.isDone());
            later.complete(7);
        });
        m.drain();
        m.run(() -> assertEquals(7, r2.getNow()));
        // Resolved failures take the fast path.
        m.run(() -> {
            assertEquals(5, ShardFuture.<Integer>failed(new Error()).recover(e -> 5).getNow());
            assertEquals(6, ShardFuture.<Integer>failed(new Error()).recoverWith(e -> ShardFuture.succeeded(6)).getNow());
        });
    }

    @Test
    void anExceptionThrownByAFunctionFailsItsStep() {
        RuntimeException boom = new RuntimeException("boom");
        m.run(() -> {
            assertSame(boom, ShardFuture.succeeded(1).then(v -> { throw boom; }).cause());
            assertSame(boom, ShardFuture.succeeded(1).map(v -> { throw boom; }).cause());
            assertSame(boom, ShardFuture.succeeded(1).handle((v, e) -> { throw boom; }).cause());
            assertSame(boom, ShardFuture.failed(new Error()).recover(e -> { throw boom; }).cause());
            assertSame(boom, ShardFuture.failed(new Error()).recoverWith(e -> { throw boom; }).cause());
        });
        // The pending path of every kind of step.
        for (int kind = -1; kind < 4; kind++) {
            Promise<Integer> q = m.on(Promise::new);
            int k = kind;
            ShardFuture<?> f = m.on(() -> switch (k) {
                case -1 -> q.then(v -> { throw boom; });
                case 0 -> q.map(v -> { throw boom; });
                case 1 -> q.handle((v, e) -> { throw boom; });
                case 2 -> q.recover(e -> { throw boom; });
                default -> q.recoverWith(e -> { throw boom; });
            });
            m.run(() -> {
                if (k >= 2) { // recover steps see only failures
                    q.fail(new Error("original"));
                } else {
                    q.complete(1);
                }
            });
            m.drain();
            m.run(() -> assertSame(boom, f.cause(), "kind " + k));
        }
    }

    @Test
    void whenCompleteThatThrowsFailsTheResultAndKeepsTheOriginalAsSuppressed() {
        RuntimeException boom = new RuntimeException("action");
        IOException original = new IOException("original");
        Promise<Integer> p = m.on(Promise::new);
        ShardFuture<Integer> f = m.on(() -> p.whenComplete((v, e) -> { throw boom; }));
        m.run(() -> p.fail(original));
        m.drain();
        m.run(() -> {
            assertSame(boom, f.cause());
            assertSame(original, boom.getSuppressed()[0]);
        });
        RuntimeException boom2 = new RuntimeException("action on success");
        m.run(() -> assertSame(boom2, ShardFuture.succeeded(1).whenComplete((v, e) -> { throw boom2; }).cause()));
    }

    @Test
    void finallyDoRunsOnSuccessAndOnFailureAndPassesTheOutcomeOn() {
        Promise<Integer> ok = m.on(Promise::new);
        Promise<Integer> bad = m.on(Promise::new);
        ShardFuture<Integer> f1 = m.on(() -> ok.finallyDo(() -> log.add("finally ok")));
        ShardFuture<Integer> f2 = m.on(() -> bad.finallyDo(() -> log.add("finally bad")));
        m.run(() -> {
            ok.complete(1);
            bad.fail(new IOException("x"));
        });
        m.drain();
        m.run(() -> {
            assertEquals(1, f1.getNow());
            assertInstanceOf(IOException.class, f2.cause());
        });
        assertEquals(List.of("finally ok", "finally bad"), log);
    }

    @Test
    void discardMapsToVoid() {
        m.run(() -> assertNull(ShardFuture.succeeded(5).discard().getNow()));
    }

    // ---- promise rules ----------------------------------------------------------------------------

    @Test
    void aPromiseCompletesOnlyOnce() {
        m.run(() -> {
            Promise<Integer> p = new Promise<>();
            p.complete(1);
            assertThrows(IllegalStateException.class, () -> p.complete(2));
            assertThrows(IllegalStateException.class, () -> p.fail(new Error()));
            assertFalse(p.tryComplete(3));
            assertFalse(p.tryFail(new Error()));
            assertEquals(1, p.getNow());

            Promise<Integer> q = new Promise<>();
            assertTrue(q.tryFail(new IOException()));
            assertThrows(IllegalStateException.class, () -> q.complete(1));
            assertInstanceOf(IOException.class, q.cause());

            Promise<Integer> r = new Promise<>();
            assertTrue(r.tryComplete(9));
            assertSame(r, r.future());
            assertThrows(NullPointerException.class, () -> new Promise<Integer>().fail(null));
            assertThrows(NullPointerException.class, () -> ShardFuture.failed(null));
            assertThrows(IllegalStateException.class, () -> new Promise<Integer>().getNow(), "pending");
        });
    }

    @Test
    void aFutureTakesASingleContinuation() {
        m.run(() -> {
            Promise<Integer> p = new Promise<>();
            p.map(v -> v);
            assertThrows(IllegalStateException.class, () -> p.map(v -> v));
            assertThrows(IllegalStateException.class, () -> p.then(v -> ShardFuture.succeeded(v)));
            assertThrows(IllegalStateException.class, p::toCompletableFuture);
            // A resolved future takes any number: nothing is stored.
            ShardFuture<Integer> done = ShardFuture.succeeded(1);
            done.map(v -> v);
            done.map(v -> v);
        });
    }

    @Test
    void futuresAreOwnedByTheShardThatCreatedThem() {
        assertTrue(ShardFuture.class.desiredAssertionStatus(), "tests run with -ea");
        try (ManualShard two = new ManualShard(2)) {
            Promise<Integer> p = two.on(0, Promise::new);
            assertSame(two.reactor.shard(0), two.on(0, p::shard));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> two.on(1, p::isDone));
            assertTrue(e.getMessage().contains("futures belong to one shard"), e.getMessage());
            assertThrows(IllegalStateException.class, p::isDone, "from the test thread, which runs no shard");
            assertThrows(IllegalStateException.class, () -> p.complete(1));
        }
    }

    @Test
    void aFutureOfARunningShardCannotBeTouchedFromOutside() {
        try (Reactor r = Reactor.builder().shards(1).build().start()) {
            AtomicReference<Promise<Integer>> ref = new AtomicReference<>();
            r.await(r.submit(0, () -> {
                ref.set(new Promise<>());
                return ShardFuture.done();
            }), java.time.Duration.ofSeconds(10));
            assertThrows(IllegalStateException.class, () -> ref.get().isDone());
            assertThrows(IllegalStateException.class, () -> ref.get().map(v -> v));
            r.await(r.submit(0, () -> {
                ref.get().complete(1);
                return ShardFuture.done();
            }), java.time.Duration.ofSeconds(10));
        }
    }

    @Test
    void offShardFuturesRunContinuationsOnTheCompletingThread() {
        Promise<Integer> p = new Promise<>();
        assertNull(p.shard());
        ShardFuture<Integer> f = p.map(v -> v + 1);
        p.complete(1);
        assertEquals(2, f.getNow(), "no shard: the continuation ran inline");
    }

    // ---- joins ----------------------------------------------------------------------------------

    @Test
    void whenAllWaitsForEveryFuture() {
        Promise<Integer> a = m.on(Promise::new);
        Promise<Integer> b = m.on(Promise::new);
        ShardFuture<Void> all = m.on(() -> ShardFuture.whenAll(a, ShardFuture.succeeded(0), b));
        m.run(() -> b.complete(2));
        m.drain();
        m.run(() -> assertFalse(all.isDone()));
        m.run(() -> a.complete(1));
        m.drain();
        m.run(() -> assertTrue(all.isSucceeded()));
        m.run(() -> assertTrue(ShardFuture.whenAll(List.of()).isSucceeded(), "nothing to wait for"));
    }

    @Test
    void whenAllFailsWithTheFirstFailureAfterAllAreDoneAndSuppressesTheRest() {
        Promise<Integer> a = m.on(Promise::new);
        Promise<Integer> b = m.on(Promise::new);
        Promise<Integer> c = m.on(Promise::new);
        IOException first = new IOException("first");
        IOException second = new IOException("second");
        ShardFuture<Void> all = m.on(() -> ShardFuture.whenAll(List.of(a, b, c)));
        m.run(() -> b.fail(first));
        m.drain();
        m.run(() -> a.fail(second));
        m.drain();
        m.run(() -> assertFalse(all.isDone(), "c is still pending"));
        m.run(() -> c.complete(3));
        m.drain();
        m.run(() -> {
            assertSame(first, all.cause());
            assertSame(second, first.getSuppressed()[0]);
        });
    }

    @Test
    void allOfGivesTheValuesInOrder() {
        Promise<String> a = m.on(Promise::new);
        Promise<String> b = m.on(Promise::new);
        ShardFuture<List<String>> all = m.on(() -> ShardFuture.allOf(List.of(a, ShardFuture.succeeded("mid"), b)));
        m.run(() -> {
            b.complete("last");
            a.complete("first");
        });
        m.drain();
        m.run(() -> assertEquals(List.of("first", "mid", "last"), all.getNow()));
        Promise<String> x = m.on(Promise::new);
        ShardFuture<List<String>> failed = m.on(() -> ShardFuture.allOf(List.of(x, ShardFuture.succeeded("y"))));
        m.run(() -> x.fail(new IOException("x")));
        m.drain();
        m.run(() -> assertInstanceOf(IOException.class, failed.cause()));
    }

    // ---- loops ---------------------------------------------------------------------------------------

    @Test
    void repeatRunsUntilStop() {
        int[] n = {0};
        ShardFuture<Void> f = m.on(() -> ShardFuture.repeat(() -> ++n[0] == 10 ? ShardFuture.stop() : ShardFuture.next()));
        m.drain();
        m.run(() -> assertTrue(f.isSucceeded()));
        assertEquals(10, n[0]);
    }

    @Test
    void repeatWithPendingIterationsWaitsForEach() {
        List<Promise<Loop>> iterations = new ArrayList<>();
        ShardFuture<Void> f = m.on(() -> ShardFuture.repeat(() -> {
            Promise<Loop> p = new Promise<>();
            iterations.add(p);
            return p;
        }));
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1, iterations.size());
            Promise<Loop> p = iterations.get(i);
            Loop last = i == 2 ? Loop.STOP : Loop.CONTINUE;
            m.run(() -> {
                assertFalse(f.isDone());
                p.complete(last);
            });
            m.drain();
        }
        m.run(() -> assertTrue(f.isSucceeded()));
        assertEquals(3, iterations.size());
    }

    @Test
    void aFailedIterationEndsTheLoopWithItsFailure() {
        IOException boom = new IOException("boom");
        RuntimeException thrown = new RuntimeException("thrown");
        int[] n = {0};
        ShardFuture<Void> f1 = m.on(() -> ShardFuture.repeat(() -> ++n[0] == 5 ? ShardFuture.failed(boom) : ShardFuture.next()));
        ShardFuture<Void> f2 = m.on(() -> ShardFuture.repeat(() -> { throw thrown; }));
        Promise<Boolean> p = m.on(Promise::new);
        ShardFuture<Void> f3 = m.on(() -> ShardFuture.doUntil(() -> false, () -> p));
        m.run(() -> p.fail(boom));
        m.drain();
        m.run(() -> {
            assertSame(boom, f1.cause());
            assertSame(thrown, f2.cause());
            assertSame(boom, f3.cause());
        });
        assertEquals(5, n[0]);
    }

    @Test
    void doUntilChecksTheConditionBeforeEachIteration() {
        int[] n = {0};
        ShardFuture<Void> zero = m.on(() -> ShardFuture.doUntil(() -> true, () -> { n[0]++; return ShardFuture.done(); }));
        m.run(() -> assertTrue(zero.isSucceeded()));
        assertEquals(0, n[0]);
        ShardFuture<Void> five = m.on(() -> ShardFuture.doUntil(() -> n[0] == 5, () -> { n[0]++; return null; }));
        m.drain();
        m.run(() -> assertTrue(five.isSucceeded()));
        assertEquals(5, n[0]);
    }

    @Test
    void forEachVisitsElementsInOrderOneAtATime() {
        List<Promise<Void>> pending = new ArrayList<>();
        ShardFuture<Void> f = m.on(() -> ShardFuture.forEach(List.of("a", "b", "c"), s -> {
            log.add(s);
            Promise<Void> p = new Promise<>();
            pending.add(p);
            return p;
        }));
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1, log.size(), "the next element waits for the previous future");
            Promise<Void> p = pending.get(i);
            m.run(() -> p.complete(null));
            m.drain();
        }
        m.run(() -> assertTrue(f.isSucceeded()));
        assertEquals(List.of("a", "b", "c"), log);
    }

    @Test
    void aLongResolvedLoopYieldsToThePollLoop() {
        int[] n = {0};
        int[] otherTaskRanAt = {-1};
        ShardFuture<Void> f = m.on(() -> {
            Shard.current().schedule(() -> otherTaskRanAt[0] = n[0]);
            return ShardFuture.repeat(() -> ++n[0] == 10 * ShardFuture.LOOP_YIELD_EVERY ? ShardFuture.stop() : ShardFuture.next());
        });
        m.run(() -> assertFalse(f.isDone(), "the loop gave the shard back before finishing"));
        m.drain();
        m.run(() -> assertTrue(f.isSucceeded()));
        assertTrue(otherTaskRanAt[0] > 0 && otherTaskRanAt[0] < n[0],
                "another task ran between iterations: at " + otherTaskRanAt[0]);
    }
}
