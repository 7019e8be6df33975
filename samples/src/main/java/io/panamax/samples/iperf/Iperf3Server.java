package io.panamax.samples.iperf;

import io.panamax.reactor.Future;
import io.panamax.reactor.Shard;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.ShardMetrics;
import io.panamax.samples.iperf.Iperf3Messages.StreamResult;
import io.panamax.stack.ShardStack;
import io.panamax.stack.Sharded;
import io.panamax.stack.Stack;
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
 * 1 to 128 TCP streams and the server counts what arrives; reverse ({@code -R}), bidirectional,
 * UDP and SCTP tests are refused with iperf3's own "not implemented" error.
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
    /** The data connections of each test that landed on this shard, in arrival order. */
    private final Map<String, List<DataStream>> streams = new HashMap<>();
    /** Tests whose control connection is on this shard, by cookie. */
    final Map<String, Iperf3Test> tests = new HashMap<>();
    private final Set<TcpConnection> open = new HashSet<>();

    private Iperf3Server(ShardStack stack, int port, Iperf3Server[] peers) {
        this.shard = stack.shard();
        this.peers = peers;
        this.counters = new Counters(shard.metrics());
        peers[shard.id()] = this;
        this.listener = stack.tcp().listen(port, this::accepted);
    }

    /** An iperf3 server on every shard of {@code stack}, all on {@code port}. */
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
        ExactReader reader = new ExactReader(c);
        reader.read(Iperf3Messages.COOKIE_SIZE).whenComplete((bytes, e) -> {
            String cookie = e == null ? Iperf3Messages.cookie(bytes) : null;
            if (cookie == null) {
                counters.refused.increment();
                reader.release();
                c.abort();
                return;
            }
            Integer control = expected.get(cookie);
            if (control != null) {
                dataStream(cookie, control, c, reader.takeRest());
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

    /** On every shard: expect data connections with {@code cookie}; completes when all shards know. */
    Future<Void> expectEverywhere(String cookie) {
        int control = shard.id();
        List<Future<Void>> all = new ArrayList<>();
        for (int s = 0; s < peers.length; s++) {
            Iperf3Server peer = peers[s];
            all.add(shard.submitTo(s, () -> {
                peer.expected.put(cookie, control);
                return Future.done();
            }));
        }
        return Future.whenAll(all);
    }

    /**
     * On every shard: stop expecting {@code cookie}, end its data connections and report what each
     * received; completes with all of them.
     */
    Future<List<StreamCount>> finishEverywhere(String cookie) {
        List<Future<List<StreamCount>>> parts = new ArrayList<>();
        for (int s = 0; s < peers.length; s++) {
            Iperf3Server peer = peers[s];
            parts.add(shard.submitTo(s, () -> Future.succeeded(peer.finish(cookie))));
        }
        return Future.allOf(parts).map(lists -> {
            List<StreamCount> out = new ArrayList<>();
            lists.forEach(out::addAll);
            return out;
        });
    }

    private List<StreamCount> finish(String cookie) {
        expected.remove(cookie);
        List<DataStream> mine = streams.remove(cookie);
        List<StreamCount> out = new ArrayList<>();
        if (mine != null) {
            for (int i = 0; i < mine.size(); i++) {
                DataStream d = mine.get(i);
                out.add(new StreamCount(new StreamAt(shard.id(), i), d.bytes));
                // The client stopped sending before it ended the test: whatever is still in flight is
                // not counted, as iperf3's own server closes its streams at this point.
                d.connection.abort();
            }
        }
        return out;
    }

    // ---- data connections -----------------------------------------------------------------------

    private void dataStream(String cookie, int control, TcpConnection c, int alreadyReceived) {
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
            return Future.done();
        });
        Future.repeat(() -> c.read().map(p -> {
            int n = p.length();
            p.release();
            d.bytes += n;
            counters.bytes.add(n);
            return n == 0;
        })).whenComplete((v, e) -> closed(c));
    }

    /** One data connection of a test, on this shard. */
    private static final class DataStream {
        final TcpConnection connection;
        long bytes;

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

        Counters(ShardMetrics m) {
            completed = tests(m, "completed");
            refused = tests(m, "refused");
            failed = tests(m, "failed");
            bytes = m.counter("iperf3_bytes_received_total", "Bytes received on iperf3 data connections");
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
