package io.panamax.samples.iperf;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;
import io.panamax.samples.iperf.Iperf3Messages.StreamResult;
import io.panamax.stack.ShardStack;
import io.panamax.stack.Sharded;
import io.panamax.stack.Stack;
import io.panamax.tcp.Framing;
import io.panamax.tcp.ReplyBuilder;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpListener;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A server for the {@code iperf3} client (3.x), so that the tool users measure TCP throughput with
 * runs against the stack unchanged: {@code iperf3 -c ADDRESS [-P N] [-t S]}. The client sends over
 * 1 to 128 TCP streams and the server counts what arrives; with {@code -R} the server sends on
 * them instead, from the test's start to the client's TEST_END, counts what it handed the
 * connections, then closes them (a FIN after that data). Bidirectional, UDP and SCTP tests are
 * refused with iperf3's own "not implemented" error.
 *
 * <p>What the server sends is one block per shard, built once in the shard's packet buffers (a
 * {@link ReplyBuilder}) and written again and again as zero-copy slices of it: no bytes are copied
 * and no buffers allocated per write, so the figure measures the stack, not the server. It names
 * no buffer-pool type: an application's data path needs only {@link ReadBuffer}.
 *
 * <p>One instance per shard. A test's control connection lives on the shard that accepted it
 * ({@link Iperf3Test}); its data connections land wherever RSS puts them and are counted there,
 * each shard for its own: the control shard tells every shard which cookie to expect before it
 * lets the client open them, hears from each shard as a stream arrives, and collects the byte
 * counts from every shard at the end. Nothing is shared between shards but those messages.
 */
public final class Iperf3Server implements AutoCloseable {
    /** iperf3's default port. */
    public static final int DEFAULT_PORT = 5201;

    private final Shard shard;
    private final Iperf3Server[] peers;
    private final TcpListener listener;
    final Counters counters;
    /** Cookie of a test whose streams may land here → the shard of its control connection. */
    private final Map<String, Integer> expected = new HashMap<>();
    /**
     * Cookie of a test whose client asked for a window ({@code -w}) → the receive buffer its
     * streams get. Without {@code -w} they keep the stack's default buffer and autotuning grows it
     * (docs/tcp.md, "Receive-buffer autotuning"). It used to be a fixed 1 MB, chosen by measurement
     * over TAP (issue 15); autotuned, the client saw 0.26-1.1 MB windows there under load (docs/tap.md).
     */
    private final Map<String, Integer> windows = new HashMap<>();
    /** The data connections of each test that landed on this shard, in arrival order. */
    private final Map<String, List<DataStream>> streams = new HashMap<>();
    /** Tests whose control connection is on this shard, by cookie. */
    final Map<String, Iperf3Test> tests = new HashMap<>();
    private final Set<TcpConnection> open = new HashSet<>();
    /** What {@code -R} streams send, over and over (views of it); made at the first reverse test. */
    private ReadBuffer block;
    /** Bytes in {@link #block}: half of iperf3's default TCP block, 64 KB, a TCP super-segment's worth. */
    static final int BLOCK_BYTES = 64 * 1024;

    private Iperf3Server(ShardStack stack, int port, Iperf3Server[] peers) {
        this.shard = stack.shard();
        this.peers = peers;
        this.counters = new Counters(shard.metrics());
        peers[shard.id()] = this;
        this.listener = stack.tcp().listen(port, this::accepted);
    }

    /**
     * An iperf3 server on every shard of {@code stack}, all on {@code port}. Its data connections'
     * receive buffers are autotuned, up to the stack's
     * {@link io.panamax.tcp.TcpConfig#maxReceiveBufferSize}, unless the client asks for a window.
     */
    public static Sharded<Iperf3Server> start(Stack stack, int port) {
        Iperf3Server[] peers = new Iperf3Server[stack.shardCount()];
        return Sharded.start(stack, s -> new Iperf3Server(s, port, peers), Iperf3Server::close);
    }

    /** Stops listening and aborts every connection still open on this shard. */
    @Override
    public void close() {
        listener.close();
        for (TcpConnection c : new ArrayList<>(open)) {
            c.abort();
        }
        if (block != null) {
            block.release();
            block = null;
        }
    }

    Shard shard() {
        return shard;
    }

    int shardCount() {
        return peers.length;
    }

    /** Every connection of a test starts with its cookie: an expected one opens a data stream, another a new test. */
    private void accepted(TcpConnection c) {
        open.add(c);
        c.setNoDelay(true); // the control connection's one-byte states must not wait for Nagle
        Framing reader = new Framing(c);
        Iperf3Messages.read(reader, Iperf3Messages.COOKIE_SIZE).whenComplete((bytes, e) -> {
            String cookie = e == null ? Iperf3Messages.cookie(bytes) : null;
            if (cookie == null) {
                counters.refused.increment();
                reader.release();
                c.abort();
                return;
            }
            Integer control = expected.get(cookie);
            if (control != null) {
                dataStream(cookie, control, c, reader.release());
            } else if (tests.containsKey(cookie)) {
                counters.refused.increment(); // a second control connection with a running test's cookie
                c.abort();
            } else {
                Iperf3Test test = new Iperf3Test(this, cookie, c, reader);
                tests.put(cookie, test);
                test.run().whenComplete((v, x) -> {
                    tests.remove(cookie);
                    closed(c);
                });
            }
        });
    }

    void closed(TcpConnection c) {
        open.remove(c);
    }

    // ---- what the control shard asks of every shard -------------------------------------------

    /**
     * On every shard: expect data connections with {@code cookie}, each to get a receive buffer of
     * {@code window} bytes ({@code -w}; 0: none set, autotuned); completes when all shards know.
     */
    ShardFuture<Void> expectEverywhere(String cookie, int window) {
        int control = shard.id();
        List<ShardFuture<Void>> all = new ArrayList<>();
        for (int s = 0; s < peers.length; s++) {
            Iperf3Server peer = peers[s];
            all.add(shard.submitTo(s, () -> {
                peer.expected.put(cookie, control);
                if (window > 0) {
                    peer.windows.put(cookie, window);
                }
                return ShardFuture.done();
            }));
        }
        return ShardFuture.whenAll(all);
    }

    /** On every shard: start sending on the data connections of {@code cookie} ({@code -R}). */
    ShardFuture<Void> sendEverywhere(String cookie) {
        List<ShardFuture<Void>> all = new ArrayList<>();
        for (int s = 0; s < peers.length; s++) {
            Iperf3Server peer = peers[s];
            all.add(shard.submitTo(s, () -> {
                peer.startSending(cookie);
                return ShardFuture.done();
            }));
        }
        return ShardFuture.whenAll(all);
    }

    private void startSending(String cookie) {
        List<DataStream> mine = streams.get(cookie);
        if (mine == null) {
            return;
        }
        ReadBuffer b = block();
        if (b == null) {
            return; // the shard's pool is dry: the streams here send nothing, the results say so
        }
        for (DataStream d : mine) {
            d.sending = true;
            int n = b.length();
            // A write loop: asked for the next block once the connection has taken the last one, with
            // one completion object for every write (a future per write cost a promise each time the
            // send buffer was full, which in a bulk send is nearly every time).
            d.connection.writeLoop(() -> {
                if (!d.sending) {
                    return null;
                }
                // Counted as it is handed over: from then on the connection owns it and sends it, even
                // when the test ends before it is accepted into the send buffer (a close queues the FIN
                // behind it), so the results count every byte the client can receive, as iperf3 counts
                // what its write() handed to the kernel.
                d.bytes += n;
                counters.bytesSent.add(n);
                return b.slice(0, n);
            }).whenComplete((v, e) -> { }); // ends when the test ends, or fails if the client resets the connection
        }
    }

    /** This shard's block to send, built in its packet buffers the first time; null if none are free. */
    private ReadBuffer block() {
        if (block != null) {
            return block;
        }
        byte[] bytes = new byte[BLOCK_BYTES]; // once per shard, not per write
        int seed = 0x9e3779b9;
        for (int i = 0; i < bytes.length; i++) {
            seed = seed * 1103515245 + 12345; // bytes that do not compress, made once
            bytes[i] = (byte) (seed >>> 24);
        }
        block = new ReplyBuilder(shard).bytes(bytes).take();
        return block;
    }

    /**
     * On every shard: stop expecting {@code cookie}, end its data connections and report what each
     * received; completes with all of them.
     */
    ShardFuture<List<StreamCount>> finishEverywhere(String cookie) {
        List<ShardFuture<List<StreamCount>>> parts = new ArrayList<>();
        for (int s = 0; s < peers.length; s++) {
            Iperf3Server peer = peers[s];
            parts.add(shard.submitTo(s, () -> ShardFuture.succeeded(peer.finish(cookie))));
        }
        return ShardFuture.allOf(parts).map(lists -> {
            List<StreamCount> out = new ArrayList<>();
            lists.forEach(out::addAll);
            return out;
        });
    }

    private List<StreamCount> finish(String cookie) {
        expected.remove(cookie);
        windows.remove(cookie);
        List<DataStream> mine = streams.remove(cookie);
        List<StreamCount> out = new ArrayList<>();
        if (mine != null) {
            for (int i = 0; i < mine.size(); i++) {
                DataStream d = mine.get(i);
                out.add(new StreamCount(new StreamAt(shard.id(), i), d.bytes));
                if (d.sending) {
                    // -R: the client keeps reading its streams after TEST_END until EXCHANGE_RESULTS, and
                    // fails the whole test (IESTREAMREAD: no sender figures, no results exchanged) if
                    // one is reset under it. So the data already written is sent, then a FIN, as
                    // iperf3's own server does by close() on a socket with nothing unread.
                    d.sending = false;
                    d.connection.close();
                } else {
                    // The client stopped sending before it ended the test: whatever is still in flight
                    // is not counted, and iperf3's own server closes these streams with data unread,
                    // which resets them, as this does.
                    d.connection.abort();
                }
            }
        }
        return out;
    }

    // ---- data connections -----------------------------------------------------------------------

    private void dataStream(String cookie, int control, TcpConnection c, int alreadyReceived) {
        // iperf3's own server sets SO_RCVBUF (and SO_SNDBUF) to the client's -w, which turns the
        // kernel's autotuning off; here the receive buffer, likewise. Without -w: autotuned.
        Integer window = windows.get(cookie);
        if (window != null) {
            c.setReceiveBufferSize(window);
        }
        DataStream d = new DataStream(c, alreadyReceived);
        List<DataStream> list = streams.computeIfAbsent(cookie, k -> new ArrayList<>());
        int index = list.size();
        list.add(d);
        counters.bytes.add(alreadyReceived);
        int here = shard.id();
        Iperf3Server controller = peers[control];
        shard.submitTo(control, () -> {
            Iperf3Test test = controller.tests.get(cookie);
            if (test != null) {
                test.streamArrived(here, index);
            }
            return ShardFuture.done();
        });
        c.readLoop(p -> { // one completion object for every read: no future per read
            int n = p.length();
            p.release();
            if (!d.sending) { // with -R the client sends nothing: its bytes are not what the stream counts
                d.bytes += n;
            }
            counters.bytes.add(n);
            return n == 0 ? ShardFuture.stop() : ShardFuture.next();
        }).whenComplete((v, e) -> closed(c));
    }

    /** One data connection of a test, on this shard. */
    private static final class DataStream {
        final TcpConnection connection;
        /** Bytes received, or with {@code -R} sent (handed to the connection to send). */
        long bytes;
        /** With {@code -R}: sending, from the test's start until it ends. */
        boolean sending;

        DataStream(TcpConnection connection, long bytes) {
            this.connection = connection;
            this.bytes = bytes;
        }
    }

    /** This shard's iperf3 counters. */
    static final class Counters {
        final Counter completed;
        final Counter refused;
        final Counter failed;
        final Counter bytes;
        final Counter bytesSent;

        Counters(ShardMetrics m) {
            completed = tests(m, "completed");
            refused = tests(m, "refused");
            failed = tests(m, "failed");
            bytes = m.counter("iperf3_bytes_received_total", "Bytes received on iperf3 data connections");
            bytesSent = m.counter("iperf3_bytes_sent_total", "Bytes sent on iperf3 data connections (-R)");
        }

        private static Counter tests(ShardMetrics m, String outcome) {
            return m.counter("iperf3_tests_total", "iperf3 tests by outcome (on the shard of their control connection)",
                    "outcome", outcome);
        }
    }

    /** A data connection of a test: the shard it landed on and its place among the test's streams there. */
    record StreamAt(int shard, int index) {
    }

    /** What one data connection received. */
    record StreamCount(StreamAt stream, long bytes) {
    }

    /** For the results: the streams of a test in the order they arrived, with their ids. */
    static List<StreamResult> inArrivalOrder(List<StreamAt> arrivals, List<StreamCount> counts) {
        Map<StreamAt, Long> bytes = new HashMap<>();
        for (StreamCount c : counts) {
            bytes.put(c.stream(), c.bytes());
        }
        List<StreamResult> out = new ArrayList<>();
        for (int i = 0; i < arrivals.size(); i++) {
            out.add(new StreamResult(Iperf3Messages.streamId(i), bytes.getOrDefault(arrivals.get(i), 0L)));
        }
        return out;
    }
}
