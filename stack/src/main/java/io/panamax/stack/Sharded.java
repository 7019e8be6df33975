package io.panamax.stack;

import io.panamax.reactor.Future;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One instance of a service per shard (Seastar's {@code sharded<T>}): each shard builds, owns and
 * alone touches its instance; {@link #local()} finds the current shard's. Services that must see
 * every flow (a listener, say) live on every shard, since flows are spread over the shards.
 *
 * <pre>{@code
 * Sharded<HttpServer> http = Sharded.start(stack, s -> new HttpServer(s.tcp(), 8080));
 * long requests = http.mapReduce(HttpServer::requests, Long::sum);
 * http.stop(HttpServer::close);
 * }</pre>
 */
public final class Sharded<T> {
    private final Reactor reactor;
    private final Object[] instances;

    private Sharded(Reactor reactor) {
        this.reactor = reactor;
        this.instances = new Object[reactor.shardCount()];
    }

    /** Builds one instance on every shard of {@code stack} (on that shard's thread); waits for all. */
    public static <T> Sharded<T> start(Stack stack, Function<ShardStack, T> factory) {
        Sharded<T> s = new Sharded<>(stack.reactor());
        stack.await(stack.onEveryShard(shard -> s.instances[shard.shard().id()] = factory.apply(shard)),
                Duration.ofSeconds(30));
        return s;
    }

    /** The current shard's instance; call it on a shard thread. */
    @SuppressWarnings("unchecked")
    public T local() {
        return (T) instances[Shard.currentOrThrow().id()];
    }

    /** Runs {@code action} with every shard's instance on its shard; completes when all have. */
    @SuppressWarnings("unchecked")
    public CompletableFuture<Void> invokeOnAll(Consumer<T> action) {
        return reactor.onEveryShard(s -> action.accept((T) instances[s.id()]));
    }

    /**
     * Applies {@code map} to every instance on its shard and folds the results with
     * {@code reduce}; waits for the answer (callable from outside the shards).
     */
    @SuppressWarnings("unchecked")
    public <R> R mapReduce(Function<T, R> map, BinaryOperator<R> reduce) {
        List<CompletableFuture<R>> parts = new ArrayList<>();
        for (int i = 0; i < instances.length; i++) {
            T instance = (T) instances[i];
            parts.add(reactor.submit(i, () -> Future.succeeded(map.apply(instance))));
        }
        R acc = null;
        for (CompletableFuture<R> p : parts) {
            R r = reactor.await(p, Duration.ofSeconds(30));
            acc = acc == null ? r : reduce.apply(acc, r);
        }
        return acc;
    }

    /** Runs {@code stop} on every instance on its shard, then forgets them. */
    public void stop(Consumer<T> stop) {
        reactor.await(invokeOnAll(stop), Duration.ofSeconds(30));
        for (int i = 0; i < instances.length; i++) {
            int id = i;
            reactor.await(reactor.submit(i, () -> {
                instances[id] = null;
                return Future.done();
            }), Duration.ofSeconds(30));
        }
    }
}
