package io.panamax.samples;

import io.panamax.reactor.Shard;
import io.panamax.stack.ShardStack;
import io.panamax.stack.Stack;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One instance of a service on every shard of a {@link Stack} (in the spirit of Seastar's
 * {@code sharded<T>}): each instance is made on its own shard by that shard's thread, is used only
 * there, and is stopped there. Nothing is shared between the instances.
 *
 * <pre>{@code
 * Sharded<HttpServer> http = Sharded.start(stack, s -> new HttpServer(s, config, registry), HttpServer::close);
 * ...
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
