package io.panamax.stack;

import io.panamax.ip.Ipv4Address;
import io.panamax.ip.UdpSocket;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Shard;
import io.panamax.tcp.TcpListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public entry points (TCP listen and connect, UDP bind and send, the shard's own registration
 * calls) fail at once when called off their shard, with a message that names the caller, the shard
 * to use and how to get there; the same with assertions off (a JVM started with {@code -da}).
 */
class WrongThreadTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final int PEER = Ipv4Address.parse("10.11.0.1");

    private static Stack start(Wire wire) throws Exception {
        return Stack.builder().nic(NicFactory.of(wire.b())).ipv4("10.11.0.2/24").shards(2)
                .reactorSettings(r -> r.pinThreads(false).stallThreshold(Duration.ZERO)).start();
    }

    private static Wire wire() {
        return Wire.pair(WireConfig.builder().name("wrong-thread")
                .macs(MacAddress.parse("02:00:00:00:0b:01"), MacAddress.parse("02:00:00:00:0b:02")).build());
    }

    private static void assertWrongThread(String what, String from, int shard, Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        String m = e.getMessage();
        assertTrue(m.startsWith(what + " called from " + from + ";"), m);
        assertTrue(m.contains("is used on shard " + shard + ": shard.execute(...)"), m);
        assertTrue(m.contains("Reactor.submit(" + shard + ", ...)"), m);
    }

    @Test
    void entryPointsCalledOffTheirShardFailWithTheShardToUse() throws Exception {
        try (Wire wire = wire()) {
            Stack stack = start(wire);
            try {
                String main = "thread '" + Thread.currentThread().getName() + "'";
                ShardStack s0 = stack.shard(0);
                assertWrongThread("Tcp.listen", main, 0, () -> s0.tcp().listen(8080, c -> { }));
                assertWrongThread("Tcp.connect", main, 0, () -> s0.tcp().connect(PEER, 80));
                assertWrongThread("Tcp.connect", main, 0, () -> s0.tcp().connect(PEER, 80, 40000));
                assertWrongThread("Udp.bind", main, 0, () -> s0.udp().bind(5353));
                assertWrongThread("Shard.submitTo", main, 0, () -> s0.shard().submitTo(1, ShardFuture::done));
                assertWrongThread("Shard.onStop", main, 0, () -> s0.shard().onStop(() -> { }));

                // From another shard: named by its number.
                String fromShard1 = stack.await(stack.reactor().submit(1, () -> {
                    try {
                        s0.tcp().listen(8080, c -> { });
                        return ShardFuture.succeeded("no exception");
                    } catch (IllegalStateException e) {
                        return ShardFuture.succeeded(e.getMessage());
                    }
                }), T);
                assertTrue(fromShard1.startsWith("Tcp.listen called from shard 1;"), fromShard1);

                // A socket bound on its shard, then used from elsewhere: the check comes before the payload is touched.
                UdpSocket socket = stack.await(stack.reactor().submit(0, () -> ShardFuture.succeeded(s0.udp().bind(5353))), T);
                assertWrongThread("UdpSocket.send", main, 0, () -> socket.send(PEER, 53, null));

                // On the right shard the same calls work.
                TcpListener l = stack.await(stack.reactor().submit(0, () -> ShardFuture.succeeded(s0.tcp().listen(8080, c -> { }))), T);
                assertEquals(8080, l.port());
                stack.await(stack.reactor().submit(0, () -> {
                    l.close();
                    socket.close();
                    return ShardFuture.done();
                }), T);
            } finally {
                stack.close();
                assertNull(stack.leaksAtClose(), "every buffer and packet returned");
            }
        }
    }

    @Test
    void theCheckDoesNotDependOnAssertions() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-da", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                WrongThreadTest.class.getName()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("Tcp.listen called from thread 'main'; what shard 0 owns (connections, sockets, timers) "
                + "is used on shard 0: shard.execute(...)"), out);
        assertFalse(out.contains("assertions on"), out);
    }

    /** The child of {@link #theCheckDoesNotDependOnAssertions}: listen from main, print what happened. */
    public static void main(String[] args) throws Exception {
        boolean assertions = false;
        assert assertions = true;
        if (assertions) {
            System.out.println("assertions on");
        }
        try (Wire wire = wire()) {
            Stack stack = start(wire);
            try {
                stack.shard(0).tcp().listen(8080, c -> { });
                System.out.println("listen from main succeeded");
                System.exit(1);
            } catch (IllegalStateException e) {
                System.out.println(e.getMessage());
            } finally {
                stack.close();
            }
        }
        System.exit(Shard.current() == null ? 0 : 2);
    }
}
