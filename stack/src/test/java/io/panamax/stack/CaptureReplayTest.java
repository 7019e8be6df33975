package io.panamax.stack;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.QueueTotals;
import io.panamax.nic.pcap.PcapFormatException;
import io.panamax.nic.pcap.PcapNic;
import io.panamax.nic.pcap.ReplayEnd;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.testing.Environment;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every capture in {@code ../shared/pcaps} fed through the whole stack (pcap backend, two shards so
 * that software steering and forwarding run too, replay mode so every conversation reaches the
 * protocol layers): no shard throws, no buffer leaks, every frame the NIC delivered is accounted
 * for by the Ethernet layer, and the frames tshark finds with a bad IPv4 header checksum are
 * exactly those the stack dropped for it.
 */
class CaptureReplayTest {

    static List<SharedData.Capture> captures() {
        return SharedData.captures();
    }

    /**
     * tshark's answers, computed in the background while the replays run: one tshark start costs
     * about a second of CPU (dissector registration) and there are more than a hundred captures, so
     * running them one after the other, between replays, doubled this test's time. Two at a time
     * overlap with the (single-threaded, manual-clock) replays instead.
     */
    private static final Map<Path, CompletableFuture<Long>> ORACLE = new ConcurrentHashMap<>();
    private static ExecutorService oracleRunner;

    @BeforeAll
    static void startTshark() {
        oracleRunner = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tshark-oracle");
            t.setDaemon(true);
            return t;
        });
        if (!Environment.hasCommand("tshark")) {
            return; // each Ethernet capture's test then fails (CI) or skips on requireCommands
        }
        for (SharedData.Capture c : captures()) {
            if (c.isEthernet()) {
                oracle(c.path());
            }
        }
    }

    private static CompletableFuture<Long> oracle(Path capture) {
        return ORACLE.computeIfAbsent(capture, p -> CompletableFuture.supplyAsync(() -> {
            try {
                return TsharkOracle.badIpv4HeaderChecksums(p);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, oracleRunner));
    }

    @AfterAll
    static void stopTshark() {
        oracleRunner.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void replayCrashesNothingLeaksNothingAndCountsEveryDrop(SharedData.Capture capture, @TempDir Path tmp) throws Exception {
        PcapNic nic;
        try {
            nic = PcapNic.builder().input(capture.path()).output(tmp.resolve("out.pcap")).open();
        } catch (PcapFormatException | IllegalArgumentException e) {
            // Files libpcap refuses too (a bad version, an oversized block) or other link types:
            // the backend names the file and the problem, and the stack never starts.
            assertTrue(e.getMessage().contains(capture.file()) || !capture.isEthernet(), e.getMessage());
            return;
        }
        ManualClock clock = new ManualClock();
        Reactor reactor = Reactor.builder().shards(2).manual().clock(clock).buffersPerShard(4096).build().start();
        Stack stack = Stack.builder().nic(NicFactory.of(nic)).reactor(reactor).ipv4("10.7.0.2/24").replayMode().start();
        stack.await(stack.onEveryShard(s -> s.udp().bind(7, (socket, ip, port, data) -> socket.send(ip, port, data))),
                Duration.ofSeconds(10));
        reactor.runUntil(nic::atEndOfInput, Duration.ofHours(24));
        // Let every timer run out (reassembly, ARP retries): what waited is dropped and counted.
        reactor.advance(Duration.ofMinutes(2));
        ReplayEnd end = nic.endOfInput().getNow(null);
        var m = reactor.metrics();
        QueueTotals totals = nic.totals();
        long passedUp = m.total("ethernet_frames_received_total");
        long ethernetDrops = sum(m.valuesByKey(), "ethernet_drops_total");
        long ipv4BadChecksum = m.total("ipv4_drops_total{reason=\"bad_checksum\"}");
        long uncaught = m.total("reactor_uncaught_errors_total") + m.total("nic_rx_handler_errors_total");
        assertEquals(0, uncaught, "no exception escaped a layer");

        stack.close();
        LeakCheck.assertNoLeaks(reactor);
        reactor.stop();

        assertEquals(totals.rxPackets(), passedUp + ethernetDrops,
                "every frame delivered was passed up or dropped under a reason (" + end + ")");
        if (capture.isEthernet()) {
            Environment.requireCommands("tshark");
            long tsharkBad = oracle(capture.path()).get(5, TimeUnit.MINUTES);
            assertEquals(tsharkBad, ipv4BadChecksum,
                    "frames with a bad IPv4 header checksum (tshark) = frames the stack dropped for it");
        }
    }

    private static long sum(Map<String, long[]> values, String prefix) {
        long total = 0;
        for (var e : values.entrySet()) {
            if (e.getKey().startsWith(prefix + "{") || e.getKey().equals(prefix)) {
                total += e.getValue()[e.getValue().length - 1];
            }
        }
        return total;
    }

    /** tshark as the independent decoder of the captures. */
    static final class TsharkOracle {
        private TsharkOracle() {
        }

        /**
         * Frames whose outermost IPv4 header has a bad checksum, reached with no VLAN stack the
         * stack refuses (802.1ad) and not cut short before the header ends.
         */
        static long badIpv4HeaderChecksums(Path file) throws Exception {
            var r = io.panamax.nic.linux.NetworkNamespace.run(Duration.ofSeconds(60), "tshark", "-n", "-r", file.toString(),
                    "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=f",
                    "-e", "ip.checksum.status", "-e", "vlan.etype", "-e", "eth.type");
            if (!r.ok()) {
                fail("tshark failed on " + file + ": " + r.stderr());
            }
            long bad = 0;
            for (String line : r.stdout().split("\n")) {
                String[] f = line.split("\t", -1);
                if (f.length >= 1 && f[0].equals("0") && !(f.length >= 3 && f[2].contains("0x88a8"))) {
                    bad++;
                }
            }
            return bad;
        }
    }
}
