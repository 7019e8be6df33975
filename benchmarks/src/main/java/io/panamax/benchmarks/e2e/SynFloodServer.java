package io.panamax.benchmarks.e2e;

import io.panamax.reactor.ShardFuture;
import io.panamax.stack.Stack;
import io.panamax.tcp.StandardServices;

import java.time.Duration;

/**
 * The stack's side of the SYN-flood benchmark: a one-shard stack on a TAP device inside an
 * existing namespace, with the default TCP settings (SYN queue 4096, SYN cookies when it is full,
 * RFC 4987 3.6), echoing on port 7. Twice a second it prints what the benchmark watches:
 * {@code stat conns=... cookiesSent=... cookiesValid=... segmentsIn=... buffersFree=.../... heapKiB=...}
 * (connections in the table, the heap in use now; after a {@code jcmd PID GC.run} the next line
 * shows the live heap).
 *
 * <pre>
 *   java -cp benchmarks.jar io.panamax.benchmarks.e2e.SynFloodServer --netns NS --tap pmxs1
 *        [--host-ip 10.7.0.1/24] [--ip 10.7.0.2/24] [--idle busy]
 * </pre>
 */
public final class SynFloodServer {
    private static final Duration T = Duration.ofSeconds(30);

    private SynFloodServer() {
    }

    public static void main(String[] args) throws Exception {
        TapServerOptions o = TapServerOptions.parse(args, "pmxs1", java.util.Set.of());
        Stack stack = o.start();
        stack.await(stack.onEveryShard(s -> s.tcp().listen(7, StandardServices::echo)), T);
        System.gc();
        Thread stats = new Thread(() -> {
            try {
                while (true) {
                    print(stack);
                    Thread.sleep(500);
                }
            } catch (InterruptedException | RuntimeException e) {
                // the stack is closing
            }
        }, "synflood-stats");
        stats.setDaemon(true);
        System.out.println("ready " + o.ip + " on " + o.tap + " in " + o.netns);
        System.out.flush();
        stats.start();
        o.awaitStop();
    }

    private static void print(Stack stack) {
        var m = stack.reactor().metrics();
        int conns = stack.await(stack.reactor().submit(0, () -> ShardFuture.succeeded(stack.shard(0).tcp().connectionCount())), T);
        Runtime r = Runtime.getRuntime();
        System.out.println("stat conns=" + conns + " cookiesSent=" + m.total("tcp_syn_cookies_sent_total")
                + " cookiesValid=" + m.total("tcp_syn_cookies_valid_total") + " segmentsIn=" + m.total("tcp_segments_received_total")
                + " buffersFree=" + m.total("reactor_buffers_available") + "/" + m.total("reactor_buffers_capacity")
                + " heapKiB=" + (r.totalMemory() - r.freeMemory()) / 1024);
        System.out.flush();
    }
}
