package io.panamax.nic.capture;

import io.panamax.nic.Nic;
import io.panamax.nic.NicPoller;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A wire between the two shards of a manual reactor, with side A recorded by a
 * {@link CapturingNic}: what A sends is recorded as outbound, what it receives as inbound.
 */
final class CaptureRig implements AutoCloseable {
    final ManualClock clock = new ManualClock();
    final Reactor reactor;
    final Wire wire;
    final CapturingNic captured;
    final List<byte[]> atA = new ArrayList<>();
    final List<byte[]> atB = new ArrayList<>();
    private NicPoller pollerA;
    private NicPoller pollerB;
    private boolean closed;

    CaptureRig(CaptureConfig config) throws IOException {
        reactor = Reactor.builder().shards(2).manual().clock(clock).build().start();
        wire = Wire.pair(WireConfig.builder().clock(clock).build());
        captured = CapturingNic.wrap(wire.a(), config);
        reactor.runOn(0, () -> pollerA = poll(captured, atA));
        reactor.runOn(1, () -> pollerB = poll(wire.b(), atB));
    }

    private static NicPoller poll(Nic nic, List<byte[]> into) {
        NicPoller p = new NicPoller(nic.queue(0), packet -> {
            into.add(packet.toByteArray());
            packet.release();
        });
        Shard.currentOrThrow().addPoller(p);
        return p;
    }

    void sendFromA(List<byte[]> frames) {
        send(0, frames);
    }

    void sendFromB(List<byte[]> frames) {
        send(1, frames);
    }

    /** Sends the frames in bursts, letting each side poll in between (the wire's ring holds 512). */
    private void send(int shard, List<byte[]> frames) {
        NicPoller poller = shard == 0 ? pollerA : pollerB;
        for (int i = 0; i < frames.size(); i += 256) {
            List<byte[]> chunk = frames.subList(i, Math.min(frames.size(), i + 256));
            reactor.runOn(shard, () -> {
                for (byte[] f : chunk) {
                    Packet p = Shard.currentOrThrow().packets().allocateWithHeadroom();
                    p.appendBytes(f, 0, f.length);
                    poller.send(p);
                }
            });
            reactor.runUntilIdle();
        }
    }

    /** Completes the capture file (the writer drains its rings first). */
    void finishCapture() {
        if (!closed) {
            closed = true;
            captured.close();
        }
    }

    @Override
    public void close() {
        try {
            reactor.runUntilIdle();
            LeakCheck.assertNoLeaks(reactor);
        } finally {
            reactor.close();
            finishCapture();
            wire.close();
        }
    }
}
