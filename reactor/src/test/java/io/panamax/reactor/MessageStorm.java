package io.panamax.reactor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Every shard of a running reactor sends {@code perPair} numbered messages to every other shard,
 * as fast as the queues take them, while receiving theirs; each receiver checks that every sender's
 * numbers arrive complete and in order. Sending is a {@link Poller}, so it yields to the loop once
 * per iteration, and it honours back-pressure: it stops feeding a target while {@code maxDeferred}
 * messages wait in the shard's overflow for it.
 */
final class MessageStorm {
    private final Reactor reactor;
    private final long perPair;
    private final int batch;
    private final int maxDeferred;
    private final Side[] sides;

    MessageStorm(Reactor reactor, long perPair, int batch, int maxDeferred) {
        this.reactor = reactor;
        this.perPair = perPair;
        this.batch = batch;
        this.maxDeferred = maxDeferred;
        int n = reactor.shardCount();
        this.sides = new Side[n];
        for (int i = 0; i < n; i++) {
            sides[i] = new Side(i, n);
        }
    }

    /** Starts every shard and waits for all of them; returns a line per problem (empty: none). */
    List<String> run(Duration limit) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < sides.length; i++) {
            Side side = sides[i];
            all.add(reactor.submit(i, () -> {
                side.done = new Promise<>();
                Shard.current().addPoller(side);
                return side.done;
            }));
        }
        reactor.await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)), limit);
        List<String> problems = new ArrayList<>();
        for (Side s : sides) {
            problems.addAll(s.problems);
        }
        return problems;
    }

    /** Messages that went through an overflow on the way, summed over shards. */
    long deferred() {
        return reactor.metrics().total("reactor_messages_deferred_total");
    }

    /** One numbered message. */
    private static final class Numbered implements ShardMessage {
        private final Side[] sides;
        private final int from;
        private final long seq;

        Numbered(Side[] sides, int from, long seq) {
            this.sides = sides;
            this.from = from;
            this.seq = seq;
        }

        @Override
        public void deliver(Shard shard) {
            sides[shard.id()].receive(from, seq);
        }
    }

    /** One shard's sender (a poller) and receiver; touched only by that shard's thread. */
    private final class Side implements Poller {
        private final int id;
        private final long[] nextToSend;
        private final long[] expected;
        private final List<String> problems = new ArrayList<>();
        private Promise<Void> done;
        private int targetsLeft;
        private int sendersLeft;
        private boolean finished;

        Side(int id, int n) {
            this.id = id;
            this.nextToSend = new long[n];
            this.expected = new long[n];
            this.targetsLeft = n - 1;
            this.sendersLeft = n - 1;
        }

        @Override
        public int poll() {
            if (targetsLeft == 0) {
                return 0;
            }
            Shard shard = Shard.current();
            int work = 0;
            for (int t = 0; t < nextToSend.length; t++) {
                if (t == id || nextToSend[t] == perPair) {
                    continue;
                }
                long end = Math.min(perPair, nextToSend[t] + batch);
                for (long s = nextToSend[t]; s < end && shard.deferredTo(t) < maxDeferred; s++) {
                    shard.send(t, new Numbered(sides, id, s));
                    nextToSend[t] = s + 1;
                    work++;
                }
                if (nextToSend[t] == perPair) {
                    targetsLeft--;
                }
            }
            maybeFinish();
            return work;
        }

        void receive(int from, long seq) {
            if (seq != expected[from]) {
                if (problems.size() < 10) {
                    problems.add("shard " + id + " from " + from + ": got #" + seq + ", expected #" + expected[from]);
                }
                expected[from] = seq;
            }
            if (++expected[from] == perPair) {
                sendersLeft--;
                maybeFinish();
            }
        }

        private void maybeFinish() {
            if (!finished && targetsLeft == 0 && sendersLeft == 0) {
                finished = true;
                done.complete(null);
            }
        }
    }
}
