package io.panamax.nic.tap;

import io.panamax.nic.NicPoller;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.testing.EchoResponder;
import io.panamax.nic.testing.KernelPeer;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.metrics.ShardMetrics;
import io.panamax.reactor.testing.Environment;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.panamax.nic.tap.TapTestBed.IFACE;
import static io.panamax.nic.tap.TapTestBed.STACK_IP;
import static io.panamax.nic.testing.TestFrames.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend under the reactor: shards poll their queues with {@link NicPoller}, a minimal
 * responder answers ARP and ping, and the kernel's own ping succeeds. Nothing leaks.
 */
class TapReactorTest {

    @Test
    void theKernelPingsAShardThroughTheTapDevice() throws Exception {
        Environment.requireCommands("ping");
        try (TapTestBed bed = TapTestBed.open()) {
            Reactor reactor = Reactor.builder().shards(1).pinThreads(false).idlePolicy(IdlePolicy.busyPoll()).build().start();
            EchoResponder responder;
            try {
                responder = reactor.await(reactor.submit(0, () -> ShardFuture.succeeded(startResponder(bed.nic.queue(0), bed))),
                        Duration.ofSeconds(5));
                NetworkNamespace.Result ping = KernelPeer.ping(bed.ns, STACK_IP, 5);
                assertTrue(ping.ok(), "ping " + STACK_IP + " from the kernel side: " + ping.stdout() + ping.stderr());
                assertTrue(ping.stdout().contains("5 received"), ping.stdout());
                assertEquals(5, responder.echoReplies.get());
                assertTrue(responder.arpReplies.get() >= 1, "the kernel asked who has " + STACK_IP);
                assertTrue(KernelPeer.neighbor(bed.ns, IFACE, STACK_IP).contains(bed.nic.mac().toString()),
                        "the kernel learned the stack's MAC");

                // The queue's counters are in the shard's metrics.
                String metrics = reactor.await(reactor.submit(0, () -> ShardFuture.succeeded(describe(Shard.current().metrics()))),
                        Duration.ofSeconds(5));
                assertTrue(metrics.contains("nic_tx_packets_total{nic=\"tap:" + IFACE + "\",queue=\"0\"}"), metrics);
                assertTrue(metrics.contains("tap_rx_truncated_total"), metrics);
                LeakCheck.assertNoLeaks(reactor);
            } finally {
                reactor.stop();
            }
            assertTrue(bed.queue(0).stats().txPackets.get() >= 6);
        }
    }

    @Test
    void twoShardsEachAnswerTheFlowsOfTheirOwnQueue() throws Exception {
        Environment.requireCommands("ping");
        int flows = 16;
        try (TapTestBed bed = TapTestBed.open(b -> b.queues(2))) {
            // Sixteen kernel-side source addresses: ping flows hash by address pair.
            for (int i = 0; i < flows; i++) {
                bed.ns.exec(Duration.ofSeconds(5), "ip", "addr", "add", "10.77.0." + (100 + i) + "/24", "dev", IFACE)
                        .orThrow("ip addr add");
            }
            Reactor reactor = Reactor.builder().shards(2).pinThreads(false).idlePolicy(IdlePolicy.busyPoll()).build().start();
            try {
                List<EchoResponder> responders = new ArrayList<>();
                for (int s = 0; s < 2; s++) {
                    int queue = s;
                    responders.add(reactor.await(reactor.submit(s, () -> ShardFuture.succeeded(startResponder(bed.nic.queue(queue), bed))),
                            Duration.ofSeconds(5)));
                }
                List<CompletableFuture<NetworkNamespace.Result>> pings = new ArrayList<>();
                for (int i = 0; i < flows; i++) {
                    String from = "10.77.0." + (100 + i);
                    pings.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return bed.ns.exec(Duration.ofSeconds(30), "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "-I", from, STACK_IP);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }));
                }
                for (var p : pings) {
                    NetworkNamespace.Result r = p.join();
                    assertTrue(r.ok(), r.command() + ": " + r.stdout() + r.stderr());
                }
                long total = responders.get(0).echoReplies.get() + responders.get(1).echoReplies.get();
                assertEquals(2L * flows, total);
                assertTrue(responders.get(0).echoReplies.get() > 0 && responders.get(1).echoReplies.get() > 0,
                        "both shards answered: " + responders.get(0).echoReplies.get() + " + " + responders.get(1).echoReplies.get());
                LeakCheck.assertNoLeaks(reactor);
            } finally {
                reactor.stop();
            }
        }
    }

    /** On the current shard: a poller on {@code queue} whose packets go to a responder for STACK_IP. */
    private static EchoResponder startResponder(TapQueue queue, TapTestBed bed) {
        NicPoller[] poller = new NicPoller[1];
        EchoResponder responder = new EchoResponder(bed.nic.mac(), ip(STACK_IP), p -> poller[0].send(p));
        poller[0] = new NicPoller(queue, responder);
        Shard.current().addPoller(poller[0]);
        return responder;
    }

    private static String describe(ShardMetrics m) {
        StringBuilder sb = new StringBuilder();
        m.all().forEach(x -> sb.append(x.key()).append('\n'));
        return sb.toString();
    }
}
