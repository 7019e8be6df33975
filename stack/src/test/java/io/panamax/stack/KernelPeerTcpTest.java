package io.panamax.stack;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.Nic;
import io.panamax.nic.capture.CaptureConfig;
import io.panamax.nic.capture.CapturingNic;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.dpdk.Eal;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapCounters;
import io.panamax.nic.tap.TapNic;
import io.panamax.nic.testing.StreamedEcho;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.Environment;
import io.panamax.tcp.StandardServices;
import io.panamax.tcp.StreamConnection;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack's TCP against the Linux kernel over a TAP device (or DPDK's net_tap), inside a
 * namespace made for the test: nc, socat and Python sockets as clients and servers. Every frame the
 * stack sends and receives is captured, and tshark must find nothing wrong with what it sent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class KernelPeerTcpTest {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final Duration T = Duration.ofSeconds(120);

    static NetworkNamespace ns;
    static String tap;
    static TapNic tapNic;
    static DpdkNic dpdkNic;
    static Stack stack;
    static CapturingNic capture;
    static Path dir;
    static boolean checksumsVerifiable;

    /**
     * One shard on a TAP device, the stack with ECN (RFC 3168) on ({@link TcpConfig#ecn()}): its
     * active opens (to a kernel that accepts ECN, Linux's default {@code tcp_ecn=2}) negotiate it;
     * the kernel's own opens ask for it only during the ECN test, which sets {@code tcp_ecn=1} in
     * the namespace.
     */
    static class OneShardTap extends KernelPeerTcpTest {
        @BeforeAll
        static void start() throws Exception {
            // The User Timeout option enabled: sent only by a connection with a user timeout, so
            // only by the test of it; the kernel sends none.
            startOnTap(1, false, false, TcpConfig.builder().ecn(true).userTimeoutOption(true).build());
        }

        /**
         * RFC 5482: the stack's User Timeout option (kind 28) on a data segment to Linux, which
         * implements no such option and must skip it (RFC 9293 3.2, MUST-6): the echo comes back
         * whole, and tshark decodes the option as sent (300 s, seconds granularity) on a frame that
         * still fits the MTU (the option's 4 bytes come out of the payload).
         */
        @Test
        @Order(9)
        void theUserTimeoutOptionReachesTheKernelWhichIgnoresIt() throws Exception {
            Path pcap = dir.resolve("uto.pcap");
            Process dump = ns.start("tcpdump", "--immediate-mode", "-i", tap, "-s", "128", "-B", "8192", "-w", pcap.toString(), "-U",
                    "tcp port 5003");
            try {
                Thread.sleep(1000);
                echoThroughKernel(5003, 64 * 1024, c -> c.setUserTimeout(java.time.Duration.ofMinutes(5)));
                Thread.sleep(500);
            } finally {
                NetworkNamespace.run(T, "kill", "-INT", Long.toString(dump.pid()));
                dump.waitFor();
            }
            NetworkNamespace.Result r = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(), "-Y", "tcp.options.user_to",
                    "-T", "fields", "-e", "ip.src", "-e", "tcp.len", "-e", "tcp.options.user_to_val", "-e", "ip.len");
            assertTrue(r.ok(), r.stderr());
            List<String[]> uto = r.stdout().lines().filter(l -> !l.isBlank()).map(l -> l.split("\t", -1)).toList();
            assertEquals(1, uto.size(), "one segment carried it, the first after setUserTimeout: " + r.stdout());
            String[] f = uto.getFirst();
            assertEquals(STACK_IP, f[0]);
            assertTrue(Integer.parseInt(f[1]) > 0, "on a data segment");
            assertEquals("300", f[2], "5 minutes in seconds");
            assertTrue(Integer.parseInt(f[3]) <= 1500, "within the MTU: " + f[3]);
        }

        @Test
        @Order(8)
        void ecnIsNegotiatedWithTheKernelBothWaysAndDataGoesEcnCapable() throws Exception {
            Path pcap = dir.resolve("ecn.pcap");
            // --immediate-mode: without it tcpdump wrote none of this test's frames on Linux 6.18
            // (TPACKET_V3 blocks not yet handed over when it is stopped; see FrameCapture).
            Process dump = ns.start("tcpdump", "--immediate-mode", "-i", tap, "-s", "128", "-B", "8192", "-w", pcap.toString(), "-U",
                    "tcp port 7 or tcp port 5002");
            boolean[] activeEcn = new boolean[1];
            // Congestion marks, as an AQM router would make them: CE on every 10th ECT(0) packet of
            // these connections, both ways (xt_TOS can set the ECN bits; the ecn match keeps
            // Not-ECT packets unmarked, as RFC 3168 5 requires of routers).
            String[][] marks = {
                    {"POSTROUTING", "-o", tap, "-p", "tcp", "-m", "multiport", "--ports", "7,5002"},
                    {"PREROUTING", "-i", tap, "-p", "tcp", "-m", "multiport", "--ports", "7,5002"}};
            for (String[] m : marks) {
                ns.exec(T, iptables("-A", m)).orThrow("mark CE on " + m[0]);
            }
            ns.exec(T, "sysctl", "-w", "net.ipv4.tcp_ecn=1").orThrow("the kernel asks for ECN on its connections");
            long ceBefore = stack.reactor().metrics().total("tcp_ecn_ce_received_total");
            long reductionsBefore = stack.reactor().metrics().total("tcp_ecn_reductions_total");
            try {
                Thread.sleep(1000);
                // The kernel opens: its SYN is ECN-setup (tcp_ecn=1), the stack answers ECE.
                String script = String.join("\n",
                        "import socket, os",
                        "data = os.urandom(256 * 1024)",
                        "s = socket.create_connection(('" + STACK_IP + "', 7))",
                        "s.sendall(data)",
                        "s.shutdown(socket.SHUT_WR)",
                        "got = bytearray()",
                        "while True:",
                        "    b = s.recv(65536)",
                        "    if not b: break",
                        "    got.extend(b)",
                        "assert bytes(got) == data, len(got)",
                        "print('ok')");
                NetworkNamespace.Result r = ns.exec(T, "python3", "-c", script);
                assertTrue(r.ok() && r.stdout().contains("ok"), r.stdout() + r.stderr());
                // The stack opens: its SYN is ECN-setup, the kernel answers ECE.
                echoThroughKernel(5002, 256 * 1024, c -> activeEcn[0] = c.ecn());
                Thread.sleep(500);
            } finally {
                NetworkNamespace.run(T, "kill", "-INT", Long.toString(dump.pid()));
                dump.waitFor();
                for (String[] m : marks) {
                    ns.exec(T, iptables("-D", m));
                }
                ns.exec(T, "sysctl", "-w", "net.ipv4.tcp_ecn=2");
            }
            assertTrue(activeEcn[0], "the stack's connection negotiated ECN");
            // One decode of the capture by tshark, then RFC 3168's expectations over its fields.
            NetworkNamespace.Result r = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(), "-T", "fields",
                    "-e", "ip.src", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack", "-e", "tcp.flags.ece", "-e", "tcp.flags.cwr",
                    "-e", "tcp.len", "-e", "ip.dsfield.ecn");
            assertTrue(r.ok(), r.stderr());
            List<Frame> frames = r.stdout().lines().filter(l -> !l.isBlank()).map(Frame::parse).toList();
            // 6.1.1: ECN-setup SYN (ECE and CWR) and SYN-ACK (ECE only), each way.
            assertEquals(1, count(frames, f -> !f.fromStack && f.syn && !f.ack && f.ece && f.cwr), "the kernel's ECN-setup SYN");
            assertEquals(1, count(frames, f -> f.fromStack && f.syn && f.ack && f.ece && !f.cwr), "the stack's ECN-setup SYN-ACK");
            assertEquals(1, count(frames, f -> f.fromStack && f.syn && !f.ack && f.ece && f.cwr), "the stack's ECN-setup SYN");
            assertEquals(1, count(frames, f -> !f.fromStack && f.syn && f.ack && f.ece && !f.cwr), "the kernel's ECN-setup SYN-ACK");
            // 6.1.2, 6.1.4: data ECT(0) both ways, the stack's pure ACKs and SYNs Not-ECT.
            assertTrue(count(frames, f -> f.fromStack && f.len > 0 && f.ipEcn == 2) > 0, "the stack's data is ECT(0)");
            assertTrue(count(frames, f -> !f.fromStack && f.len > 0 && f.ipEcn == 2) > 0, "the kernel's data is ECT(0)");
            assertEquals(0, count(frames, f -> f.fromStack && f.len == 0 && f.ipEcn != 0), "no pure ACK or SYN of the stack is ECN-capable");
            var m = stack.reactor().metrics();
            assertTrue(m.total("tcp_ecn_connections_total") >= 2);
            // 6.1.3: the kernel's CE-marked data is echoed (ECE) until the kernel's CWR; 6.1.2: the
            // kernel's ECE for the stack's marked data reduces the stack's window, and CWR follows.
            assertTrue(m.total("tcp_ecn_ce_received_total") > ceBefore, "CE marks reached the stack");
            assertTrue(count(frames, f -> f.fromStack && !f.syn && f.ece) > 0, "the stack echoed CE");
            assertTrue(count(frames, f -> !f.fromStack && !f.syn && f.cwr) > 0, "the kernel reduced and said so");
            assertTrue(count(frames, f -> !f.fromStack && !f.syn && f.ece) > 0, "the kernel echoed CE");
            assertTrue(m.total("tcp_ecn_reductions_total") > reductionsBefore, "the stack reduced its window for ECE");
            assertTrue(count(frames, f -> f.fromStack && !f.syn && f.cwr) > 0, "the stack said so with CWR");
        }

        /**
         * The stack connects to a kernel echo server on {@code port}, runs {@code onOpen} on the new
         * connection, sends {@code size} random bytes and checks they come back whole.
         */
        private static void echoThroughKernel(int port, int size, java.util.function.Consumer<TcpConnection> onOpen)
                throws Exception {
            Process server = KernelListener.echo(ns, port, false);
            try {
                byte[] data = new byte[size];
                new Random(port).nextBytes(data);
                CompletableFuture<byte[]> echoed = stack.reactor().submit(0, () -> stack.shard(0).tcp()
                        .connect(Ipv4Address.parse(HOST_IP), port).then(c -> {
                            onOpen.accept(c);
                            return exchange(c, data);
                        }));
                assertEquals(HexFormat.of().formatHex(digest(data)), HexFormat.of().formatHex(digest(stack.await(echoed, T))));
            } finally {
                server.destroy();
            }
        }

        /** A frame as tshark decoded it: who sent it, its control bits, payload length, IP ECN field. */
        private record Frame(boolean fromStack, boolean syn, boolean ack, boolean ece, boolean cwr, int len, int ipEcn) {
            static Frame parse(String line) {
                String[] f = line.split("\t", -1);
                return new Frame(f[0].equals(STACK_IP), f[1].equals("1"), f[2].equals("1"), f[3].equals("1"),
                        f[4].equals("1"), Integer.parseInt(f[5]), Integer.parseInt(f[6]));
            }
        }

        private static long count(List<Frame> frames, java.util.function.Predicate<Frame> p) {
            return frames.stream().filter(p).count();
        }

        /** An iptables command that sets CE on every 10th ECT(0) packet matching {@code match}. */
        private static String[] iptables(String op, String[] match) {
            List<String> c = new java.util.ArrayList<>(List.of("iptables", "-t", "mangle", op));
            c.addAll(List.of(match));
            c.addAll(List.of("-m", "ecn", "--ecn-ip-ect", "2", "-m", "statistic", "--mode", "nth", "--every", "10",
                    "--packet", "0", "-j", "TOS", "--set-tos", "0x03/0x03"));
            return c.toArray(String[]::new);
        }
    }

    /**
     * One shard on a TAP device with offloads (virtio-net headers): the kernel sends 64 KB
     * super-segments and leaves checksums undone, the stack leaves its TCP checksums to the kernel.
     * The stack-side capture sees those partial checksums, so the kernel is the checksum judge here
     * (it drops bad ones), and a capture taken on the kernel's side of the device is decoded too.
     */
    static class OneShardTapOffloads extends KernelPeerTcpTest {
        @BeforeAll
        static void start() throws Exception {
            startOnTap(1, false, true);
            checksumsVerifiable = false;
        }

        @Test
        @Order(7)
        void superSegmentsBothWaysAndTheKernelSideCaptureDecodesCleanly() throws Exception {
            Path pcap = dir.resolve("kernel-side.pcap");
            // 1 GB each way (issue 15's test), streamed, tcpdump recording the headers.
            StreamedEcho.runCapturing(ns, dir, T, tap, "tcp", pcap, "nc -N " + STACK_IP + " 7", "1G");
            NetworkNamespace.Result r = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(),
                    "-Y", "_ws.malformed || _ws.expert.severity >= error", "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message");
            assertTrue(r.ok(), r.stderr());
            assertEquals("", r.stdout().strip(), "tshark found problems in the kernel-side capture " + pcap);
            NetworkNamespace.Result big = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(),
                    "-Y", "ip.dst == " + STACK_IP + " && frame.len > 1514", "-T", "fields", "-e", "frame.number");
            long superSegments = big.stdout().lines().count();
            TapCounters c = tapNic.queue(0).counters();
            assertTrue(superSegments > 0 && c.rxCoalesced.get() > 0,
                    "the kernel sent super-segments and the stack took them whole (" + superSegments + " in the capture, "
                            + c.rxCoalesced.get() + " counted; truncated " + c.rxTruncated.get() + ", bad headers "
                            + c.rxBadHeader.get() + ")");
            assertEquals(0, c.rxTruncated.get() + c.rxBadHeader.get() + c.txBadOffload.get() + c.txRejected.get(),
                    "no frame dropped by the offload paths");
            // The other way: TCP sent super-segments (TSO) and the kernel took them (the echo matched).
            NetworkNamespace.Result ours = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(),
                    "-Y", "ip.src == " + STACK_IP + " && frame.len > 1514", "-T", "fields", "-e", "frame.number");
            long sentWhole = ours.stdout().lines().count();
            long tcpSuper = stack.reactor().metrics().total("tcp_super_segments_sent_total");
            assertTrue(sentWhole > 0 && tcpSuper > 0 && c.txSegmentationOffloaded.get() > 0,
                    "the stack sent super-segments for the kernel to cut (" + sentWhole + " in the capture, " + tcpSuper
                            + " from TCP, " + c.txSegmentationOffloaded.get() + " through the device)");
        }
    }

    /** Two shards on a two-queue TAP: flows land on queues the kernel picks; software RSS forwards. */
    static class TwoShardsMultiQueueTap extends KernelPeerTcpTest {
        @BeforeAll
        static void start() throws Exception {
            startOnTap(2, true, false);
        }
    }

    /** Two shards on DPDK's net_tap (own JVM for the EAL). */
    @Tag("dpdk")
    static class TwoShardsDpdk extends KernelPeerTcpTest {
        @BeforeAll
        static void start() throws Exception {
            String why = Eal.unavailableReason().orElse(null);
            Environment.require(why == null, "needs DPDK 22.11 with a working EAL: " + why);
            prepare();
            tap = "pmxt" + (ProcessHandle.current().pid() % 100000);
            String vdev = "net_tap_pmxtcp" + ProcessHandle.current().pid() + ",iface=" + tap;
            startStack(2, queues -> capturing(dpdkNic = DpdkNic.open(DpdkNicConfig.vdev(vdev).queuesUpTo(queues)
                    .controlContext(ns::callInside).build())), MacAddress.randomLocal(new Random()));
            ns.exec(T, "ip", "addr", "add", HOST_IP + "/24", "dev", tap).orThrow("address the kernel side");
            ns.exec(T, "ip", "link", "set", tap, "up").orThrow("bring the kernel side up");
            // The NIC fills TCP checksums after the capture point: tshark would see the stack's
            // partial sums. The kernel checks them instead (it drops bad ones).
            checksumsVerifiable = false;
        }

        /**
         * net_tap offers TSO (done in software inside the driver, with DPDK's GSO library): TCP
         * hands the port super-segments, and what reaches the kernel must be whole, correctly
         * summed segments no larger than the MTU. A capture on the kernel's side of the TAP device
         * is decoded with checksum verification on.
         */
        @Test
        @Order(7)
        void superSegmentsCutByTheDeviceReachTheKernelWhole() throws Exception {
            var m = stack.reactor().metrics();
            long before = dpdkTso();
            Path pcap = dir.resolve("kernel-side.pcap");
            Process dump = ns.start("tcpdump", "--immediate-mode", "-i", tap, "-s", "128", "-B", "16384", "-w", pcap.toString(), "-U", "tcp");
            Process server = ns.start("socat", "TCP-LISTEN:5002,reuseaddr,fork", "EXEC:cat");
            try {
                Thread.sleep(1000);
                // The stack writes 3 MB at once, within the queue's 4,352 mbufs (a write larger than the
                // shard's free buffers waits for buffers that never come): super-segments to send.
                byte[] data = new byte[3 << 20];
                new Random(7).nextBytes(data);
                int host = Ipv4Address.parse(HOST_IP);
                CompletableFuture<byte[]> echoed = stack.reactor().submit(0,
                        () -> stack.shard(0).tcp().connect(host, 5002).then(c -> exchange(c, data)));
                byte[] back = stack.await(echoed, T);
                assertEquals(HexFormat.of().formatHex(digest(data)), HexFormat.of().formatHex(digest(back)),
                        "3 MB sent through DPDK TSO and echoed by the kernel, matching by SHA-256");
                Thread.sleep(500);
            } finally {
                server.destroy();
                NetworkNamespace.run(T, "kill", "-INT", Long.toString(dump.pid()));
                dump.waitFor();
            }
            long tso = dpdkTso() - before;
            assertTrue(tso > 0 && m.total("tcp_super_segments_sent_total") > 0,
                    "TCP sent super-segments (" + m.total("tcp_super_segments_sent_total") + ") and the port was asked to cut them ("
                            + tso + ")");
            for (int q = 0; q < dpdkNic.queueCount(); q++) {
                var c = dpdkNic.queue(q).counters();
                assertEquals(0, c.txBadOffloadDrops.get() + c.txTooManySegmentsDrops.get() + c.txOversizeDrops.get(),
                        "no frame dropped by the DPDK transmit path");
            }
            assertEquals(0, dpdkNic.deviceStats().oerrors(), "the driver refused nothing");
            String ours = "ip.src == " + STACK_IP;
            NetworkNamespace.Result r = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(),
                    "-o", "tcp.check_checksum:true", "-o", "ip.check_checksum:true",
                    "-Y", ours + " && (_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || frame.len > 1514)",
                    "-T", "fields", "-e", "frame.number", "-e", "frame.len", "-e", "_ws.expert.message");
            assertTrue(r.ok(), r.stderr());
            assertEquals("", r.stdout().strip(), "tshark found bad or oversized frames from the stack in the kernel-side capture " + pcap);
            NetworkNamespace.Result all = NetworkNamespace.run(T, "tshark", "-n", "-r", pcap.toString(),
                    "-Y", ours + " && tcp.len > 0", "-T", "fields", "-e", "tcp.len");
            long segments = all.stdout().lines().filter(l -> !l.isBlank()).count();
            assertTrue(segments > tso, "the kernel saw the cut segments (" + segments + " data segments for " + tso
                    + " super-segments)");
        }

        /** Super-segments the port's queues were asked to cut. */
        private static long dpdkTso() {
            long n = 0;
            for (int q = 0; q < dpdkNic.queueCount(); q++) {
                n += dpdkNic.queue(q).counters().txSegmentationOffloaded.get();
            }
            return n;
        }
    }

    static void prepare() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "nc", "socat", "python3", "tshark", "sha256sum", "tcpdump", "sysctl", "iptables");
        ns = NetworkNamespace.createUnique("pmx-tcp");
        dir = Files.createTempDirectory("pmx-tcp");
        checksumsVerifiable = true;
    }

    static void startOnTap(int shards, boolean multiQueue, boolean offloads) throws Exception {
        startOnTap(shards, multiQueue, offloads, TcpConfig.defaults());
    }

    static void startOnTap(int shards, boolean multiQueue, boolean offloads, TcpConfig tcp) throws Exception {
        prepare();
        tap = "pmxt" + (ProcessHandle.current().pid() % 100000);
        startStack(shards, queues -> capturing(tapNic = TapNic.builder().name(tap).namespace(ns)
                .queues(multiQueue ? queues : 1).multiQueue(multiQueue).kernelAddress(HOST_IP + "/24")
                .kernelIpv6(false).offloads(offloads).open()), null, tcp);
    }

    private static Nic capturing(Nic nic) throws Exception {
        // Headers only (the payload is checked end to end), a ring deep enough for line rate.
        capture = CapturingNic.wrap(nic, CaptureConfig.builder(dir.resolve("tcp.pcapng")).snaplen(128)
                .ringBytes(32 << 20).build());
        return capture;
    }

    static void startStack(int shards, NicFactory nic, MacAddress mac) throws Exception {
        startStack(shards, nic, mac, TcpConfig.defaults());
    }

    static void startStack(int shards, NicFactory nic, MacAddress mac, TcpConfig tcp) throws Exception {
        Stack.Builder b = Stack.builder().nic(nic).ipv4(STACK_IP + "/24").shards(shards).tcp(tcp)
                .reactorSettings(r -> r.pinThreads(false).buffersPerShard(16384));
        if (mac != null) {
            b.mac(mac);
        }
        stack = b.start();
        stack.await(stack.onEveryShard(s -> {
            s.tcp().listen(7, StandardServices::echo);
            s.tcp().listen(9, StandardServices::discard);
        }), T);
    }

    @AfterAll
    static void stop() throws Exception {
        Stack s = stack;
        NetworkNamespace n = ns;
        stack = null;
        ns = null;
        closeCheckingLeaks(s, n);
    }

    /** Closes the stack (when started) and checks its leaks, then deletes the namespace (when made). */
    static void closeCheckingLeaks(Stack s, NetworkNamespace n) throws Exception {
        try {
            if (s != null) {
                s.close();
                assertNull(s.leaksAtClose(), "every buffer and packet returned");
            }
        } finally {
            if (n != null) {
                n.close();
            }
        }
    }

    static String sha256(Path f) throws Exception {
        return ns.exec(T, "sha256sum", f.toString()).orThrow("sha256sum").stdout().split("\\s+")[0];
    }

    @Test
    @Order(1)
    void echo200MegabytesWithNetcat() throws Exception {
        Path in = dir.resolve("in.bin");
        NetworkNamespace.run(T, "sh", "-c", "head -c 200M /dev/urandom > " + in).orThrow("make the input");
        Path out = dir.resolve("out.bin");
        ns.exec(T, "sh", "-c", "nc -N " + STACK_IP + " 7 < " + in + " > " + out).orThrow("nc echo");
        assertEquals(Files.size(in), Files.size(out), "every byte came back");
        assertEquals(sha256(in), sha256(out));
        Files.delete(in);
        Files.delete(out);
    }

    @Test
    @Order(2)
    void thousandConcurrentConnectionsEchoTheirOwnData() throws Exception {
        String script = String.join("\n",
                "import asyncio, os, resource",
                "resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))",
                "async def one(i):",
                "    data = (b'%06d:' % i) + os.urandom(4000 + i % 97)",
                "    r, w = await asyncio.open_connection('" + STACK_IP + "', 7)",
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
        if (stack.shardCount() > 1) {
            long[] accepted = stack.reactor().metrics().valuesByKey().get("tcp_connections_accepted_total");
            for (int i = 0; i < stack.shardCount(); i++) {
                assertTrue(accepted[i] > 0, "shard " + i + " accepted some of the 1000 connections");
            }
        }
    }

    @Test
    @Order(3)
    void halfCloseStillReceivesTheRestOfTheEcho() throws Exception {
        // Reads on a second thread while sending: an echo peer that is not read from must stall.
        String script = String.join("\n",
                "import socket, os, threading",
                "data = os.urandom(3 * 1024 * 1024)",
                "s = socket.create_connection(('" + STACK_IP + "', 7))",
                "got = bytearray()",
                "def reader():",
                "    while True:",
                "        b = s.recv(65536)",
                "        if not b: break",
                "        got.extend(b)",
                "t = threading.Thread(target=reader)",
                "t.start()",
                "s.sendall(data)",
                "s.shutdown(socket.SHUT_WR)",
                "t.join(60)",
                "assert bytes(got) == data, len(got)",
                "print('ok')");
        NetworkNamespace.Result r = ns.exec(T, "python3", "-c", script);
        assertTrue(r.ok() && r.stdout().contains("ok"), r.stdout() + r.stderr());
    }

    @Test
    @Order(4)
    void clientResetMidTransferLeavesTheStackServing() throws Exception {
        long resetsBefore = stack.reactor().metrics().total("tcp_connections_reset_total");
        String script = String.join("\n",
                "import socket, struct, os, time",
                "s = socket.create_connection(('" + STACK_IP + "', 9))",
                "s.sendall(os.urandom(2 * 1024 * 1024))",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))",
                "s.close()",
                "time.sleep(0.3)",
                "t = socket.create_connection(('" + STACK_IP + "', 7))",
                "t.sendall(b'still here')",
                "t.shutdown(socket.SHUT_WR)",
                "print(t.recv(100).decode())");
        NetworkNamespace.Result r = ns.exec(T, "python3", "-c", script);
        assertTrue(r.ok() && r.stdout().contains("still here"), r.stdout() + r.stderr());
        assertTrue(stack.reactor().metrics().total("tcp_connections_reset_total") > resetsBefore,
                "the reset was received and counted");
    }

    @Test
    @Order(5)
    void activeOpensFromEveryShardToAKernelServer() throws Exception {
        Process server = KernelListener.echo(ns, 5001, true);
        try {
            int host = Ipv4Address.parse(HOST_IP);
            for (int i = 0; i < stack.shardCount(); i++) {
                int shard = i;
                byte[] data = new byte[5 * 1024 * 1024 + shard];
                new Random(shard).nextBytes(data);
                CompletableFuture<byte[]> echoed = stack.reactor().submit(shard,
                        () -> stack.shard(shard).tcp().connect(host, 5001).then(c -> exchange(c, data)));
                byte[] back = stack.await(echoed, T);
                assertEquals(HexFormat.of().formatHex(digest(data)), HexFormat.of().formatHex(digest(back)),
                        "shard " + shard + " got its data back");
            }
            if (stack.shardCount() > 1) {
                // RSS-aware local ports: the replies came to the connecting shard without forwarding.
                assertEquals(0, stack.reactor().metrics().total("steering_missteered_total"));
            }
        } finally {
            server.destroy();
        }
    }

    /** Writes everything, half-closes, reads until the end of stream; returns what was read. */
    private static ShardFuture<byte[]> exchange(StreamConnection c, byte[] data) {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream(data.length);
        ShardFuture<Void> sent = c.write(data).then(v -> c.shutdownOutput());
        ShardFuture<Void> received = ShardFuture.repeat(() -> c.read().map(p -> {
            boolean end = p.isEmpty();
            got.writeBytes(p.toByteArray());
            p.release();
            return end ? Loop.STOP : Loop.CONTINUE;
        }));
        return ShardFuture.whenAll(List.of(sent, received)).then(v -> c.close()).map(v -> got.toByteArray());
    }

    private static byte[] digest(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    @Order(6)
    void everyFrameTheStackSentDecodesCleanly() throws Exception {
        capture.setEnabled(false);
        Thread.sleep(500);
        assertEquals(0, capture.captureStats().droppedRingFull() + capture.captureStats().droppedAtLimit(), "the capture kept every frame: " + capture.captureStats());
        assertTrue(capture.captureFailure().isEmpty(), () -> capture.captureFailure().get().toString());
        String ourFrames = "ip.src == " + STACK_IP;
        String problems = "_ws.malformed || tcp.analysis.ack_lost_segment || tcp.analysis.lost_segment"
                + (checksumsVerifiable ? " || ip.checksum.status == 0 || tcp.checksum.status == 0" : "");
        NetworkNamespace.Result r = NetworkNamespace.run(T, "tshark", "-n", "-r", capture.currentFile().toString(),
                "-o", "tcp.check_checksum:" + checksumsVerifiable, "-o", "ip.check_checksum:" + checksumsVerifiable,
                "-Y", "(" + ourFrames + ") && (" + problems + ")", "-T", "fields",
                "-e", "frame.number", "-e", "_ws.expert.message");
        assertTrue(r.ok(), r.stderr());
        var m = stack.reactor().metrics();
        assertEquals("", r.stdout().strip(), "tshark found problems in frames the stack sent (nic tx drops "
                + m.total("nic_tx_drops_total") + ", tcp retransmits " + m.total("tcp_retransmitted_segments_total")
                + ", capture " + capture.captureStats() + ", file " + capture.currentFile() + ")");
        // Counted in payload bytes, not frames: with TSO one frame carries up to 45 segments.
        NetworkNamespace.Result all = NetworkNamespace.run(T, "tshark", "-n", "-r", capture.currentFile().toString(),
                "-Y", ourFrames + " && tcp", "-T", "fields", "-e", "tcp.len");
        long payload = all.stdout().lines().filter(l -> !l.isBlank()).mapToLong(l -> Long.parseLong(l.strip())).sum();
        assertTrue(payload > 200_000_000L, "the capture holds the stack's TCP traffic (" + payload + " payload bytes)");
    }
}
