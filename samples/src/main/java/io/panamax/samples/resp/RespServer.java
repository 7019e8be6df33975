package io.panamax.samples.resp;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.metrics.Counter;
import io.panamax.stack.ShardStack;
import io.panamax.stack.Stack;
import io.panamax.tcp.ReplyBuilder;
import io.panamax.tcp.TcpConnection;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A key-value server that speaks the Redis protocol (RESP2) — {@code PING}, {@code ECHO},
 * {@code SET}, {@code GET}, {@code DEL}, {@code INCR}, {@code QUIT} — built on the stack's public
 * API as an application would be: one listener per shard, and the keyspace split over the shards.
 *
 * <p>Each key belongs to one shard, chosen by its hash ({@link #owner}); that shard's
 * {@link KeyStore} alone holds it, so nothing is shared and nothing locks. A connection lives on
 * the shard its flow landed on; a command on a key another shard owns travels there as a message
 * ({@link Shard#submitTo}) and its reply comes back, the way Seastar's memcached and Redis clones
 * split their data. Replies go out in the order the commands came, pipelined or not.
 */
public final class RespServer {
    public static final int DEFAULT_PORT = 6379;

    private final KeyStore[] stores;
    private final Counter[] local;
    private final Counter[] remote;

    private RespServer(int shards) {
        stores = new KeyStore[shards];
        local = new Counter[shards];
        remote = new Counter[shards];
    }

    /** Listens on {@code port} on every shard of {@code stack}; returns the server (for its key counts). */
    public static RespServer listen(Stack stack, int port) {
        RespServer server = new RespServer(stack.shardCount());
        stack.await(stack.onEveryShard(s -> server.start(s, port)), Duration.ofSeconds(30));
        return server;
    }

    private void start(ShardStack s, int port) {
        int id = s.shard().id();
        stores[id] = new KeyStore();
        var m = s.shard().metrics();
        local[id] = m.counter("resp_commands_total", "RESP commands answered, by where their key lived", "key_on", "this_shard");
        remote[id] = m.counter("resp_commands_total", "RESP commands answered, by where their key lived", "key_on", "other_shard");
        s.tcp().listen(port, conn -> serve(s.shard(), conn));
    }

    /** The shard that owns {@code key}: a multiplicative hash of its bytes, so any shard count spreads keys evenly. */
    static int owner(byte[] key, int shards) {
        return (int) (((Arrays.hashCode(key) * 0x9E3779B9L) & 0xffffffffL) * shards >>> 32);
    }

    /** Keys held by shard {@code i} (read it on that shard). */
    public int keysOn(int i) {
        return stores[i].size();
    }

    private void serve(Shard shard, TcpConnection conn) {
        RespParser parser = new RespParser();
        // Replies are built in the shard's packet buffers and written as built (no byte array, no second copy).
        ReplyBuilder replies = new ReplyBuilder(shard);
        boolean[] quit = {false};
        conn.readLoop(data -> {
            if (data.length() == 0) { // the client closed its side
                data.release();
                return conn.close().then(v -> ShardFuture.stop());
            }
            take(parser, data);
            // Every complete command in what arrived, in order; then one write with all the replies.
            return ShardFuture.repeat(() -> answerNext(shard, parser, replies, quit)).then(v -> {
                ShardFuture<Void> sent = replies.writeTo(conn);
                return quit[0] ? sent.then(x -> conn.close()).then(x -> ShardFuture.stop()) : sent.then(x -> ShardFuture.next());
            });
        }).whenComplete((v, failure) -> {
            replies.discard(); // a reply cut short by a failure
            if (failure != null) {
                conn.abort(); // reset by the peer, or a write on a connection that failed: nothing to answer
            }
        });
    }

    private static void take(RespParser parser, ReadBuffer data) {
        int n = data.length();
        byte[] room = parser.room(n);
        data.copyTo(0, room, parser.writeOffset(), n);
        parser.written(n);
        data.release();
    }

    /** Answers the next buffered command into {@code out}; stops when none is complete, or at QUIT or a protocol error. */
    private ShardFuture<Loop> answerNext(Shard shard, RespParser parser, ReplyBuilder out, boolean[] quit) {
        List<byte[]> args;
        try {
            args = parser.next();
        } catch (RespParser.ProtocolException e) {
            out.bytes(Replies.error("ERR Protocol error: " + e.getMessage()));
            quit[0] = true; // as Redis: after a protocol error the stream cannot be trusted, close it
            return ShardFuture.stop();
        }
        if (args == null) {
            return ShardFuture.stop();
        }
        if (args.isEmpty()) {
            return ShardFuture.next();
        }
        String command = new String(args.getFirst(), StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
        return execute(shard, command, args).map(reply -> {
            out.bytes(reply);
            if (command.equals("QUIT")) {
                quit[0] = true;
                return Loop.STOP;
            }
            return Loop.CONTINUE;
        });
    }

    private ShardFuture<byte[]> execute(Shard shard, String command, List<byte[]> args) {
        int n = args.size();
        return switch (command) {
            case "PING" -> n == 1 ? ShardFuture.succeeded(Replies.PONG)
                    : n == 2 ? ShardFuture.succeeded(Replies.bulk(args.get(1))) : arity(command);
            case "ECHO" -> n == 2 ? ShardFuture.succeeded(Replies.bulk(args.get(1))) : arity(command);
            case "QUIT" -> ShardFuture.succeeded(Replies.OK);
            // redis-benchmark asks for CONFIG GET save/appendonly first; an empty answer means "not set".
            case "CONFIG", "COMMAND" -> ShardFuture.succeeded(Replies.EMPTY_ARRAY);
            case "GET", "DEL", "INCR" -> n == 2 ? onOwner(shard, command, args, args.get(1))
                    : command.equals("DEL") && n > 2 ? delMany(shard, args) : arity(command);
            case "SET" -> n == 3 ? onOwner(shard, command, args, args.get(1))
                    : n > 3 ? ShardFuture.succeeded(Replies.error("ERR syntax error (this server knows SET key value only)")) : arity(command);
            default -> ShardFuture.succeeded(Replies.error("ERR unknown command '" + command.toLowerCase(Locale.ROOT)
                    + "', this server knows PING ECHO SET GET DEL INCR QUIT"));
        };
    }

    private static ShardFuture<byte[]> arity(String command) {
        return ShardFuture.succeeded(Replies.error("ERR wrong number of arguments for '" + command.toLowerCase(Locale.ROOT) + "' command"));
    }

    /** Runs a one-key command where its key lives: here at once, or on the owner shard and back. */
    private ShardFuture<byte[]> onOwner(Shard shard, String command, List<byte[]> args, byte[] key) {
        int owner = owner(key, stores.length);
        if (owner == shard.id()) {
            local[owner].increment();
            return ShardFuture.succeeded(stores[owner].execute(command, args));
        }
        remote[shard.id()].increment();
        return shard.submitTo(owner, () -> ShardFuture.succeeded(stores[owner].execute(command, args)));
    }

    /** DEL k1 k2 ...: each key deleted on its owner, the count summed here. */
    private ShardFuture<byte[]> delMany(Shard shard, List<byte[]> args) {
        long[] deleted = {0};
        return ShardFuture.forEach(args.subList(1, args.size()), key ->
                onOwner(shard, "DEL", List.of(args.getFirst(), key), key).map(r -> deleted[0] += r == Replies.ONE ? 1 : 0))
                .map(v -> Replies.integer(deleted[0]));
    }
}
