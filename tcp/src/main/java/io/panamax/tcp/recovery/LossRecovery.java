package io.panamax.tcp.recovery;

import io.panamax.tcp.wire.TcpOptions;

/**
 * Loss detection and repair for one connection's sender: it hears of every ACK that advances
 * SND.UNA, every duplicate ACK and every retransmission timeout, decides what is lost, has the
 * sender retransmit it, and tells the {@link io.panamax.tcp.congestion.CongestionControl} when a
 * congestion event begins and ends. The window arithmetic stays in the congestion control; what a
 * recovery adds to the window while it runs (NewReno's inflation, RFC 6582 3.2) is
 * {@link #windowAdjustment()}. Every call happens on the connection's shard; implementations keep
 * plain fields and allocate nothing per call.
 */
public interface LossRecovery {
    /** What a loss recovery needs from the connection's sender. */
    interface Sender {
        /** SND.UNA. */
        int sndUna();

        /** The highest sequence number sent + 1. */
        int sndMax();

        /** SND.NXT: below SND.MAX while the data after a timeout goes again (go-back-N). */
        int sndNxt();

        /** The payload of a full-sized data segment (SMSS less the options every segment carries). */
        int smss();

        /** Sends the first unacknowledged segment again. */
        void retransmitFirst();

        /** Fast retransmit begins: count it, send the first unacknowledged segment, restart the timer. */
        void fastRetransmit();

        /**
         * Fast retransmit begins at {@code seq}: count it, send up to {@code len} bytes from there,
         * restart the timer. Returns the sequence space sent (0 when nothing could be).
         */
        int fastRetransmitAt(int seq, int len);

        /** Sends up to {@code len} bytes from {@code seq} (below SND.MAX) again; returns the sequence space sent. */
        int retransmitAt(int seq, int len);

        /** Whether the send buffer holds data not yet sent (NextSeg rule 2 would send it). */
        boolean hasUnsentData();

        /** The shard's clock, nanoseconds. */
        long nowNanos();

        /**
         * The ACK being processed echoes a timestamp (RFC 7323 4.1): the segment that carried it
         * left before this time on {@link #nowNanos}'s clock; {@link Long#MAX_VALUE} when the ACK
         * has no timestamp. A segment sent again at or after it was delivered by an earlier
         * transmission (RFC 8985 6.2 step 2's TSecr test).
         */
        default long echoedBeforeNanos() {
            return Long.MAX_VALUE;
        }

        /** SRTT in nanoseconds (RFC 6298), 0 before the first sample. */
        long srttNanos();

        /** Arms the RACK reorder timer (RFC 8985 6.3) to fire in {@code delayNanos}: it calls {@link #onReorderTimeout}. */
        void armReorderTimer(long delayNanos);

        /** Stops the RACK reorder timer. */
        void cancelReorderTimer();

        /** The record of every segment sent and outstanding, which the sender keeps for its RTT samples; RACK reads and marks it. */
        SentRanges sentRanges();
    }

    /** The connection is synchronized with initial send sequence number {@code iss}. */
    void init(int iss);

    /** Whether a recovery episode is running. */
    boolean inRecovery();

    /**
     * Bytes the sender may have in flight beyond cwnd (may be negative): NewReno's inflation
     * during recovery, PRR's window, limited transmit's two segments (RFC 3042).
     */
    int windowAdjustment();

    /**
     * The bytes in flight to compare with cwnd when SND.NXT is {@code sndNxt}: SND.NXT - SND.UNA
     * without SACK; RFC 6675's pipe with it (SACKed and lost bytes do not count).
     */
    int bytesInFlight(int sndNxt);

    /** An acceptable ACK arrives: the calls for it follow. */
    default void onAckStart() {
    }

    /** The SACK blocks of an acceptable ACK (RFC 2018), before {@link #onNewAck} or {@link #onDuplicateAck}; returns the bytes newly SACKed. */
    int onSackBlocks(TcpOptions options);

    /** The sender sent {@code len} bytes of sequence space from {@code seq} (new data or again). */
    void onSent(int seq, int len);

    /** The end of the SACKed range holding {@code seq}, or {@code seq}: SACKed data is never sent again. */
    int skipSacked(int seq);

    /** The start of the first SACKed range above {@code seq}, or {@code limit}: a resent segment stops there. */
    int nextSacked(int seq, int limit);

    /**
     * An ACK advanced SND.UNA to {@code ack}, acknowledging {@code ackedBytes}; {@code bytesInFlight}
     * is what remains outstanding. Returns true when the ACK belongs to a recovery episode: the
     * congestion window must not grow from it.
     */
    boolean onNewAck(int ack, int ackedBytes, int bytesInFlight, long nowNanos);

    /** A duplicate ACK (RFC 5681 2) for {@code ack}. */
    void onDuplicateAck(int ack, long nowNanos);

    /**
     * An ACK that SACKed new data without being a duplicate ACK (it carried data, or changed the
     * window) nor advancing SND.UNA: RACK still learns from it (RFC 8985 6.2 runs on every ACK),
     * and PRR counts what it delivered (RFC 6937 3).
     */
    default void onSackOnlyAck(int ack, long nowNanos) {
    }

    /** The retransmission timer expired: recovery ends; what is outstanding is resent from SND.UNA. */
    void onRetransmissionTimeout(long nowNanos);

    /**
     * F-RTO (RFC 5682) found the last timeout spurious: forget what it set (marks, the point
     * before which no fast recovery may begin); the congestion control undoes its reduction.
     */
    default void onSpuriousTimeout() {
    }

    /** The RACK reorder timer expired (RFC 8985 6.3): detect losses again and repair them. */
    default void onReorderTimeout(long nowNanos) {
    }

    /** Duplicate ACKs counted since SND.UNA last advanced outside recovery. */
    int duplicateAcks();

    /** Bytes SACKed above SND.UNA now. */
    int sackedBytes();

    /** Bytes ever newly SACKed. */
    long sackedTotal();

    /** Segments this recovery deemed lost and retransmitted. */
    long lostSegments();

    /** Times the path was seen to reorder (a hole filled without a retransmission). */
    long reorderingSeen();

    /** Recovery episodes found spurious by D-SACK (RFC 3708) and undone. */
    long spuriousUndone();

    /** A short name for statistics: "newreno", "sack". */
    String name();
}
