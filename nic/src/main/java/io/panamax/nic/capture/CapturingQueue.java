package io.panamax.nic.capture;

import io.panamax.nic.ForwardingNicQueue;
import io.panamax.nic.NicQueue;
import io.panamax.nic.pcap.CaptureFileWriter;
import io.panamax.nic.pcap.WallClock;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.metrics.Counter;

/**
 * A queue of a {@link CapturingNic}: passes everything to the wrapped queue and copies each frame
 * it receives or transmits into the queue's {@link CaptureRing}. All frames of a burst carry the
 * burst's timestamp (one clock read per burst, not per frame).
 */
final class CapturingQueue extends ForwardingNicQueue {
    private final CapturingNic nic;
    private final CaptureRing ring;
    /** Frames that went through without a record because the ring was full. */
    final Counter droppedRingFull = new Counter();

    CapturingQueue(CapturingNic nic, NicQueue inner, CaptureRing ring) {
        super(inner);
        this.nic = nic;
        this.ring = ring;
    }

    @Override
    public int receive(Packet[] out, int max) {
        int n = inner.receive(out, max);
        if (n > 0 && nic.isEnabled()) {
            stage(out, n, CaptureFileWriter.DIRECTION_INBOUND);
            commit(n);
        }
        return n;
    }

    @Override
    public int transmit(Packet[] packets, int count) {
        if (count == 0 || !nic.isEnabled()) {
            return inner.transmit(packets, count);
        }
        // Copy first: once the device has a frame it may send and free it at once.
        stage(packets, count, CaptureFileWriter.DIRECTION_OUTBOUND);
        int sent = inner.transmit(packets, count);
        commit(sent);
        return sent;
    }

    private void stage(Packet[] frames, int count, int direction) {
        long now = WallClock.nanos();
        int queue = inner.id();
        ring.begin();
        for (int i = 0; i < count && ring.stage(frames[i], now, queue, direction); i++) {
            // staged
        }
    }

    private void commit(int frames) {
        int missed = ring.commit(frames);
        if (missed > 0) {
            droppedRingFull.add(missed);
        }
    }
}
