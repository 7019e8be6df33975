package io.panamax.stack;

import io.panamax.ip.Ipv4Address;
import io.panamax.ip.dhcp.DhcpClient;
import io.panamax.ip.dhcp.DhcpLease;
import io.panamax.nic.capture.CaptureConfig;
import io.panamax.nic.capture.CapturingNic;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DHCP client against dnsmasq, a real server, on the kernel side of a TAP device in a
 * namespace made for the test. One life of a lease, in order: obtained from a lease file's address
 * (INIT-REBOOT; the file follows every lease, is removed on expiry, kept after the release;
 * the stack is up only with
 * its address on every shard; the kernel pings it), renewed at T1, NAKed by a server restarted
 * with another range (back to INIT and a new address), expired while no server answers, obtained
 * again, released when the stack stops (seen in dnsmasq's log and lease file). tshark decodes every
 * frame the stack sent.
 */
class KernelPeerDhcpTest {
    private static final String HOST_IP = "10.7.0.1";
    /** The address of the lease file the DHCP test starts with (in dnsmasq's first range). */
    private static final String REMEMBERED = "10.7.0.55";
    private static final Duration T = Duration.ofSeconds(60);
    /** dnsmasq's shortest lease (it raises anything shorter to two minutes). */
    private static final String LEASE = "2m";

    private NetworkNamespace ns;
    private Stack stack;
    private CapturingNic capture;
    private Process dnsmasq;
    private Path dir;
    private String tap;

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (stack != null) {
                stack.close();
            }
        } finally {
            stopServer();
            if (ns != null) {
                ns.close();
            }
        }
    }

    @Test
    void leaseRenewNakExpiryAndRelease() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "ping", "dnsmasq", "tshark");
        ns = NetworkNamespace.createUnique("pmx-dhcp");
        tap = "pmxh" + (ProcessHandle.current().pid() % 100000);
        dir = Files.createTempDirectory("pmx-dhcp");
        // Renewal retries every 2 s instead of RFC 2131's 60 s floor: the lease lasts two minutes.
        DhcpClient.Config config = DhcpClient.Config.defaults().withMinRenewRetransmit(2_000_000_000L);
        // A lease file from an earlier run: the stack asks for its address first (INIT-REBOOT), dnsmasq ACKs it.
        Path leaseFile = dir.resolve("stack-lease.txt");
        Files.writeString(leaseFile, new DhcpLease(Ipv4Address.parse(REMEMBERED), 24, Ipv4Address.parse(HOST_IP), 1400, new int[0],
                Ipv4Address.parse(HOST_IP), 120, 4, 8).toText());
        stack = Stack.builder()
                .nic(queues -> {
                    capture = CapturingNic.wrap(TapNic.builder().name(tap).namespace(ns).queues(queues).multiQueue(true)
                            .kernelAddress(HOST_IP + "/24").kernelIpv6(false).open(),
                            CaptureConfig.builder(dir.resolve("frames.pcapng")).build());
                    startServer("10.7.0.50", "10.7.0.59");
                    return capture;
                })
                .ipv4Dhcp(config, T)
                .dhcpLeaseFile(leaseFile)
                .shards(2)
                .reactorSettings(r -> r.pinThreads(false))
                .start();

        // Obtained, and in use on every shard when start() returned.
        DhcpLease first = onShard0(c -> c.lease());
        assertNotNull(first);
        String address = Ipv4Address.toString(first.address());
        assertEquals(REMEMBERED, address, "the remembered lease's address, asked for first");
        assertTrue(log().contains("DHCPREQUEST(" + tap + ") " + REMEMBERED) && !log().contains("DHCPDISCOVER"),
                "INIT-REBOOT: a REQUEST, no DISCOVER: " + log());
        waitFor(() -> address.equals(leaseInFile(leaseFile)), Duration.ofSeconds(5), "the lease written to its file");
        assertEquals(first.prefix(), stack.address());
        assertEquals(24, first.prefixLength());
        assertEquals(Ipv4Address.parse(HOST_IP), first.router());
        assertEquals(1400, first.interfaceMtu());
        for (int i = 0; i < stack.shardCount(); i++) {
            int id = i;
            assertEquals(first.address(), stack.await(stack.reactor().submit(id,
                    () -> ShardFuture.succeeded(stack.shard(id).address())), T), "shard " + id);
            assertEquals(1400, (int) stack.await(stack.reactor().submit(id,
                    () -> ShardFuture.succeeded(stack.shard(id).ipv4().mtu(0))), T), "the MTU option on shard " + id);
        }
        ping(address);

        // Renewed at T1 (4 s): unicast to the server, which answers with an ACK.
        waitFor(() -> onShard0(DhcpClient::renewals) >= 1, Duration.ofSeconds(20), "a renewal at T1");
        assertEquals(first.address(), onShard0(c -> c.lease()).address());
        assertTrue(log().contains("DHCPREQUEST(" + tap + ") " + address), log());
        ping(address);

        // NAK: the server now hands out another range and is authoritative, so the next renewal
        // of an address outside it is refused; the client starts over and gets a new address.
        stopServer();
        startServer("10.7.0.100", "10.7.0.109");
        waitFor(() -> onShard0(DhcpClient::naks) >= 1, Duration.ofSeconds(30), "a DHCPNAK");
        waitFor(() -> onShard0(c -> c.state()) == DhcpClient.State.BOUND, Duration.ofSeconds(30), "a new lease");
        DhcpLease second = onShard0(c -> c.lease());
        assertTrue(inRange(second.address(), "10.7.0.100", "10.7.0.109"), second.toString());
        assertTrue(log().contains("DHCPNAK(" + tap + ") " + address), log());
        waitFor(() -> stack.address().address() == second.address(), Duration.ofSeconds(5), "the new address published");
        ping(Ipv4Address.toString(second.address()));
        waitFor(() -> Ipv4Address.toString(second.address()).equals(leaseInFile(leaseFile)), Duration.ofSeconds(5),
                "the new lease in the file");

        // Expiry: no server at all; renewing and rebinding go unanswered until the lease ends.
        stopServer();
        waitFor(() -> onShard0(DhcpClient::expiries) >= 1, Duration.ofSeconds(150), "the lease to expire");
        waitFor(() -> stack.address().address() == 0, Duration.ofSeconds(5), "the address withdrawn");
        waitFor(() -> !Files.exists(leaseFile), Duration.ofSeconds(5), "the lease file removed with the lease");
        for (int i = 0; i < stack.shardCount(); i++) {
            int id = i;
            assertEquals(0, (int) stack.await(stack.reactor().submit(id,
                    () -> ShardFuture.succeeded(stack.shard(id).address())), T), "no address on shard " + id);
        }

        // A server again: a new lease; then the stack stops and releases it.
        startServer("10.7.0.100", "10.7.0.109");
        waitFor(() -> onShard0(c -> c.state()) == DhcpClient.State.BOUND, Duration.ofSeconds(30), "a lease after expiry");
        String third = Ipv4Address.toString(onShard0(c -> c.lease()).address());
        waitFor(() -> leases().contains(third), Duration.ofSeconds(5), "the lease in dnsmasq's file");
        stack.close();
        assertNull(stack.leaksAtClose(), "every buffer and packet returned");
        stack = null;
        waitFor(() -> log().contains("DHCPRELEASE(" + tap + ") " + third), Duration.ofSeconds(5), "dnsmasq saw the release");
        assertEquals(third, leaseInFile(leaseFile), "the file keeps the last lease for the next start");
        waitFor(() -> !leases().contains(third), Duration.ofSeconds(5), "the lease gone from dnsmasq's file");

        everyFrameTheStackSentDecodes();
    }

    /**
     * A stack with a static address (10.7.0.5/24) asks dnsmasq for the link's parameters with
     * DHCPINFORM ({@link Stack#dhcpInform}, RFC 2131 §3.4): the ACK brings the router, mask and
     * MTU, and dnsmasq leases nothing. Then a station (scapy) announces the stack's address from
     * another MAC: ARP defends it with one announcement (RFC 5227 §2.4), a second claim within
     * 10 s is not answered again; tshark decodes the INFORM and the defence.
     */
    @Test
    void informFromAStaticAddressAndItsDefence() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "dnsmasq", "tshark", "python3");
        Environment.require(io.panamax.nic.testing.Scapy.available(), "needs python3-scapy");
        ns = NetworkNamespace.createUnique("pmx-dhcpi");
        tap = "pmxi" + (ProcessHandle.current().pid() % 100000);
        dir = Files.createTempDirectory("pmx-dhcpi");
        stack = Stack.builder()
                .nic(queues -> {
                    capture = CapturingNic.wrap(TapNic.builder().name(tap).namespace(ns).kernelAddress(HOST_IP + "/24")
                            .kernelIpv6(false).open(), CaptureConfig.builder(dir.resolve("frames.pcapng")).build());
                    startServer("10.7.0.50", "10.7.0.59");
                    return capture;
                })
                .ipv4("10.7.0.5/24")
                .shards(1)
                .reactorSettings(r -> r.pinThreads(false))
                .start();
        io.panamax.ip.dhcp.DhcpMessage.Options got = stack.await(stack.dhcpInform(), T);
        assertEquals(io.panamax.ip.dhcp.DhcpMessage.DHCPACK, got.messageType());
        assertEquals(List.of(Ipv4Address.parse(HOST_IP)), java.util.Arrays.stream(got.routers()).boxed().toList(), "the router option");
        assertEquals(0xffff_ff00, got.subnetMask());
        assertEquals(1400, got.interfaceMtu());
        assertTrue(log().contains("DHCPINFORM(" + tap + ") 10.7.0.5"), log());
        assertTrue(leases().isBlank(), "no lease for an INFORM: " + leases());
        assertEquals(io.panamax.ip.dhcp.DhcpClient.State.INIT, onShard0(DhcpClient::state), "no lease taken");

        // Another station claims 10.7.0.5 twice, 1 s apart (gratuitous ARP requests from another MAC).
        String script = String.join("\n",
                "import sys, time",
                "from scapy.all import *",
                "iface = sys.argv[1]",
                "s = conf.L2socket(iface=iface)",
                "claim = Ether(src='02:00:00:00:0d:99', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, hwsrc='02:00:00:00:0d:99',"
                        + " psrc='10.7.0.5', hwdst='00:00:00:00:00:00', pdst='10.7.0.5')",
                "s.send(claim)",
                "time.sleep(1)",
                "s.send(claim)",
                "time.sleep(0.3)",
                "s.close()");
        ns.exec(T, io.panamax.nic.testing.Scapy.PYTHON, "-c", script, tap).orThrow("scapy on " + tap);
        waitFor(() -> stack.reactor().metrics().total("arp_address_defended_total") >= 1, Duration.ofSeconds(5), "a defence");
        assertEquals(1, stack.reactor().metrics().total("arp_address_defended_total"), "one defence per DEFEND_INTERVAL");
        assertEquals(2, stack.reactor().metrics().valuesByKey().get("arp_drops_total{reason=\"address_conflict\"}")[1],
                "both claims counted");
        stack.close();
        assertNull(stack.leaksAtClose(), "every buffer and packet returned");
        stack = null;

        String mac = capture.mac().toString();
        String file = capture.currentFile().toString();
        NetworkNamespace.Result inform = NetworkNamespace.run(T, "tshark", "-n", "-r", file,
                "-Y", "eth.src == " + mac + " && dhcp.option.dhcp == 8 && dhcp.ip.client == 10.7.0.5", "-T", "fields", "-e", "frame.number");
        assertTrue(inform.ok() && !inform.stdout().isBlank(), "a DHCPINFORM with ciaddr 10.7.0.5: " + inform.stdout() + inform.stderr());
        NetworkNamespace.Result defence = NetworkNamespace.run(T, "tshark", "-n", "-r", file,
                "-Y", "eth.src == " + mac + " && arp.src.proto_ipv4 == 10.7.0.5 && arp.dst.proto_ipv4 == 10.7.0.5",
                "-T", "fields", "-e", "frame.number");
        // One announcement at start (Stack.start) and one defence.
        assertEquals(2, defence.stdout().lines().filter(l -> !l.isBlank()).count(), "announcements: " + defence.stdout());
        everyFrameTheStackSentDecodes(List.of("8"));
    }

    /** The address of the lease in the stack's lease file, or null when there is none. */
    private static String leaseInFile(Path file) {
        try {
            return Files.exists(file) ? Ipv4Address.toString(DhcpLease.parse(Files.readString(file)).address()) : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null; // being replaced
        }
    }

    private void everyFrameTheStackSentDecodes() throws Exception {
        // 1 DISCOVER, 3 REQUEST, 7 RELEASE, as tshark reads option 53.
        everyFrameTheStackSentDecodes(List.of("1", "3", "7"));
    }

    private void everyFrameTheStackSentDecodes(List<String> dhcpTypes) throws Exception {
        String mac = capture.mac().toString();
        String file = capture.currentFile().toString();
        NetworkNamespace.Result bad = NetworkNamespace.run(T, "tshark", "-n", "-r", file,
                "-Y", "eth.src == " + mac + " && (_ws.malformed || _ws.expert.severity == error"
                        + " || ip.checksum.status == 0 || udp.checksum.status == 0)",
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message");
        assertTrue(bad.ok(), bad.stderr());
        assertEquals("", bad.stdout().strip(), "tshark found problems in frames the stack sent");
        NetworkNamespace.Result types = NetworkNamespace.run(T, "tshark", "-n", "-r", file,
                "-Y", "eth.src == " + mac + " && dhcp", "-T", "fields", "-e", "dhcp.option.dhcp");
        List<String> sent = types.stdout().lines().map(String::strip).toList();
        for (String type : dhcpTypes) {
            assertTrue(sent.contains(type), "the stack sent DHCP message type " + type + ": " + sent);
        }
    }

    // ---- the server ----------------------------------------------------------------------------------

    private void startServer(String low, String high) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                "--port=0", "--user=root", "--interface=" + tap, "--bind-interfaces", "--dhcp-authoritative",
                "--dhcp-range=" + low + "," + high + ",255.255.255.0," + LEASE,
                "--dhcp-option=option:router," + HOST_IP, "--dhcp-option=option:mtu,1400",
                // T1 and T2 far below the lease's two minutes: renewing at 4 s, rebinding (broadcast) at 8 s.
                "--dhcp-option=option:T1,4", "--dhcp-option=option:T2,8",
                "--dhcp-leasefile=" + dir.resolve("leases"), "--log-dhcp", "--log-facility=" + dir.resolve("log"),
                "--pid-file=" + dir.resolve("pid")));
        dnsmasq = ns.start(cmd.toArray(String[]::new));
        // Bound once it says so in its log (it logs the DHCP range at start).
        waitFor(() -> !dnsmasq.isAlive() || log().contains("DHCP, IP range " + low), Duration.ofSeconds(10), "dnsmasq to start");
        assertTrue(dnsmasq.isAlive(), "dnsmasq runs: " + new String(dnsmasq.getErrorStream().readAllBytes()) + log());
    }

    private void stopServer() throws Exception {
        if (dnsmasq != null) {
            dnsmasq.destroy();
            dnsmasq.waitFor();
            dnsmasq = null;
        }
    }

    private String log() {
        return readOrEmpty("log");
    }

    private String leases() {
        return readOrEmpty("leases");
    }

    /** A file dnsmasq writes (its log, its lease file), or "" before it exists. */
    private String readOrEmpty(String name) {
        try {
            Path p = dir.resolve(name);
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private <R> R onShard0(java.util.function.Function<DhcpClient, R> read) {
        return stack.await(stack.reactor().submit(0, () -> ShardFuture.succeeded(read.apply(stack.dhcpClient()))), T);
    }

    private void ping(String address) throws Exception {
        NetworkNamespace.Result r = ns.exec(T, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", address);
        assertTrue(r.ok() && r.stdout().contains(" 0% packet loss"), r.stdout() + r.stderr());
    }

    private static boolean inRange(int a, String low, String high) {
        return Integer.compareUnsigned(a, Ipv4Address.parse(low)) >= 0 && Integer.compareUnsigned(a, Ipv4Address.parse(high)) <= 0;
    }

    private static void waitFor(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
