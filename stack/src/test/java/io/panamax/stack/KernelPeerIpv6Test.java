package io.panamax.stack;

import io.panamax.ip.Ipv6;
import io.panamax.ip.Ipv6Address;
import io.panamax.ip.Reassembler;
import io.panamax.ip.Ndp;
import io.panamax.nic.capture.CaptureConfig;
import io.panamax.nic.capture.CapturingNic;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.testing.Scapy;
import io.panamax.nic.tap.TapCounters;
import io.panamax.nic.tap.TapNic;
import io.panamax.nic.testing.StreamedEcho;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack's IPv6 (static address, link-local address, neighbour discovery, ICMPv6 echo) against
 * the Linux kernel over a TAP device in a namespace made for the test: {@code ping -6} to both
 * addresses, the kernel's neighbour table showing the stack REACHABLE with its MAC, the stack's
 * cache holding the kernel, on every shard; UDP echo over IPv6, fragmentation and reassembly both
 * ways, ICMPv6 errors (port unreachable, parameter problem, packet too big → path MTU); TCP over
 * IPv6 (socat echo through a dual-stack listener with SHA-256, the MSS from the lowered path MTU,
 * a RST for a closed port, an active open to the kernel); tshark decodes every frame the stack
 * sent, TCP, UDP and ICMPv6 checksums included.
 */
class KernelPeerIpv6Test {
    private static final String STACK_IP6 = "fd00:7::2";
    private static final String HOST_IP6 = "fd00:7::1";
    private static final Duration T = Duration.ofSeconds(60);

    /** The stack's MAC, fixed so that its modified EUI-64 identifier (RFC 4291 2.5.1) is known before it starts. */
    private static final String STACK_MAC = "02:00:00:00:07:02";
    /** SLAAC (RouterAdvertisements): the stack's address in the advertised prefix fd00:8::/64. */
    private static final String SLAAC_IP6 = "fd00:8::ff:fe00:702";

    private NetworkNamespace ns;
    private Stack stack;
    private CapturingNic capture;
    private RouterAdvertisements radvd;

    @AfterEach
    void cleanUp() throws Exception {
        if (radvd != null) {
            radvd.close();
        }
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
        Environment.requireCommands("ip", "ping", "tshark", "socat", "python3", "radvd", "sysctl", "sha256sum");
        Environment.require(Scapy.available(), "needs python3-scapy (" + Scapy.PYTHON + " -c 'import scapy')");
        ns = NetworkNamespace.createUnique("pmx-ip6");
        String tap = "pmx6" + (ProcessHandle.current().pid() % 100000);
        Path dir = Files.createTempDirectory("pmx-ip6");
        // No DAD on the kernel side: its link-local address (radvd's source) is usable as soon as the TAP is up.
        ns.exec(T, "sysctl", "-w", "net.ipv6.conf.default.accept_dad=0").orThrow("sysctl");
        stack = Stack.builder()
                .nic(queues -> {
                    var nic = TapNic.builder().name(tap).namespace(ns).queues(shards > 1 ? queues : 1).multiQueue(shards > 1)
                            .kernelAddress("10.7.0.1/24").mac(io.panamax.nic.MacAddress.parse(STACK_MAC)).open();
                    capture = CapturingNic.wrap(nic, CaptureConfig.builder(dir.resolve("frames.pcapng")).build());
                    // radvd as soon as the TAP exists, before the stack's layers (and their first RS) start.
                    radvd = RouterAdvertisements.start(ns, tap, dir, io.panamax.nic.MacAddress.parse(STACK_MAC), T);
                    return capture;
                })
                .ipv6Autoconf()
                .ipv4("10.7.0.2/24")
                .ipv6(STACK_IP6 + "/64")
                // A 2 s reassembly timeout and 50 errors/s, burst 20, so that both show within the test.
                .ipv6Config(new Ipv6.Config(new Reassembler.Limits(64, 1L << 20, 65_583, 64, 2_000_000_000L), 50, 20))
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
            Ndp.State state = stack.await(stack.reactor().submit(id, () -> ShardFuture.succeeded(stack.ipv6(id).ndp().state(host[0], host[1]))), T);
            assertNotNull(state, "shard " + id + " has the kernel in its neighbour cache");
            long known = stack.await(stack.reactor().submit(id, () -> ShardFuture.succeeded(stack.ipv6(id).ndp().lookup(host[0], host[1]))), T);
            assertEquals(kernelMac, new io.panamax.nic.MacAddress(known).toString(), "shard " + id);
        }

        icmpv6ErrorsFollowTheFlowTheyQuote();
        udpAndIcmpv6Errors(tap, host, dir);
        tcp(dir);
        slaac(tap);
        if (shards == 1) {
            craftedFrames(tap, mac);
        }

        capture.setEnabled(false);
        Thread.sleep(300);
        NetworkNamespace.Result bad = NetworkNamespace.run(T, "tshark", "-n", "-o", "udp.check_checksum:TRUE",
                "-o", "tcp.check_checksum:TRUE", "-r", capture.currentFile().toString(),
                "-Y", "eth.src == " + mac + " && (_ws.malformed || _ws.expert.severity == error || icmpv6.checksum.status == 0"
                        + " || udp.checksum.status == 0 || tcp.checksum.status == 0)",
                "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message");
        assertTrue(bad.ok(), bad.stderr());
        assertEquals("", bad.stdout().strip(), "tshark found problems in frames the stack sent");
        // One pass over what the stack sent; quoted fields come first in errors (occurrence=f picks them).
        List<Sent> sent = sentFrames(mac);
        assertTrue(sent.stream().anyMatch(f -> f.icmpType() == 129), "echo replies");
        assertTrue(sent.stream().anyMatch(f -> f.icmpType() == 136), "neighbor advertisements");
        assertTrue(sent.stream().anyMatch(f -> f.icmpType() == 133), "router solicitations");
        assertTrue(sent.stream().anyMatch(f -> f.icmpType() == 143), "MLDv2 reports");
        // TCP over IPv6: segments within the MSS the lowered path MTU allows, never fragmented.
        List<Sent> tcp = sent.stream().filter(f -> f.tcpLength() >= 0 && f.icmpType() < 0).toList();
        assertTrue(tcp.size() > 1000, "TCP segments over IPv6: " + tcp.size());
        assertTrue(tcp.stream().allMatch(f -> f.fragmentId().isEmpty() && f.tcpLength() <= 1280 - 60 - 12), "within the MSS, unfragmented");
        assertTrue(tcp.stream().anyMatch(f -> (f.tcpFlags() & 0x12) == 0x12), "SYN-ACKs");
        assertTrue(tcp.stream().filter(f -> (f.tcpFlags() & 0x12) == 0x02).count() >= shards, "a SYN per shard (the active opens)");
        assertTrue(tcp.stream().anyMatch(f -> (f.tcpFlags() & 0x04) != 0), "a RST (the closed port)");
        // The stack fragmented (large echo replies, UDP after the packet too big) and tshark reassembled.
        List<Sent> fragments = sent.stream().filter(f -> !f.fragmentId().isEmpty() && f.icmpType() != 3).toList();
        assertTrue(fragments.size() >= 6, "fragments sent: " + fragments);
        assertTrue(fragments.stream().allMatch(f -> f.length() <= 1514), fragments.toString());

        if (shards == 1) {
            // Crafted frames (see craftedFrames): what the stack answered and what it must not have.
            assertEquals(1, sent.stream().filter(f -> f.icmpType() == 129 && f.echoId().endsWith("78")).count(),
                    "the atomic fragment was answered (RFC 6946): " + sent);
            assertEquals(List.of(), sent.stream().filter(f -> f.icmpType() == 129
                            && (f.echoId().endsWith("71") || f.echoId().endsWith("77"))).toList(),
                    "no reply to an incomplete or overlapping datagram");
            List<Sent> timeExceeded = sent.stream().filter(f -> f.icmpType() == 3 && f.icmpCode() == 1).toList();
            assertTrue(timeExceeded.size() == 1 && timeExceeded.get(0).fragmentId().endsWith("71"),
                    "one time exceeded (fragment reassembly) quoting the first fragment: " + timeExceeded);
            assertEquals(1, sent.stream().filter(f -> f.icmpType() == 4 && f.icmpCode() == 2).count(),
                    "one parameter problem code 2: for the echo request, not for the ICMPv6 error behind the same option");
            assertEquals(List.of(), sent.stream().filter(f -> f.icmpType() == 1 && f.udpSourcePort().equals("40001")).toList(),
                    "no port unreachable about a datagram to a multicast group");
            // The MLDv2 query's answer (RFC 3810 6.2): a report of current-state MODE_IS_EXCLUDE records, as tshark decodes it.
            NetworkNamespace.Result answer = NetworkNamespace.run(T, "tshark", "-n", "-r", capture.currentFile().toString(),
                    "-Y", "eth.src == " + mac + " && icmpv6.mldr.mar.record_type == 2", "-T", "fields", "-e", "frame.number");
            assertTrue(answer.ok() && !answer.stdout().isBlank(), "a report answered the query: " + answer.stdout() + answer.stderr());
            // The MLDv1 query's answer: an MLDv1 report (type 131) to the group it names, hop limit 1.
            NetworkNamespace.Result v1 = NetworkNamespace.run(T, "tshark", "-n", "-r", capture.currentFile().toString(),
                    "-Y", "eth.src == " + mac + " && icmpv6.type == 131 && ipv6.dst == icmpv6.mld.multicast_address && ipv6.hlim == 1",
                    "-T", "fields", "-e", "icmpv6.mld.multicast_address");
            assertTrue(v1.ok() && v1.stdout().contains("ff02::1:ff"), "an MLDv1 report answered the MLDv1 query: " + v1.stdout() + v1.stderr());
            // The two bad first fragments: a parameter problem each, quoting its fragment (RFC 8200 4.5, RFC 7112 5).
            NetworkNamespace.Result problems = NetworkNamespace.run(T, "tshark", "-n", "-r", capture.currentFile().toString(),
                    "-Y", "eth.src == " + mac + " && icmpv6.type == 4 && (icmpv6.code == 0 || icmpv6.code == 3)",
                    "-T", "fields", "-E", "occurrence=f", "-e", "icmpv6.code", "-e", "icmpv6.pointer", "-e", "ipv6.fraghdr.ident");
            // (The filter also matches errors quoting an ICMPv6 message of code 0: the outer code, first, tells them apart.)
            assertEquals(List.of("0\t4\t0x00000081", "3\t0\t0x00000082"),
                    problems.stdout().lines().filter(l -> l.startsWith("0\t") || l.startsWith("3\t")).sorted().toList(),
                    "parameter problems for the fragment of 1001 bytes and the incomplete header chain: " + problems.stderr());
            long flood = sent.stream().filter(f -> f.icmpType() == 1 && f.udpSourcePort().equals("40002")).count();
            assertTrue(flood >= 1 && flood < 150, "port unreachables for 200 datagrams, rate-limited: " + flood);
        }

        stack.close();
        assertNull(stack.leaksAtClose(), "every buffer and packet returned");
        stack = null;
    }

    /**
     * TCP over IPv6 with the TAP's offloads (virtio-net headers, TUNSETOFFLOAD with TSO6): nc -6
     * sends 32 MB to the echo and takes it back, SHA-256 compared on the fly. The kernel hands the
     * stack GRO'd/GSO'd IPv6 super-segments (taken whole), the stack hands it its own
     * ({@code GSO_TCPV6}, cut by the kernel) with the checksum left to it. A kernel-side capture
     * (headers) decodes without a malformed frame or error, shows super-segments both ways, and
     * every TCP checksum field the stack wrote holds the RFC 8200 8.1 pseudo-header sum the
     * kernel completes (a wrong one would pass: the kernel trusts NEEDS_CSUM on local delivery).
     */
    @org.junit.jupiter.api.Test
    void tcpOffloadsOverIpv6() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "nc", "tcpdump", "tshark", "sha256sum", "sysctl");
        ns = NetworkNamespace.createUnique("pmx-ip6o");
        String tap = "pmx6o" + (ProcessHandle.current().pid() % 100000);
        Path dir = Files.createTempDirectory("pmx-ip6o");
        ns.exec(T, "sysctl", "-w", "net.ipv6.conf.default.accept_dad=0").orThrow("sysctl");
        TapNic[] device = new TapNic[1];
        stack = Stack.builder()
                .nic(queues -> device[0] = TapNic.builder().name(tap).namespace(ns).kernelAddress("10.7.0.1/24")
                        .offloads(true).open())
                .ipv4("10.7.0.2/24")
                .ipv6(STACK_IP6 + "/64")
                .shards(1)
                .reactorSettings(r -> r.pinThreads(false).buffersPerShard(16384))
                .start();
        ns.exec(T, "ip", "-6", "addr", "add", HOST_IP6 + "/64", "dev", tap, "nodad").orThrow("address the kernel side");
        stack.await(stack.onEveryShard(s -> s.tcp().listen(7, io.panamax.tcp.StandardServices::echo)), T);
        ping(STACK_IP6);

        Path pcap = dir.resolve("kernel-side.pcap");
        StreamedEcho.runCapturing(ns, dir, T, tap, "ip6 and tcp", pcap, "nc -6 -N " + STACK_IP6 + " 7", "32M");
        NetworkNamespace.Result bad = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(),
                "-Y", "_ws.malformed || _ws.expert.severity >= error", "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message");
        assertTrue(bad.ok(), bad.stderr());
        assertEquals("", bad.stdout().strip(), "tshark found problems in the kernel-side capture");
        // What the stack sent: source, destination, payload length and checksum field of each TCP segment.
        NetworkNamespace.Result ours = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(),
                "-Y", "ipv6.src == " + STACK_IP6 + " && tcp", "-T", "fields", "-E", "separator=/t",
                "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.plen", "-e", "tcp.checksum", "-e", "frame.len");
        assertTrue(ours.ok(), ours.stderr());
        long segments = 0;
        long superSegments = 0;
        for (String line : ours.stdout().lines().filter(l -> !l.isBlank()).toList()) {
            String[] f = line.split("\t");
            long[] src = Ipv6Address.parse(f[0]);
            long[] dst = Ipv6Address.parse(f[1]);
            int plen = Integer.parseInt(f[2]);
            long pseudo = io.panamax.ip.wire.Ipv6Header.pseudoHeaderSum(src[0], src[1], dst[0], dst[1], plen, 6);
            assertEquals(io.panamax.ip.wire.InternetChecksum.fold(pseudo), Integer.decode(f[3]),
                    "the checksum field holds the pseudo-header sum for the kernel to complete: " + line);
            segments++;
            if (Integer.parseInt(f[4]) > 1514) {
                superSegments++;
            }
        }
        TapCounters c = device[0].queue(0).counters();
        long fromTcp = stack.reactor().metrics().total("tcp_super_segments_sent_total");
        assertTrue(superSegments > 0 && fromTcp > 0 && c.txSegmentationOffloaded.get() > 0,
                "the stack sent IPv6 super-segments for the kernel to cut (" + superSegments + " of " + segments
                        + " in the capture, " + fromTcp + " from TCP, " + c.txSegmentationOffloaded.get() + " through the device)");
        NetworkNamespace.Result big = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(),
                "-Y", "ipv6.dst == " + STACK_IP6 + " && frame.len > 1514", "-T", "fields", "-e", "frame.number");
        long received = big.stdout().lines().filter(l -> !l.isBlank()).count();
        assertTrue(received > 0 && c.rxCoalesced.get() > 0, "the kernel sent IPv6 super-segments and the stack took them whole ("
                + received + " in the capture, " + c.rxCoalesced.get() + " counted)");
        assertEquals(0, c.rxTruncated.get() + c.rxBadHeader.get() + c.txBadOffload.get() + c.txRejected.get(),
                "no frame dropped by the offload paths");
        assertEquals(0, counter("tcp_drops_total{reason=\"bad_checksum\"}"), "no segment failed its checksum");

        stack.close();
        assertNull(stack.leaksAtClose(), "every buffer and packet returned");
        stack = null;
    }

    /**
     * Frames crafted with scapy on the kernel side of the TAP: the first fragment of an echo
     * request alone (reassembly times out: time exceeded), overlapping fragments (RFC 5722:
     * dropped), an atomic fragment (RFC 6946: answered), an unknown option of action 10 in front
     * of an ICMPv6 error and of an echo request (a parameter problem for the second only, RFC 4443
     * 2.4 (e)), UDP to a closed port of all-nodes (no error) and a flood to a closed port (errors
     * rate-limited), a fragment of 1001 bytes with more to follow (RFC 8200 4.5) and a first fragment
     * without its UDP header (RFC 7112), each answered by a parameter problem, an MLDv2 query and
     * then an MLDv1 query (answered in MLDv1, RFC 3810 8.2.1).
     */
    private void craftedFrames(String tap, String mac) throws Exception {
        long overlapsBefore = counter("ipv6_reassembly_drops_total{reason=\"overlap\"}");
        String script = String.join("\n",
                "import sys, time",
                "from scapy.all import *",
                "iface, smac, stack, host = sys.argv[1:5]",
                "s = conf.L2socket(iface=iface)",
                "e = Ether(src=get_if_hwaddr(iface), dst=smac)",
                "def echo(i):",
                "    return bytes(IPv6(src=host, dst=stack)/ICMPv6EchoRequest(id=i, seq=1, data=b'p' * 1200))[40:]",
                "def frag(i, off, m, data):",
                "    return e/IPv6(src=host, dst=stack, nh=44)/IPv6ExtHdrFragment(nh=58, offset=off // 8, m=m, id=i)/Raw(data)",
                "p = echo(0x71)",
                "s.send(frag(0x71, 0, 1, p[:800]))",
                "p = echo(0x77)",
                "s.send(frag(0x77, 0, 1, p[:800]))",
                "s.send(frag(0x77, 792, 0, p[792:]))",
                "s.send(e/IPv6(src=host, dst=stack)/IPv6ExtHdrFragment(offset=0, m=0, id=0x78)/ICMPv6EchoRequest(id=0x78, seq=1))",
                "opt = HBHOptUnknown(otype=0x80, optdata=b'\\0\\0\\0\\0')",
                "s.send(e/IPv6(src=host, dst=stack)/IPv6ExtHdrDestOpt(options=[opt])/ICMPv6DestUnreach(code=4)"
                        + "/IPv6(src=stack, dst=host)/UDP(sport=7, dport=40000))",
                "s.send(e/IPv6(src=host, dst=stack)/IPv6ExtHdrDestOpt(options=[opt])/ICMPv6EchoRequest(id=0x79, seq=1))",
                "s.send(Ether(src=get_if_hwaddr(iface), dst='33:33:00:00:00:01')/IPv6(src=host, dst='ff02::1')"
                        + "/UDP(sport=40001, dport=9)/Raw(b'to all nodes'))",
                // An MLDv2 general query as a multicast router sends it (RFC 3810 5.1): answered within 200 ms.
                "s.send(Ether(src=get_if_hwaddr(iface), dst='33:33:00:00:00:01')/IPv6(src='fe80::99', dst='ff02::1', hlim=1)"
                        + "/IPv6ExtHdrHopByHop(options=[RouterAlert()])/ICMPv6MLQuery2(mrd=200))",
                // RFC 8200 4.5: more fragments follow, 1001 bytes of data: parameter problem code 0 at the Payload Length.
                "s.send(e/IPv6(src=host, dst=stack, nh=44)/IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x81)/Raw(b'x' * 1001))",
                // RFC 7112: a first fragment ending after a destination options header, before the UDP header: code 3.
                "s.send(e/IPv6(src=host, dst=stack, nh=44)/IPv6ExtHdrFragment(nh=60, offset=0, m=1, id=0x82)"
                        + "/Raw(bytes([17, 0, 1, 4, 0, 0, 0, 0])))",
                "flood = bytes(e/IPv6(src=host, dst=stack)/UDP(sport=40002, dport=9)/Raw(b'flood'))",
                "for _ in range(200):",
                "    s.send(flood)",
                // Then an MLDv1 query (RFC 2710, 24 bytes), once the MLDv2 answer is out: RFC 3810 8.2.1, answered in MLDv1.
                "time.sleep(0.5)",
                "s.send(Ether(src=get_if_hwaddr(iface), dst='33:33:00:00:00:01')/IPv6(src='fe80::99', dst='ff02::1', hlim=1)"
                        + "/IPv6ExtHdrHopByHop(options=[RouterAlert()])/ICMPv6MLQuery(mrd=200))",
                "s.close()");
        String[] stackAddress = {STACK_IP6, HOST_IP6};
        ns.exec(T, Scapy.PYTHON, "-c", script, tap, mac, stackAddress[0], stackAddress[1])
                .orThrow("scapy on " + tap);
        assertTrue(counter("ipv6_reassembly_drops_total{reason=\"overlap\"}") > overlapsBefore, "overlapping fragments dropped");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (counter("ipv6_reassembly_drops_total{reason=\"timeout\"}") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(counter("ipv6_reassembly_drops_total{reason=\"timeout\"}") > 0, "the lone first fragment timed out");
        assertTrue(counter("icmpv6_errors_rate_limited_total") > 0, "the flood met the token bucket");
        assertEquals(2, counter("mld_queries_received_total"), "the MLDv2 and MLDv1 queries reached the home shard's Slaac");
        Thread.sleep(300); // the answer comes within the query's 200 ms; it is looked for in the capture at the end
    }

    /**
     * SLAAC from radvd: on every shard the address in fd00:8::/64 passed DAD and is in use, the one
     * in fd00:9::/64 was found a duplicate and is not; the default router is the kernel's
     * link-local address and the link MTU the advertised 1400; the kernel pings the SLAAC address.
     */
    private void slaac(String tap) throws Exception {
        assertEquals(SLAAC_IP6, radvd.slaacAddress);
        radvd.assertAutoconfigured(stack, ns, tap, T);
        ping(SLAAC_IP6);
    }

    private long counter(String key) {
        long[] v = stack.reactor().metrics().valuesByKey().get(key);
        return v == null ? 0 : v[v.length - 1];
    }

    /** A frame the stack sent, as tshark decodes it (first occurrence of each field: the quoted one in an error). */
    private record Sent(int number, int length, int icmpType, int icmpCode, String echoId, String udpSourcePort, String fragmentId,
                        int tcpLength, int tcpFlags) {
    }

    private List<Sent> sentFrames(String mac) throws Exception {
        NetworkNamespace.Result r = NetworkNamespace.run(T, "tshark", "-n", "-r", capture.currentFile().toString(),
                "-Y", "eth.src == " + mac, "-T", "fields", "-E", "occurrence=f", "-E", "separator=/t",
                "-e", "frame.number", "-e", "frame.len", "-e", "icmpv6.type", "-e", "icmpv6.code", "-e", "icmpv6.echo.identifier",
                "-e", "udp.srcport", "-e", "ipv6.fraghdr.ident", "-e", "tcp.len", "-e", "tcp.flags");
        assertTrue(r.ok(), r.stderr());
        return r.stdout().lines().filter(l -> !l.isBlank()).map(l -> {
            String[] f = l.split("\t", -1);
            return new Sent(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2].isEmpty() ? -1 : Integer.parseInt(f[2]),
                    f[3].isEmpty() ? -1 : Integer.parseInt(f[3]), f[4], f[5], f[6],
                    f[7].isEmpty() ? -1 : Integer.parseInt(f[7]), f[8].isEmpty() ? -1 : Integer.decode(f[8]));
        }).toList();
    }

    /**
     * ICMPv6 errors reach the shard of the flow they quote: twelve TCP connections from the kernel
     * land on the shards by their 4-tuples; for each, the kernel sends a destination unreachable
     * quoting a segment of it (from the stack's port 7007 to the connection's port), all with the
     * same address pair; each shard's TCP counts exactly the errors about its own connections.
     */
    private void icmpv6ErrorsFollowTheFlowTheyQuote() throws Exception {
        var shardOfPort = new java.util.concurrent.ConcurrentHashMap<Integer, Integer>();
        io.panamax.tcp.TcpListener[] listeners = new io.panamax.tcp.TcpListener[stack.shardCount()];
        stack.await(stack.onEveryShard(s -> listeners[s.shard().id()] = s.tcp().listen(7007,
                conn -> shardOfPort.put(conn.remoteAddress().getPort(), s.shard().id()))), T);
        long[] before = stack.reactor().metrics().valuesByKey().getOrDefault("tcp_icmp_errors_total", new long[stack.shardCount() + 1]).clone();
        int connections = 12;
        String script = String.join("\n",
                "import socket, struct, time",
                "stack, host = '" + STACK_IP6 + "', '" + HOST_IP6 + "'",
                "conns = []",
                "for i in range(" + connections + "):",
                "    c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)",
                "    c.connect((stack, 7007))",
                "    conns.append(c)",
                "time.sleep(0.3)",
                "icmp = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)",
                "for c in conns:",
                "    port = c.getsockname()[1]",
                "    tcp = struct.pack('!HHIIBBHHH', 7007, port, 0, 0, 5 << 4, 0x10, 65535, 0, 0)",
                "    quoted = struct.pack('!IHBB', 6 << 28, len(tcp), 6, 64) + socket.inet_pton(socket.AF_INET6, stack)"
                        + " + socket.inet_pton(socket.AF_INET6, host) + tcp",
                // Destination unreachable, code 4 (port unreachable): the kernel fills in the checksum.
                "    icmp.sendto(struct.pack('!BBHI', 1, 4, 0, 0) + quoted, (stack, 0))",
                "    print(port)",
                "time.sleep(0.5)",
                "for c in conns:",
                "    c.close()");
        NetworkNamespace.Result r = ns.exec(T, Scapy.PYTHON, "-c", script);
        assertTrue(r.ok(), r.stdout() + r.stderr());
        List<Integer> ports = r.stdout().lines().map(String::strip).map(Integer::parseInt).toList();
        assertEquals(connections, ports.size(), r.stdout());
        int[] expected = new int[stack.shardCount()];
        for (int port : ports) {
            Integer shard = shardOfPort.get(port);
            assertNotNull(shard, "connection from port " + port + " accepted: " + shardOfPort);
            expected[shard]++;
        }
        long[] after = before;
        for (int tries = 0; tries < 50; tries++) {
            after = stack.reactor().metrics().valuesByKey().get("tcp_icmp_errors_total");
            if (after != null && after[after.length - 1] - before[before.length - 1] >= connections) {
                break;
            }
            Thread.sleep(20);
        }
        for (int i = 0; i < stack.shardCount(); i++) {
            assertEquals(expected[i], after[i] - before[i], "shard " + i + ": the errors about its own connections "
                    + java.util.Arrays.toString(expected) + ", " + shardOfPort);
        }
        if (stack.shardCount() > 1) {
            assertTrue(expected[0] > 0 && expected[1] > 0, "connections on both shards: " + java.util.Arrays.toString(expected));
        }
        stack.await(stack.onEveryShard(s -> listeners[s.shard().id()].close()), T);
    }

    /**
     * UDP over IPv6 through an echo bound on every shard (socat from the kernel, data compared,
     * 3000 bytes fragmented both ways), ping -6 -s 8000 (reassembly and fragmentation), ICMPv6
     * errors the kernel acts on (port unreachable → ECONNREFUSED, parameter problem for an unknown
     * next header), and a packet too big lowering the path MTU on every shard.
     */
    private void udpAndIcmpv6Errors(String tap, long[] host, Path dir) throws Exception {
        stack.await(stack.onEveryShard(s -> s.udp().bind(7, new io.panamax.ip.UdpHandler() {
            @Override
            public void onDatagram(io.panamax.ip.UdpSocket socket, int srcIp, int srcPort, io.panamax.reactor.ReadBuffer payload) {
                socket.send(srcIp, srcPort, payload);
            }

            @Override
            public void onDatagram6(io.panamax.ip.UdpSocket socket, long srcHigh, long srcLow, int srcPort,
                                    io.panamax.reactor.ReadBuffer payload) {
                socket.send6(srcHigh, srcLow, srcPort, payload);
            }
        })), T);
        java.util.Random random = new java.util.Random(14);
        for (int size : new int[] {100, 3000}) {
            udpEcho(dir, random, size);
        }

        // Kernel → stack in fragments, stack → kernel in fragments (the reply is as large).
        NetworkNamespace.Result big = ns.exec(T, "ping", "-6", "-n", "-c", "2", "-i", "0.3", "-W", "3", "-s", "8000", STACK_IP6);
        assertTrue(big.ok() && big.stdout().contains(" 0% packet loss") && big.stdout().contains("8008 bytes from"),
                big.stdout() + big.stderr());

        // Errors the kernel receives and acts on (python3's raw sockets; the kernel fills in ICMPv6 checksums).
        String script = String.join("\n",
                "import socket, struct",
                "u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)",
                "u.settimeout(3)",
                "u.connect(('" + STACK_IP6 + "', 9))",
                "u.send(b'anyone there?')",
                "try:",
                "    u.recv(100)",
                "    print('port: answered')",
                "except ConnectionRefusedError:",
                "    print('port: refused')",
                "except socket.timeout:",
                "    print('port: timeout')",
                "icmp = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)",
                "icmp.settimeout(3)",
                "raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 253)",
                "raw.sendto(b'experimental protocol 253', ('" + STACK_IP6 + "', 0))",
                "seen = 'none'",
                "try:",
                "    while True:",
                "        m, a = icmp.recvfrom(2000)",
                "        if m[0] == 4:",
                "            seen = '%d %d %d %d' % (m[0], m[1], struct.unpack('!I', m[4:8])[0], m[8 + 6])",
                "            break",
                "except socket.timeout:",
                "    pass",
                "print('problem: ' + seen)",
                // A packet too big about a datagram the stack sent us (RFC 4443 3.2): MTU 1280.
                "quoted = struct.pack('!IHBB', 6 << 28, 1452, 17, 64) + socket.inet_pton(socket.AF_INET6, '" + STACK_IP6 + "')"
                        + " + socket.inet_pton(socket.AF_INET6, '" + HOST_IP6 + "') + struct.pack('!HHHH', 7, 40000, 1452, 0)",
                "icmp.sendto(struct.pack('!BBHI', 2, 0, 0, 1280) + quoted + bytes(64), ('" + STACK_IP6 + "', 0))",
                "print('sent')");
        NetworkNamespace.Result errors = ns.exec(T, Scapy.PYTHON, "-c", script);
        assertTrue(errors.ok(), errors.stdout() + errors.stderr());
        assertTrue(errors.stdout().contains("port: refused"), "ICMPv6 port unreachable → ECONNREFUSED: " + errors.stdout());
        // Parameter problem, code 1 (unrecognized next header), pointer 6 (the next header field), quoting our datagram.
        assertTrue(errors.stdout().contains("problem: 4 1 6 253"), errors.stdout());

        for (int i = 0; i < stack.shardCount(); i++) {
            int id = i;
            int mtu = 0;
            for (int tries = 0; tries < 50 && mtu != 1280; tries++) {
                mtu = stack.await(stack.reactor().submit(id, () -> ShardFuture.succeeded(stack.ipv6(id).pathMtu(host[0], host[1]))), T);
                if (mtu != 1280) {
                    Thread.sleep(20);
                }
            }
            assertEquals(1280, mtu, "shard " + id + " lowered the path MTU to the kernel");
        }
        // Now 1400 bytes of UDP data leave in 1280-byte fragments.
        udpEcho(dir, random, 1400);

        if (stack.shardCount() == 1) {
            // The future-based receive() over IPv6: the sender as an InetSocketAddress of the IPv6 family.
            var received = stack.reactor().submit(0, () -> stack.shard(0).udp().bind(5555).receive().then(d -> {
                int length = d.payload().length();
                d.payload().release();
                return ShardFuture.succeeded(java.util.Map.entry(d.sender(), length));
            }));
            ns.exec(T, "sh", "-c", "printf 'twelve bytes' | socat -u - 'UDP6:[" + STACK_IP6 + "]:5555'").orThrow("socat");
            var got = stack.await(received, T);
            assertEquals(java.net.InetAddress.getByName(HOST_IP6), got.getKey().getAddress(), "sender " + got.getKey());
            assertEquals(12, got.getValue());
        }
    }

    /**
     * TCP over IPv6 with the kernel, after the packet too big lowered the path MTU to 1280: an echo
     * listening on port 7 of every shard with {@code listen(port)} (dual-stack) takes socat's
     * 4 MB and sends it back (SHA-256 compared); the accepted connection sees the kernel's IPv6
     * address and an MSS of 1280 - 60 - 12 (timestamps); a SYN to a closed port is refused with a
     * RST; from every shard, the stack opens a connection to a socat server on the kernel side with
     * {@code connect(InetSocketAddress)} and sends 1 MB (SHA-256 compared): on two shards the
     * RSS-aware port brings the replies back to the connecting shard.
     */
    private void tcp(Path dir) throws Exception {
        var accepted = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        stack.await(stack.onEveryShard(s -> s.tcp().listen(7, conn -> {
            accepted.add(conn.remoteAddress().getAddress().getHostAddress() + " mss " + conn.maxSegmentSize() + " ipv6 " + conn.isIpv6());
            io.panamax.tcp.StandardServices.echo(conn);
        })), T);
        byte[] data = new byte[4 << 20];
        new java.util.Random(6).nextBytes(data);
        Path in = dir.resolve("tcp-in.bin");
        Path out = dir.resolve("tcp-out.bin");
        Files.write(in, data);
        NetworkNamespace.Result echo = ns.exec(T, "sh", "-c", "socat -t 30 -T 30 - 'TCP6:[" + STACK_IP6 + "]:7' < " + in + " > " + out);
        assertTrue(echo.ok(), echo.stderr());
        assertEquals(sha256(in), sha256(out), "TCP echo over IPv6 of 4 MB");
        String host = java.net.InetAddress.getByName(HOST_IP6).getHostAddress();
        assertEquals(List.of(host + " mss " + (1280 - 60 - 12) + " ipv6 true"), List.copyOf(accepted),
                "the accepted connection: the kernel's address, the MSS from the path MTU");

        NetworkNamespace.Result refused = ns.exec(T, Scapy.PYTHON, "-c", String.join("\n",
                "import socket",
                "s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)",
                "s.settimeout(5)",
                "try:",
                "    s.connect(('" + STACK_IP6 + "', 9999))",
                "    print('connected')",
                "except ConnectionRefusedError:",
                "    print('refused')"));
        assertEquals("refused", refused.stdout().strip(), "a SYN to a closed port gets a RST: " + refused.stderr());

        // Active open from every shard: the port policy picks a local port whose replies the
        // IPv6 flow steering brings back to the connecting shard (LocalPortPolicy.choose6).
        for (int i = 0; i < stack.shardCount(); i++) {
            int id = i;
            int port = 7008 + i;
            Path received = dir.resolve("tcp-received-" + i + ".bin");
            Process server = ns.start("socat", "-u", "TCP6-LISTEN:" + port + ",reuseaddr", "OPEN:" + received + ",creat,trunc");
            byte[] upload = java.util.Arrays.copyOf(data, 1 << 20);
            Path sentFile = dir.resolve("tcp-sent.bin");
            Files.write(sentFile, upload);
            java.net.InetSocketAddress kernel = new java.net.InetSocketAddress(java.net.InetAddress.getByName(HOST_IP6), port);
            String peer = null;
            for (int attempt = 0; attempt < 50 && peer == null; attempt++) {
                try {
                    peer = stack.await(stack.reactor().submit(id, () -> stack.shard(id).tcp().connect(kernel)
                            .then(conn -> conn.write(upload).then(v -> conn.close())
                                    .map(v -> conn.remoteAddress() + " local " + conn.localAddress().getAddress().getHostAddress()))), T);
                } catch (RuntimeException e) {
                    Thread.sleep(100);   // socat not listening yet: refused
                }
            }
            assertEquals(kernel + " local " + java.net.InetAddress.getByName(STACK_IP6).getHostAddress(), peer, "shard " + id);
            assertTrue(server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "socat received the stream and exited (shard " + id + ")");
            assertEquals(sha256(sentFile), sha256(received), "1 MB from shard " + id + "'s active open over IPv6");
        }
    }

    private String sha256(Path f) throws Exception {
        return ns.exec(T, "sha256sum", f.toString()).orThrow("sha256sum").stdout().split("\\s+")[0];
    }

    private void udpEcho(Path dir, java.util.Random random, int size) throws Exception {
        StringBuilder text = new StringBuilder(size);
        for (int i = 0; i < size; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        Path file = dir.resolve("udp-" + size + ".txt");
        Files.writeString(file, text);
        NetworkNamespace.Result r = ns.exec(T, "sh", "-c",
                "socat -t 0.5 -T 5 - 'UDP6:[" + STACK_IP6 + "]:7' < " + file);
        assertEquals(text.toString(), r.stdout(), "UDP echo over IPv6 of " + size + " bytes; stderr: " + r.stderr());
    }

    private void ping(String address) throws Exception {
        NetworkNamespace.Result r = ns.exec(T, "ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "2", address);
        assertTrue(r.ok() && r.stdout().contains(" 0% packet loss"), r.stdout() + r.stderr());
    }
}
