package io.panamax.stack;

import io.panamax.ip.Ipv6Address;
import io.panamax.ip.Ndp;
import io.panamax.nic.capture.CaptureConfig;
import io.panamax.nic.capture.CapturingNic;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.Future;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack's IPv6 (static address, link-local address, neighbour discovery, ICMPv6 echo) against
 * the Linux kernel over a TAP device in a namespace made for the test: {@code ping -6} to both
 * addresses, the kernel's neighbour table showing the stack REACHABLE with its MAC, the stack's
 * cache holding the kernel, on every shard; tshark decodes every frame the stack sent.
 */
class KernelPeerIpv6Test {
    private static final String STACK_IP6 = "fd00:7::2";
    private static final String HOST_IP6 = "fd00:7::1";
    private static final Duration T = Duration.ofSeconds(60);

    private NetworkNamespace ns;
    private Stack stack;
    private CapturingNic capture;

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (stack != null) {
                stack.close();
            }
        } finally {
            if (ns != null) {
                ns.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} shard(s)")
    @ValueSource(ints = {1, 2})
    void pingSixAndNeighbourDiscoveryWithTheKernel(int shards) throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "ping", "tshark");
        ns = NetworkNamespace.createUnique("pmx-ip6");
        String tap = "pmx6" + (ProcessHandle.current().pid() % 100000);
        Path dir = Files.createTempDirectory("pmx-ip6");
        stack = Stack.builder()
                .nic(queues -> capture = CapturingNic.wrap(TapNic.builder().name(tap).namespace(ns).queues(shards > 1 ? queues : 1)
                        .multiQueue(shards > 1).kernelAddress("10.7.0.1/24").open(),
                        CaptureConfig.builder(dir.resolve("frames.pcapng")).build()))
                .ipv4("10.7.0.2/24")
                .ipv6(STACK_IP6 + "/64")
                .shards(shards)
                .reactorSettings(r -> r.pinThreads(false))
                .start();
        // nodad: the kernel's address is usable at once instead of after duplicate address detection.
        ns.exec(T, "ip", "-6", "addr", "add", HOST_IP6 + "/64", "dev", tap, "nodad").orThrow("address the kernel side");

        ping(STACK_IP6);
        String linkLocal = Ipv6Address.toString(Ipv6Address.LINK_LOCAL_HIGH, stack.ipv6(0).linkLocalLow());
        ping(linkLocal + "%" + tap);

        // The kernel resolved the stack by a solicitation the stack answered: REACHABLE with our MAC.
        String mac = stack.shard(0).ethernet().macAddress().toString();
        String neigh = "";
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            neigh = ns.exec(T, "ip", "-6", "neigh", "show", "dev", tap).stdout();
            if (neigh.lines().anyMatch(l -> l.startsWith(STACK_IP6 + " ") && l.contains(mac) && l.contains("REACHABLE"))) {
                break;
            }
            ping(STACK_IP6);
        }
        String finalNeigh = neigh;
        assertTrue(neigh.lines().anyMatch(l -> l.startsWith(STACK_IP6 + " ") && l.contains(mac) && l.contains("REACHABLE")),
                "the kernel holds the stack as REACHABLE: " + finalNeigh);

        // Every shard's cache knows the kernel (learned on one, shared with the others).
        long[] host = Ipv6Address.parse(HOST_IP6);
        String kernelMac = ns.exec(T, "cat", "/sys/class/net/" + tap + "/address").stdout().strip();
        for (int i = 0; i < stack.shardCount(); i++) {
            int id = i;
            Ndp.State state = stack.await(stack.reactor().submit(id, () -> Future.succeeded(stack.ipv6(id).ndp().state(host[0], host[1]))), T);
            assertNotNull(state, "shard " + id + " has the kernel in its neighbour cache");
            long known = stack.await(stack.reactor().submit(id, () -> Future.succeeded(stack.ipv6(id).ndp().lookup(host[0], host[1]))), T);
            assertEquals(kernelMac, new io.panamax.nic.MacAddress(known).toString(), "shard " + id);
        }

        capture.setEnabled(false);
        Thread.sleep(300);
        NetworkNamespace.Result bad = NetworkNamespace.run(T, "tshark", "-n", "-r", capture.currentFile().toString(),
                "-Y", "eth.src == " + mac + " && (_ws.malformed || _ws.expert.severity == error || icmpv6.checksum.status == 0)",
                "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message");
        assertTrue(bad.ok(), bad.stderr());
        assertEquals("", bad.stdout().strip(), "tshark found problems in frames the stack sent");
        NetworkNamespace.Result sent = NetworkNamespace.run(T, "tshark", "-n", "-r", capture.currentFile().toString(),
                "-Y", "eth.src == " + mac + " && icmpv6", "-T", "fields", "-e", "icmpv6.type");
        assertTrue(sent.stdout().lines().anyMatch("129"::equals), "echo replies: " + sent.stdout());
        assertTrue(sent.stdout().lines().anyMatch("136"::equals), "neighbor advertisements: " + sent.stdout());

        stack.close();
        assertNull(stack.leaksAtClose(), "every buffer and packet returned");
        stack = null;
    }

    private void ping(String address) throws Exception {
        NetworkNamespace.Result r = ns.exec(T, "ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "2", address);
        assertTrue(r.ok() && r.stdout().contains(" 0% packet loss"), r.stdout() + r.stderr());
    }
}
