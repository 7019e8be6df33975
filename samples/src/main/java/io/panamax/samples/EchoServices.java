package io.panamax.samples;

import io.panamax.stack.Stack;
import io.panamax.tcp.StandardServices;

import java.time.Duration;

/**
 * The services of the echo sample, one instance per shard: echo (RFC 862) on UDP and TCP port 7,
 * discard (RFC 863) on TCP port 9. ICMP echo is answered by the stack itself.
 */
final class EchoServices {
    static final int ECHO_PORT = StandardServices.ECHO_PORT;
    static final int DISCARD_PORT = StandardServices.DISCARD_PORT;

    private EchoServices() {
    }

    static void install(Stack stack) {
        stack.await(stack.onEveryShard(s -> {
            s.udp().bind(ECHO_PORT, (socket, ip, port, data) -> socket.send(ip, port, data));
            s.tcp().listen(ECHO_PORT, StandardServices::echo);
            s.tcp().listen(DISCARD_PORT, StandardServices::discard);
        }), Duration.ofSeconds(30));
    }
}
