package io.panamax.tcp.reliability;

import io.panamax.tcp.AckProbe;
import io.panamax.tcp.script.SackPeer;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import io.panamax.tcp.wire.SeqNum;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-ACK time series of the sender ({@link AckProbe}, issue 13's counterpart of Linux's
 * tcp_probe): off until asked for, one record per acceptable ACK with the state the ACK left the
 * sender in, the RTT sample only for ACKs that give one, and a ring that keeps the last ones.
 */
class AckProbeTest {
    private static final int MSS = 536;
    private static final int T = 0;
    private static final int SND_UNA = 1;
    private static final int SND_NXT = 2;
    private static final int CWND = 3;
    private static final int IN_FLIGHT = 5;
    private static final int SRTT = 7;
    private static final int SAMPLE = 8;
    private static final int STATE = 9;

    @Test
    void recordsEveryAckWithTheSenderStateItLeft() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(10));
            AckProbe probe = s.on(() -> o.conn().recordAcks(64));
            assertSame(probe, s.on(() -> o.conn().recordAcks(8)), "one probe per connection");
            s.write(o.conn(), new byte[40 * MSS]);
            assertEquals(10, s.drain().size(), "IW 10 segments");
            s.advance(Duration.ofMillis(5));
            // Segment 0 arrives, 1 is lost; 2, 3 and 4 arrive: three duplicate ACKs with SACK.
            s.inject(s.seg().seq(o.rcv()).ack(o.at(1)).window(65535));
            o.sackAck(o.at(1), 2, 3);
            o.sackAck(o.at(1), 2, 4);
            o.sackAck(o.at(1), 2, 5);
            int sndMax = o.at(10);
            for (SentSegment x : s.drain()) {
                if (SeqNum.gt(x.seq + x.length(), sndMax)) {
                    sndMax = x.seq + x.length();
                }
            }
            s.advance(Duration.ofMillis(5));
            // The retransmission fills the hole: everything sent so far is acknowledged.
            s.inject(s.seg().seq(o.rcv()).ack(sndMax).window(65535));
            s.drain();

            var st = s.on(o.conn()::stats);
            assertEquals(5, probe.count(), "one record per ACK");
            assertEquals(st.acksProcessed() - 1, probe.count(), "every ACK since recording began (not the handshake's)");
            // The first ACK: new data, a sample of the 5 ms it took; the window and flight after it.
            assertEquals(Integer.toUnsignedLong(o.at(1)), probe.get(0, SND_UNA));
            assertEquals(5_000_000L, probe.get(0, SAMPLE), "the first ACK's RTT sample, from the send time");
            assertEquals(AckProbe.OPEN, probe.get(0, STATE));
            assertTrue(probe.get(0, SRTT) > 5_000_000L && probe.get(0, SRTT) < 10_000_000L, "SRTT between the two samples");
            assertEquals(probe.get(0, SND_NXT) - probe.get(0, SND_UNA), probe.get(0, IN_FLIGHT), "nothing SACKed yet");
            // Duplicate ACKs give no sample; the third starts recovery; SACKed bytes leave the flight.
            for (int i = 1; i <= 3; i++) {
                assertEquals(-1, probe.get(i, SAMPLE), "a duplicate ACK has no RTT sample");
                assertEquals(Integer.toUnsignedLong(o.at(1)), probe.get(i, SND_UNA));
                assertEquals(probe.get(i, SND_NXT) - probe.get(i, SND_UNA) - (long) i * MSS, probe.get(i, IN_FLIGHT),
                        "SACKed segments are not in flight");
            }
            assertEquals(AckProbe.OPEN, probe.get(2, STATE));
            assertEquals(AckProbe.RECOVERY, probe.get(3, STATE), "the third duplicate ACK starts recovery");
            assertTrue(probe.get(3, CWND) < probe.get(0, CWND), "recovery's window is smaller: " + probe.get(3, CWND));
            // The last ACK covers the retransmission (Karn: no sample) and ends recovery.
            assertEquals(-1, probe.get(4, SAMPLE), "no sample from an ACK covering a retransmission");
            assertEquals(AckProbe.OPEN, probe.get(4, STATE));
            assertEquals(st.cwnd(), probe.get(4, CWND), "the last record's window is the connection's");
            assertEquals(s.nowNanos(), probe.get(4, T), "times on the shard's clock");

            StringBuilder csv = new StringBuilder();
            s.run(() -> {
                try {
                    probe.writeCsv(csv);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String[] lines = csv.toString().split("\n");
            assertEquals(AckProbe.CSV_HEADER, lines[0]);
            assertEquals(6, lines.length, "the header and one line per ACK");
            assertEquals(10, lines[5].split(",").length);
        }
    }

    @Test
    void keepsTheLastAcksWhenFull() {
        try (TcpScript s = TcpScript.newReno()) {
            SackPeer o = SackPeer.acceptMeasured(s, MSS, Duration.ofMillis(10));
            AckProbe probe = s.on(() -> o.conn().recordAcks(3));
            s.write(o.conn(), new byte[10 * MSS]);
            assertEquals(10, s.drain().size());
            for (int i = 1; i <= 10; i++) {
                s.advance(Duration.ofMillis(1));
                s.inject(s.seg().seq(o.rcv()).ack(o.at(i)).window(65535));
            }
            assertEquals(10, probe.count());
            assertEquals(3, probe.size(), "the ring keeps the capacity's worth");
            for (int i = 0; i < 3; i++) {
                assertEquals(Integer.toUnsignedLong(o.at(8 + i)), probe.get(i, SND_UNA), "oldest first: ACK " + (8 + i));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> probe.get(3, SND_UNA));
            assertThrows(IllegalArgumentException.class, () -> new AckProbe(0));
        }
    }
}
