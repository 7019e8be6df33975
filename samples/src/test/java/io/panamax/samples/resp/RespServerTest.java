package io.panamax.samples.resp;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.testing.Environment;
import io.panamax.stack.Stack;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RESP sample answers the real Redis clients over TAP, from inside a network namespace:
 * {@code redis-cli} (single commands, a script of 400 on stdin, errors) and {@code redis-benchmark}
 * (PING inline and multi-bulk, SET, GET, INCR; then pipelined 16 deep), with keys on both shards and
 * commands crossing between them; a protocol error closes the connection with a RESP error.
 */
class RespServerTest {
    private static final Duration T = Duration.ofSeconds(120);
    private static final String SERVER = "10.7.0.2";

    @Test
    void redisCliAndRedisBenchmarkOverTap() throws Exception {
        Environment.requireRoot("a TAP device in a network namespace");
        Environment.requireCommands("ip", "redis-cli", "redis-benchmark", "nc");
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-resp")) {
            String tap = "pmxr" + (ProcessHandle.current().pid() % 100000);
            Stack stack = Stack.builder()
                    .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(queues).kernelAddress("10.7.0.1/24").open())
                    .ipv4(SERVER + "/24").shards(2)
                    .reactorSettings(r -> r.pinThreads(false))
                    .start();
            try {
                RespServer server = RespServer.listen(stack, RespServer.DEFAULT_PORT);

                assertEquals("PONG", cli(ns, "PING"));
                assertEquals("hi there", cli(ns, "PING", "hi there"));
                assertEquals("OK", cli(ns, "SET", "greeting", "hello"));
                assertEquals("hello", cli(ns, "GET", "greeting"));
                assertEquals("1", cli(ns, "INCR", "counter"));
                assertEquals("2", cli(ns, "INCR", "counter"));
                assertEquals("ERR value is not an integer or out of range", cli(ns, "INCR", "greeting"));
                assertEquals("2", cli(ns, "DEL", "greeting", "counter", "no-such-key"));
                assertEquals("", cli(ns, "GET", "greeting"), "nil");
                assertTrue(cli(ns, "FLUSHALL").startsWith("ERR unknown command 'flushall'"));
                assertTrue(cli(ns, "GET").startsWith("ERR wrong number of arguments for 'get'"));

                // A script on stdin: one connection, 200 SETs then 200 GETs, the keys over both shards.
                StringBuilder script = new StringBuilder();
                for (int i = 0; i < 200; i++) {
                    script.append("SET key:").append(i).append(" value-").append(i).append('\n');
                }
                for (int i = 0; i < 200; i++) {
                    script.append("GET key:").append(i).append('\n');
                }
                List<String> lines = cliScript(ns, script.toString());
                assertEquals(400, lines.size(), String.join("\n", lines));
                for (int i = 0; i < 200; i++) {
                    assertEquals("OK", lines.get(i));
                    assertEquals("value-" + i, lines.get(200 + i));
                }
                int on0 = keysOn(stack, server, 0);
                int on1 = keysOn(stack, server, 1);
                assertEquals(200, on0 + on1);
                assertTrue(on0 > 50 && on1 > 50, "keys on both shards: " + on0 + " and " + on1);

                // redis-benchmark, plain and pipelined: every test completes with a rate.
                long before = commands(stack);
                List<String> csv = bench(ns, "-n", "10000", "-c", "10", "-t", "ping,set,get,incr");
                assertEquals(5, csv.size(), "PING_INLINE, PING_MBULK, SET, GET, INCR: " + csv);
                List<String> pipelined = bench(ns, "-n", "20000", "-c", "4", "-P", "16", "-t", "set,get");
                assertEquals(2, pipelined.size(), pipelined.toString());
                long answered = commands(stack) - before;
                // The counters count commands on keys (PING has none): SET, GET, INCR, then SET and GET pipelined.
                assertEquals(3 * 10_000 + 2 * 20_000, answered, "key commands answered");
                long crossed = stack.reactor().metrics().total("resp_commands_total{key_on=\"other_shard\"}");
                assertTrue(crossed > 1000, "commands whose key lived on the other shard: " + crossed);
                System.out.println("redis-benchmark over TAP, 2 shards (loaded machine):\n  " + String.join("\n  ", csv)
                        + "\n  pipelined 16: " + String.join("\n  ", pipelined) + "\n  " + crossed + " commands crossed shards");

                // Garbage: a RESP error, then the server closes the connection.
                String reply = run(ns, "*x\r\n$3\r\nGET\r\n", "nc", "-w", "5", SERVER, "6379");
                assertEquals("-ERR Protocol error: invalid multibulk length\r\n", reply);
            } finally {
                stack.close();
                assertNull(stack.leaksAtClose(), "every buffer and packet returned");
            }
        }
    }

    private static int keysOn(Stack stack, RespServer server, int shard) {
        return stack.await(stack.reactor().submit(shard, () -> ShardFuture.succeeded(server.keysOn(shard))), T);
    }

    private static long commands(Stack stack) {
        var m = stack.reactor().metrics();
        return m.total("resp_commands_total{key_on=\"this_shard\"}") + m.total("resp_commands_total{key_on=\"other_shard\"}");
    }

    private static String cli(NetworkNamespace ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", SERVER));
        cmd.addAll(List.of(args));
        NetworkNamespace.Result r = ns.exec(T, cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.toString());
        return r.stdout().strip();
    }

    private static List<String> cliScript(NetworkNamespace ns, String script) throws Exception {
        return run(ns, script, "redis-cli", "-h", SERVER).lines().toList();
    }

    /** redis-benchmark's CSV rows (header dropped): {@code "SET","12345.68",...}. */
    private static List<String> bench(NetworkNamespace ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-benchmark", "-h", SERVER, "--csv"));
        cmd.addAll(List.of(args));
        NetworkNamespace.Result r = ns.exec(T, cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.toString());
        List<String> rows = r.stdout().lines().filter(l -> l.startsWith("\"") && !l.startsWith("\"test\"")).toList();
        for (String row : rows) {
            double rps = Double.parseDouble(row.split(",")[1].replace("\"", ""));
            assertTrue(rps > 0, row);
        }
        return rows;
    }

    /** Runs {@code command} in the namespace with {@code input} on its stdin; returns its stdout. */
    private static String run(NetworkNamespace ns, String input, String... command) throws Exception {
        Process p = new ProcessBuilder(ns.prefixed(command)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream out = p.getOutputStream()) {
                out.write(input.getBytes(StandardCharsets.ISO_8859_1));
            } catch (Exception e) {
                // the process ended first: its output says why
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        writer.join();
        assertTrue(p.waitFor(T.toSeconds(), TimeUnit.SECONDS));
        return out;
    }
}
