package io.panamax.tcp.flow;

import io.panamax.tcp.ConnectionTimeoutException;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Flow control (RFC 9293 3.8.6): windows both ways, zero-window probing, silly-window avoidance. */
class FlowControlTest {
    private static final long TICK = 2 * 16_384;

    @Test
    void senderNeverExceedsThePeersWindow() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(4 * 536));
            s.write(e.conn(), new byte[536 * 10]);
            assertEquals(4, s.drain().size());
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 2 * 536).window(4 * 536));
            List<SentSegment> more = s.drain();
            assertEquals(2, more.size(), "two acknowledged, two more fit");
            more.getLast().seq(e.sndNxt() + 5 * 536);
        }
    }

    @Test
    void zeroWindowIsProbedWithBackOffUntilItOpens() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(0));
            s.write(e.conn(), "zero window");
            s.expectNothing();
            long t = s.nowNanos();
            // RFC 9293 3.8.6.1: probe with one octet of new data, backing off (200 ms RTO floor here).
            for (long ms : new long[] {200, 400, 800, 1600}) {
                SentSegment probe = s.expectWithin(Duration.ofSeconds(5)).flags(ACK).seq(e.sndNxt()).payload("z");
                assertEquals(Duration.ofMillis(ms).toNanos(), probe.timeNanos - t, TICK);
                t = probe.timeNanos;
                // The peer still has no room: it acknowledges nothing new (RFC 1122 4.2.2.17: keep probing).
                s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(0));
                s.expectNothing();
            }
            assertEquals(4, s.tcp.counters().zeroWindowProbes.get());
            assertEquals(0, s.on(e.conn()::stats).fastRetransmits(), "refused probes are not duplicate ACKs");
            // The window opens: everything goes, from the first unacknowledged octet.
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(1000));
            s.expect().seq(e.sndNxt()).payload("zero window");
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 11).window(1000));
            s.advance(Duration.ofSeconds(10));
            s.expectNothing();
        }
    }

    @Test
    void aProbeTheReceiverAcceptsMovesTheStreamOn() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(0));
            s.write(e.conn(), "ab");
            s.expectWithin(Duration.ofSeconds(1)).payload("a");
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 1).window(0));
            s.expectWithin(Duration.ofSeconds(1)).seq(e.sndNxt() + 1).payload("b");
        }
    }

    @Test
    void unansweredProbesEventuallyTimeOut() {
        var cfg = TcpScript.baseConfig().maxRetransmits(3).build();
        try (TcpScript s = new TcpScript(cfg)) {
            var e = s.acceptPlain(1000);
            CompletableFuture<byte[]> read = s.read(e.conn());
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(0));
            s.write(e.conn(), "x");
            s.advance(Duration.ofSeconds(30));
            List<SentSegment> sent = s.drain();
            assertEquals(3, sent.stream().filter(x -> x.length() == 1).count());
            assertTrue(sent.getLast().has(RST));
            CompletionException x = assertThrows(CompletionException.class, read::join);
            assertInstanceOf(ConnectionTimeoutException.class, x.getCause());
        }
    }

    @Test
    void receiveWindowIsTheFreeBufferAndReopensOnRead() {
        var cfg = TcpScript.baseConfig().receiveBufferSize(4000).build();
        try (TcpScript s = new TcpScript(cfg)) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK).window(4000);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            int ack = synAck.seq + 1;
            s.inject(s.seg().seq(1001).ack(ack).payload(new byte[1000]));
            s.inject(s.seg().seq(2001).ack(ack).payload(new byte[1000]));
            s.expect().ack(3001).window(2000);
            assertEquals(0, s.tcp.counters().receiveWindowFilled.get(), "half the window is left");
            s.inject(s.seg().seq(3001).ack(ack).payload(new byte[1000]));
            s.inject(s.seg().seq(4001).ack(ack).payload(new byte[1000]));
            s.expect().ack(5001).window(0);
            assertEquals(1, s.tcp.counters().receiveWindowFilled.get(), "the peer used up the window");
            assertEquals(4000, s.read(c).join().length);
            // The application made room: a window update goes at once (the peer is stalled).
            s.expect().flags(ACK).ack(5001).window(4000);
        }
    }

    @Test
    void receiverDoesNotAdvertiseSillyWindowIncrements() {
        var cfg = TcpScript.baseConfig().receiveBufferSize(4000).build();
        try (TcpScript s = new TcpScript(cfg)) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).mss(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            int ack = synAck.seq + 1;
            s.inject(s.seg().seq(1001).ack(ack).payload(new byte[1000]));
            s.inject(s.seg().seq(2001).ack(ack).payload(new byte[1000]));
            s.expect().ack(3001).window(2000);
            // 300 more bytes of buffer is less than min(buffer/2, MSS): the right edge stays (RFC 9293 3.8.6.2.2).
            s.run(() -> c.setReceiveBufferSize(4300));
            s.inject(s.seg().seq(3001).ack(ack).payload(new byte[10]));
            s.advance(Duration.ofMillis(50));
            s.expect().ack(3011).window(1990);
            // Enough room now: the window jumps to the whole free buffer, announced at once.
            s.run(() -> c.setReceiveBufferSize(6000));
            s.expect().flags(ACK).ack(3011).window(6000 - 2010);
            s.inject(s.seg().seq(3011).ack(ack).payload(new byte[10]));
            s.advance(Duration.ofMillis(50));
            s.expect().ack(3021).window(6000 - 2020);
        }
    }

    @Test
    void windowFieldStaysTheSameWhileTheApplicationKeepsUp() {
        var cfg = TcpScript.baseConfig().receiveBufferSize(4000).build();
        try (TcpScript s = new TcpScript(cfg)) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).mss(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK).window(4000);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            int ack = synAck.seq + 1;
            s.inject(s.seg().seq(1001).ack(ack).payload(new byte[10]));
            s.advance(Duration.ofMillis(50));
            s.expect().ack(1011).window(3990);
            // Request after request, each read before its ACK goes: the free buffer covers the window
            // last advertised, so the same window goes again and its right edge follows RCV.NXT
            // (Linux's choice; a Linux peer's header prediction needs the field unchanged). With
            // the edge held, the field fell by each request: 3980, 3970.
            assertEquals(10, s.read(c).join().length);
            for (int seq = 1011; seq < 1031; seq += 10) {
                s.inject(s.seg().seq(seq).ack(ack).payload(new byte[10]));
                assertEquals(10, s.read(c).join().length);
                s.advance(Duration.ofMillis(50));
                s.expect().ack(seq + 10).window(3990);
            }
            // Data left unread: the right edge holds again and the window shrinks (RFC 9293 3.8.6.2.2).
            s.inject(s.seg().seq(1031).ack(ack).payload(new byte[10]));
            s.advance(Duration.ofMillis(50));
            s.expect().ack(1041).window(3980);
        }
    }

    @Test
    void senderAvoidsSillySegmentsUntilThePersistTimerOverrides() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            // The peer offered 65535 before; now it offers 100 bytes with nothing in flight.
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(100));
            s.write(e.conn(), new byte[1000]);
            // 100 < MSS and < half the largest window seen: wait (RFC 9293 3.8.6.2.1)...
            s.expectNothing();
            // ...until the override timeout, then send what fits.
            s.expectWithin(Duration.ofSeconds(1)).seq(e.sndNxt()).length(100);
        }
    }

    @Test
    void windowScalingArithmetic() {
        // A 1 MiB buffer needs shift 5 (65535 << 4 < 1 MiB <= 65535 << 5).
        var cfg = TcpScript.baseConfig().receiveBufferSize(1 << 20).maxReceiveBufferSize(1 << 20).build();
        try (TcpScript s = new TcpScript(cfg)) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).windowScale(0));
            SentSegment synAck = s.expect().flags(SYN | ACK).windowScale(5).window(65535);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).payload(new byte[1000]));
            s.advance(Duration.ofMillis(50));
            // (1 MiB - 1000) >> 5, rounded up so that scaling never shrinks the window.
            s.expect().ack(2001).window(((1 << 20) - 1000 + 31) >> 5);
            assertFalse(s.read(c).isCompletedExceptionally());
        }
    }

    @Test
    void theMaxReceiveBufferSetsTheScaleSoThatABufferCanGrowAfterTheHandshake() {
        // 256 KiB now, up to 2 MiB later: the SYN-ACK offers the shift for 2 MiB (6: 65535 << 5 < 2 MiB),
        // since the scale cannot change after the handshake (RFC 7323 2.2).
        var cfg = TcpScript.baseConfig().receiveBufferSize(256 * 1024).maxReceiveBufferSize(2 << 20).build();
        try (TcpScript s = new TcpScript(cfg)) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).windowScale(0));
            SentSegment synAck = s.expect().flags(SYN | ACK).windowScale(6).window(65535);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).payload(new byte[1000]));
            s.advance(Duration.ofMillis(50));
            s.expect().ack(2001).window((256 * 1024 - 1000 + 63) >> 6);
            // Grown by the application: announced at once, the whole 2 MiB less what is unread.
            s.run(() -> c.setReceiveBufferSize(2 << 20));
            s.expect().flags(ACK).ack(2001).window(((2 << 20) - 1000 + 63) >> 6);
            // Beyond the maximum, the buffer stops where the scale lets a window reach.
            s.run(() -> c.setReceiveBufferSize(8 << 20));
            assertEquals(65535 << 6, (int) s.on(c::receiveBufferSize));
            assertFalse(s.read(c).isCompletedExceptionally());
        }
    }

    @Test
    void aMaxReceiveBufferBelowTheBufferIsRaisedToIt() {
        // So that config.toBuilder().receiveBufferSize(larger) keeps working: the maximum follows.
        var c = TcpScript.baseConfig().maxReceiveBufferSize(1 << 19).build().toBuilder().receiveBufferSize(1 << 20).build();
        assertEquals(1 << 20, c.maxReceiveBufferSize());
        assertEquals(5, c.windowShift());
    }
}
