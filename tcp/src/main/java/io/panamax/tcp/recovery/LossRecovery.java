package io.panamax.tcp.recovery;

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

        /** The payload of a full-sized data segment (SMSS less the options every segment carries). */
        int smss();

        /** Sends the first unacknowledged segment again. */
        void retransmitFirst();

        /** Fast retransmit begins: count it, send the first unacknowledged segment, restart the timer. */
        void fastRetransmit();
    }

    /** The connection is synchronized with initial send sequence number {@code iss}. */
    void init(int iss);

    /** Whether a recovery episode is running. */
    boolean inRecovery();

    /** Bytes the sender may have in flight beyond cwnd while recovery runs (may be negative). */
    int windowAdjustment();

    /**
     * An ACK advanced SND.UNA to {@code ack}, acknowledging {@code ackedBytes}; {@code bytesInFlight}
     * is what remains outstanding. Returns true when the ACK belongs to a recovery episode: the
     * congestion window must not grow from it.
     */
    boolean onNewAck(int ack, int ackedBytes, int bytesInFlight, long nowNanos);

    /** A duplicate ACK (RFC 5681 2) for {@code ack}. */
    void onDuplicateAck(int ack, long nowNanos);

    /** The retransmission timer expired: recovery ends; what is outstanding is resent from SND.UNA. */
    void onRetransmissionTimeout(long nowNanos);

    /** Duplicate ACKs counted since SND.UNA last advanced outside recovery. */
    int duplicateAcks();

    /** A short name for statistics: "newreno". */
    String name();
}
