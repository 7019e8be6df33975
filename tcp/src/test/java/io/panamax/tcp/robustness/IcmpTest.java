package io.panamax.tcp.robustness;

import io.panamax.ip.IcmpError;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ConnectionRefusedException;
import io.panamax.tcp.ConnectionTimeoutException;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.UnreachableException;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ICMP errors (RFC 1122 4.2.3.9, RFC 1191 path MTU, RFC 5927's sequence check). */
class IcmpTest {

    /** Delivers an ICMP error quoting a segment from us to the peer with sequence number {@code seq}. */
    static void icmp(TcpScript s, int type, int code, int mtu, int localPort, int seq, int quotedLength) {
        s.run(() -> {
            Packet q = s.reactor.shard(0).packets().allocateWithHeadroom();
            byte[] b = new byte[quotedLength];
            if (quotedLength >= 28) {
                b[0] = 0x45;
                b[9] = 6;
                put(b, 12, TcpScript.LOCAL_IP);
                put(b, 16, TcpScript.REMOTE_IP);
                b[20] = (byte) (localPort >> 8);
                b[21] = (byte) localPort;
                b[22] = (byte) (TcpScript.REMOTE_PORT >> 8);
                b[23] = (byte) TcpScript.REMOTE_PORT;
                put(b, 24, seq);
            }
            q.appendBytes(b, 0, b.length);
            try {
                s.tcp.icmpError(new IcmpError().fromIpv4(type, code, mtu, TcpScript.REMOTE_IP, q));
            } finally {
                q.release();
            }
        });
    }

    private static void put(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    @Test
    void fragmentationNeededLowersTheMssAndResendsSmaller() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).mss(1460));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            s.write(c, new byte[1460 * 2]);
            List<SentSegment> sent = s.drain();
            assertEquals(1460, sent.getFirst().length());
            icmp(s, 3, 4, 1000, TcpScript.LOCAL_PORT, synAck.seq + 1, 28);
            List<SentSegment> again = s.drain();
            assertEquals(960, s.on(c::maxSegmentSize));
            assertTrue(again.size() >= 2);
            again.get(0).seq(synAck.seq + 1).length(960);
            again.get(1).seq(synAck.seq + 1 + 960).length(960);
            assertEquals(1, s.tcp.counters().pmtuUpdates.get());
        }
    }

    @Test
    void icmpForASequenceNumberNotInFlightIsIgnored() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).mss(1460));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            s.write(c, new byte[100]);
            s.drain();
            // RFC 5927 4.1: a forged error quoting a sequence number outside SND.UNA..SND.NXT.
            icmp(s, 3, 4, 600, TcpScript.LOCAL_PORT, synAck.seq + 50_000, 28);
            assertEquals(1460, s.on(c::maxSegmentSize));
            // A quote too short to name the connection is ignored too.
            icmp(s, 3, 4, 600, TcpScript.LOCAL_PORT, synAck.seq + 1, 12);
            assertEquals(1460, s.on(c::maxSegmentSize));
        }
    }

    @Test
    void portUnreachableWhileConnectingRefuses() {
        try (TcpScript s = new TcpScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN);
            icmp(s, 3, 3, 0, syn.srcPort, syn.seq, 28);
            CompletionException e = assertThrows(CompletionException.class, f::join);
            assertInstanceOf(ConnectionRefusedException.class, e.getCause());
            assertEquals(0, s.tcp.connectionCount());
        }
    }

    @Test
    void prohibitedWhileConnectingIsUnreachable() {
        try (TcpScript s = new TcpScript()) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN);
            icmp(s, 3, 13, 0, syn.srcPort, syn.seq, 28);
            CompletionException e = assertThrows(CompletionException.class, f::join);
            assertInstanceOf(UnreachableException.class, e.getCause());
        }
    }

    @Test
    void softErrorsAreRecordedAndReportedOnTimeout() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().synRetries(1).build())) {
            CompletableFuture<TcpConnection> f = s.connect();
            SentSegment syn = s.expect().flags(SYN);
            // Host unreachable (code 1) is soft (RFC 1122 4.2.3.9): the connect goes on.
            icmp(s, 3, 1, 0, syn.srcPort, syn.seq, 28);
            assertFalse(f.isDone());
            s.advance(Duration.ofSeconds(5));
            CompletionException e = assertThrows(CompletionException.class, f::join);
            assertInstanceOf(ConnectionTimeoutException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("ICMP type 3 code 1"), e.getCause().getMessage());
        }
    }

    @Test
    void hardErrorOnAnEstablishedConnectionDoesNotAbortIt() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.write(e.conn(), "x");
            s.drain();
            icmp(s, 3, 3, 0, TcpScript.LOCAL_PORT, e.sndNxt(), 28);
            assertEquals(TcpState.ESTABLISHED, s.on(e.conn()::state));
        }
    }
}
