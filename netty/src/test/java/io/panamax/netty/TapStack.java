package io.panamax.netty;

import io.panamax.nic.Nic;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.dpdk.Eal;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.testing.Environment;
import io.panamax.stack.Stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stack on a TAP device in a namespace made for the test, with a {@link PanamaxEventLoopGroup}
 * over it. The kernel's side of the TAP is {@link #HOST_IP}; the stack is {@link #STACK_IP}.
 * Kernel peers (sockets of the JDK, commands) are made inside the namespace. {@link #startAfXdp}
 * puts the same stack on DPDK's net_af_xdp at one end of a veth pair instead, the kernel at the
 * other end with the same address.
 */
final class TapStack implements AutoCloseable {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final Duration T = Duration.ofSeconds(60);

    final NetworkNamespace ns;
    final Stack stack;
    final PanamaxEventLoopGroup group;

    private TapStack(NetworkNamespace ns, Stack stack) {
        this.ns = ns;
        this.stack = stack;
        this.group = new PanamaxEventLoopGroup(stack);
    }

    static TapStack start(String prefix, int shards, String... commands) throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        if (commands.length > 0) {
            Environment.requireCommands(commands);
        }
        String tap = "pmxn" + (ProcessHandle.current().pid() % 100000);
        return start(prefix, shards, ns -> TapNic.builder().name(tap).namespace(ns).queues(1).kernelAddress(HOST_IP + "/24")
                .kernelIpv6(false).open());
    }

    /** DPDK's vdev names stay taken in a process after their device is removed. */
    private static final AtomicInteger AF_XDP_SEQUENCE = new AtomicInteger();

    /**
     * The stack on DPDK's {@code net_af_xdp} (AF_XDP in copy mode on a veth, one queue,
     * {@code busy_budget=0} as the echo sample runs it: docs/dpdk.md) at one end of a veth pair in
     * the test's namespace; the kernel's end has {@link #HOST_IP} and sends real checksums (TX
     * checksum offload off: the stack reads AF_XDP frames raw and drops CHECKSUM_PARTIAL ones).
     */
    static TapStack startAfXdp(String prefix, int shards) throws Exception {
        Environment.requireRoot("creates a network namespace and a veth pair");
        Environment.requireCommands("ip", "ethtool", "sysctl");
        String why = Eal.unavailableReason().orElse(null);
        Environment.require(why == null, "needs DPDK 22.11 with a working EAL: " + why);
        String kernelEnd = "pmxv" + (ProcessHandle.current().pid() % 100000);
        String xdpEnd = kernelEnd + "x";
        return start(prefix, shards, ns -> {
            for (String[] c : new String[][] {
                    {"ip", "link", "add", kernelEnd, "type", "veth", "peer", "name", xdpEnd},
                    {"ethtool", "-K", kernelEnd, "tx", "off"},
                    {"sysctl", "-qw", "net.ipv6.conf." + kernelEnd + ".disable_ipv6=1", "net.ipv6.conf." + xdpEnd + ".disable_ipv6=1"},
                    {"ip", "addr", "add", HOST_IP + "/24", "dev", kernelEnd},
                    {"ip", "link", "set", xdpEnd, "up"},
                    {"ip", "link", "set", kernelEnd, "up"}}) {
                ns.exec(T, c).orThrow(String.join(" ", c));
            }
            return DpdkNic.open(DpdkNicConfig.vdev("net_af_xdp_pmxn" + AF_XDP_SEQUENCE.incrementAndGet() + ",iface=" + xdpEnd
                    + ",queue_count=1,busy_budget=0").queuesUpTo(1).controlContext(ns::callInside).build());
        });
    }

    /** Opens a NIC in the test's namespace. */
    private interface NicInNamespace {
        Nic open(NetworkNamespace ns) throws Exception;
    }

    private static TapStack start(String prefix, int shards, NicInNamespace nic) throws Exception {
        NetworkNamespace ns = NetworkNamespace.createUnique(prefix);
        try {
            Stack stack = Stack.builder()
                    .nic(queues -> nic.open(ns))
                    .ipv4(STACK_IP + "/24").shards(shards)
                    .reactorSettings(r -> PanamaxEventLoopGroup.SHARD_THREADS.accept(r.pinThreads(false).buffersPerShard(16384)))
                    .start();
            return new TapStack(ns, stack);
        } catch (Exception | Error e) {
            ns.close();
            throw e;
        }
    }

    /**
     * Frames the kernel dropped on their way to the stack so far: the TAP device's {@code tx_dropped}
     * (the kernel transmits toward the stack; when the device's queue of {@code txqueuelen} frames
     * is full because the stack has not read them yet, the kernel drops and counts the frame here).
     */
    long kernelTxDropped() throws Exception {
        String dev = ((io.panamax.nic.tap.TapNic) stack.nic()).interfaceName();
        return Long.parseLong(ns.exec(T, "cat", "/sys/class/net/" + dev + "/statistics/tx_dropped")
                .orThrow("tx_dropped of " + dev).stdout().strip());
    }

    /** Runs {@code action} with the calling thread in the namespace: sockets it opens are the kernel's there. */
    <T> T inside(Callable<T> action) throws Exception {
        return ns.callInside(action);
    }

    /**
     * Posts {@code size} (as {@code head -c} takes it: "8M") random bytes with curl of the kernel
     * to {@code url} and checks by SHA-256 that the answer is the same bytes.
     */
    void assertCurlEchoes(String url, String size) throws Exception {
        Path dir = Files.createTempDirectory("pmx-echo");
        Path in = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        try {
            NetworkNamespace.run(T, "sh", "-c", "head -c " + size + " /dev/urandom > " + in).orThrow("input");
            ns.exec(T, "curl", "-sS", "--max-time", "30", "--data-binary", "@" + in,
                    "-H", "Content-Type: application/octet-stream", "-o", out.toString(), url).orThrow("curl POST");
            assertEquals(sha256(in), sha256(out), size + " posted and echoed back");
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.delete(dir);
        }
    }

    /** Runs wrk of the kernel against {@code url} and checks that every answer was a 2xx and no socket failed. */
    void assertWrkClean(String url, int connections, int seconds) throws Exception {
        String report = ns.exec(T, "wrk", "-t1", "-c" + connections, "-d" + seconds + "s", url).orThrow("wrk").stdout();
        assertTrue(report.contains("Requests/sec") && !report.contains("Non-2xx") && !report.contains("Socket errors"),
                report);
    }

    private static String sha256(Path f) throws Exception {
        return NetworkNamespace.run(T, "sha256sum", f.toString()).orThrow("sha256sum").stdout().split("\\s+")[0];
    }

    /** Shuts the group down, stops the stack, deletes the namespace; returns the stack's leak report (null: none). */
    String stop() throws Exception {
        try {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            stack.close();
            return stack.leaksAtClose();
        } finally {
            ns.close();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
