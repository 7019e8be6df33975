package io.panamax.samples.iperf;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Promise;
import io.panamax.reactor.Timer;
import io.panamax.reactor.metrics.Counter;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.Framing;
import io.panamax.tcp.TcpConnection;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One iperf3 test, driven from its control connection on the shard that accepted it, in the
 * order the iperf3 client expects: PARAM_EXCHANGE and the client's parameters; CREATE_STREAMS once
 * every shard expects the test's cookie; TEST_START and TEST_RUNNING once all data connections
 * have arrived (wherever they landed); at the client's TEST_END the byte counts are collected from
 * every shard, then EXCHANGE_RESULTS (the client's results in, ours out) and DISPLAY_RESULTS; the
 * client ends with IPERF_DONE.
 */
final class Iperf3Test {
    /** How long the client may take to open its data connections after CREATE_STREAMS. */
    static final long STREAMS_TIMEOUT_NANOS = 10_000_000_000L;
    /** What the results name as the congestion control (iperf3 prints it with -V). */
    static final String CONGESTION = "newreno";

    private final Iperf3Server server;
    private final String cookie;
    private final TcpConnection control;
    private final Framing reader;
    /** The data connections, in the order they arrived. */
    private final List<Iperf3Server.StreamAt> arrivals = new ArrayList<>();
    private final Promise<Void> allArrived = new Promise<>();
    private Iperf3Parameters parameters;
    private boolean expecting;
    /** The test's outcome is counted: when it is decided, before the client can see it. */
    private boolean counted;
    /** The refusal went out and the connection closed after it: nothing to abort. */
    private boolean refused;
    private long runningSince;

    Iperf3Test(Iperf3Server server, String cookie, TcpConnection control, Framing reader) {
        this.server = server;
        this.cookie = cookie;
        this.control = control;
        this.reader = reader;
    }

    /** Runs the test; completes (never fails) when the control connection is done with. */
    ShardFuture<Void> run() {
        return send(Iperf3Messages.PARAM_EXCHANGE)
                .then(v -> readJson())
                .then(this::parametersArrived)
                .then(v -> openStreams())
                .then(v -> send(Iperf3Messages.TEST_START))
                .then(v -> send(Iperf3Messages.TEST_RUNNING))
                .then(v -> parameters.reverse() ? server.sendEverywhere(cookie) : ShardFuture.<Void>done())
                .then(v -> {
                    runningSince = server.shard().nanoTime();
                    return Iperf3Messages.read(reader, 1);
                })
                .then(this::clientState)
                .handle((v, e) -> {
                    ended(e);
                    return null;
                });
    }

    private ShardFuture<Void> parametersArrived(String json) {
        parameters = Iperf3Parameters.parse(json);
        if (parameters == null) {
            return ShardFuture.failed(new ConnectionAbortedException("iperf3: the client's parameters are not a JSON object"));
        }
        if (!parameters.supported()) {
            // iperf3's client prints "error - an option you are trying to set is not implemented yet".
            count(server.counters.refused);
            refused = true;
            return control.write(Iperf3Messages.serverError(Iperf3Messages.IE_UNIMPLEMENTED, 0))
                    .then(v -> control.close())
                    .then(v -> ShardFuture.failed(new ConnectionAbortedException("iperf3: refused " + parameters)));
        }
        expecting = true;
        return server.expectEverywhere(cookie, parameters.window());
    }

    private ShardFuture<Void> openStreams() {
        Timer timeout = server.shard().timers().schedule(STREAMS_TIMEOUT_NANOS, () -> allArrived.tryFail(
                new ConnectionAbortedException("iperf3: " + arrivals.size() + " of " + parameters.streams()
                        + " data connections arrived within " + STREAMS_TIMEOUT_NANOS / 1_000_000_000L + " s")));
        return send(Iperf3Messages.CREATE_STREAMS).then(v -> allArrived).map(v -> {
            timeout.cancel();
            return null;
        });
    }

    /** A data connection of this test arrived on {@code shard} (told by that shard). */
    void streamArrived(int shard, int index) {
        arrivals.add(new Iperf3Server.StreamAt(shard, index));
        if (parameters != null && arrivals.size() >= parameters.streams()) {
            allArrived.tryComplete(null);
        }
    }

    private ShardFuture<Void> clientState(byte[] state) {
        if (state[0] == Iperf3Messages.TEST_END) {
            double seconds = (server.shard().nanoTime() - runningSince) / 1e9;
            expecting = false;
            return server.finishEverywhere(cookie)
                    .then(counts -> send(Iperf3Messages.EXCHANGE_RESULTS).then(v -> readJson()) // the client's results: not needed
                            .then(theirs -> control.write(Iperf3Messages.json(Iperf3Messages.results(
                                    Iperf3Server.inArrivalOrder(arrivals, counts), seconds, CONGESTION)))))
                    .then(v -> {
                        count(server.counters.completed); // the client has its results once this is sent
                        return send(Iperf3Messages.DISPLAY_RESULTS);
                    })
                    // IPERF_DONE, or the client's FIN: either way it has the results.
                    .then(v -> Iperf3Messages.read(reader, 1).handle((b, e) -> null))
                    .then(v -> control.close());
        }
        String what = state[0] == Iperf3Messages.CLIENT_TERMINATE ? "the client stopped the test (CLIENT_TERMINATE)"
                : "unexpected state " + state[0] + " from the client";
        return ShardFuture.failed(new ConnectionAbortedException("iperf3: " + what));
    }

    private void ended(Throwable e) {
        reader.release();
        if (e != null) {
            count(server.counters.failed);
            if (!refused) {
                control.abort();
            }
        }
        if (expecting) {
            server.finishEverywhere(cookie); // the test's data connections end with it
        }
    }

    private void count(Counter outcome) {
        if (!counted) {
            counted = true;
            outcome.increment();
        }
    }

    private ShardFuture<Void> send(byte state) {
        return control.write(new byte[] {state});
    }

    private ShardFuture<String> readJson() {
        return Iperf3Messages.read(reader, Iperf3Messages.JSON_LENGTH_SIZE).then(header -> {
            int n = Iperf3Messages.jsonLength(header);
            if (n < 0) {
                return ShardFuture.failed(new ConnectionAbortedException("iperf3: a JSON message length out of range"));
            }
            return Iperf3Messages.read(reader, n).map(b -> new String(b, StandardCharsets.UTF_8));
        });
    }
}
