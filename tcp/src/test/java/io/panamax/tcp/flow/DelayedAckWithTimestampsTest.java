package io.panamax.tcp.flow;

import io.panamax.tcp.script.SentSegment;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;

/**
 * RFC 5681 4.2: "an ACK SHOULD be generated for at least every second full-sized segment". With
 * timestamps on (RFC 7323), a full-sized segment carries MSS - 12 payload bytes (RFC 6691), and
 * two of them are a reason to ACK at once.
 */
class DelayedAckWithTimestampsTest {
    @Test
    void everySecondFullSizedSegmentIsAcknowledgedWithTimestampsOn() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).mss(1460).ts(1000, 0));
            SentSegment synAck = s.expect().flags(SYN | ACK).mss(1460);
            int tsv = synAck.options.tsVal;
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1001, tsv));
            int full = 1460 - 12;
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1002, tsv).payload(new byte[full]));
            s.expectNothing();
            s.inject(s.seg().seq(1001 + full).ack(synAck.seq + 1).ts(1003, tsv).payload(new byte[full]));
            s.expect().flags(ACK).ack(1001 + 2 * full).tsEcr(1002);
        }
    }

    @Test
    void oneFullSizedSegmentWithTimestampsStillWaits() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            s.inject(s.seg().syn().seq(1000).mss(1460).ts(1000, 0));
            SentSegment synAck = s.expect().flags(SYN | ACK);
            int tsv = synAck.options.tsVal;
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1001, tsv));
            s.inject(s.seg().seq(1001).ack(synAck.seq + 1).ts(1002, tsv).payload(new byte[1448]));
            s.expectNothing();
        }
    }
}
