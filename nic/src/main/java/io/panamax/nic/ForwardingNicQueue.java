package io.panamax.nic;

import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;

import java.util.Objects;

/** The base of queue decorators: every call not overridden goes to the wrapped queue. */
public abstract class ForwardingNicQueue implements NicQueue {
    /** The queue this one wraps. */
    protected final NicQueue inner;

    protected ForwardingNicQueue(NicQueue inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    @Override
    public int id() {
        return inner.id();
    }

    @Override
    public void attach(PacketPool packets) {
        inner.attach(packets);
    }

    @Override
    public int receive(Packet[] out, int max) {
        return inner.receive(out, max);
    }

    @Override
    public int transmit(Packet[] packets, int count) {
        return inner.transmit(packets, count);
    }

    @Override
    public QueueStats stats() {
        return inner.stats();
    }

    @Override
    public void detach() {
        inner.detach();
    }

    @Override
    public int readyDescriptor() {
        return inner.readyDescriptor();
    }

    @Override
    public boolean emptyPollIsCheap() {
        return inner.emptyPollIsCheap();
    }
}
