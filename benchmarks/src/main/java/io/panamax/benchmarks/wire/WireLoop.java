package io.panamax.benchmarks.wire;

import io.panamax.nic.NicQueue;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The loop the wire benchmarks share: build a burst, send it, receive what arrived, release it. */
final class WireLoop {
    private WireLoop() {
    }

    /**
     * The frame every burst sends, off-heap as the stack's own frames are (copying from a
     * {@code byte[]} would wrap it in a heap segment per call and measure that instead).
     */
    static MemorySegment template(int length) {
        MemorySegment t = Arena.ofAuto().allocate(length);
        for (int i = 0; i < length; i++) {
            t.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
        }
        return t;
    }

    static int burst(PacketPool pool, MemorySegment template, Packet[] out, NicQueue tx, NicQueue rx, Packet[] in) {
        int n = out.length;
        int length = (int) template.byteSize();
        for (int i = 0; i < n; i++) {
            Packet p = pool.allocateWithHeadroom();
            p.appendBytes(template, 0, length);
            out[i] = p;
        }
        tx.transmit(out, n);
        int got = 0;
        int r;
        while ((r = rx.receive(in, in.length)) > 0) {
            for (int i = 0; i < r; i++) {
                got += in[i].length();
                in[i].release();
                in[i] = null;
            }
        }
        return got;
    }
}
