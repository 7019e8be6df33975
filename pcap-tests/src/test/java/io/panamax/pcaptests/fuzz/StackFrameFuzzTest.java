package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.nic.NicPoller;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.pcaptests.replay.ReplayRun;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;
import io.panamax.pcaptests.replay.StackReplay;
import io.panamax.stack.NicFactory;
import io.panamax.stack.Stack;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Whole frames, random or mutated from real ones, through a full stack: two shards on a manual
 * reactor (so software steering and cross-shard forwarding run), replay mode (every destination
 * accepted, so the frames reach every layer), the echo sample's services and sinks listening.
 * After each input the virtual clock runs an hour on, so that every timer fires (retransmissions
 * give up, reassembly and TIME-WAIT expire): then no exception may have escaped a layer and every
 * buffer and packet must be back in its pool.
 *
 * <p>An input is a sequence of frames: each is a 2-byte big-endian length, then that many bytes
 * (a last frame may be shorter than its length says). The seeds are real frames of the shared
 * captures in that encoding (docs/fuzzing.md).
 */
class StackFrameFuzzTest {
    private static final int MAX_FRAMES = 8;
    private static Reactor reactor;
    private static Wire wire;
    private static Stack stack;
    private static long inputs;

    /** One stack for all inputs: building a stack per input would leave the fuzzer a few runs a second. */
    private static void start() throws Exception {
        ManualClock clock = new ManualClock(1_000_000_000L);
        reactor = Reactor.builder().shards(2).manual().clock(clock).buffersPerShard(2048).build().start();
        // A jumbo MTU: oversized frames reach the stack and are its to count, not the wire's.
        wire = Wire.pair(WireConfig.builder().name("fuzz").clock(clock).mtu(9000).build());
        stack = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4("10.7.0.2/24").replayMode()
                .tcp(StackReplay.Settings.defaults().tcp()).start();
        StackReplay.installEchoServices(stack);
        stack.await(stack.onEveryShard(ReplayRun::installSinks), Duration.ofSeconds(10));
        // The far end: shard 1 sends the frames and throws away what the stack answers.
        reactor.runOn(1, () -> Shard.currentOrThrow().addPoller(new NicPoller(wire.a().queue(0), Packet::release)));
    }

    @FuzzTest
    void noFrameCrashesTheStackOrLeaksABuffer(byte[] input) throws Exception {
        if (stack == null) {
            start();
        }
        inputs++;
        reactor.runOn(1, () -> {
            Shard shard = Shard.currentOrThrow();
            int at = 0;
            for (int frames = 0; frames < MAX_FRAMES && at + 2 <= input.length; frames++) {
                int length = Math.min((input[at] & 0xff) << 8 | (input[at + 1] & 0xff), input.length - at - 2);
                Packet p = shard.packets().allocateWithHeadroom();
                if (p == null) {
                    break;
                }
                if (p.appendBytes(input, at + 2, length) < length) {
                    p.release();
                    break;
                }
                at += 2 + length;
                // The wire copies the frame into its ring and releases ours (or drops it, counted).
                wire.a().queue(0).transmit(new Packet[] {p}, 1);
            }
        });
        reactor.runUntilIdle();
        reactor.advance(Duration.ofHours(1));
        var m = reactor.metrics();
        assertEquals(0, m.total("reactor_uncaught_errors_total") + m.total("nic_rx_handler_errors_total"),
                "an exception escaped a layer (input " + inputs + ")");
        for (int i = 0; i < reactor.shardCount(); i++) {
            int shard = i;
            String[] leak = new String[1];
            reactor.runOn(i, () -> leak[0] = LeakCheck.describe(reactor.shard(shard)));
            assertNull(leak[0], "after an hour of virtual time nothing holds a buffer");
        }
    }
}
