package io.panamax.reactor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The result of a computation that completes later, on one shard (Seastar's {@code future<T>}).
 *
 * <p>A future belongs to the shard that created it: it takes no locks and no atomics, so only that
 * shard's thread may touch it (checked when assertions are on). Continuations attached with
 * {@link #then}, {@link #map} and friends run on that shard: immediately when the future is already
 * resolved (the fast path, which allocates nothing for {@code then}), otherwise from the shard's run
 * queue once the future completes, so completing a promise never re-enters the code that completed it.
 *
 * <p>A future takes at most one continuation. Failures propagate down a chain until a
 * {@link #handle}, {@link #recover} or {@link #whenComplete} step sees them.
 *
 * <p>Futures created on a thread that is no shard (tests, set-up code) run their continuations
 * synchronously on the completing thread.
 *
 * <p>The name says what it is not: a {@link java.util.concurrent.Future} can be waited for from any
 * thread, a shard future is never waited for and never leaves its shard. The public API uses it for
 * every result that completes on a shard; a result that a thread outside the shards waits for (such
 * as {@code Stack.onEveryShard}) is the JDK's {@link CompletableFuture}, and
 * {@link #toCompletableFuture()} bridges the first to the second.
 */
public class ShardFuture<T> {
    static final byte PENDING = 0;
    static final byte SUCCEEDED = 1;
    static final byte FAILED = 2;

    private static final ShardFuture<Void> VOID = new ShardFuture<>(SUCCEEDED, null);
    private static final ShardFuture<Boolean> TRUE = new ShardFuture<>(SUCCEEDED, Boolean.TRUE);
    private static final ShardFuture<Boolean> FALSE = new ShardFuture<>(SUCCEEDED, Boolean.FALSE);
    private static final ShardFuture<Loop> STOP = new ShardFuture<>(SUCCEEDED, Loop.STOP);
    private static final ShardFuture<Loop> CONTINUE = new ShardFuture<>(SUCCEEDED, Loop.CONTINUE);

    /** How many resolved iterations a loop runs before it yields to the poll loop. */
    static final int LOOP_YIELD_EVERY = 1024;

    byte state;
    Object result;
    private Runnable continuation;
    final Shard owner;

    /** A pending future owned by the given shard (null: no shard, continuations run inline). */
    ShardFuture(Shard owner) {
        this.owner = owner;
    }

    private ShardFuture(byte state, Object result) {
        this.owner = null;
        this.state = state;
        this.result = result;
    }

    // ---- factories -------------------------------------------------------------------------

    /** A future already resolved with {@code value}. */
    @SuppressWarnings("unchecked")
    public static <T> ShardFuture<T> succeeded(T value) {
        if (value == null) {
            return (ShardFuture<T>) VOID;
        }
        if (value instanceof Boolean b) {
            return (ShardFuture<T>) (b ? TRUE : FALSE);
        }
        if (value instanceof Loop l) {
            return (ShardFuture<T>) (l == Loop.STOP ? STOP : CONTINUE);
        }
        return new ShardFuture<>(SUCCEEDED, value);
    }

    /** A future already failed with {@code cause}. */
    public static <T> ShardFuture<T> failed(Throwable cause) {
        if (cause == null) {
            throw new NullPointerException("cause");
        }
        return new ShardFuture<>(FAILED, cause);
    }

    /** The shared, already-resolved {@code ShardFuture<Void>}. */
    public static ShardFuture<Void> done() {
        return VOID;
    }

    /** Loop control for {@link #repeat}: stop the loop ({@link Loop#STOP}, resolved and shared). */
    public static ShardFuture<Loop> stop() {
        return STOP;
    }

    /** Loop control for {@link #repeat}: run the action again ({@link Loop#CONTINUE}, resolved and shared). */
    public static ShardFuture<Loop> next() {
        return CONTINUE;
    }

    // ---- state -----------------------------------------------------------------------------

    public final boolean isDone() {
        assert checkOwner();
        return state != PENDING;
    }

    public final boolean isSucceeded() {
        assert checkOwner();
        return state == SUCCEEDED;
    }

    public final boolean isFailed() {
        assert checkOwner();
        return state == FAILED;
    }

    /** The value of a succeeded future; throws for a pending one, rethrows (wrapped) for a failed one. */
    @SuppressWarnings("unchecked")
    public final T getNow() {
        assert checkOwner();
        return switch (state) {
            case SUCCEEDED -> (T) result;
            case FAILED -> throw new FutureFailedException((Throwable) result);
            default -> throw new IllegalStateException("future is still pending");
        };
    }

    /** The failure of a failed future, or null. */
    public final Throwable cause() {
        assert checkOwner();
        return state == FAILED ? (Throwable) result : null;
    }

    /** The shard this future belongs to, or null for a resolved or off-shard future. */
    public final Shard shard() {
        return owner;
    }

    // ---- combinators -----------------------------------------------------------------------

    /**
     * When this future succeeds, runs {@code fn} with its value and follows the future it returns.
     * On an already-resolved future this calls {@code fn} at once and returns its future: nothing
     * is allocated.
     */
    @SuppressWarnings("unchecked")
    public final <R> ShardFuture<R> then(Function<? super T, ? extends ShardFuture<R>> fn) {
        assert checkOwner();
        if (state == SUCCEEDED) {
            try {
                return orDone((ShardFuture<R>) fn.apply((T) result));
            } catch (Throwable t) {
                return failed(t);
            }
        }
        if (state == FAILED) {
            return (ShardFuture<R>) this;
        }
        return chain(new Step<>(this, Step.THEN, fn));
    }

    /** When this future succeeds, maps its value through {@code fn}. */
    @SuppressWarnings("unchecked")
    public final <R> ShardFuture<R> map(Function<? super T, ? extends R> fn) {
        assert checkOwner();
        if (state == SUCCEEDED) {
            try {
                return succeeded(fn.apply((T) result));
            } catch (Throwable t) {
                return failed(t);
            }
        }
        if (state == FAILED) {
            return (ShardFuture<R>) this;
        }
        return chain(new Step<>(this, Step.MAP, fn));
    }

    /** Runs {@code fn} on success or failure (exactly one of value and cause is meaningful). */
    public final <R> ShardFuture<R> handle(BiFunction<? super T, Throwable, ? extends R> fn) {
        assert checkOwner();
        if (state != PENDING) {
            return Step.applyHandle(fn, state, result);
        }
        return chain(new Step<>(this, Step.HANDLE, fn));
    }

    /** On failure, maps the cause to a value; a success passes through. */
    @SuppressWarnings("unchecked")
    public final ShardFuture<T> recover(Function<Throwable, ? extends T> fn) {
        assert checkOwner();
        if (state == SUCCEEDED) {
            return this;
        }
        if (state == FAILED) {
            try {
                return succeeded(fn.apply((Throwable) result));
            } catch (Throwable t) {
                return failed(t);
            }
        }
        return chain(new Step<>(this, Step.RECOVER, fn));
    }

    /** On failure, continues with the future {@code fn} returns; a success passes through. */
    @SuppressWarnings("unchecked")
    public final ShardFuture<T> recoverWith(Function<Throwable, ? extends ShardFuture<T>> fn) {
        assert checkOwner();
        if (state == SUCCEEDED) {
            return this;
        }
        if (state == FAILED) {
            try {
                return orDone((ShardFuture<T>) fn.apply((Throwable) result));
            } catch (Throwable t) {
                return failed(t);
            }
        }
        return chain(new Step<>(this, Step.RECOVER_WITH, fn));
    }

    /**
     * Runs {@code action} whatever the outcome and passes the outcome on unchanged; if the action
     * throws, the result fails with that exception (the original failure, if any, suppressed).
     */
    public final ShardFuture<T> whenComplete(BiConsumer<? super T, Throwable> action) {
        assert checkOwner();
        if (state != PENDING) {
            return Step.applyWhenComplete(action, this);
        }
        return chain(new Step<>(this, Step.WHEN_COMPLETE, action));
    }

    /** Runs {@code action} whatever the outcome (Seastar's {@code finally}). */
    public final ShardFuture<T> finallyDo(Runnable action) {
        return whenComplete((v, e) -> action.run());
    }

    /** Discards the value. */
    public final ShardFuture<Void> discard() {
        return map(v -> null);
    }

    /**
     * A {@link CompletionStage} that completes when this future does, for code outside the shard.
     * It is completed on the shard's thread: dependent stages that block must use the *Async variants.
     */
    @SuppressWarnings("unchecked")
    public final CompletableFuture<T> toCompletableFuture() {
        assert checkOwner();
        if (state == SUCCEEDED) {
            return CompletableFuture.completedFuture((T) result);
        }
        if (state == FAILED) {
            return CompletableFuture.failedFuture((Throwable) result);
        }
        CompletableFuture<T> cf = new CompletableFuture<>();
        setContinuation(() -> {
            if (state == SUCCEEDED) {
                cf.complete((T) result);
            } else {
                cf.completeExceptionally((Throwable) result);
            }
        });
        return cf;
    }

    /** Same as {@link #toCompletableFuture()}, typed as a {@link CompletionStage}. */
    public final CompletionStage<T> toCompletionStage() {
        return toCompletableFuture();
    }

    /**
     * A future on the current shard that completes when {@code stage} does, whatever thread
     * completes the stage. Must be called on a shard.
     */
    public static <T> ShardFuture<T> fromCompletionStage(CompletionStage<T> stage) {
        Shard shard = Shard.current();
        if (shard == null) {
            throw new IllegalStateException("fromCompletionStage must be called on a shard thread");
        }
        Promise<T> promise = new Promise<>();
        stage.whenComplete((v, e) -> shard.execute(() -> {
            if (e != null) {
                promise.fail(e);
            } else {
                promise.complete(v);
            }
        }));
        return promise;
    }

    // ---- loops and joins ------------------------------------------------------------------

    /**
     * Runs {@code action} until the future it returns resolves to {@link Loop#STOP}
     * ({@link #stop()}); {@link Loop#CONTINUE} ({@link #next()}) runs it again; a failure ends the
     * loop with it. The loop never grows the stack, however many iterations resolve at once, and
     * yields to the poll loop every so often.
     */
    public static ShardFuture<Void> repeat(Supplier<? extends ShardFuture<Loop>> action) {
        Repeat loop = new Repeat(Shard.current(), null, action);
        loop.run();
        return loop;
    }

    /** Runs {@code action} while {@code stop} is false, checked before each iteration. */
    public static ShardFuture<Void> doUntil(BooleanSupplier stop, Supplier<? extends ShardFuture<?>> action) {
        Repeat loop = new Repeat(Shard.current(), stop, action);
        loop.run();
        return loop;
    }

    /** Runs {@code action} on each element in order, one at a time. */
    public static <E> ShardFuture<Void> forEach(Iterable<E> elements, Function<? super E, ? extends ShardFuture<?>> action) {
        var it = elements.iterator();
        return doUntil(() -> !it.hasNext(), () -> action.apply(it.next()));
    }

    /**
     * Completes when every future has completed; fails with the first failure (later failures
     * attached as suppressed) once all are done.
     */
    public static ShardFuture<Void> whenAll(Collection<? extends ShardFuture<?>> futures) {
        Join join = new Join(Shard.current(), futures.size());
        for (ShardFuture<?> f : futures) {
            join.add(f);
        }
        join.arm();
        return join;
    }

    @SafeVarargs
    public static ShardFuture<Void> whenAll(ShardFuture<?>... futures) {
        return whenAll(List.of(futures));
    }

    /** The values of all futures in order, once all succeed; fails as {@link #whenAll} does. */
    @SuppressWarnings("unchecked")
    public static <E> ShardFuture<List<E>> allOf(List<? extends ShardFuture<E>> futures) {
        return whenAll(futures).map(v -> {
            List<E> values = new ArrayList<>(futures.size());
            for (ShardFuture<E> f : futures) {
                values.add((E) f.result);
            }
            return values;
        });
    }

    // ---- internals ---------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static <R> ShardFuture<R> orDone(ShardFuture<R> f) {
        return f != null ? f : (ShardFuture<R>) VOID;
    }

    private <R> ShardFuture<R> chain(Step<T, R> step) {
        setContinuation(step);
        return step;
    }

    final void setContinuation(Runnable c) {
        assert checkOwner();
        if (continuation != null) {
            throw new IllegalStateException("a future takes a single continuation (it already has one)");
        }
        continuation = c;
    }

    final void complete(byte newState, Object newResult) {
        assert checkOwner();
        if (state != PENDING) {
            throw new IllegalStateException("future already completed");
        }
        state = newState;
        result = newResult;
        Runnable c = continuation;
        if (c != null) {
            continuation = null;
            resume(c);
        }
    }

    /** Runs {@code task} from the owner's run queue, or at once for a future of no shard. */
    final void resume(Runnable task) {
        if (owner != null) {
            owner.schedule(task);
        } else {
            task.run();
        }
    }

    final boolean checkOwner() {
        if (owner != null && Shard.current() != owner) {
            throw new IllegalStateException("a future of shard " + owner.id() + " was touched from thread "
                    + Thread.currentThread().getName() + "; futures belong to one shard");
        }
        return true;
    }

    @Override
    public String toString() {
        return switch (state) {
            case SUCCEEDED -> "ShardFuture[" + result + "]";
            case FAILED -> "ShardFuture[failed: " + result + "]";
            default -> "ShardFuture[pending]";
        };
    }

    /** A pending combinator step: it is both the continuation of its source and the future it returns. */
    static final class Step<T, R> extends ShardFuture<R> implements Runnable {
        static final int THEN = 0;
        static final int MAP = 1;
        static final int HANDLE = 2;
        static final int RECOVER = 3;
        static final int RECOVER_WITH = 4;
        static final int WHEN_COMPLETE = 5;

        private ShardFuture<?> waitingOn;
        private Object fn;
        private final int kind;

        Step(ShardFuture<T> source, int kind, Object fn) {
            super(source.owner);
            this.waitingOn = source;
            this.kind = kind;
            this.fn = fn;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void run() {
            ShardFuture<?> src = waitingOn;
            waitingOn = null;
            Object f = fn;
            if (f == null) {
                // Second stage: the future that the function returned has completed.
                complete(src.state, src.result);
                return;
            }
            fn = null;
            ShardFuture<R> next;
            try {
                next = switch (kind) {
                    case THEN -> src.state == SUCCEEDED
                            ? orDone(((Function<Object, ShardFuture<R>>) f).apply(src.result))
                            : (ShardFuture<R>) src;
                    case MAP -> src.state == SUCCEEDED
                            ? succeeded(((Function<Object, R>) f).apply(src.result))
                            : (ShardFuture<R>) src;
                    case HANDLE -> applyHandle((BiFunction<Object, Throwable, R>) f, src.state, src.result);
                    case RECOVER -> src.state == FAILED
                            ? succeeded(((Function<Throwable, R>) f).apply((Throwable) src.result))
                            : (ShardFuture<R>) src;
                    case RECOVER_WITH -> src.state == FAILED
                            ? orDone(((Function<Throwable, ShardFuture<R>>) f).apply((Throwable) src.result))
                            : (ShardFuture<R>) src;
                    case WHEN_COMPLETE -> (ShardFuture<R>) applyWhenComplete((BiConsumer<Object, Throwable>) f, src);
                    default -> throw new AssertionError(kind);
                };
            } catch (Throwable t) {
                complete(FAILED, t);
                return;
            }
            if (next.state != PENDING) {
                complete(next.state, next.result);
            } else {
                waitingOn = next;
                next.setContinuation(this);
            }
        }

        @SuppressWarnings("unchecked")
        static <T, R> ShardFuture<R> applyHandle(BiFunction<? super T, Throwable, ? extends R> fn, byte state, Object result) {
            try {
                return state == SUCCEEDED
                        ? succeeded(fn.apply((T) result, null))
                        : succeeded(fn.apply(null, (Throwable) result));
            } catch (Throwable t) {
                return failed(t);
            }
        }

        @SuppressWarnings("unchecked")
        static <T> ShardFuture<T> applyWhenComplete(BiConsumer<? super T, Throwable> action, ShardFuture<T> src) {
            try {
                if (src.state == SUCCEEDED) {
                    action.accept((T) src.result, null);
                } else {
                    action.accept(null, (Throwable) src.result);
                }
            } catch (Throwable t) {
                if (src.state == FAILED && t != src.result) {
                    t.addSuppressed((Throwable) src.result);
                }
                return failed(t);
            }
            return src; // resolved futures are immutable: pass the outcome on as it is
        }
    }

    /** The state of {@link #repeat} and {@link #doUntil}: iterates without recursion. */
    static final class Repeat extends ShardFuture<Void> implements Runnable {
        private final BooleanSupplier stop;
        private final Supplier<? extends ShardFuture<?>> action;
        private ShardFuture<?> pending;

        Repeat(Shard owner, BooleanSupplier stop, Supplier<? extends ShardFuture<?>> action) {
            super(owner);
            this.stop = stop;
            this.action = action;
        }

        @Override
        public void run() {
            ShardFuture<?> f = pending;
            if (f != null) {
                pending = null;
                if (finished(f)) {
                    return;
                }
            }
            int budget = LOOP_YIELD_EVERY;
            try {
                while (true) {
                    if (stop != null && stop.getAsBoolean()) {
                        complete(SUCCEEDED, null);
                        return;
                    }
                    f = action.get();
                    if (f == null) {
                        f = VOID;
                    }
                    if (f.state == PENDING) {
                        pending = f;
                        f.setContinuation(this);
                        return;
                    }
                    if (finished(f)) {
                        return;
                    }
                    if (--budget == 0 && owner != null) {
                        owner.schedule(this);
                        return;
                    }
                }
            } catch (Throwable t) {
                complete(FAILED, t);
            }
        }

        /** Completes the loop if {@code f} failed or (for repeat) asked to stop. */
        private boolean finished(ShardFuture<?> f) {
            if (f.state == FAILED) {
                complete(FAILED, f.result);
                return true;
            }
            if (stop == null && f.result == Loop.STOP) {
                complete(SUCCEEDED, null);
                return true;
            }
            return false;
        }
    }

    /** The state of {@link #whenAll}. */
    static final class Join extends ShardFuture<Void> {
        private int remaining;
        private Throwable failure;

        Join(Shard owner, int count) {
            super(owner);
            this.remaining = count + 1; // +1 until arm(): no completion while futures are being added
        }

        void add(ShardFuture<?> f) {
            if (f.state != PENDING) {
                arrived(f);
            } else {
                f.setContinuation(() -> arrived(f));
            }
        }

        void arm() {
            arrivedCount();
        }

        private void arrived(ShardFuture<?> f) {
            if (f.state == FAILED) {
                Throwable t = (Throwable) f.result;
                if (failure == null) {
                    failure = t;
                } else if (failure != t) {
                    failure.addSuppressed(t);
                }
            }
            arrivedCount();
        }

        private void arrivedCount() {
            if (--remaining == 0) {
                if (failure != null) {
                    complete(FAILED, failure);
                } else {
                    complete(SUCCEEDED, null);
                }
            }
        }
    }
}
