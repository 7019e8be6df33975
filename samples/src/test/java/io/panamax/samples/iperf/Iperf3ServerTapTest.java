package io.panamax.samples.iperf;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.testing.Environment;
import io.panamax.stack.Sharded;
import io.panamax.stack.Stack;
import io.panamax.tcp.TcpConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The iperf3 server on the stack against the real {@code iperf3} client (Debian's 3.12) over a
 * multi-queue TAP device in a network namespace made for the test, with two shards: the client's
 * data connections land on either shard and are counted there. What iperf3 reports as received
 * must be what the stack counted; tests the server does not run are refused with iperf3's own
 * error, and the stack goes on serving.
 */
class Iperf3ServerTapTest {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final Duration T = Duration.ofSeconds(60);
    private static final Pattern SUM_RECEIVED = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)");
    /** The peer's window as the client's kernel holds it ({@code ss -ti}). */
    private static final Pattern SND_WND = Pattern.compile("snd_wnd:(\\d+)");
    private static final Pattern BYTES_ACKED = Pattern.compile("bytes_acked:(\\d+)");
    private static final Pattern SUM_SENT = Pattern.compile("\"sum_sent\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)");
    private static final Pattern RECEIVER_BYTES = Pattern.compile("\"receiver\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)");

    static NetworkNamespace ns;
    static Stack stack;
    static Sharded<Iperf3Server> iperf;

    @BeforeAll
    static void start() throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "iperf3");
        ns = NetworkNamespace.createUnique("pmx-iperf");
        String tap = "pmxi" + (ProcessHandle.current().pid() % 100000);
        stack = Stack.builder()
                .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(queues).multiQueue(queues > 1)
                        .kernelAddress(HOST_IP + "/24").kernelIpv6(false).open())
                .ipv4(STACK_IP + "/24").shards(2)
                .reactorSettings(r -> r.pinThreads(false).buffersPerShard(16384))
                .start();
        iperf = Iperf3Server.start(stack, Iperf3Server.DEFAULT_PORT);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (iperf != null) {
                iperf.close();
            }
            if (stack != null) {
                assertEquals(0, stack.reactor().metrics().total("reactor_uncaught_errors_total"), "nothing escaped a task");
                stack.close();
                assertNull(stack.leaksAtClose(), "every buffer and packet returned");
            }
        } finally {
            iperf = null;
            stack = null;
            if (ns != null) {
                ns.close();
                ns = null;
            }
        }
    }

    /**
     * The completed-tests counter once it reaches {@code expected} (or after 5 s): the server counts
     * a test on its control connection's shard as it sends DISPLAY_RESULTS, and the client may exit
     * and this thread read the shards' counters an instant before that increment is visible.
     */
    static long completedCount(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        long n;
        while ((n = counter("iperf3_tests_total{outcome=\"completed\"}")) < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return n;
    }

    static long counter(String key) {
        return stack.reactor().metrics().total(key);
    }

    static NetworkNamespace.Result iperf3(String... args) throws Exception {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "iperf3";
        cmd[1] = "-c";
        cmd[2] = STACK_IP;
        System.arraycopy(args, 0, cmd, 3, args.length);
        return ns.exec(T, cmd);
    }

    /**
     * A run that ended as iperf3 means: with {@code -J} the 3.12 client exits 0 even when the test
     * failed half way (its {@code cleanup_and_fail} prints the results it has, sender figures 0 if
     * the server's never came, and an {@code "error"} field), so the exit status alone proves nothing.
     */
    static NetworkNamespace.Result completedRun(NetworkNamespace.Result r, String what) throws java.io.IOException {
        r.orThrow(what);
        assertFalse(r.stdout().contains("\"error\""), () -> what + " failed: " + r.stdout());
        return r;
    }

    static long bytes(Pattern p, String json) {
        Matcher m = p.matcher(json);
        assertTrue(m.find(), () -> p + " not in " + json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void oneStreamIsReceivedAndCountedAsIperf3Reports() throws Exception {
        long before = counter("iperf3_bytes_received_total");
        long completed = counter("iperf3_tests_total{outcome=\"completed\"}");
        NetworkNamespace.Result r = completedRun(iperf3("-t", "2", "-J"), "iperf3 -c");
        long received = bytes(SUM_RECEIVED, r.stdout());
        long sent = bytes(SUM_SENT, r.stdout());
        assertTrue(received > 1_000_000, "a two-second test moves more than a megabyte: " + received);
        assertTrue(received <= sent, "received " + received + " of " + sent);
        assertEquals(received, counter("iperf3_bytes_received_total") - before, "iperf3's receiver figure is the stack's count");
        assertEquals(completed + 1, completedCount(completed + 1));
    }

    @Test
    void theDataStreamsWindowGrowsByAutotuning() throws Exception {
        // The stack's default receive buffer is 256 KB: a window beyond that in the client's kernel
        // is the data stream's buffer grown by autotuning (the server sets none without -w), up to
        // the default maximum, advertised with the scale chosen from it.
        TcpConfig tcp = TcpConfig.defaults();
        long[] windows = dataWindowsSeen(tcp.receiveBufferSize(), "-t", "3");
        assertTrue(windows[0] > tcp.receiveBufferSize() && windows[0] <= tcp.maxReceiveBufferSize(),
                "the client saw a window grown beyond " + tcp.receiveBufferSize() + ": largest snd_wnd " + windows[0]);
    }

    @Test
    void theClientsWindowOptionSetsTheDataStreamsReceiveBuffer() throws Exception {
        // iperf3 -w 128K: as iperf3's own server, the data stream's receive buffer is what the client asked.
        // The window offered before the buffer shrank (256 KB) is used up first: the right edge never
        // moves left (RFC 9293 3.8.6.2.2), so the last window seen is the one that counts.
        long[] windows = dataWindowsSeen(Long.MAX_VALUE, "-t", "2", "-w", "128K");
        assertTrue(windows[1] > 0 && windows[1] <= 128 * 1024 + 63, "the client's window ends at most 128 KB: snd_wnd " + windows[1]);
    }

    /**
     * Runs {@code iperf3 -c} with {@code args} and returns the largest and the last window the
     * client's kernel held for the data connection ({@code ss -ti} every 100 ms: the connection
     * with the most bytes acknowledged, not the control connection) until the largest exceeds
     * {@code enough} or the client ends; the run must complete.
     */
    private static long[] dataWindowsSeen(long enough, String... args) throws Exception {
        long completed = counter("iperf3_tests_total{outcome=\"completed\"}");
        String[] cmd = new String[args.length + 3];
        cmd[0] = "iperf3";
        cmd[1] = "-c";
        cmd[2] = STACK_IP;
        System.arraycopy(args, 0, cmd, 3, args.length);
        Process client = ns.start(cmd);
        long largest = 0;
        long last = 0;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (largest <= enough && client.isAlive() && System.nanoTime() < deadline) {
                NetworkNamespace.Result ss = ns.exec(T, "ss", "-tin", "dst", STACK_IP + ":" + Iperf3Server.DEFAULT_PORT);
                long mostAcked = -1;
                long window = 0;
                for (String line : ss.stdout().lines().toList()) {
                    Matcher w = SND_WND.matcher(line);
                    Matcher a = BYTES_ACKED.matcher(line);
                    if (w.find() && a.find() && Long.parseLong(a.group(1)) > mostAcked) {
                        mostAcked = Long.parseLong(a.group(1));
                        window = Long.parseLong(w.group(1));
                    }
                }
                if (mostAcked > 1 << 20) { // the data connection, streaming
                    largest = Math.max(largest, window);
                    last = window;
                }
                Thread.sleep(100);
            }
        } finally {
            if (!client.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                client.destroyForcibly();
            }
        }
        assertEquals(0, client.exitValue(), "iperf3 -c ran to its end");
        assertEquals(completed + 1, completedCount(completed + 1));
        return new long[] {largest, last};
    }

    @Test
    void parallelStreamsSpreadOverTheShardsAndAllCount() throws Exception {
        long before = counter("iperf3_bytes_received_total");
        NetworkNamespace.Result r = completedRun(iperf3("-t", "2", "-P", "4", "-J"), "iperf3 -c -P 4");
        Matcher m = RECEIVER_BYTES.matcher(r.stdout());
        int streams = 0;
        while (m.find()) {
            assertTrue(Long.parseLong(m.group(1)) > 0, "every stream received something: " + r.stdout());
            streams++;
        }
        assertEquals(4, streams, r.stdout());
        assertEquals(bytes(SUM_RECEIVED, r.stdout()), counter("iperf3_bytes_received_total") - before);
    }

    @Test
    void reverseStreamsAreSentByTheStackAndCountedAsIperf3Reports() throws Exception {
        long before = counter("iperf3_bytes_sent_total");
        long completed = counter("iperf3_tests_total{outcome=\"completed\"}");
        // One second: iperf3 3.12's client reads each stream's bytes from the server's results as a
        // C int (cJSON's valueint, capped at 2^31 - 1), so a stream must stay under 2 GB.
        NetworkNamespace.Result r = completedRun(iperf3("-R", "-t", "1", "-P", "2", "-J"), "iperf3 -c -R");
        long received = bytes(SUM_RECEIVED, r.stdout());
        long sent = bytes(SUM_SENT, r.stdout());
        assertTrue(received > 1_000_000, "a one-second test moves more than a megabyte: " + received);
        assertTrue(received <= sent, "the client received " + received + " of " + sent);
        assertEquals(sent, counter("iperf3_bytes_sent_total") - before, "iperf3's sender figure is the stack's count");
        assertEquals(completed + 1, completedCount(completed + 1));
    }

    @Test
    void bidirectionalAndUdpTestsAreRefusedWithIperf3sOwnError() throws Exception {
        long refused = counter("iperf3_tests_total{outcome=\"refused\"}");
        for (String mode : new String[] {"--bidir", "-u"}) {
            NetworkNamespace.Result r = iperf3("-t", "1", mode);
            assertFalse(r.ok(), mode + " must fail");
            // iperf3 3.12 prints "error - an option you are trying to set is not implemented yet".
            assertTrue((r.stdout() + r.stderr()).contains("not implemented yet"), mode + ": " + r.stdout() + r.stderr());
        }
        assertEquals(refused + 2, counter("iperf3_tests_total{outcome=\"refused\"}"));
        // And the server goes on: a normal test right after.
        NetworkNamespace.Result again = completedRun(iperf3("-t", "1", "-J"), "iperf3 -c after refusals");
        assertTrue(bytes(SUM_RECEIVED, again.stdout()) > 0);
    }
}
