package io.panamax.benchmarks.e2e;

import io.panamax.stack.Stack;
import io.panamax.tcp.StandardServices;
import io.panamax.tcp.TcpConnection;

import java.time.Duration;

/**
 * A one-shard stack on a TAP device inside an existing namespace, answering ping (ICMP echo) and
 * echo on UDP and TCP port 7, with a chosen idle policy: what {@code bin/panamax echo} serves, but with
 * {@code --idle busy} the shard never parks (the sample's default, over TAP, spins 8 empty
 * iterations and then sleeps in {@code ppoll} on its TAP descriptor until a frame arrives). Prints
 * {@code ready} when up; runs until SIGTERM, then removes its TAP device.
 *
 * <pre>
 *   java -cp benchmarks.jar io.panamax.benchmarks.e2e.TapStackServer --netns NS --tap pmx1 [--idle busy|default]
 *        [--host-ip 10.7.0.1/24] [--ip 10.7.0.2/24]
 * </pre>
 */
public final class TapStackServer {
    private TapStackServer() {
    }

    public static void main(String[] args) throws Exception {
        TapServerOptions o = TapServerOptions.parse(args, "pmx1", java.util.Set.of());
        Stack stack = o.start();
        stack.await(stack.onEveryShard(s -> {
            s.tcp().listen(7, TapStackServer::echo);
            s.udp().bind(7, (socket, ip, port, data) -> socket.send(ip, port, data));
        }), Duration.ofSeconds(30));
        System.out.println("ready " + o.ip + " on " + o.tap + " in " + o.netns + ", idle policy " + o.idle);
        System.out.flush();
        o.awaitStop();
    }

    /** The stack's one echo loop, with Nagle off (the round-trip benchmarks send one small message at a time). */
    private static void echo(TcpConnection c) {
        c.setNoDelay(true);
        StandardServices.echo(c);
    }
}
