package io.panamax.benchmarks.tap;

import io.panamax.nic.MacAddress;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.nic.tap.TapQueue;
import io.panamax.reactor.buffer.BufferPool;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.reactor.buffer.SlabBufferPool;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * What both TAP benchmarks stand on: a namespace of their own with a one-queue TAP device in it
 * (kernel side up, IPv6 off so the kernel sends nothing unasked), the queue attached to a pool
 * polled by the benchmark thread, and the compiled C peer. Closing removes all of it.
 */
final class TapBench implements AutoCloseable {
    static final String IFACE = "pmxb0";
    static final int BURST = 32;

    final NetworkNamespace ns;
    final TapNic nic;
    final TapQueue queue;
    final BufferPool buffers;
    final PacketPool packets;
    final TapPeer peer;

    private TapBench(NetworkNamespace ns, TapNic nic, TapPeer peer) {
        this.ns = ns;
        this.nic = nic;
        this.queue = nic.queue(0);
        this.buffers = SlabBufferPool.unowned(4 * BURST + 64, 2048 + 128, 128);
        this.packets = PacketPool.unowned(buffers);
        this.queue.attach(packets);
        this.peer = peer;
    }

    static TapBench open() throws IOException, InterruptedException {
        return open(false);
    }

    /** With {@code offloads}: virtio-net headers on every frame (see TapNic.Builder#offloads). */
    static TapBench open(boolean offloads) throws IOException, InterruptedException {
        if (!isRoot()) {
            throw new IllegalStateException("the TAP benchmarks need root: they create a network namespace and a TAP device in it");
        }
        TapPeer peer = TapPeer.compileAndLoad();
        NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tap-bench");
        TapNic nic = null;
        try {
            nic = TapNic.builder().namespace(ns).name(IFACE).kernelIpv6(false).offloads(offloads).open();
            return new TapBench(ns, nic, peer);
        } catch (IOException | RuntimeException e) {
            if (nic != null) {
                nic.close();
            }
            ns.close();
            throw e;
        }
    }

    /** An Ethernet frame of {@code size} bytes from {@code src} to {@code dst}, local experimental EtherType. */
    static byte[] frame(int size, MacAddress dst, MacAddress src) {
        byte[] f = new byte[size];
        System.arraycopy(dst.toBytes(), 0, f, 0, 6);
        System.arraycopy(src.toBytes(), 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        for (int i = 14; i < size; i++) {
            f[i] = (byte) i;
        }
        return f;
    }

    @Override
    public void close() throws IOException {
        queue.detach(); // with offloads the queue holds a frame's worth of spare buffers
        nic.close();
        ns.close();
        if (buffers.available() != buffers.capacity() || packets.inUse() != 0) {
            throw new IllegalStateException("leak: " + (buffers.capacity() - buffers.available()) + " buffers, "
                    + packets.inUse() + " packets not returned");
        }
    }

    private static boolean isRoot() {
        try {
            MethodHandle geteuid = Linker.nativeLinker().downcallHandle(
                    Linker.nativeLinker().defaultLookup().find("geteuid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
            return (int) geteuid.invokeExact() == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
