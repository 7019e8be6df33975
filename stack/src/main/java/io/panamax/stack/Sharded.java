package io.panamax.stack;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Shard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One instance of a service on every shard of a {@link Stack} (Seastar's {@code sharded<T>}): each
 * instance is made on its own shard by that shard's thread, used only there, and stopped there.
 * Nothing is shared between the instances. Services that must see every flow (a listener, say) live
 * on every shard, since flows are spread over the shards.
 *
 * <pre>{@code
 * Sharded<HttpServer> http = Sharded.start(stack, s -> new HttpServer(s, config), HttpServer::close);
 * long requests = http.mapReduce(HttpServer::requests, Long::sum);
 * http.close(); // runs HttpServer::close on every shard, then returns
 * }</pre>
 */
public final class Sharded<T> implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Stack stack;
    private final Object[] instances;
    private final Consumer<? super T> stop;
    private boolean closed;

    private Sharded(Stack stack, Consumer<? super T> stop) {
        this.stack = stack;
        this.instances = new Object[stack.shardCount()];
        this.stop = stop;
    }

    /**
     * Makes an instance on every shard with {@code factory} (run on that shard, with its
     * {@link ShardStack}) and waits until all exist. If one fails, those made are stopped again.
     *
     * @param stop what {@link #close()} does to each instance, on its shard
     */
    public static <T> Sharded<T> start(Stack stack, Function<ShardStack, ? extends T> factory, Consumer<? super T> stop) {
        Objects.requireNonNull(factory);
        Sharded<T> s = new Sharded<>(stack, Objects.requireNonNull(stop));
        try {
            stack.await(stack.onEveryShard(shard -> s.instances[shard.shard().id()] = factory.apply(shard)), WAIT);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The instance of the shard running the caller (which must be one of the stack's shards). */
    @SuppressWarnings("unchecked")
    public T local() {
        Shard current = Shard.current();
        if (current == null || current.reactor() != stack.reactor()) {
            throw new IllegalStateException("Sharded.local() must be called on a shard of the stack");
        }
        return (T) instances[current.id()];
    }

    public int shardCount() {
        return instances.length;
    }

    /** Runs {@code action} with every shard's instance, on its shard; completes when all have. */
    @SuppressWarnings("unchecked")
    public CompletableFuture<Void> invokeOnAll(Consumer<? super T> action) {
        return stack.reactor().onEveryShard(s -> action.accept((T) instances[s.id()]));
    }

    /**
     * Applies {@code map} to every instance on its shard and folds the results with
     * {@code reduce}; waits for the answer (call it from outside the shards).
     */
    @SuppressWarnings("unchecked")
    public <R> R mapReduce(Function<? super T, R> map, BinaryOperator<R> reduce) {
        List<CompletableFuture<R>> parts = new ArrayList<>();
        for (int i = 0; i < instances.length; i++) {
            int id = i;
            parts.add(stack.reactor().submit(i, () -> ShardFuture.succeeded(map.apply((T) instances[id]))));
        }
        R acc = null;
        for (CompletableFuture<R> p : parts) {
            R r = stack.await(p, WAIT);
            acc = acc == null ? r : reduce.apply(acc, r);
        }
        return acc;
    }

    /** Stops every instance on its own shard and waits for all of them; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stack.await(stack.onEveryShard(shard -> {
            @SuppressWarnings("unchecked")
            T instance = (T) instances[shard.shard().id()];
            if (instance != null) {
                instances[shard.shard().id()] = null;
                stop.accept(instance);
            }
        }), WAIT);
    }
}
