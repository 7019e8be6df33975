package io.panamax.tcp.api;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.tcp.ConnectionRefusedException;
import io.panamax.tcp.Framing;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.testbed.Impairments;
import io.panamax.tcp.testbed.LinkTestbed;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The example of tcp/README.md, run over the in-test link. */
class ReadmeExampleTest {

    @Test
    void echoExample() {
        try (LinkTestbed bed = new LinkTestbed(TcpConfig.defaults(), Impairments.none(), false)) {
            CompletableFuture<String> reply = new CompletableFuture<>();
            bed.await(bed.reactor().submit(0, () -> {
                var tcp = bed.server();
                tcp.listen(8080, conn ->
                        ShardFuture.repeat(() -> conn.read().then(data -> {
                            if (data.isEmpty()) {
                                data.release();
                                return conn.close().map(v -> Loop.STOP);
                            }
                            return conn.write(data).map(v -> Loop.CONTINUE);
                        })));
                bed.client().connect(bed.serverAddress(), 8080)
                        .then(conn -> conn.write("hello".getBytes())
                                .then(v -> conn.shutdownOutput())
                                .then(v -> conn.read())
                                .map(r -> {
                                    reply.complete(new String(r.toByteArray()));
                                    r.release();
                                    return conn;
                                }))
                        .then(conn -> conn.close());
                return ShardFuture.done();
            }), Duration.ofSeconds(5));
            assertEquals("hello", bed.await(reply, Duration.ofSeconds(10)));
        }
    }

    /** The readLoop example of tcp/README.md: the echo as a read loop, answering two requests on one connection. */
    @Test
    void readLoopExample() {
        try (LinkTestbed bed = new LinkTestbed(TcpConfig.defaults(), Impairments.none(), false)) {
            CompletableFuture<String> replies = new CompletableFuture<>();
            bed.await(bed.reactor().submit(0, () -> {
                var tcp = bed.server();
                tcp.listen(8080, conn -> conn.readLoop(data -> {
                    if (data.isEmpty()) {
                        data.release();
                        return conn.close().map(v -> Loop.STOP);
                    }
                    return conn.write(data).map(v -> Loop.CONTINUE);
                }));
                StringBuilder got = new StringBuilder();
                bed.client().connect(bed.serverAddress(), 8080).then(conn -> {
                    conn.setNoDelay(true);
                    return conn.write("first".getBytes()).then(v -> conn.readLoop(r -> {
                        got.append(r.toString(java.nio.charset.StandardCharsets.US_ASCII));
                        r.release();
                        if (got.length() == 5) {
                            return conn.write("second".getBytes()).then(w -> conn.shutdownOutput()).map(w -> Loop.CONTINUE);
                        }
                        return ShardFuture.next(); // on to the end of the stream, which ends the loop
                    })).then(v -> conn.close());
                }).whenComplete((v, e) -> {
                    if (e != null) {
                        replies.completeExceptionally(e);
                    } else {
                        replies.complete(got.toString());
                    }
                });
                return ShardFuture.done();
            }), Duration.ofSeconds(5));
            assertEquals("firstsecond", bed.await(replies, Duration.ofSeconds(10)));
        }
    }

    /** The Framing example of tcp/README.md: a line echo. */
    @Test
    void lineEchoExample() {
        try (LinkTestbed bed = new LinkTestbed(TcpConfig.defaults(), Impairments.none(), false)) {
            CompletableFuture<String> reply = new CompletableFuture<>();
            bed.await(bed.reactor().submit(0, () -> {
                bed.server().listen(8080, conn -> {
                    Framing in = new Framing(conn);
                    ShardFuture.repeat(() -> in.readLine(8192).then(line -> {
                        if (line.isEmpty()) {
                            line.release();
                            return conn.close().map(v -> Loop.STOP);
                        }
                        return conn.write(line).map(v -> Loop.CONTINUE);
                    })).recover(e -> {
                        conn.abort();
                        return null;
                    });
                });
                StringBuilder got = new StringBuilder();
                bed.client().connect(bed.serverAddress(), 8080)
                        .then(conn -> conn.write("one\r\ntwo\n".getBytes())
                                .then(v -> conn.shutdownOutput())
                                .then(v -> ShardFuture.repeat(() -> conn.read().map(r -> {
                                    got.append(r.toString(java.nio.charset.StandardCharsets.US_ASCII));
                                    boolean end = r.isEmpty();
                                    r.release();
                                    return end ? Loop.STOP : Loop.CONTINUE;
                                })))
                                .then(v -> conn.close()))
                        .whenComplete((v, e) -> reply.complete(e == null ? got.toString() : e.toString()));
                return ShardFuture.done();
            }), Duration.ofSeconds(5));
            assertEquals("one\r\ntwo\n", bed.await(reply, Duration.ofSeconds(10)));
        }
    }

    @Test
    void connectToAClosedPortIsRefused() {
        try (LinkTestbed bed = new LinkTestbed(TcpConfig.defaults(), Impairments.none(), false)) {
            CompletableFuture<Throwable> error = new CompletableFuture<>();
            bed.await(bed.reactor().submit(0, () -> {
                bed.client().connect(bed.serverAddress(), 9).whenComplete((c, e) -> error.complete(e));
                return ShardFuture.done();
            }), Duration.ofSeconds(5));
            assertInstanceOf(ConnectionRefusedException.class, bed.await(error, Duration.ofSeconds(10)));
        }
    }
}
