package io.panamax.tcp.reliability;

import io.panamax.tcp.script.SackPeer;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * D-SACK (RFC 2883): a receiver reports data that arrived twice in the first SACK block of its
 * next ACK; a sender that sees every retransmission of a recovery episode reported so knows the
 * episode was spurious (RFC 3708 3.2) and undoes its reduction.
 */
class DsackTest {
    private static final int MSS = 536;

    @Test
    void aDuplicateBelowRcvNxtIsReportedInTheFirstBlock() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.inject(s.seg().seq(o.rcv()).ack(o.base()).payload("abc"));
            s.advance(Duration.ofMillis(50));
            s.expect().flags(ACK).ack(o.rcv() + 3).sack();
            // RFC 2883 4.1.1: the whole segment came before.
            s.inject(s.seg().seq(o.rcv()).ack(o.base()).payload("abc"));
            s.expect().flags(ACK).ack(o.rcv() + 3).sack(o.rcv(), o.rcv() + 3);
            // Once: the next ACK carries no D-SACK.
            s.inject(s.seg().seq(o.rcv() + 3).ack(o.base()).payload("d"));
            s.advance(Duration.ofMillis(50));
            s.expect().flags(ACK).ack(o.rcv() + 4).sack();
        }
    }

    @Test
    void aPartlyDuplicateSegmentReportsTheDuplicatePart() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.inject(s.seg().seq(o.rcv()).ack(o.base()).payload("abc"));
            s.advance(Duration.ofMillis(50));
            s.expect().ack(o.rcv() + 3);
            // RFC 2883 4.1.2: "bc" came before, "de" is new.
            s.inject(s.seg().seq(o.rcv() + 1).ack(o.base()).payload("bcde"));
            s.advance(Duration.ofMillis(50));
            s.expect().flags(ACK).ack(o.rcv() + 5).sack(o.rcv() + 1, o.rcv() + 3);
        }
    }

    @Test
    void aDuplicateOutOfOrderSegmentIsReportedBeforeTheBlockHoldingIt() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            s.inject(s.seg().seq(o.rcv() + 10).ack(o.base()).payload("xyz"));
            s.expect().flags(ACK).ack(o.rcv()).sack(o.rcv() + 10, o.rcv() + 13);
            // RFC 2883 4.1.3: the D-SACK block, then the SACK block that holds it.
            s.inject(s.seg().seq(o.rcv() + 10).ack(o.base()).payload("xyz"));
            s.expect().flags(ACK).ack(o.rcv()).sack(o.rcv() + 10, o.rcv() + 13, o.rcv() + 10, o.rcv() + 13);
        }
    }

    @Test
    void aRecoveryWhoseEveryRetransmissionCameBackTwiceIsUndone() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.accept(s, MSS);
            int base = o.base();
            s.write(o.conn(), new byte[10 * MSS]);
            assertEquals(10, s.drain().size());
            // Segment 0 is only late: three duplicate ACKs SACK 1..3 and set off recovery.
            for (int k = 2; k <= 4; k++) {
                s.inject(s.seg().seq(o.rcv()).ack(base).window(65535).sack(base + MSS, base + k * MSS));
            }
            assertTrue(s.drain().stream().anyMatch(x -> x.seq == base && x.length() == MSS), "fast retransmit");
            assertEquals(5 * MSS, s.on(o.conn()::stats).ssthresh());
            // The original arrives: everything is acknowledged; then the retransmission arrives
            // too and the peer reports it below its cumulative ACK (RFC 2883 4.1.1).
            s.inject(s.seg().seq(o.rcv()).ack(base + 10 * MSS).window(65535));
            s.inject(s.seg().seq(o.rcv()).ack(base + 10 * MSS).window(65535).sack(base, base + MSS));
            var st = s.on(o.conn()::stats);
            assertEquals(1, st.spuriousRecoveries(), "RFC 3708: every retransmission D-SACKed");
            assertEquals(Integer.MAX_VALUE, st.ssthresh(), "ssthresh as before the episode");
            assertTrue(st.cwnd() >= 10 * MSS, "cwnd as before the episode: " + st.cwnd());
        }
    }
}
