package io.panamax.reactor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conversion between shard futures and {@link CompletionStage}, at the edge of the reactor. */
class FutureInteropTest {

    @Test
    void resolvedFuturesBecomeCompletedStages() throws Exception {
        try (ManualShard m = new ManualShard()) {
            CompletableFuture<Integer> ok = m.on(() -> ShardFuture.succeeded(5).toCompletableFuture());
            CompletionStage<Integer> bad = m.on(() -> ShardFuture.<Integer>failed(new IOException("x")).toCompletionStage());
            assertEquals(5, ok.getNow(-1));
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.toCompletableFuture().get());
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void aPendingFutureCompletesItsStageWhenItCompletes() {
        try (ManualShard m = new ManualShard()) {
            Promise<String> ok = m.on(Promise::new);
            Promise<String> bad = m.on(Promise::new);
            CompletableFuture<String> okStage = m.on(ok::toCompletableFuture);
            CompletableFuture<String> badStage = m.on(bad::toCompletableFuture);
            assertFalse(okStage.isDone());
            m.run(() -> {
                ok.complete("yes");
                bad.fail(new IOException("no"));
            });
            m.drain();
            assertEquals("yes", okStage.join());
            CompletionException e = assertThrows(CompletionException.class, badStage::join);
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void aStageCompletedOnAnotherThreadResolvesTheFutureOnTheShard() throws Exception {
        try (Reactor r = Reactor.builder().shards(2).build().start()) {
            CompletableFuture<String> outside = new CompletableFuture<>();
            CompletableFuture<String> failing = new CompletableFuture<>();
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            CompletableFuture<String> result = r.submit(1, () -> ShardFuture.fromCompletionStage(outside)
                    .map(v -> {
                        ranOn.set(Thread.currentThread());
                        assertSame(r.shard(1), Shard.current());
                        return v + "!";
                    }));
            CompletableFuture<String> failed = r.submit(0, () -> ShardFuture.fromCompletionStage(failing)
                    .recover(e -> "recovered " + e.getClass().getSimpleName()));
            Thread completer = new Thread(() -> {
                outside.complete("hi");
                failing.completeExceptionally(new IOException());
            }, "completer");
            completer.start();
            assertEquals("hi!", result.get(10, TimeUnit.SECONDS));
            assertEquals("recovered IOException", failed.get(10, TimeUnit.SECONDS));
            assertTrue(ranOn.get().getName().startsWith("panamax-shard-1"), ranOn.get().getName());
        }
    }

    @Test
    void anAlreadyCompletedStageResolvesOnTheShard() {
        try (ManualShard m = new ManualShard()) {
            ShardFuture<Integer> f = m.on(() -> ShardFuture.fromCompletionStage(CompletableFuture.completedFuture(3)));
            m.drain();
            m.run(() -> assertEquals(3, f.getNow()));
            assertEquals(4, m.reactor.await(m.reactor.submit(0,
                    () -> ShardFuture.fromCompletionStage(CompletableFuture.completedFuture(4))), Duration.ofSeconds(5)));
        }
    }

    @Test
    void fromCompletionStageNeedsAShard() {
        assertThrows(IllegalStateException.class, () -> ShardFuture.fromCompletionStage(new CompletableFuture<>()));
    }

    @Test
    void submitCarriesFailuresAndThrowsOutOfTheReactor() {
        try (Reactor r = Reactor.builder().shards(1).build().start()) {
            CompletableFuture<Object> thrown = r.submit(0, () -> { throw new IllegalArgumentException("x"); });
            CompletableFuture<Object> failed = r.submit(0, () -> ShardFuture.failed(new IOException("y")));
            ExecutionException e1 = assertThrows(ExecutionException.class, () -> thrown.get(10, TimeUnit.SECONDS));
            ExecutionException e2 = assertThrows(ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalArgumentException.class, e1.getCause());
            assertInstanceOf(IOException.class, e2.getCause());
            assertThrows(IllegalArgumentException.class, () -> r.await(r.submit(0, () -> {
                throw new IllegalArgumentException("z");
            }), Duration.ofSeconds(10)), "await rethrows a runtime failure as it is");
        }
    }
}
