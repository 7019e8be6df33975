package io.panamax.nic.tap;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.testing.FrameReceiver;
import io.panamax.reactor.buffer.BufferPool;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;
import io.panamax.reactor.testing.Environment;

import java.io.IOException;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A TAP device in a namespace of its own, made for one test: the kernel side has
 * {@link #KERNEL_IP}/24, the stack side answers (when a test makes it) as {@link #STACK_IP}. Every
 * queue is attached to one unowned pool polled from the test thread. Closing checks that every
 * buffer and packet came back, closes the device and deletes the namespace.
 */
final class TapTestBed implements AutoCloseable {
    static final String KERNEL_IP = "10.77.0.1";
    static final String STACK_IP = "10.77.0.2";
    static final String IFACE = "pmxt0";

    final NetworkNamespace ns;
    final TapNic nic;
    final BufferPool buffers;
    final PacketPool packets;
    final FrameReceiver receiver;

    private TapTestBed(NetworkNamespace ns, TapNic nic, BufferPool buffers) {
        this.ns = ns;
        this.nic = nic;
        this.buffers = buffers;
        this.packets = PacketPool.unowned(buffers);
        for (TapQueue q : nic.queues()) {
            q.attach(packets);
        }
        this.receiver = new FrameReceiver(nic.queues().toArray(TapQueue[]::new));
    }

    /** Checks the prerequisites (root, ip) and opens a one-queue device with the kernel side at 10.77.0.1/24. */
    static TapTestBed open() throws IOException {
        return open(b -> b);
    }

    /** As {@link #open()}, with {@code config} applied to the builder after the defaults. */
    static TapTestBed open(UnaryOperator<TapNic.Builder> config) throws IOException {
        Environment.requireRoot("creates a network namespace and a TAP device in it");
        Environment.requireCommands("ip");
        Environment.require(new java.io.File("/dev/net/tun").exists(), "needs /dev/net/tun");
        NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tap");
        TapNic nic = null;
        try {
            nic = config.apply(TapNic.builder().namespace(ns).name(IFACE)
                    .kernelAddress(KERNEL_IP + "/24").kernelIpv6(false)).open();
            // Buffers that hold a full frame at the device's MTU, a VLAN tag and the spare byte,
            // after 128 bytes of headroom.
            int frame = Math.max(2048, nic.mtu() + 19);
            return new TapTestBed(ns, nic, SlabBufferPool.unowned(1024, frame + 128, 128));
        } catch (IOException | RuntimeException | Error e) {
            if (nic != null) {
                nic.close();
            }
            ns.close();
            throw e;
        }
    }

    TapQueue queue(int i) {
        return nic.queue(i);
    }

    /** Receives and drops whatever waits on the queues (kernel chatter before a test's traffic). */
    void drain() {
        while (receiver.pollOnce() > 0) {
            Thread.onSpinWait();
        }
        receiver.clear();
    }

    void assertNoLeaks() {
        assertEquals(buffers.capacity(), buffers.available(), "every buffer back in the pool");
        assertEquals(0, packets.inUse(), "every packet back in the pool");
    }

    @Override
    public void close() throws IOException {
        try {
            nic.close();
            assertNoLeaks();
        } finally {
            ns.close();
        }
    }
}
