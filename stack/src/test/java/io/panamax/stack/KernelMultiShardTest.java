package io.panamax.stack;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.dpdk.Eal;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.testing.Environment;
import io.panamax.tcp.TcpConnection;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stacks of 2, 4 and 8 shards (more shards than cores is fine here) against the Linux kernel:
 * 1000 kernel-side connections from fixed source ports spread over all shards within ±25% of
 * even, each echoing its own data, with every callback on the connection's shard; and an active
 * open from every shard to a kernel server whose replies come back to that shard. The NIC is a
 * single-queue TAP (one shard receives, software RSS forwards), a multi-queue TAP (the kernel picks
 * queues by its own hash; software RSS forwards mis-steered frames), or DPDK's net_tap.
 */
abstract class KernelMultiShardTest {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final Duration T = Duration.ofSeconds(120);
    private static final AtomicInteger DEVICES = new AtomicInteger();

    /** Opens the NIC for a stack of {@code shards} in {@code ns}, kernel side addressed and up. */
    abstract NicFactory nic(NetworkNamespace ns, String iface, int shards);

    /** The stack's own MAC, when the device would otherwise share the kernel side's. */
    MacAddress stackMac() {
        return null;
    }

    /** After start: address the kernel side if the device did not. */
    void afterStart(NetworkNamespace ns, String iface) throws Exception {
    }

    static class SingleQueueTap extends KernelMultiShardTest {
        @Override
        NicFactory nic(NetworkNamespace ns, String iface, int shards) {
            return q -> TapNic.builder().name(iface).namespace(ns).queues(1).multiQueue(false)
                    .kernelAddress(HOST_IP + "/24").kernelIpv6(false).open();
        }
    }

    static class MultiQueueTap extends KernelMultiShardTest {
        @Override
        NicFactory nic(NetworkNamespace ns, String iface, int shards) {
            return q -> TapNic.builder().name(iface).namespace(ns).queues(q).multiQueue(true)
                    .kernelAddress(HOST_IP + "/24").kernelIpv6(false).open();
        }
    }

    @Tag("dpdk")
    static class DpdkNetTap extends KernelMultiShardTest {
        @Override
        NicFactory nic(NetworkNamespace ns, String iface, int shards) {
            String why = Eal.unavailableReason().orElse(null);
            Environment.require(why == null, "needs DPDK 22.11 with a working EAL: " + why);
            String vdev = "net_tap_pmxms" + DEVICES.incrementAndGet() + ",iface=" + iface;
            return q -> DpdkNic.open(DpdkNicConfig.vdev(vdev).queuesUpTo(q).controlContext(ns::callInside).build());
        }

        @Override
        MacAddress stackMac() {
            return MacAddress.randomLocal(new Random()); // net_tap gives the kernel side the port's MAC
        }

        @Override
        void afterStart(NetworkNamespace ns, String iface) throws Exception {
            ns.exec(T, "ip", "addr", "add", HOST_IP + "/24", "dev", iface).orThrow("address the kernel side");
            ns.exec(T, "ip", "link", "set", iface, "up").orThrow("bring the kernel side up");
        }
    }

    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {2, 4, 8})
    void kernelConnectionsSpreadAndActiveOpensComeHome(int shards) throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "python3", "socat");
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-ms")) {
            String iface = "pmxm" + (ProcessHandle.current().pid() % 10000) + shards;
            Stack.Builder b = Stack.builder().nic(nic(ns, iface, shards)).ipv4(STACK_IP + "/24").shards(shards)
                    .reactorSettings(r -> r.pinThreads(false));
            if (stackMac() != null) {
                b.mac(stackMac());
            }
            Stack stack = b.start();
            try {
                afterStart(ns, iface);
                run(stack, ns, shards);
            } finally {
                stack.close();
                assertNull(stack.leaksAtClose(), "every buffer and packet returned");
            }
        }
    }

    private void run(Stack stack, NetworkNamespace ns, int shards) throws Exception {
        AtomicLong offShard = new AtomicLong();
        long[] accepted = new long[shards];
        stack.await(stack.onEveryShard(s -> s.tcp().listen(7, c -> {
            accepted[s.shard().id()]++;
            echo(c, Thread.currentThread(), offShard);
        })), T);
        // 1000 clients from fixed source ports: the spread over shards is deterministic.
        String script = String.join("\n",
                "import asyncio, os, resource, socket",
                "resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))",
                "async def one(i):",
                "    data = (b'%06d:' % i) + os.urandom(1000 + i % 97)",
                "    s = socket.socket()",
                "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "    s.bind(('" + HOST_IP + "', 20000 + i))",
                "    s.setblocking(False)",
                "    await asyncio.get_running_loop().sock_connect(s, ('" + STACK_IP + "', 7))",
                "    r, w = await asyncio.open_connection(sock=s)",
                "    w.write(data)",
                "    await w.drain()",
                "    w.write_eof()",
                "    back = await r.read()",
                "    w.close()",
                "    assert back == data, (i, len(back), len(data))",
                "    return 1",
                "async def main():",
                "    done = await asyncio.gather(*(one(i) for i in range(1000)))",
                "    print('ok', sum(done))",
                "asyncio.run(main())");
        NetworkNamespace.Result r = ns.exec(T, "python3", "-c", script);
        assertTrue(r.ok() && r.stdout().contains("ok 1000"), r.stdout() + r.stderr());
        long[] perShard = new long[shards];
        for (int i = 0; i < shards; i++) {
            int id = i;
            perShard[i] = stack.await(stack.reactor().submit(i, () -> ShardFuture.succeeded(accepted[id])), T);
        }
        double even = 1000.0 / shards;
        for (int i = 0; i < shards; i++) {
            assertTrue(Math.abs(perShard[i] - even) <= 0.25 * even,
                    "shard " + i + " accepted " + perShard[i] + " of 1000: " + Arrays.toString(perShard));
        }
        assertEquals(0, offShard.get(), "every callback ran on its connection's shard");

        // Active opens from every shard: the reply must reach the connecting shard (forwarded to it
        // in software where the device does not steer by the stack's hash).
        Process server = KernelListener.echo(ns, 5001, true);
        try {
            int host = Ipv4Address.parse(HOST_IP);
            for (int i = 0; i < shards; i++) {
                int shard = i;
                byte[] data = ("hello from shard " + shard).repeat(100).getBytes();
                byte[] back = stack.await(stack.reactor().submit(shard, () -> {
                    Shard home = Shard.currentOrThrow();
                    return stack.shard(shard).tcp().connect(host, 5001).then(c -> exchange(c, data, home, offShard));
                }), T);
                assertArrayEquals(data, back, "shard " + shard);
            }
            assertEquals(0, offShard.get(), "the active opens' callbacks ran on the opening shard");
            assertEquals(0, stack.reactor().metrics().total("reactor_uncaught_errors_total")
                    + stack.reactor().metrics().total("nic_rx_handler_errors_total"), "no debug assertion fired anywhere");
        } finally {
            server.destroy();
        }
    }

    private static ShardFuture<byte[]> exchange(TcpConnection c, byte[] data, Shard home, AtomicLong offShard) {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        return c.write(data).then(v -> c.shutdownOutput()).then(v -> ShardFuture.repeat(() -> c.read().map(p -> {
            if (Shard.current() != home) {
                offShard.incrementAndGet();
            }
            boolean end = p.isEmpty();
            got.writeBytes(p.toByteArray());
            p.release();
            return end ? Loop.STOP : Loop.CONTINUE;
        }))).then(v -> c.close()).map(v -> got.toByteArray());
    }

    private static void echo(TcpConnection c, Thread home, AtomicLong offShard) {
        ShardFuture.repeat(() -> c.read().then((ReadBuffer data) -> {
            if (Thread.currentThread() != home) {
                offShard.incrementAndGet();
            }
            if (data.isEmpty()) {
                data.release();
                return ShardFuture.stop();
            }
            return c.write(data).map(v -> Loop.CONTINUE);
        })).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }
}
