package io.panamax.stack;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.testing.Environment;
import io.panamax.tcp.StandardServices;
import io.panamax.tcp.TcpConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A SYN flood (RFC 4987 2, 3.6) from a raw socket in the test's namespace against the stack over
 * TAP, while a kernel client opens, uses and closes connections to the same port in a loop: every
 * client connection succeeds (the stack answers with SYN cookies once the SYN queue is full), the
 * stack's state stays bounded, and the port serves at once when the flood stops. The flooder is a
 * stdlib-only Python program sending prebuilt SYNs (Linux's options: MSS, SACK-permitted,
 * timestamps, window scale) from spoofed addresses in the TAP's subnet, which nobody answers for.
 */
class SynFloodTest {
    private static final String HOST_IP = "10.7.0.1";
    private static final String STACK_IP = "10.7.0.2";
    private static final Duration T = Duration.ofSeconds(60);
    private static final int FLOOD_SECONDS = 5;
    private static final int SYN_QUEUE = 256;

    private static final String FLOODER = String.join("\n",
            "import socket, struct, random, time, sys",
            "DST = sys.argv[1]; PORT = int(sys.argv[2]); SECS = float(sys.argv[3])",
            "dst = socket.inet_aton(DST)",
            "def csum(b):",
            "    if len(b) % 2: b += b'\\0'",
            "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
            "    while s >> 16: s = (s & 0xffff) + (s >> 16)",
            "    return ~s & 0xffff",
            "rnd = random.Random(4987)",
            "pkts = []",
            "for i in range(32768):",
            "    src = bytes([10, 7, 0, rnd.randint(10, 250)])",
            "    opts = struct.pack('!BBH', 2, 4, 1460) + bytes([4, 2, 8, 10]) + struct.pack('!II', rnd.getrandbits(32), 0)"
                    + " + bytes([1, 3, 3, 7])",
            "    tcp = struct.pack('!HHIIBBHHH', rnd.randint(1024, 65535), PORT, rnd.getrandbits(32), 0,"
                    + " (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts",
            "    c = csum(src + dst + struct.pack('!BBH', 0, 6, len(tcp)) + tcp)",
            "    tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]",
            "    pkts.append(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6, 0, src, dst) + tcp)",
            "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)",
            "print('flooding', flush=True)",
            "addr = (DST, 0); sent = 0; refused = 0; end = time.time() + SECS",
            "while time.time() < end:",
            "    for p in pkts[sent % 32768:sent % 32768 + 512]:",
            "        try:",
            "            s.sendto(p, addr); sent += 1",
            "        except OSError:",
            "            refused += 1; sent += 1",
            "print('sent', sent - refused, 'refused', refused, flush=True)");

    private static final String CLIENT = String.join("\n",
            "import socket, time, sys",
            "DST = sys.argv[1]; SECS = float(sys.argv[2]); MAX = int(sys.argv[3])",
            "end = time.time() + SECS; ok = 0; fail = 0; worst = 0.0",
            "while ok + fail < MAX and (SECS == 0 or time.time() < end):",
            "    t0 = time.time()",
            "    try:",
            "        c = socket.create_connection((DST, 7), timeout=3)",
            "        data = b'%08d' % ok * 16",
            "        c.sendall(data); got = b''",
            "        while len(got) < len(data):",
            "            b = c.recv(4096)",
            "            if not b: break",
            "            got += b",
            "        c.close()",
            "        assert got == data, len(got)",
            "        ok += 1",
            "    except Exception as e:",
            "        fail += 1; print('fail', repr(e), file=sys.stderr, flush=True)",
            "    worst = max(worst, time.time() - t0)",
            "print('ok', ok, 'fail', fail, 'worst_ms', int(worst * 1000), flush=True)");
    // A client connection waits at most 3 s (the kernel's SYN is retransmitted after 1 s, then 2 s).

    @Test
    void clientsGetInDuringAFloodAndAfterIt() throws Exception {
        Environment.requireRoot("creates a network namespace, a TAP device and a raw socket");
        Environment.requireCommands("ip", "python3");
        Path dir = Files.createTempDirectory("pmx-synflood");
        Path flooder = Files.writeString(dir.resolve("flood.py"), FLOODER);
        Path client = Files.writeString(dir.resolve("client.py"), CLIENT);
        String tap = "pmxf" + (ProcessHandle.current().pid() % 100000);
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-flood")) {
            Stack stack = Stack.builder()
                    .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(1).kernelAddress(HOST_IP + "/24")
                            .kernelIpv6(false).open())
                    .ipv4(STACK_IP + "/24").shards(1)
                    .tcp(TcpConfig.builder().synQueueSize(SYN_QUEUE).build())
                    .reactorSettings(r -> r.pinThreads(false).buffersPerShard(8192))
                    .start();
            try {
                stack.await(stack.onEveryShard(s -> s.tcp().listen(7, StandardServices::echo)), T);
                System.gc();
                long heapBefore = usedHeap();
                long capacity = stack.reactor().metrics().total("reactor_buffers_capacity");

                Process flood = ns.start("python3", flooder.toString(), STACK_IP, "7", String.valueOf(FLOOD_SECONDS));
                // The flooder builds its SYNs first (about a second); the clients start with the flood.
                var floodOutput = new java.io.BufferedReader(new java.io.InputStreamReader(flood.getInputStream()));
                String first = floodOutput.readLine();
                assertEquals("flooding", first, "the flooder started");
                Process clients = ns.start("python3", client.toString(), STACK_IP, String.valueOf(FLOOD_SECONDS - 1), "100000");
                int maxConnections = 0;
                long minBuffers = Long.MAX_VALUE;
                while (flood.isAlive()) {
                    maxConnections = Math.max(maxConnections, connections(stack));
                    minBuffers = Math.min(minBuffers, stack.reactor().metrics().total("reactor_buffers_available"));
                    Thread.sleep(100);
                }
                String floodOut = floodOutput.readLine() + new String(flood.getErrorStream().readAllBytes());
                assertTrue(clients.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the client loop ended");
                String during = new String(clients.getInputStream().readAllBytes()) + new String(clients.getErrorStream().readAllBytes());
                // The flood has stopped: the listener serves at once (no half-open connection holds the port).
                NetworkNamespace.Result after = ns.exec(T, "python3", client.toString(), STACK_IP, "0", "20");

                long cookies = stack.reactor().metrics().total("tcp_syn_cookies_sent_total");
                long synsIn = stack.reactor().metrics().total("tcp_segments_received_total");
                System.gc();
                long heapGrowth = usedHeap() - heapBefore;
                System.out.printf("SYN flood: %s; clients during the flood: %s; after: %s; %d SYN cookies sent, %d segments in, "
                                + "at most %d connections in the table, at least %d/%d buffers free, heap %+d KiB%n",
                        floodOut.strip(), during.strip(), after.stdout().strip(), cookies, synsIn, maxConnections, minBuffers,
                        capacity, heapGrowth / 1024);

                Matcher d = okFail(during);
                assertEquals("0", d.group(2), "no client connection failed during the flood: " + during);
                assertTrue(Integer.parseInt(d.group(1)) > 0, during);
                Matcher a = okFail(after.stdout());
                assertEquals("20", a.group(1), after.stdout() + after.stderr());
                assertTrue(Integer.parseInt(a.group(3)) < 1000, "each connection after the flood took under 1 s: " + after.stdout());
                assertTrue(cookies > 0, "the SYN queue filled and cookies were sent");
                // Bounded: the SYN queue and the clients' connections, nothing per flood SYN.
                assertTrue(maxConnections <= SYN_QUEUE + 16, "connections in the table: " + maxConnections);
                assertTrue(minBuffers > capacity / 4, "buffers free: " + minBuffers + " of " + capacity);
                assertTrue(heapGrowth < 64L << 20, "heap grew by " + heapGrowth);
            } finally {
                stack.close();
                assertNull(stack.leaksAtClose(), "every buffer and packet returned");
            }
        } finally {
            Files.deleteIfExists(flooder);
            Files.deleteIfExists(client);
            Files.deleteIfExists(dir);
        }
    }

    private static Matcher okFail(String out) {
        Matcher m = Pattern.compile("ok (\\d+) fail (\\d+) worst_ms (\\d+)").matcher(out);
        assertTrue(m.find(), "client output: " + out);
        return m;
    }

    private static int connections(Stack stack) {
        return stack.await(stack.reactor().submit(0, () -> ShardFuture.succeeded(stack.shard(0).tcp().connectionCount())), T);
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
