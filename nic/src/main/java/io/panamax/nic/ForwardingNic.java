package io.panamax.nic;

import io.panamax.reactor.BufferPoolFactory;

import java.util.Objects;
import java.util.Optional;

/**
 * The base of NIC decorators (recording to a capture file, holding frames back during a replay):
 * every call a decorator does not override goes to the wrapped NIC, so that a method added to
 * {@link Nic} is forwarded here once rather than forgotten in one of them.
 */
public abstract class ForwardingNic implements Nic {
    /** The NIC this one wraps. */
    protected final Nic inner;

    protected ForwardingNic(Nic inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /** The wrapped NIC. */
    public Nic inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public MacAddress mac() {
        return inner.mac();
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public boolean linkUp() {
        return inner.linkUp();
    }

    @Override
    public NicCapabilities capabilities() {
        return inner.capabilities();
    }

    @Override
    public int queueCount() {
        return inner.queueCount();
    }

    @Override
    public NicQueue queue(int id) {
        return inner.queue(id);
    }

    @Override
    public Optional<RssControl> rss() {
        return inner.rss();
    }

    /**
     * The wrapped NIC's buffer pools: a decorator sees the same frames, so a device that receives
     * into its own memory (DPDK's mbufs) keeps doing so, without a copy, when it is wrapped.
     */
    @Override
    public Optional<BufferPoolFactory> deviceBufferPools() {
        return inner.deviceBufferPools();
    }

    @Override
    public MulticastDelivery setMulticastGroups(long[] groups) {
        return inner.setMulticastGroups(groups);
    }

    @Override
    public boolean ipv6TcpOffloads() {
        return inner.ipv6TcpOffloads();
    }

    @Override
    public void close() {
        inner.close();
    }
}
