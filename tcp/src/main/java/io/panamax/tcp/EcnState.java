package io.panamax.tcp;

import io.panamax.ip.wire.Ipv4Header;
import io.panamax.tcp.wire.SeqNum;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.CWR;
import static io.panamax.tcp.wire.TcpHeader.ECE;
import static io.panamax.tcp.wire.TcpHeader.SYN;

/**
 * One connection's Explicit Congestion Notification (RFC 3168 6.1), both halves:
 *
 * <ul>
 *   <li>Negotiation (6.1.1): an active open offers ECN with an ECN-setup SYN (ECE and CWR) when
 *       {@link TcpConfig#ecn()} is on, and only on its first SYN (a retransmitted SYN goes
 *       without, in case a middlebox drops ECN-setup SYNs, 6.1.1.1, as Linux's tcp_ecn_fallback);
 *       ECN is on when the SYN-ACK carries ECE without CWR. A listener with ECN on answers an
 *       ECN-setup SYN with an ECN-setup SYN-ACK (ECE only).</li>
 *   <li>Sending data (6.1.2, 6.1.5): new data segments leave with ECT(0) in the IP header; pure
 *       ACKs, SYNs, retransmissions and zero-window probes leave Not-ECT.</li>
 *   <li>Receiving (6.1.3): a segment that arrives with CE makes every ACK carry ECE until a
 *       segment with CWR arrives; the first CE is acknowledged at once, so that the sender
 *       hears of it within a round trip even with delayed ACKs (Linux's quick-ACK on CE).</li>
 *   <li>Reacting (6.1.2): an ACK with ECE reduces the congestion window as a loss would
 *       ({@code CongestionControl.onCongestionEvent}, without any retransmission), at most once
 *       per window of data: not again until an ACK covers what was outstanding at the reduction,
 *       and not inside loss recovery, whose own reduction stands for it. The next new data
 *       segment carries CWR. When cwnd was one segment as the ACK arrived, the window cannot go
 *       lower: the retransmission timer restarts and new data waits until it expires.</li>
 * </ul>
 *
 * Plain fields on the connection's shard; nothing allocated per segment.
 */
final class EcnState {
    /** ECN was negotiated: data goes out ECT(0) and ECE/CWR mean what 6.1 says. */
    boolean on;
    /** The last SYN this side sent was an ECN-setup SYN. */
    private boolean offered;
    /** Receiver: a CE arrived and no CWR since; every ACK carries ECE. */
    boolean echo;
    /** Sender: the window was reduced for an ECE; the next new data segment carries CWR. */
    private boolean cwrPending;
    /** Sender: a reduction was made; none again until an ACK passes {@link #reductionEnd}. */
    private boolean reduced;
    /** Sender: SND.MAX when the last reduction was made. */
    private int reductionEnd;
    private final TcpCounters counters;

    EcnState(TcpCounters counters) {
        this.counters = counters;
    }

    /** The control bits of an active open's SYN; {@code again} for a retransmission. */
    int synFlags(boolean configured, boolean again) {
        offered = configured && !again;
        return offered ? ECE | CWR : 0;
    }

    /** A listener's SYN arrived: ECN is on when configured and the SYN is ECN-setup (ECE and CWR). */
    void synArrived(boolean configured, int flags) {
        on = configured && (flags & (ECE | CWR)) == (ECE | CWR);
        if (on) {
            counters.ecnConnections.increment();
        }
    }

    /** The control bits of a SYN-ACK: ECE when ECN is on (an ECN-setup SYN-ACK, 6.1.1). */
    int synAckFlags() {
        return on ? ECE : 0;
    }

    /** A SYN-ACK answered our SYN: ECN is on when we offered it and the SYN-ACK has ECE without CWR. */
    void synAckArrived(int flags) {
        on = offered && (flags & (ECE | CWR)) == ECE;
        if (on) {
            counters.ecnConnections.increment();
        }
    }

    /**
     * An acceptable segment in a synchronized state, its ACK processed: the receiver's echo
     * (CWR ends it, then CE starts it again) and the sender's reaction to ECE. Returns true when
     * an ACK should go out at once (the first CE of an episode).
     */
    boolean segmentArrived(int flags, boolean ce, int ack, Sender snd, long nowNanos) {
        if (!on) {
            return false;
        }
        boolean ackNow = false;
        if ((flags & CWR) != 0) {
            echo = false;
        }
        if (ce) {
            counters.ecnCeReceived.increment();
            ackNow = !echo;
            echo = true;
        }
        if ((flags & (ECE | SYN)) == ECE) {
            counters.ecnEceReceived.increment();
        }
        if ((flags & ECE) != 0 && (flags & SYN) == 0 && !(reduced && SeqNum.le(ack, reductionEnd))) {
            if (snd.recovery.inRecovery()) {
                // The recovery's own reduction stands for it.
            } else if (snd.cwndAtArrival <= snd.effectiveMss()) {
                // 6.1.2: at one segment the window cannot be halved; the sender waits an RTO.
                snd.holdForEcnEcho(nowNanos);
                counters.ecnReductions.increment();
            } else {
                snd.cc.onCongestionEvent(snd.sndMax - snd.sndUna, nowNanos);
                counters.ecnReductions.increment();
            }
            reduced = true;
            reductionEnd = snd.sndMax;
            cwrPending = true;
        }
        return ackNow;
    }

    /**
     * The control bits and IP ECN codepoint for an outgoing non-SYN segment: {@code newData} is
     * payload never sent before (not a retransmission, not a window probe). Returns the flags to
     * add; {@link #ipEcn} gives the codepoint.
     */
    int flagsFor(int flags, boolean newData) {
        if (!on) {
            return 0;
        }
        int add = 0;
        if (echo && (flags & ACK) != 0) {
            add |= ECE;
            counters.ecnEceSent.increment();
        }
        if (cwrPending && newData) {
            add |= CWR;
            cwrPending = false;
            counters.ecnCwrSent.increment();
        }
        return add;
    }

    /** The IP ECN field for an outgoing segment: ECT(0) on new data once negotiated, else Not-ECT. */
    int ipEcn(boolean newData) {
        return on && newData ? Ipv4Header.ECN_ECT0 : Ipv4Header.ECN_NOT_ECT;
    }
}
