package io.panamax.tcp.api;

import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpListener;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The application's side: back-pressure, zero copy both ways, one read at a time, accept(). */
class ConnectionApiTest {

    @Test
    void writesWaitForRoomInTheSendBuffer() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().sendBufferSize(1000).build())) {
            var e = s.acceptPlain(1000);
            CompletableFuture<Void> w1 = s.write(e.conn(), new byte[800]);
            CompletableFuture<Void> w2 = s.write(e.conn(), new byte[800]);
            CompletableFuture<Void> w3 = s.write(e.conn(), new byte[10]);
            assertTrue(w1.isDone() && w2.isDone(), "accepted while the buffer held less than its size");
            assertFalse(w3.isDone(), "back-pressure: the buffer is full");
            s.drain();
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1072));
            assertTrue(w3.isDone(), "acknowledgments made room");
        }
    }

    @Test
    void writtenPacketsAreSentWithoutCopyAndRetransmittedFromTheSameBuffers() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            List<Buffer> payloadBuffers = new ArrayList<>();
            s.ip.setInspector(p -> {
                if (p.fragmentCount() > 1) {
                    payloadBuffers.add(p.fragmentBuffer(1));
                }
            });
            Buffer[] written = new Buffer[1];
            s.run(() -> {
                Packet p = s.reactor.shard(0).packets().allocateWithHeadroom();
                p.appendBytes("zero-copy".getBytes(), 0, 9);
                written[0] = p.fragmentBuffer(0);
                e.conn().write(p);
            });
            s.expect().payload("zero-copy");
            s.expectWithin(Duration.ofSeconds(1)).payload("zero-copy");
            assertEquals(2, payloadBuffers.size());
            assertSame(written[0], payloadBuffers.get(0), "first transmission shares the application's buffer");
            assertSame(written[0], payloadBuffers.get(1), "and so does the retransmission");
        }
    }

    @Test
    void receivedPayloadReachesTheApplicationWithoutCopy() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            Buffer[] arrived = new Buffer[1];
            Buffer[] read = new Buffer[1];
            s.run(() -> {
                Packet p = s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload("view").build(s.reactor.shard(0).packets());
                arrived[0] = p.fragmentBuffer(0);
                s.tcp.receive(TcpScript.REMOTE_IP, TcpScript.LOCAL_IP, p);
                e.conn().read().map(d -> {
                    read[0] = ((Packet) d).fragmentBuffer(0); // the stack's packet itself, not a copy
                    assertEquals("view", new String(d.toByteArray()));
                    d.release();
                    return null;
                });
            });
            assertSame(arrived[0], read[0]);
        }
    }

    @Test
    void oneReadGathersEverythingThatArrived() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            var read = s.on(() -> e.conn().read().toCompletableFuture());
            s.run(() -> {
                for (int i = 0; i < 3; i++) {
                    s.tcp.receive(TcpScript.REMOTE_IP, TcpScript.LOCAL_IP,
                            s.seg().seq(e.rcvNxt() + i).ack(e.sndNxt()).payload("" + i).build(s.reactor.shard(0).packets()));
                }
            });
            Packet p = (Packet) read.join();
            s.run(() -> {
                assertEquals("012", new String(p.toByteArray()));
                assertEquals(3, p.fragmentCount(), "three views, no copy");
                p.release();
            });
        }
    }

    @Test
    void onlyOneReadAtATime() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.read(e.conn());
            assertThrows(IllegalStateException.class, () -> s.on(() -> e.conn().read()));
        }
    }

    /** Off its shard a connection refuses at once, with or without assertions, naming the shard to use. */
    @Test
    void callsFromAnotherThreadFailAtOnceWithTheShardToUse() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            String thread = "thread '" + Thread.currentThread().getName() + "'";
            List<org.junit.jupiter.api.function.Executable> calls = List.of(
                    () -> e.conn().read(), () -> e.conn().write(new byte[1]), () -> e.conn().shutdownOutput(),
                    () -> e.conn().close(), () -> e.conn().abort());
            List<String> names = List.of("TcpConnection.read", "StreamConnection.write", "TcpConnection.shutdownOutput",
                    "TcpConnection.close", "TcpConnection.abort");
            for (int i = 0; i < calls.size(); i++) {
                String m = assertThrows(IllegalStateException.class, calls.get(i)).getMessage();
                assertTrue(m.startsWith(names.get(i) + " called from " + thread + ";"), m);
                assertTrue(m.contains("is used on shard 0"), m);
            }
            s.run(() -> e.conn().close()); // on the shard it works
            s.drain();
        }
    }

    @Test
    void byteArrayAndMemorySegmentWritesCopy() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.run(() -> e.conn().setNoDelay(true));
            byte[] b = "array".getBytes();
            s.write(e.conn(), b);
            b[0] = 'X';
            s.expect().payload("array");
            try (Arena arena = Arena.ofConfined()) {
                var seg = arena.allocateFrom("segment");
                s.run(() -> e.conn().write(seg.asSlice(0, 7)));
            }
            s.expect().payload("segment");
        }
    }

    @Test
    void acceptFuturesAndBacklogOverflow() {
        // A SYN queue of 2 without cookies (SynCookieTest has the cookies), an accept queue of 2.
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().synQueueSize(2).synCookies(io.panamax.tcp.SynCookieMode.OFF).build())) {
            TcpListener l = s.on(() -> s.tcp.listen(TcpScript.LOCAL_PORT, 2, null));
            List<SentSegment> synAcks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                s.inject(s.seg().syn().seq(1000).srcPort(41000 + i));
                synAcks.addAll(s.drain());
            }
            // Two half-open connections fill the SYN queue: the third SYN is dropped, unanswered.
            assertEquals(2, synAcks.size());
            assertEquals(1, s.tcp.counters().drops(io.panamax.tcp.DropReason.LISTEN_OVERFLOW));
            s.inject(s.seg().seq(1001).ack(synAcks.get(0).seq + 1).srcPort(41000));
            assertEquals(2, s.on(l::pendingConnections), "one half open, one established but not accepted");
            TcpConnection c = s.on(() -> l.accept().toCompletableFuture()).join();
            assertEquals(41000, c.remotePort());
            assertEquals(1, s.on(l::pendingConnections));
            // The client retransmits its SYN: now there is room.
            s.inject(s.seg().syn().seq(1000).srcPort(41002));
            s.expect().flags(SYN | ACK).ack(1001);
            var pending = s.on(() -> l.accept().toCompletableFuture());
            assertFalse(pending.isDone());
            s.inject(s.seg().seq(1001).ack(synAcks.get(1).seq + 1).srcPort(41001));
            assertEquals(41001, pending.join().remotePort());
        }
    }

    @Test
    void closingAListenerResetsWhatWasNotAccepted() {
        try (TcpScript s = new TcpScript()) {
            TcpListener l = s.on(() -> s.tcp.listen(TcpScript.LOCAL_PORT));
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect();
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            s.run(l::close);
            s.expect().flags(io.panamax.tcp.wire.TcpHeader.RST);
            s.inject(s.seg().syn().seq(5000).srcPort(40001));
            s.expect().flags(io.panamax.tcp.wire.TcpHeader.RST | ACK);
            assertEquals(0, s.tcp.connectionCount());
        }
    }

    @Test
    void endOfStreamAfterTheData() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.inject(s.seg().fin().seq(e.rcvNxt()).ack(e.sndNxt()).payload("last"));
            assertArrayEquals("last".getBytes(), s.read(e.conn()).join());
            assertEquals(0, s.read(e.conn()).join().length);
        }
    }
}
