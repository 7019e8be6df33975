package io.panamax.tcp.script;

import io.panamax.tcp.TcpConnection;

import java.time.Duration;
import java.util.List;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;

/**
 * The preamble of the loss-recovery scripts: a connection the stack accepted from a peer that
 * permits SACK (RFC 2018) and sends no timestamps, so every full segment the stack sends carries
 * {@code mss} bytes and segment {@code i} starts at {@link #at}. The peer's ACKs with SACK blocks
 * are written in segment numbers.
 *
 * @param base the first byte of the stack's data (its ISS + 1)
 * @param rcv  the next sequence number the peer sends
 */
public record SackPeer(TcpScript s, TcpConnection conn, int base, int rcv, int mss) {
    /** The peer's ISS. */
    public static final int PEER_ISN = 1000;

    /** Accepted with no time between the SYN-ACK and the ACK: no RTT sample yet. */
    public static SackPeer accept(TcpScript s, int mss) {
        TcpScript.Established e = s.acceptSack(PEER_ISN, mss);
        return new SackPeer(s, e.conn(), e.sndNxt(), e.rcvNxt(), mss);
    }

    /**
     * Accepted with {@code rtt} between the SYN-ACK and the peer's ACK, the handshake's RTT sample
     * (RFC 6298 2.2: SRTT = {@code rtt}), and Nagle off so that a write goes out whole.
     */
    public static SackPeer acceptMeasured(TcpScript s, int mss, Duration rtt) {
        s.listen();
        s.inject(s.seg().syn().seq(PEER_ISN).mss(mss).sackPermitted().window(65535));
        SentSegment synAck = s.expect().flags(SYN | ACK);
        s.advance(rtt);
        s.inject(s.seg().seq(PEER_ISN + 1).ack(synAck.seq + 1).window(65535));
        TcpConnection c = s.accepted.getFirst();
        s.run(() -> c.setNoDelay(true));
        return new SackPeer(s, c, synAck.seq + 1, PEER_ISN + 1, mss);
    }

    /** The first byte of segment {@code i} (0-based) the stack sends. */
    public int at(int i) {
        return base + i * mss;
    }

    /** An ACK from the peer for {@code ack} with SACK blocks from the segment indices given (pairs, end exclusive). */
    public void sackAck(int ack, int... segmentEdges) {
        int[] edges = new int[segmentEdges.length];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = at(segmentEdges[i]);
        }
        s.inject(s.seg().seq(rcv).ack(ack).window(65535).sack(edges));
    }

    /** Whether {@code sent} holds a segment with data from {@code seq}. */
    public static boolean sends(List<SentSegment> sent, int seq) {
        return sent.stream().anyMatch(x -> x.seq == seq && x.length() > 0);
    }
}
