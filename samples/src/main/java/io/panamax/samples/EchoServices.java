package io.panamax.samples;

import io.panamax.stack.Stack;

import java.time.Duration;

/**
 * The services of the echo sample, one instance per shard: UDP echo on port 7 (RFC 862). ICMP
 * echo is answered by the stack itself.
 */
final class EchoServices {
    /** RFC 862. */
    static final int ECHO_PORT = 7;

    private EchoServices() {
    }

    static void install(Stack stack) {
        stack.await(stack.onEveryShard(s ->
                s.udp().bind(ECHO_PORT, (socket, ip, port, data) -> socket.send(ip, port, data))), Duration.ofSeconds(30));
    }
}
