package io.panamax.reactor;

/**
 * What {@link ReadLoop}, {@link WriteLoop} and {@link Pump} share: a future that is also the
 * {@link Completion} of every operation it starts, one at a time. An operation that completes
 * while the loop's step is on the stack (at once) is picked up by that step; one that completes
 * later schedules the loop on its shard, so completing never runs application code inline (the
 * contract of {@link Completion}). A step that throws fails the loop.
 */
abstract sealed class CompletionLoop extends ShardFuture<Void> implements Runnable permits ReadLoop, WriteLoop, Pump {

    /** The operation in flight completed and the step has not picked that up yet. */
    boolean delivered;
    /** What it completed with: a value, or a failure (non-null). */
    Object value;
    Throwable failure;
    /** True while {@link #step} is on the stack: a completion then is picked up by that step, not scheduled. */
    private boolean running;

    CompletionLoop(Shard owner) {
        super(owner);
    }

    /** Records the result of the operation in flight and resumes the loop unless its step is running. */
    final void delivered(Object v, Throwable cause) {
        value = v;
        failure = cause;
        delivered = true;
        if (!running) {
            resume(this);
        }
    }

    /** A completion's cause, never null. */
    static Throwable orNpe(Throwable cause) {
        return cause == null ? new NullPointerException("cause") : cause;
    }

    /** One step of the loop, resumed by the shard's run queue; not for applications to call. */
    @Override
    public final void run() {
        if (state != PENDING || running) {
            return;
        }
        running = true;
        try {
            step();
        } catch (Throwable t) {
            if (state == PENDING) {
                complete(FAILED, t);
            }
        } finally {
            running = false;
        }
    }

    /** Goes on as far as it can without waiting: returns when an operation is in flight, or the loop is done. */
    abstract void step();
}
