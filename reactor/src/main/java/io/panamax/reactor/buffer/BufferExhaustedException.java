package io.panamax.reactor.buffer;

/**
 * A packet operation needed a buffer and the pool had none. Pre-allocated and without a stack
 * trace: exhaustion is an expected, counted condition under overload, not a bug, and throwing it
 * must not allocate.
 */
public final class BufferExhaustedException extends RuntimeException {
    static final BufferExhaustedException INSTANCE = new BufferExhaustedException();

    private BufferExhaustedException() {
        super("packet buffer pool exhausted", null, false, false);
    }
}
