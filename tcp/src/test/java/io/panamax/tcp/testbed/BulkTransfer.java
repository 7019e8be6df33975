package io.panamax.tcp.testbed;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.ReadBuffer;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpConnectionStats;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The bulk scenario: a client connects to a server, and both send {@code bytes} of a seeded
 * pseudo-random stream at the same time, half-close, read the other's stream to its end, and
 * close. Each side hashes (SHA-256) what it sent and what it received; the result lets a test
 * check that every byte arrived once and in order, both ways.
 */
public final class BulkTransfer {
    static final int PORT = 5001;
    private static final int CHUNK = 64 * 1024;

    private BulkTransfer() {
    }

    /** One side's view at the end. */
    public record Side(byte[] sentHash, byte[] receivedHash, long bytesSent, long bytesReceived, TcpConnectionStats stats,
                       java.net.InetSocketAddress remote) {
    }

    /** Both sides' views. */
    public record Result(Side client, Side server) {
    }

    public static Result run(TcpTestbed bed, long bytes, Duration limit) {
        CompletableFuture<Side> server = new CompletableFuture<>();
        CompletableFuture<Side> client = new CompletableFuture<>();
        bed.await(bed.reactor().submit(bed.serverShard(), () -> {
            bed.server().listen(PORT, conn -> {
                exchange(conn, bytes, 0xC0FFEEL).whenComplete(complete(server));
            });
            return ShardFuture.done();
        }), limit);
        bed.reactor().submit(bed.clientShard(), () -> bed.client().connect(bed.serverInetAddress(), PORT)
                .then(conn -> exchange(conn, bytes, 0xBEEFL))
                .whenComplete(complete(client)))
                .exceptionally(e -> {
                    client.completeExceptionally(e);
                    return null;
                });
        bed.await(CompletableFuture.allOf(server, client), limit);
        return new Result(client.join(), server.join());
    }

    private static java.util.function.BiConsumer<Side, Throwable> complete(CompletableFuture<Side> f) {
        return (v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        };
    }

    /** Sends {@code bytes} and reads to the end at the same time; then closes. */
    public static ShardFuture<Side> exchange(TcpConnection c, long bytes, long seed) {
        MessageDigest sent = sha256();
        MessageDigest received = sha256();
        StreamGenerator gen = new StreamGenerator(seed);
        long[] written = {0};
        long[] read = {0};
        ShardFuture<Void> writer = ShardFuture.doUntil(() -> written[0] >= bytes, () -> {
            int n = (int) Math.min(CHUNK, bytes - written[0]);
            byte[] chunk = new byte[n];
            gen.next(chunk, n);
            sent.update(chunk);
            written[0] += n;
            return c.write(chunk);
        }).then(v -> c.shutdownOutput());
        ShardFuture<Void> reader = ShardFuture.repeat(() -> c.read().map(p -> {
            if (p.isEmpty()) {
                p.release();
                return Loop.STOP;
            }
            hash(received, p);
            read[0] += p.length();
            p.release();
            return Loop.CONTINUE;
        }));
        return ShardFuture.whenAll(writer, reader)
                .then(v -> c.close())
                .map(v -> new Side(sent.digest(), received.digest(), written[0], read[0], c.stats(), c.remoteAddress()));
    }

    static void hash(MessageDigest d, ReadBuffer p) {
        for (ByteBuffer b : p.asByteBuffers()) {
            d.update(b);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The SHA-256 of the first {@code bytes} of the stream with {@code seed}. */
    public static byte[] expectedHash(long bytes, long seed) {
        MessageDigest d = sha256();
        StreamGenerator gen = new StreamGenerator(seed);
        byte[] chunk = new byte[CHUNK];
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(CHUNK, bytes - done);
            gen.next(chunk, n);
            d.update(chunk, 0, n);
            done += n;
        }
        return d.digest();
    }
}
