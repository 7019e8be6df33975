package io.panamax.samples;

import io.panamax.pcaptests.replay.StackReplay;
import io.panamax.stack.Stack;
import io.panamax.tcp.StandardServices;

/**
 * The services of the echo sample, one instance per shard: echo (RFC 862) on UDP and TCP port 7,
 * discard (RFC 863) on TCP port 9. ICMP echo is answered by the stack itself. The replay engine
 * serves the same ones (a replay, and its goldens, reproduce what the sample does), so they are
 * defined once, there.
 */
final class EchoServices {
    static final int ECHO_PORT = StandardServices.ECHO_PORT;
    static final int DISCARD_PORT = StandardServices.DISCARD_PORT;

    private EchoServices() {
    }

    static void install(Stack stack) {
        StackReplay.installEchoServices(stack);
    }
}
