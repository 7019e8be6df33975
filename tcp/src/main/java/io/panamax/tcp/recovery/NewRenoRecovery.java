package io.panamax.tcp.recovery;

import io.panamax.tcp.congestion.CongestionControl;
import io.panamax.tcp.wire.SeqNum;
import io.panamax.tcp.wire.TcpOptions;

/**
 * Fast retransmit and fast recovery on duplicate ACKs with the NewReno modification (RFC 5681
 * 3.2, RFC 6582 3.2): the third duplicate ACK resends the first unacknowledged segment and starts
 * a congestion event; each further duplicate ACK inflates the window by one SMSS (a segment has
 * left the network); each partial ACK resends the next hole and deflates by what it acknowledged;
 * the ACK that covers "recover" ends the episode. One hole is repaired per round trip.
 */
public final class NewRenoRecovery extends DuplicateAckRecovery {
    /** Duplicate ACKs that trigger fast retransmit (RFC 5681 3.2). */
    public static final int DUPACK_THRESHOLD = 3;

    /** RFC 6582 "recover": the highest sequence number sent when recovery (or a timeout) began. */
    private int recover;
    /** The inflation of RFC 6582 3.2 steps 3-5 over the congestion control's cwnd, bytes. */
    private int inflation;

    public NewRenoRecovery(CongestionControl cc, Sender sender) {
        super(cc, sender);
    }

    @Override
    public void init(int iss) {
        // RFC 6582 3.2 step 1: recover starts at the initial send sequence number.
        recover = iss;
    }

    @Override
    public int windowAdjustment() {
        if (inRecovery) {
            return inflation;
        }
        // Limited transmit (RFC 3042 2): each of the first two duplicate ACKs lets one new
        // segment go beyond cwnd, so that a small window still yields a third duplicate ACK.
        return Math.min(dupAcks, DUPACK_THRESHOLD - 1) * sender.smss();
    }

    @Override
    public int bytesInFlight(int sndNxt) {
        return sndNxt - sender.sndUna();
    }

    @Override
    public int onSackBlocks(TcpOptions options) {
        return 0;
    }

    @Override
    public void onSent(int seq, int len) {
    }

    @Override
    public int skipSacked(int seq) {
        return seq;
    }

    @Override
    public int nextSacked(int seq, int limit) {
        return limit;
    }

    @Override
    public int sackedBytes() {
        return 0;
    }

    @Override
    public long sackedTotal() {
        return 0;
    }

    @Override
    public long reorderingSeen() {
        return 0;
    }

    @Override
    public long spuriousUndone() {
        return 0;
    }

    @Override
    public boolean onNewAck(int ack, int ackedBytes, int bytesInFlight, long nowNanos) {
        if (!inRecovery) {
            dupAcks = 0;
            return false;
        }
        int smss = sender.smss();
        if (SeqNum.ge(ack, recover)) {
            // Step 5, full ACK: the congestion control deflates the window.
            cc.onRecoveryExit(bytesInFlight, nowNanos);
            inRecovery = false;
            inflation = 0;
            dupAcks = 0;
        } else {
            // Step 5, partial ACK: the next hole is lost too. Deflate by what was acknowledged,
            // add back one SMSS if that was at least one.
            int window = Math.max(cc.cwnd() + inflation - ackedBytes, smss);
            if (ackedBytes >= smss) {
                window = saturatedAdd(window, smss);
            }
            inflation = window - cc.cwnd();
            lostSegments++;
            sender.retransmitFirst();
        }
        return true;
    }

    @Override
    public void onDuplicateAck(int ack, long nowNanos) {
        countDuplicateAck();
        int smss = sender.smss();
        if (inRecovery) {
            // Step 4: one more segment has left the network.
            inflation = saturatedAdd(inflation, smss);
        } else if (dupAcks == DUPACK_THRESHOLD && SeqNum.ge(ack, recover)) {
            // Step 2: only when the ACK covers more than recover, so retransmissions after a
            // timeout do not set off a second round (recover holds SND.MAX, the highest sequence
            // number transmitted + 1, hence "ge"). Step 3: halve, then inflate by three.
            int sndMax = sender.sndMax();
            // RFC 5681 3.2 step 2: the data sent by limited transmit is not in the FlightSize.
            cc.onCongestionEvent(flightSizeAtCongestion(), nowNanos);
            inflation = 3 * smss;
            recover = sndMax;
            inRecovery = true;
            lostSegments++;
            sender.fastRetransmit();
        }
    }

    @Override
    public void onRetransmissionTimeout(long nowNanos) {
        // RFC 6582 4: recover is set after a timeout too.
        inRecovery = false;
        inflation = 0;
        dupAcks = 0;
        recover = sender.sndMax();
    }

    @Override
    public String name() {
        return "newreno";
    }

    private static int saturatedAdd(int a, int b) {
        int s = a + b;
        return s < 0 ? Integer.MAX_VALUE : s;
    }
}
