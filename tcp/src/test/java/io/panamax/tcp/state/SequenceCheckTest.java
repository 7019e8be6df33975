package io.panamax.tcp.state;

import io.panamax.tcp.DropReason;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** RFC 9293's acceptability test, trimming to the window, and PAWS (RFC 7323 5). */
class SequenceCheckTest {

    @Test
    void segmentBeyondTheWindowIsAnsweredWithAnAck() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            s.inject(s.seg().seq(c.rcv + 300_000).ack(c.snd).payload("far"));
            s.expect().flags(ACK).seq(c.snd).ack(c.rcv);
            assertEquals(1, s.tcp.counters().drops(DropReason.OUT_OF_WINDOW));
        }
    }

    @Test
    void oldDuplicateIsAcknowledgedAndCounted() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            s.inject(s.seg().seq(c.rcv).ack(c.snd).payload("abc"));
            assertArrayEquals("abc".getBytes(), s.read(c.conn).join());
            s.advance(Duration.ofMillis(50));
            s.expect().ack(c.rcv + 3);
            s.inject(s.seg().seq(c.rcv).ack(c.snd).payload("abc"));
            s.expect().flags(ACK).ack(c.rcv + 3);
            assertEquals(1, s.tcp.counters().duplicates.get());
        }
    }

    @Test
    void segmentStraddlingTheLeftEdgeKeepsOnlyTheNewBytes() {
        try (TcpScript s = new TcpScript()) {
            States c = States.open(s);
            s.inject(s.seg().seq(c.rcv).ack(c.snd).payload("hello"));
            s.inject(s.seg().seq(c.rcv + 3).ack(c.snd).payload("lo world"));
            assertArrayEquals("hello world".getBytes(), s.read(c.conn).join());
        }
    }

    @Test
    void segmentStraddlingTheRightEdgeIsTrimmed() {
        var cfg = TcpScript.baseConfig().receiveBufferSize(1000).build();
        try (TcpScript s = new TcpScript(cfg)) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK).window(1000);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).payload("x".repeat(1200)));
            s.advance(Duration.ofMillis(50));
            s.expect().flags(ACK).ack(2001).window(0);
            assertEquals(1000, s.read(c).join().length, "only the bytes inside the window were kept");
        }
    }

    @Test
    void pawsDropsAnOlderTimestampAndAcknowledges() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).ts(1000, 0));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            int tsv = synAck.options.tsVal;
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1001, tsv));
            TcpConnection c = s.accepted.getFirst();
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1002, tsv).payload("new"));
            // An old duplicate from a previous wrap of the sequence space: older TSval, same sequence numbers.
            s.inject(s.seg().seq(1004).ack(synAck.seq + 1).ts(900, tsv).payload("old"));
            s.expect().flags(ACK).ack(1004).tsEcr(1002);
            assertEquals(1, s.tcp.counters().drops(DropReason.PAWS));
            assertArrayEquals("new".getBytes(), s.read(c).join());
        }
    }

    @Test
    void timestampsMustBeOnEverySegmentOnceNegotiated() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).ts(1000, 0));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1001, synAck.options.tsVal));
            TcpConnection c = s.accepted.getFirst();
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).payload("no ts"));
            s.expectNothing();
            assertEquals(1, s.tcp.counters().drops(DropReason.MISSING_TIMESTAMP));
            assertFalse(s.read(c).isDone());
        }
    }

    @Test
    void zeroWindowStillTakesAcks() {
        var cfg = TcpScript.baseConfig().receiveBufferSize(100).build();
        try (TcpScript s = new TcpScript(cfg)) {
            s.listen();
            s.inject(s.seg().syn().seq(1000));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1));
            TcpConnection c = s.accepted.getFirst();
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).payload("y".repeat(100)));
            s.advance(Duration.ofMillis(50));
            s.expect().ack(1101).window(0);
            s.write(c, "reply");
            s.expect().payload("reply");
            // Data beyond the closed window is refused, but its ACK of our "reply" is taken (RFC 9293 3.10.7.4).
            s.inject(s.seg().seq(1101).ack(synAck.seq + 6).payload("more"));
            s.expect().flags(ACK).ack(1101).window(0);
            // Had the ACK been dropped with the data, "reply" would be retransmitted.
            s.advance(Duration.ofSeconds(3));
            s.expectNothing();
        }
    }
}
