package io.panamax.samples;

import io.panamax.reactor.Future;
import io.panamax.stack.Stack;
import io.panamax.tcp.StreamConnection;

import java.time.Duration;

/**
 * The services of the echo sample, one instance per shard: echo (RFC 862) on UDP and TCP port 7,
 * discard (RFC 863) on TCP port 9. ICMP echo is answered by the stack itself. The stream services
 * work on any {@link StreamConnection}, so TLS reuses them.
 */
final class EchoServices {
    /** RFC 862. */
    static final int ECHO_PORT = 7;
    /** RFC 863. */
    static final int DISCARD_PORT = 9;

    private EchoServices() {
    }

    static void install(Stack stack) {
        stack.await(stack.onEveryShard(s -> {
            s.udp().bind(ECHO_PORT, (socket, ip, port, data) -> socket.send(ip, port, data));
            s.tcp().listen(ECHO_PORT, c -> echo(c));
            s.tcp().listen(DISCARD_PORT, c -> discard(c));
        }), Duration.ofSeconds(30));
    }

    /** Sends back every byte received, in order; closes after the peer's end of stream. */
    static Future<Void> echo(StreamConnection c) {
        return Future.repeat(() -> c.read().then(data -> {
            if (data.isEmpty()) {
                data.release();
                return Future.stop();
            }
            return c.write(data).map(v -> Boolean.FALSE);
        })).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }

    /** Reads and throws away everything; closes after the peer's end of stream. */
    static Future<Void> discard(StreamConnection c) {
        return Future.repeat(() -> c.read().map(data -> {
            boolean end = data.isEmpty();
            data.release();
            return end;
        })).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }
}
