package io.panamax.benchmarks.tcp;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * TCP request/response over the in-memory link: the client sends 64 bytes, the server echoes them
 * (zero copy: it writes back the packet it read), the client reads 64 bytes; one operation is one
 * such transaction. With 64 connections, 64 transactions are in flight at once. Client and server
 * share one core, so transactions per second per core counts both ends.
 *
 * <p>{@code api} is how both ends are written against the connection API: {@code futures} chains
 * {@code read().then(...)} steps in {@code ShardFuture.repeat}/{@code doUntil} (a future and a step per
 * read, lambdas per iteration); {@code readLoop} uses {@code StreamConnection.readLoop}, which
 * allocates nothing per request. {@code -prof gc}'s {@code gc.alloc.rate.norm} is the heap per
 * transaction, both ends included.
 */
public class TcpRequestResponseBenchmark extends TcpLinkBenchmark {
    static final int MESSAGE = 64;
    static final int BATCH = 10_000;

    @Param({"1", "64"})
    public int connections;

    @Param({"futures", "readLoop"})
    public String api;

    private final List<TcpConnection> clients = new ArrayList<>();
    private MemorySegment message;
    private long remaining;

    @Override
    protected TcpBench newBench() {
        return new TcpBench(TcpConfig.builder().noDelay(true).build(), true);
    }

    @Override
    protected void open() {
        message = Arena.global().allocate(MESSAGE);
        bench.on(() -> {
            bench.server.listen(7, api.equals("readLoop") ? this::echoLoop : this::echo);
            List<ShardFuture<?>> opens = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                opens.add(bench.client.connect(TcpBench.SERVER_IP, 7).map(c -> {
                    c.setNoDelay(true);
                    clients.add(c);
                    return c;
                }));
            }
            return ShardFuture.whenAll(opens);
        });
    }

    /** The server: read, write the same bytes back, again. */
    private void echo(TcpConnection c) {
        c.setNoDelay(true);
        ShardFuture.repeat(() -> c.read().then(p -> {
            if (p.isEmpty()) {
                p.release();
                return ShardFuture.stop();
            }
            return c.write(p).map(v -> Loop.CONTINUE);
        }));
    }

    /** The server with a read loop: nothing allocated per request. */
    private void echoLoop(TcpConnection c) {
        c.setNoDelay(true);
        c.readLoop(p -> {
            if (p.isEmpty()) {
                p.release();
                return ShardFuture.stop();
            }
            return c.write(p).map(v -> Loop.CONTINUE);
        });
    }

    /** The client side of one connection with a read loop: send, read the whole answer, send again. */
    private ShardFuture<Void> pingLoop(TcpConnection c) {
        if (remaining <= 0) {
            return ShardFuture.done();
        }
        int[] got = new int[1];
        send(c);
        return c.readLoop(r -> {
            got[0] += r.length();
            r.release();
            if (got[0] < MESSAGE) {
                return ShardFuture.next();
            }
            got[0] = 0;
            if (--remaining <= 0) {
                return ShardFuture.stop();
            }
            return send(c).map(v -> Loop.CONTINUE);
        });
    }

    private ShardFuture<Void> send(TcpConnection c) {
        Packet p = bench.shard.packets().allocateWithHeadroom();
        p.appendBytes(message, 0, MESSAGE);
        return c.write(p);
    }

    /** The client side of one connection: transactions until the batch is done. */
    private ShardFuture<Void> ping(TcpConnection c) {
        int[] got = new int[1];
        return ShardFuture.doUntil(() -> remaining <= 0, () -> {
            Packet p = bench.shard.packets().allocateWithHeadroom();
            p.appendBytes(message, 0, MESSAGE);
            got[0] = 0;
            return c.write(p).then(v -> ShardFuture.doUntil(() -> got[0] >= MESSAGE, () -> c.read().map(r -> {
                got[0] += r.length();
                r.release();
                return null;
            }))).map(v -> {
                remaining--;
                return null;
            });
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void transaction() {
        bench.on(() -> {
            remaining = BATCH;
            List<ShardFuture<?>> loops = new ArrayList<>();
            for (TcpConnection c : clients) {
                loops.add(api.equals("readLoop") ? pingLoop(c) : ping(c));
            }
            return ShardFuture.whenAll(loops);
        });
    }
}
