package io.panamax.tcp.script;

import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Output;
import io.panamax.ip.PointToPointIpv4Output;
import io.panamax.reactor.Clock;
import io.panamax.reactor.buffer.Packet;

import java.util.ArrayDeque;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@link Ipv4Output} that records what TCP sends, decoded, and releases the packets: the
 * "expect these segments" half of a packet-script test.
 */
public final class RecordingIpv4Output extends PointToPointIpv4Output {
    private final Clock clock;
    private final ArrayDeque<SentSegment> sent = new ArrayDeque<>();
    private int tsoMax;
    private java.util.function.Consumer<Packet> inspector = p -> { };

    public RecordingIpv4Output(int localIp, Clock clock) {
        super(localIp, 1500, false);
        this.clock = clock;
    }

    /** Sees every packet TCP sends, before it is decoded and released. */
    public void setInspector(java.util.function.Consumer<Packet> inspector) {
        this.inspector = inspector;
    }

    /**
     * A "NIC" with TSO: takes TCP super-segments of up to {@code maxBytes} (IP datagram) and
     * completes checksums; they are recorded whole, with their {@link SentSegment#segmentSize}.
     */
    public void setSegmentationOffload(int maxBytes) {
        setOffload(maxBytes > 0 || txTcpChecksumOffload());
        this.tsoMax = maxBytes;
    }

    @Override
    public boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment) {
        return send(srcIp, dstIp, protocol, segment, dontFragment, 0);
    }

    /** Records the IP ECN field too ({@link SentSegment#ipEcn}). */
    @Override
    public boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment, int ecn) {
        assertEquals(IpProtocol.TCP, protocol);
        try {
            if (segment.hasFlag(Packet.TX_TCP_SEGMENTATION)) {
                assertTrue(tsoMax > 0, "a super-segment went to a NIC without TSO");
                assertTrue(segment.length() + 20 <= tsoMax, "super-segment of " + segment.length() + " over " + tsoMax);
            }
            inspector.accept(segment);
            sent.addLast(new SentSegment(srcIp, dstIp, segment, txTcpChecksumOffload(), dontFragment, ecn, clock.nanoTime()));
        } finally {
            segment.release();
        }
        return true;
    }

    @Override
    public int txTcpSegmentationMax() {
        return tsoMax;
    }

    public SentSegment poll() {
        return sent.pollFirst();
    }

    public int pending() {
        return sent.size();
    }

    public void clear() {
        sent.clear();
    }
}
