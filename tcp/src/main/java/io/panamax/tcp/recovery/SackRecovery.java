package io.panamax.tcp.recovery;

import io.panamax.tcp.congestion.CongestionControl;
import io.panamax.tcp.wire.SeqNum;
import io.panamax.tcp.wire.TcpOptions;

/**
 * SACK-based loss recovery (RFC 6675) with proportional rate reduction (RFC 6937) and limited
 * transmit (RFC 3042, through the pipe):
 * <ul>
 * <li>a {@link SackScoreboard} of what the receiver holds above SND.UNA (RFC 2018);</li>
 * <li>recovery starts on the third duplicate ACK or when IsLost(SND.UNA) (RFC 6675 5), at most
 *     once per window (RecoveryPoint, as RFC 6582's "recover");</li>
 * <li>during recovery every hole that IsLost goes out once, lowest first (NextSeg rule 1, HighRxt),
 *     as many per ACK as the window allows, so every hole is repaired in one round trip; SACKed
 *     data is never sent again; with nothing new to send, the first hole below SACKed data goes
 *     (rule 3), and once per recovery the segment with the highest unSACKed byte, a lost tail no
 *     SACK can reveal (rule 4, the rescue retransmission);</li>
 * <li>how much may go is PRR's: sndcnt from the data delivered since recovery began, bringing the
 *     pipe down to ssthresh smoothly, with the slow-start reduction bound (PRR-SSRB) once the pipe
 *     is below ssthresh (RFC 6937 3.1);</li>
 * <li>outside recovery the pipe excludes SACKed bytes, so each duplicate ACK that SACKs a segment
 *     lets one new segment go, which is limited transmit (RFC 3042 2) without a separate rule.</li>
 * </ul>
 */
public final class SackRecovery extends DuplicateAckRecovery {
    /** DupThresh (RFC 6675 2). */
    public static final int DUP_THRESH = 3;

    private final SackScoreboard board = new SackScoreboard();
    /** Time-based loss detection (RFC 8985 6): its lost marks count alongside IsLost's. */
    private final Rack rack;
    /** When the running episode began: a segment resent since then is not sent again unless RACK marks it lost. */
    private long episodeStartNanos;
    /** RecoveryPoint (RFC 6675 2): HighData when recovery (or a timeout) began. */
    private int recoveryPoint;
    /** HighRxt (RFC 6675 2): the highest sequence number retransmitted in this recovery + 1. */
    private int highRxt;
    /**
     * RescueRxt (RFC 6675 2): RecoveryPoint once this episode's rescue retransmission (NextSeg
     * rule 4) went; an ACK at or beyond it would end the episode, so one rescue per recovery.
     */
    private int rescueRxt;
    private boolean rescued;
    /** NextSeg rule 4 is on (off by default, as in Linux). */
    private final boolean rescue;
    /** RFC 6937: data delivered to the receiver, and sent, since recovery began; the flight then. */
    private long prrDelivered;
    private long prrOut;
    private int recoverFs;
    /** cwnd as PRR sets it on each ACK during recovery (pipe + sndcnt). */
    private int recoveryCwnd;
    /** Bytes newly SACKed by the ACK being processed. */
    private int newlySacked;
    /** Timeouts since SND.UNA last advanced: on the second the receiver may have reneged (RFC 2018 8). */
    private int timeoutsInARow;

    // ---- spurious retransmission detection (RFC 3708 with D-SACK, RFC 2883) ----
    /** SND.UNA when the last episode began: retransmissions of that episode lie at or above it. */
    private int episodeStart;
    /** Bytes retransmitted in the last episode, and how many of them the peer reported twice. */
    private long episodeRetransmitted;
    private long episodeDsacked;
    /** The last episode's reduction was undone already. */
    private boolean undone = true;
    private long spuriousUndone;

    // ---- statistics ----
    private long reorderingSeen;
    private long sackedTotal;

    public SackRecovery(CongestionControl cc, Sender sender) {
        this(cc, sender, false);
    }

    /** With {@code rescue}, NextSeg rule 4's rescue retransmission (RFC 6675 4; {@code TcpConfig.rescueRetransmission}). */
    public SackRecovery(CongestionControl cc, Sender sender, boolean rescue) {
        super(cc, sender);
        this.rack = new Rack(sender.sentRanges());
        this.rescue = rescue;
    }

    @Override
    public void init(int iss) {
        recoveryPoint = iss;
        highRxt = iss;
        rack.init(iss);
    }

    @Override
    public int windowAdjustment() {
        return inRecovery ? recoveryCwnd - cc.cwnd() : 0;
    }

    @Override
    public int bytesInFlight(int sndNxt) {
        int una = sender.sndUna();
        if (!inRecovery) {
            // Outside recovery: what was sent up to SND.NXT and is not SACKed.
            return board.unsackedBetween(una, sndNxt);
        }
        return pipe();
    }

    /**
     * SetPipe (RFC 6675 4): unSACKed bytes not deemed lost, plus lost bytes retransmitted in this
     * recovery (those below HighRxt); less what RACK marked lost and was not sent again (RFC 8985
     * 6: a lost retransmission, or a loss IsLost cannot see, is not in flight).
     */
    private int pipe() {
        int una = sender.sndUna();
        int max = sender.sndMax();
        int lost = board.lostBoundary(una, DUP_THRESH, sender.smss());
        int notLost = board.unsackedBetween(lost, max);
        int rxt = SeqNum.lt(highRxt, lost) ? highRxt : lost;
        int retransmitted = SeqNum.gt(rxt, una) ? board.unsackedBetween(una, rxt) : 0;
        return Math.max(0, notLost + retransmitted - rack.lostBytes());
    }

    @Override
    public void onAckStart() {
        rack.onAckStart();
    }

    @Override
    public int onSackBlocks(TcpOptions options) {
        int una = sender.sndUna();
        int max = sender.sndMax();
        int highest = board.highestSacked(una);
        int added = 0;
        int first = 0;
        if (isDsack(options, una)) {
            dsack(options.sackLeft[0], options.sackRight[0]);
            rack.onDsack();
            first = 1;
        }
        long now = sender.nowNanos();
        for (int b = first; b < options.sackBlocks; b++) {
            int left = options.sackLeft[b];
            int right = options.sackRight[b];
            int n = board.add(left, right, una, max);
            if (n > 0) {
                added += n;
                rack.onSacked(left, right, now);
                // A block wholly below the highest SACKed, of data never sent again, came late,
                // not lost: the path reorders.
                if (SeqNum.le(right, highest) && SeqNum.ge(left, highRxt)) {
                    reorderingSeen++;
                }
            }
        }
        sackedTotal += added;
        newlySacked = added;
        return added;
    }

    /**
     * RFC 2883 4: the first block is a D-SACK when it lies below the cumulative ACK, or inside the
     * second block.
     */
    private static boolean isDsack(TcpOptions o, int una) {
        if (o.sackBlocks == 0) {
            return false;
        }
        int l = o.sackLeft[0];
        int r = o.sackRight[0];
        if (SeqNum.le(r, una)) {
            return SeqNum.lt(l, r);
        }
        return o.sackBlocks > 1 && SeqNum.ge(l, o.sackLeft[1]) && SeqNum.le(r, o.sackRight[1]);
    }

    /**
     * A D-SACK for [left, right): if it reports data this episode retransmitted, the original
     * arrived too. Once every byte retransmitted in the episode came back twice, the episode was
     * spurious (RFC 3708 3.2: reordering, not loss) and its reduction is undone (RFC 4015's
     * response, through the congestion control).
     */
    private void dsack(int left, int right) {
        if (undone || SeqNum.lt(left, episodeStart) || SeqNum.gt(right, highRxt) || SeqNum.ge(left, right)) {
            return;
        }
        episodeDsacked += right - left;
        if (episodeDsacked >= episodeRetransmitted) {
            undone = true;
            spuriousUndone++;
            cc.undoLastReduction(sender.nowNanos());
            if (inRecovery) {
                inRecovery = false;
                dupAcks = 0;
            }
        }
    }

    @Override
    public boolean onNewAck(int ack, int ackedBytes, int bytesInFlight, long nowNanos) {
        boolean hadSacks = !board.isEmpty();
        boolean resent = SeqNum.gt(highRxt, ack - ackedBytes);
        rack.onCumulativeAck(ack, nowNanos, sender.echoedBeforeNanos());
        int coveredSacked = board.acknowledge(ack);
        int delivered = ackedBytes + newlySacked - coveredSacked;
        newlySacked = 0;
        timeoutsInARow = 0;
        if (SeqNum.lt(highRxt, ack)) {
            highRxt = ack;
        }
        if (!inRecovery) {
            if (hadSacks && coveredSacked < ackedBytes && dupAcks > 0 && !resent) {
                // A hole below SACKed data filled without a retransmission: reordering.
                reorderingSeen++;
            }
            dupAcks = 0;
            rackDetectLoss(nowNanos);
            if (rack.hasLost() && beyondRecoveryPoint(ack)) {
                // RFC 8985 6.2: RACK found a loss that no duplicate ACK announced (a partial ACK
                // with too few SACKs above the hole): fast recovery begins.
                enterRecovery(delivered, nowNanos, false);
                return true;
            }
            repairAfterTimeout();
            return false;
        }
        if (SeqNum.ge(ack, recoveryPoint)) {
            cc.onRecoveryExit(bytesInFlight, nowNanos);
            inRecovery = false;
            dupAcks = 0;
            rack.onRecoveryExit();
            rackDetectLoss(nowNanos);
            return true;
        }
        rackDetectLoss(nowNanos);
        onRecoveryAck(delivered);
        return true;
    }

    /**
     * RACK_update_reo_wnd and RACK_detect_loss_and_arm_timer (RFC 8985 6.2 steps 4 and 5, 6.3):
     * marks lost what was sent a reordering window before the most recently sent delivered
     * segment, and arms the reorder timer for the segments whose window has not expired yet.
     */
    private void rackDetectLoss(long nowNanos) {
        long reoWnd = rack.reorderingWindow(sender.sndUna(), sender.sndMax(), inRecovery,
                board.sackedBytes() >= DUP_THRESH * sender.smss(), sender.srttNanos());
        long timeout = rack.detectLoss(reoWnd, nowNanos);
        if (timeout > 0) {
            sender.armReorderTimer(timeout);
        } else {
            sender.cancelReorderTimer();
        }
    }

    @Override
    public void onReorderTimeout(long nowNanos) {
        if (sender.sndUna() == sender.sndMax()) {
            return;
        }
        rackDetectLoss(nowNanos);
        if (!rack.hasLost()) {
            return;
        }
        if (inRecovery) {
            sendLost();
        } else if (beyondRecoveryPoint(sender.sndUna())) {
            enterRecovery(0, nowNanos, false);
        } else {
            repairAfterTimeout();
        }
    }

    @Override
    public void onDuplicateAck(int ack, long nowNanos) {
        countDuplicateAck();
        int delivered = newlySacked;
        newlySacked = 0;
        rackDetectLoss(nowNanos);
        if (inRecovery) {
            onRecoveryAck(delivered);
            return;
        }
        int una = sender.sndUna();
        // DupThresh (RFC 6675 5: three duplicate ACKs, or IsLost(SND.UNA)) starts recovery only
        // while the path has not been seen to reorder; after that RACK alone does, with its
        // reordering window of min_RTT/4 and more (RFC 8985 6.2 step 4 gives DupThresh's effect,
        // a zero window, only when no reordering was seen; Linux: "RACK only uses [DupThresh] if
        // no reordering has been observed"). Otherwise a path that reorders by DupThresh
        // segments starts a spurious recovery, and cuts cwnd, at every reordering.
        boolean lost = !rack.reorderingSeen()
                && (dupAcks >= DUP_THRESH || SeqNum.gt(board.lostBoundary(una, DUP_THRESH, sender.smss()), una));
        if ((lost || rack.hasLost()) && beyondRecoveryPoint(ack)) {
            enterRecovery(delivered, nowNanos, lost);
        } else {
            repairAfterTimeout();
        }
    }

    /**
     * Whether a new recovery may begin at cumulative ACK {@code ack}: only once everything sent
     * before the last one began (or before the last timeout) is acknowledged, so one window's
     * losses reduce cwnd once (RFC 6675 5 step (4), RFC 6582 3.2 step 2). RecoveryPoint is
     * HighData + 1 here (SND.MAX then), so "the ACK covers more than recover" is ack &ge;
     * RecoveryPoint: the segment that starts at RecoveryPoint was sent after the reduction, and
     * its loss is a new congestion event. (With "&gt;" a loss of exactly that segment could never
     * start recovery: its duplicate ACKs all carry ack = RecoveryPoint, and only the RTO repaired it.)
     */
    private boolean beyondRecoveryPoint(int ack) {
        return SeqNum.ge(ack, recoveryPoint);
    }

    @Override
    public void onSackOnlyAck(int ack, long nowNanos) {
        int delivered = newlySacked;
        newlySacked = 0;
        rackDetectLoss(nowNanos);
        if (inRecovery) {
            onRecoveryAck(delivered);
        } else {
            repairAfterTimeout();
        }
    }

    /**
     * After a retransmission timeout, until RecoveryPoint (SND.MAX at the timeout) is acknowledged,
     * no fast recovery may begin (the window was reduced once for all of it), and the data goes
     * again from SND.UNA in slow start (go-back-N, SACKed data skipped). A retransmission of that
     * round can be lost too: RACK sees it (a later one was delivered, RFC 8985 6.2), and it goes
     * again now, within cwnd, rather than wait for a second, backed-off timeout (RFC 8985 6.3:
     * RACK's detection runs on every ACK, in the loss state as in fast recovery; RFC 6675 5.1).
     * Only marks below SND.NXT: what lies above goes with the go-back-N anyway.
     */
    private void repairAfterTimeout() {
        if (inRecovery || !rack.hasLost() || beyondRecoveryPoint(sender.sndUna())) {
            return;
        }
        int smss = sender.smss();
        int nxt = sender.sndNxt();
        while (rack.hasLost()) {
            int una = sender.sndUna();
            int first = rack.firstLost(una);
            if (SeqNum.ge(first, nxt)) {
                return;
            }
            int lost = board.skipSacked(first);
            if (lost != first) {
                rack.unmarkLostAt(first);
                continue;
            }
            // In flight: what went since the timeout and is neither SACKed nor marked lost.
            int flight = board.unsackedBetween(una, nxt) - rack.lostBytesBelow(nxt);
            if (cc.cwnd() - flight < smss) {
                return;
            }
            int end = Math.min(Math.min(rack.segmentEnd(lost), board.nextSacked(lost, sender.sndMax())), nxt);
            int len = Math.min(smss, end - lost);
            int sent = len > 0 ? sender.retransmitAt(lost, len) : 0;
            if (sent <= 0) {
                return;
            }
            lostSegments++;
        }
    }

    /**
     * RFC 6675 5 steps (4.1)-(4.3), RFC 6937's initialisation. {@code fromUna}: the duplicate ACKs
     * or IsLost started it, and the first unSACKed segment goes; else RACK did, and the first
     * segment it marked lost goes.
     */
    private void enterRecovery(int delivered, long nowNanos, boolean fromUna) {
        int una = sender.sndUna();
        int max = sender.sndMax();
        recoveryPoint = max;
        recoverFs = max - una;
        // RFC 5681 3.2 step 2, RFC 3042 2: what limited transmit sent is not in the FlightSize.
        cc.onCongestionEvent(flightSizeAtCongestion(), nowNanos);
        inRecovery = true;
        prrDelivered = 0;
        prrOut = 0;
        highRxt = una;
        rescued = false;
        recoveryCwnd = cc.cwnd();
        episodeStart = una;
        episodeRetransmitted = 0;
        episodeDsacked = 0;
        undone = false;
        episodeStartNanos = nowNanos;
        // The first unSACKed segment goes at once, whatever the window (RFC 6675 (4.3), RFC 5681 3.2).
        int from = fromUna ? una : board.skipSacked(rack.firstLost(una));
        int len = Math.min(sender.smss(), board.nextSacked(from, max) - from);
        int sent = sender.fastRetransmitAt(from, len);
        if (sent > 0) {
            if (from == una) {
                highRxt = una + sent;
            }
            lostSegments++;
            prrOut += sent;
            episodeRetransmitted += sent;
        }
        onRecoveryAck(delivered);
    }

    /** RFC 6937 3: on each ACK in recovery, sndcnt; then NextSeg rule 1 (and 3) while it allows. */
    private void onRecoveryAck(int delivered) {
        prrDelivered += Math.max(0, delivered);
        int pipe = pipe();
        int ssthresh = cc.ssthresh();
        long sndcnt;
        if (pipe > ssthresh) {
            // Proportional: ceil(prr_delivered * ssthresh / RecoverFS) - prr_out.
            sndcnt = (prrDelivered * ssthresh + recoverFs - 1) / Math.max(1, recoverFs) - prrOut;
        } else {
            // PRR-SSRB: grow back towards ssthresh no faster than slow start.
            long limit = Math.max(prrDelivered - prrOut, delivered) + sender.smss();
            sndcnt = Math.min(ssthresh - pipe, limit);
        }
        sndcnt = Math.max(0, sndcnt);
        recoveryCwnd = (int) Math.min(Integer.MAX_VALUE, pipe + sndcnt);
        sendLost();
    }

    /** Retransmits holes while the recovery window has room (NextSeg rules 1 and 3, RFC 6675 4). */
    private void sendLost() {
        int smss = sender.smss();
        while (recoveryCwnd - pipe() >= smss) {
            int una = sender.sndUna();
            int max = sender.sndMax();
            if (rack.hasLost()) {
                // RACK's marks first, lowest first (RFC 8985 6: they include lost retransmissions,
                // below HighRxt, that RFC 6675 never sends twice). Sending clears the mark.
                int first = rack.firstLost(una);
                int lost = board.skipSacked(first);
                if (lost != first) {
                    // Its start was SACKed (a SACK block not on its boundaries): not all of it is
                    // missing, and resending its tail would not clear the mark. IsLost decides.
                    rack.unmarkLostAt(first);
                    continue;
                }
                int len = Math.min(smss, Math.min(rack.segmentEnd(lost), board.nextSacked(lost, max)) - lost);
                int sent = len > 0 ? sender.retransmitAt(lost, len) : 0;
                if (sent <= 0) {
                    return;
                }
                if (SeqNum.le(lost, highRxt) && SeqNum.gt(lost + sent, highRxt)) {
                    highRxt = lost + sent;
                }
                lostSegments++;
                prrOut += sent;
                episodeRetransmitted += sent;
                continue;
            }
            int from = SeqNum.gt(highRxt, una) ? highRxt : una;
            from = board.skipSacked(from);
            if (rack.resentSince(from, episodeStartNanos)) {
                // RACK sent this one in this episode already: it is in flight, not lost.
                highRxt = rack.segmentEnd(from);
                continue;
            }
            int lostBoundary = board.lostBoundary(una, DUP_THRESH, smss);
            boolean rule1 = SeqNum.lt(from, lostBoundary);
            // Rule 3: nothing lost and nothing new to send: the first hole below SACKed data.
            boolean rule3 = !rule1 && !sender.hasUnsentData() && SeqNum.lt(from, board.highestSacked(una));
            if (!rule1 && !rule3) {
                rescue(una, max, smss);
                return;
            }
            int end = board.nextSacked(from, max);
            int len = Math.min(smss, end - from);
            if (len <= 0) {
                return;
            }
            int sent = sender.retransmitAt(from, len);
            if (sent <= 0) {
                return;
            }
            highRxt = from + sent;
            lostSegments++;
            prrOut += sent;
            episodeRetransmitted += sent;
        }
    }

    /**
     * NextSeg rule 4 (RFC 6675 4): rules 1 to 3 found nothing and there is no new data (rule 2
     * is the sender's, which sends new data before this runs): once per recovery (HighACK &gt;
     * RescueRxt, RescueRxt = RecoveryPoint after it), one segment that holds the highest
     * outstanding unSACKed byte goes, HighRxt untouched. Its case is a lost tail of the window
     * that no SACK above it will ever reveal: IsLost cannot mark it, and RACK marks it only once a
     * retransmission sent after it is delivered, a round trip later. Linux has no rule 4 (its
     * tail loss probe, outside recovery, covers part of the case); gVisor implements it as written.
     *
     * <p>Narrower than the RFC's words, after its reason ("to prevent stalling of the ACK clock
     * when there is loss at the end of the window"): only when that segment is the last original
     * transmission unaccounted for, everything else above HighRxt SACKed. As written, rule 4
     * fires at the first ACK where PRR leaves room, while the rest of the window is still in
     * flight: in {@code SackRecoveryTest.afterATimeoutSackedDataIsNotSentAgain} it resent
     * segment 9 when segments 4 to 9 were all on their way, a spurious retransmission.
     */
    private void rescue(int una, int max, int smss) {
        if (!rescue || (rescued && SeqNum.le(una, rescueRxt)) || sender.hasUnsentData()) {
            return;
        }
        int end = board.highestUnsackedEnd(max);
        if (SeqNum.le(end, una) || SeqNum.le(end, highRxt)) {
            return;   // nothing unSACKed outstanding, or already sent again in this episode
        }
        // The last segment's worth of that unSACKed run, not below what this episode resent.
        int resent = SeqNum.gt(highRxt, una) ? highRxt : una;
        int from = end - Math.min(smss, end - board.unsackedRunStart(end, una));
        if (SeqNum.lt(from, resent)) {
            from = resent;
        }
        if (board.unsackedBetween(resent, from) > 0) {
            // Other original transmissions are unaccounted for: in flight, their ACKs still to
            // come, so the ACK clock has not stopped (rule 4's reason); the tail may be in flight too.
            return;
        }
        int sent = sender.retransmitAt(from, end - from);
        if (sent <= 0) {
            return;
        }
        rescued = true;
        rescueRxt = recoveryPoint;
        prrOut += sent;
        episodeRetransmitted += sent;
    }

    @Override
    public void onSent(int seq, int len) {
        // The sender recorded the send in its SentRanges, which RACK reads.
        if (SeqNum.ge(seq, sender.sndMax())) {
            if (inRecovery) {
                // New data sent during recovery counts in prr_out (RFC 6937 3); retransmissions
                // are counted where they are decided.
                prrOut += len;
            }
        } else if (SeqNum.gt(seq + len, highRxt)) {
            // Sent again (go-back-N after a timeout, a probe): HighRxt covers it, so it is not
            // taken for reordering when it arrives.
            highRxt = seq + len;
        }
    }

    @Override
    public void onRetransmissionTimeout(long nowNanos) {
        // A timeout's reduction is not undone by D-SACK here; F-RTO (RFC 5682, in the sender) does.
        undone = true;
        inRecovery = false;
        dupAcks = 0;
        recoveryPoint = sender.sndMax();
        highRxt = sender.sndUna();
        rack.onRetransmissionTimeout();
        rack.onRecoveryExit();
        if (++timeoutsInARow >= 2) {
            // The same data timed out twice with SACKed data above it: the receiver may have
            // discarded what it SACKed (RFC 2018 8); send it all again.
            board.clear();
            rack.clearDelivered();
        }
    }

    @Override
    public void onSpuriousTimeout() {
        // The data the timeout would have resent arrived: no go-back-N repair, no marks from
        // it, and a later loss may start fast recovery again.
        recoveryPoint = sender.sndUna();
        timeoutsInARow = 0;
        rack.onRetransmissionTimeout();
    }

    @Override
    public int skipSacked(int seq) {
        return board.skipSacked(seq);
    }

    @Override
    public int nextSacked(int seq, int limit) {
        return board.nextSacked(seq, limit);
    }

    @Override
    public int sackedBytes() {
        return board.sackedBytes();
    }

    @Override
    public long reorderingSeen() {
        return reorderingSeen;
    }

    @Override
    public long spuriousUndone() {
        return spuriousUndone;
    }

    @Override
    public long sackedTotal() {
        return sackedTotal;
    }

    @Override
    public String name() {
        return "sack";
    }
}
