package io.panamax.tcp;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.Histogram;
import io.panamax.reactor.metrics.ShardMetrics;

/**
 * A shard's TCP counters, registered in its {@link ShardMetrics}. Plain fields written by the
 * shard's thread only; summed over shards when read.
 */
public final class TcpCounters {
    public final Counter segmentsIn;
    public final Counter segmentsOut;
    /** Super-segments handed to a NIC that cuts them (TSO); each also counts once in {@link #segmentsOut}. */
    public final Counter superSegmentsOut;
    public final Counter bytesIn;
    public final Counter bytesOut;
    public final Counter retransmits;
    public final Counter fastRetransmits;
    public final Counter timeouts;
    public final Counter outOfOrder;
    public final Counter duplicates;
    /**
     * In-order segments after which less than a full-sized segment of the advertised window was left:
     * the peer could send no more until the next ACK, so the receive window, not the peer, limited it
     * (the receiver's view of Linux's {@code tcpi_rwnd_limited}).
     */
    public final Counter receiveWindowFilled;
    /** Times autotuning grew a connection's receive buffer (ReceiveBufferTuner). */
    public final Counter receiveBufferGrowths;
    public final Counter rstsSent;
    public final Counter challengeAcks;
    public final Counter challengeAcksSuppressed;
    public final Counter activeOpens;
    public final Counter passiveOpens;
    public final Counter accepted;
    public final Counter closed;
    public final Counter resets;
    public final Counter failedOpens;
    public final Counter icmpErrors;
    public final Counter pmtuUpdates;
    public final Counter zeroWindowProbes;
    public final Counter keepAliveProbes;
    public final Histogram rtt;
    public final Counter synCookiesSent;
    public final Counter synCookiesValid;
    public final Counter synCookiesFailed;
    public final Counter ecnConnections;
    public final Counter ecnCeReceived;
    public final Counter ecnReductions;
    public final Counter ecnEceReceived;
    public final Counter ecnEceSent;
    public final Counter ecnCwrSent;
    private final Counter[] drops = new Counter[DropReason.values().length];

    /** Registers the counters in {@code m} (or finds them there, when another {@code Tcp} on the shard did). */
    public TcpCounters(ShardMetrics m) {
        segmentsIn = m.counter("tcp_segments_received_total", "TCP segments received, drops included");
        segmentsOut = m.counter("tcp_segments_sent_total", "TCP segments sent, retransmissions included");
        superSegmentsOut = m.counter("tcp_super_segments_sent_total",
                "TCP super-segments of several MSS handed to the NIC to cut (TSO), counted once each in tcp_segments_sent_total");
        bytesIn = m.counter("tcp_payload_bytes_received_total", "Payload bytes accepted in order");
        bytesOut = m.counter("tcp_payload_bytes_sent_total", "Payload bytes sent, retransmissions included");
        retransmits = m.counter("tcp_retransmitted_segments_total", "Segments sent again (timeout or fast retransmit)");
        fastRetransmits = m.counter("tcp_fast_retransmits_total", "Fast retransmissions after three duplicate ACKs (RFC 5681)");
        timeouts = m.counter("tcp_retransmission_timeouts_total", "Retransmission timer expiries (RFC 6298)");
        outOfOrder = m.counter("tcp_out_of_order_segments_total", "Segments that arrived ahead of a gap");
        duplicates = m.counter("tcp_duplicate_segments_total", "Segments whose data had all arrived before");
        receiveWindowFilled = m.counter("tcp_receive_window_filled_total",
                "In-order segments that left less than a full-sized segment of the advertised window: the peer had to wait for an ACK");
        receiveBufferGrowths = m.counter("tcp_receive_buffer_growths_total",
                "Times receive-buffer autotuning grew a connection's buffer (window) to twice what its application read per round trip");
        rstsSent = m.counter("tcp_resets_sent_total", "RST segments sent");
        challengeAcks = m.counter("tcp_challenge_acks_total", "Challenge ACKs sent (RFC 5961)");
        challengeAcksSuppressed = m.counter("tcp_challenge_acks_suppressed_total", "Challenge ACKs not sent: over the rate limit");
        activeOpens = m.counter("tcp_connections_opened_total", "Connections opened by connect()");
        passiveOpens = m.counter("tcp_passive_opens_total", "SYNs a listener took (SYN-RECEIVED)");
        accepted = m.counter("tcp_connections_accepted_total", "Connections handed to a listener's application");
        closed = m.counter("tcp_connections_closed_total", "Connections that reached CLOSED, however");
        resets = m.counter("tcp_connections_reset_total", "Connections ended by a RST (received or sent)");
        failedOpens = m.counter("tcp_connect_failures_total", "connect() calls that failed");
        icmpErrors = m.counter("tcp_icmp_errors_total", "ICMP errors about TCP segments");
        pmtuUpdates = m.counter("tcp_pmtu_updates_total", "MSS reductions after ICMP fragmentation needed (RFC 1191)");
        zeroWindowProbes = m.counter("tcp_zero_window_probes_total", "Zero-window probes sent (RFC 9293 3.8.6.1)");
        keepAliveProbes = m.counter("tcp_keepalive_probes_total", "Keep-alive probes sent (RFC 1122 4.2.3.6)");
        rtt = m.histogram("tcp_rtt_nanoseconds", "Round-trip time samples (RFC 6298)");
        synCookiesSent = m.counter("tcp_syn_cookies_sent_total", "SYN-ACKs carrying a SYN cookie (RFC 4987 3.6)");
        synCookiesValid = m.counter("tcp_syn_cookies_valid_total", "ACKs whose SYN cookie was valid: connections made from them");
        synCookiesFailed = m.counter("tcp_syn_cookies_failed_total", "ACKs whose SYN cookie was forged or stale");
        ecnConnections = m.counter("tcp_ecn_connections_total", "Connections that negotiated ECN (RFC 3168 6.1.1)");
        ecnCeReceived = m.counter("tcp_ecn_ce_received_total", "Segments received with CE in the IP header (RFC 3168 6.1.3)");
        ecnReductions = m.counter("tcp_ecn_reductions_total", "Congestion window reductions for an ECN-Echo (RFC 3168 6.1.2)");
        ecnEceReceived = m.counter("tcp_ecn_ece_received_total",
                "Segments received with ECN-Echo on ECN connections, reducing the window or not (RFC 3168 6.1.2)");
        ecnEceSent = m.counter("tcp_ecn_ece_sent_total", "Segments sent with ECN-Echo: CE arrived, no CWR yet (RFC 3168 6.1.3)");
        ecnCwrSent = m.counter("tcp_ecn_cwr_sent_total", "Segments sent with CWR after a reduction for ECN-Echo (RFC 3168 6.1.2)");
        for (DropReason r : DropReason.values()) {
            drops[r.ordinal()] = m.counter("tcp_drops_total", "Received segments dropped, by reason", "reason", r.label());
        }
    }

    /** Counts a drop. */
    public void drop(DropReason reason) {
        drops[reason.ordinal()].increment();
    }

    /** Drops so far for {@code reason}. */
    public long drops(DropReason reason) {
        return drops[reason.ordinal()].get();
    }
}
