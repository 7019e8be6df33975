package io.panamax.tcp.recovery;

import io.panamax.tcp.congestion.CongestionControl;

/**
 * What both loss recoveries keep the same way: the congestion control and sender they work for,
 * the count of duplicate ACKs in the current series, whether a recovery episode is running, the
 * segments declared lost, and HighData at the first duplicate ACK of a series, from which the
 * FlightSize at a congestion event is taken (RFC 5681 3.2 step 2: what limited transmit, RFC 3042,
 * sent after that ACK is not in it). {@link NewRenoRecovery} and {@link SackRecovery} differ in
 * everything else: how a loss is detected, how the window is set while recovering, what is resent.
 */
abstract sealed class DuplicateAckRecovery implements LossRecovery permits NewRenoRecovery, SackRecovery {
    final CongestionControl cc;
    final Sender sender;
    /** Duplicate ACKs since SND.UNA last advanced (or the last timeout). */
    int dupAcks;
    boolean inRecovery;
    /** Segments declared lost and sent again, over the connection's life. */
    long lostSegments;
    /** HighData when the first duplicate ACK of a series arrived (before limited transmit). */
    private int highDataAtFirstDupAck;

    DuplicateAckRecovery(CongestionControl cc, Sender sender) {
        this.cc = cc;
        this.sender = sender;
    }

    /** Counts one more duplicate ACK; the first of a series notes HighData (SND.MAX) at that moment. */
    final void countDuplicateAck() {
        if (++dupAcks == 1) {
            highDataAtFirstDupAck = sender.sndMax();
        }
    }

    /**
     * The FlightSize a congestion event starting now halves (RFC 5681 3.2 step 2): from SND.UNA to
     * HighData as it was at the first duplicate ACK, so that the segments limited transmit sent
     * since (RFC 3042 2) do not count; SND.MAX when no duplicate ACK started it.
     */
    final int flightSizeAtCongestion() {
        int highData = dupAcks > 0 ? highDataAtFirstDupAck : sender.sndMax();
        return highData - sender.sndUna();
    }

    @Override
    public final boolean inRecovery() {
        return inRecovery;
    }

    @Override
    public final int duplicateAcks() {
        return dupAcks;
    }

    @Override
    public final long lostSegments() {
        return lostSegments;
    }
}
