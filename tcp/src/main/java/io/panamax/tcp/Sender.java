package io.panamax.tcp;

import io.panamax.reactor.Completion;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.congestion.CongestionControl;
import io.panamax.tcp.congestion.CongestionControls;
import io.panamax.tcp.congestion.CwndValidation;
import io.panamax.tcp.congestion.NewReno;
import io.panamax.tcp.recovery.LossRecovery;
import io.panamax.tcp.recovery.NewRenoRecovery;
import io.panamax.tcp.recovery.SackRecovery;
import io.panamax.tcp.recovery.SentRanges;
import io.panamax.tcp.wire.SeqNum;
import io.panamax.tcp.wire.TcpHeader;

import java.util.ArrayDeque;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static io.panamax.tcp.wire.TcpHeader.PSH;
import static io.panamax.tcp.wire.TcpHeader.SYN;

/**
 * The sending half of a connection (gVisor's {@code sender}): the send sequence variables of RFC
 * 9293 3.3.1, the send buffer and the writes waiting for room in it, output with Nagle (RFC 1122
 * 4.2.3.4) and sender-side silly-window avoidance (RFC 9293 3.8.6.2.1), the persist timer (RFC
 * 9293 3.8.6.1), the processing of the ACK field (RFC 9293 3.10.7.4 fifth check, RFC 5961 5.2),
 * RTT measurement, and every rule of RFC 6298 about the retransmission timer. Loss detection and
 * repair are the {@link LossRecovery}'s, the window arithmetic the {@link CongestionControl}'s.
 *
 * <p>Confined to the connection's shard, like its {@link Tcb}, which assembles the segments.
 */
final class Sender implements LossRecovery.Sender {
    private final Tcb tcb;
    private final TcpConfig config;
    private final TcpCounters counters;
    /** What {@link #echoedBeforeNanos} answers for the ACK being processed. */
    private long ackEchoedBefore = Long.MAX_VALUE;

    // ---- send sequence variables (RFC 9293 3.3.1) ----
    int iss;
    int sndUna;
    int sndNxt;
    /** The highest sequence number sent + 1: SND.NXT goes back to SND.UNA on a timeout (go-back-N). */
    int sndMax;
    int sndWl1;
    int sndWl2;
    /** SND.WND, scaled. */
    long sndWnd;
    long maxSndWnd;
    /** The window scale shift the peer asked for (RFC 7323 2.3). */
    int sndShift;
    /** Payload bytes of a full segment without options: min(peer MSS, path MTU - 40). */
    int mss;

    // ---- the send buffer ----
    /** The sequence number of the send buffer's first byte. */
    int sndBufSeq;
    final SendBuffer sendBuffer = new SendBuffer();
    int sendBufferLimit;
    /**
     * The writes waiting for room, oldest first, as pairs: a {@link Packet}, then the
     * {@link Completion} to call when it is taken. Two entries rather than a record per write, so
     * that a write that waits allocates nothing here (the deque grows once, to the most writes
     * that ever waited at the same time).
     */
    private ArrayDeque<Object> pendingWrites;
    /** The application asked for a FIN (shutdownOutput or close). */
    boolean finQueued;
    /** {@link #finSeq} is known: every byte before the FIN is in the send buffer. */
    boolean finSeqValid;
    int finSeq;
    boolean noDelay;

    // ---- reliability ----
    final RttEstimator rtt;
    /** When each outstanding segment left: the RTT samples' source (Linux's skb timestamps), and RACK's records. */
    private final SentRanges sent = new SentRanges();
    /** The window arithmetic; chosen by name (TcpConfig, or per connection before data flows). */
    CongestionControl cc;
    /** NewReno's until the handshake settles whether SACK is on; then SACK's (RFC 6675) if it is. */
    LossRecovery recovery;
    /** pipeACK and the phases of RFC 7661. */
    final CwndValidation cwv = new CwndValidation();
    /** Bytes sent again, for RFC 7661 4.4.1's R. */
    long retransmittedBytes;
    int backoff;
    int retries;
    /** Our SYN is timed (RFC 6298 3: not once it was sent again, Karn); data is timed by {@link #sent}. */
    private boolean rttTiming;
    private int rttSeq;
    private long rttStart;
    private int persistBackoff;
    private int probesUnanswered;
    /** The user timeout (RFC 5482 2), 0 when off: then maxRetransmits decides. */
    long userTimeoutNanos;
    /**
     * Since when the data at SND.UNA has waited for an acknowledgment: the send that began the
     * flight, or the last ACK of new data with more outstanding (Linux measures from the head's
     * first retransmission's original send, reset by progress the same way).
     */
    private long unackedSinceNanos;
    /** Since when zero-window probes have gone unanswered by an open window; valid while {@link #persistSince}. */
    private long persistSinceNanos;
    private boolean persistSince;
    /** SND.NXT when the current round began: an ACK beyond it ends the round (RFC 9406 4.2). */
    private int roundEndSeq;
    /** When data (or a FIN) was last sent, for the restart after idle (RFC 5681 4.1); valid once {@link #sentData}. */
    private long lastDataSentNanos;
    private boolean sentData;
    /** cwnd when the ACK being processed arrived, before it grew the window (RFC 3168 6.1.2). */
    int cwndAtArrival;
    /**
     * RFC 3168 6.1.2: an ECN-Echo came while cwnd was one segment, which a halving cannot lower:
     * no new segment goes until the retransmission timer, restarted by that ACK, expires.
     */
    private boolean ecnHold;

    // ---- timers ----
    final Timer rtxTimer;
    final Timer persistTimer;
    /** The tail loss probe's timer (RFC 8985 7). */
    private final Timer probeTimer;
    /** RACK's reorder timer (RFC 8985 6.3). */
    private final Timer reorderTimer;
    /** TLP.end_seq (RFC 8985 7.3): SND.MAX when the probe went, 0 outside a probe episode. */
    private int tlpEnd;
    private boolean tlpEpisode;
    /** The probe was a retransmission (RFC 8985 7.3 case 2), not new data. */
    private boolean tlpRetransmitted;
    /** The FlightSize when the probe went, for the reduction if it repaired a loss. */
    private int tlpFlight;
    /**
     * A timeout's go-back-N runs: SND.UNA has not reached SND.MAX as it was at the timeout. No
     * tail probe then (Linux probes only in its Open and CWR states, not in Loss): the data goes
     * again from SND.UNA anyway, and a probe would resend the last segment, SACKed or not.
     */
    private boolean afterTimeout;
    private int afterTimeoutEnd;
    /**
     * F-RTO (RFC 5682): 0 when not running; 2 after a timeout's retransmission, until the first
     * ACK; 3 after the two new segments of step 2.b, until the second. {@link #frtoRecover} is
     * "recover", SND.MAX at the timeout.
     */
    private int frtoStep;
    private int frtoRecover;

    // ---- what limits sending (Linux's tcp_chrono, TCP_INFO's busy, rwnd_limited and sndbuf_limited) ----
    /** Nothing outstanding and nothing to send. */
    static final int IDLE = 0;
    /** Data outstanding, nothing more written: the application is the limit (or Nagle holds a short tail). */
    static final int APPLICATION_LIMITED = 1;
    /** Data waits for the congestion window (RFC 5681), a recovery's window included. */
    static final int CWND_LIMITED = 2;
    /** Data waits for the peer's window (SND.WND). */
    static final int RWND_LIMITED = 3;
    /** The send buffer is full of unacknowledged data and writes wait for room: the buffer is smaller than the flight. */
    static final int SEND_BUFFER_LIMITED = 4;
    /** The state since {@link #limitSinceNanos}, one of the five above. */
    private int limit = IDLE;
    private long limitSinceNanos;
    /** Time spent in each state before the current one, by state. */
    private final long[] limitedNanos = new long[5];

    // ---- counters ----
    long bytesOut;
    long retransmits;
    long timeouts;
    long fastRetransmits;
    long idleRestarts;
    long tailLossProbes;
    /**
     * ACKs processed (every acceptable one, duplicates included, as Linux's tcp_probe tracepoint
     * fires per ACK), the sum of the congestion window in force as each arrived (recovery's
     * included, bytes), and how many arrived in recovery: the window's mean over ACKs and the
     * share of time in recovery, to compare with the kernel's sender (issue 13). Three adds per
     * ACK, nothing allocated.
     */
    long acksProcessed;
    long cwndAtAckSum;
    long acksInRecovery;
    /** Timeouts F-RTO found spurious and undid (RFC 5682 3, RFC 4015). */
    long spuriousTimeouts;
    /** The per-ACK time series, when {@link TcpConnection#recordAcks} turned it on; else null. */
    AckProbe ackProbe;
    /** The RTT sample of the ACK being processed, -1 for none: what {@link #ackProbe} records. */
    private long ackRttSample;

    /** WCDelAckT (RFC 8985 7.2): the longest a peer may delay the ACK of a lone segment. */
    static final long WORST_CASE_DELAYED_ACK_NANOS = 200_000_000L;
    /**
     * The shortest PTO: 2 ms, Linux's TCP_TIMEOUT_MIN (two jiffies). RFC 8985 7.2 sets no floor,
     * and SRTT is now exact ({@link SentRanges}: a 300 µs path reads 300 µs, where millisecond
     * timestamps read 0 or 1 ms), so 2·SRTT alone would fire after 600 µs. A probe that early is
     * spurious whenever the peer's ACKs are held up longer than two round trips (a receiver whose
     * application is slow to read, a shard preempted on a busy host): tried with a 100 µs floor on
     * the loss benchmark over TAP (load 6-11, 12 transfers of 100 MB at 0.5 %), the tail probes
     * went from 57-387 to 230-407 per transfer and the median time from 4.3 to 9.2 s.
     */
    static final long MIN_PTO_NANOS = 2_000_000L;

    /** The IPv4 or IPv6 header in front of a super-segment (the stack sends no IP options or extension headers). */
    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    /** tcp_min_tso_segs: a super-segment worth the NIC's trouble has at least two segments. */
    private static final int MIN_SUPER_SEGMENTS = 2;

    Sender(Tcb tcb, TcpConfig config, TcpCounters counters) {
        this.tcb = tcb;
        this.config = config;
        this.counters = counters;
        this.rtt = new RttEstimator(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos());
        this.cc = CongestionControls.create(config.congestionControl());
        this.recovery = new NewRenoRecovery(cc, this);
        this.sendBufferLimit = config.sendBufferSize();
        this.noDelay = config.noDelay();
        this.userTimeoutNanos = config.userTimeoutNanos();
        var wheel = tcb.shard().timers();
        this.rtxTimer = wheel.newTimer(this::onRetransmitTimeout);
        this.persistTimer = wheel.newTimer(this::onPersistTimeout);
        this.probeTimer = wheel.newTimer(this::onProbeTimeout);
        this.reorderTimer = wheel.newTimer(this::onReorderTimeout);
    }

    /** The initial send sequence number is chosen: nothing is sent or acknowledged yet. */
    void init(int iss) {
        this.iss = iss;
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
        sndBufSeq = iss + 1;
        roundEndSeq = iss;
        limitSinceNanos = tcb.shard().turnNanos();
    }

    /** The options are settled: the congestion window starts (RFC 6928) and recovery with it (RFC 6582 3.2 step 1). */
    void negotiated(boolean sackOn) {
        cc.init(effectiveMss(), config.initialWindowSegments(), tcb.shard().turnNanos());
        if (sackOn) {
            recovery = new SackRecovery(cc, this, config.rescueRetransmission());
        }
        recovery.init(iss);
        cwv.init(sndUna, tcb.shard().turnNanos());
    }

    /** Another congestion control, by name, while no data has been sent (the window still the initial one). */
    void setCongestionControl(String name, boolean sackOn) {
        if (SeqNum.gt(sndMax, iss + 1)) {
            throw new IllegalStateException("the congestion control is chosen before data is sent");
        }
        cc = CongestionControls.create(name);
        recovery = sackOn ? new SackRecovery(cc, this, config.rescueRetransmission()) : new NewRenoRecovery(cc, this);
        cc.init(effectiveMss(), config.initialWindowSegments(), tcb.shard().turnNanos());
        recovery.init(iss);
    }

    /** The window of the peer's SYN or SYN-ACK, never scaled (RFC 7323 2.2), or of the handshake's ACK. */
    void initWindow(long window, int seq, int ack) {
        sndWnd = window;
        maxSndWnd = sndWnd;
        sndWl1 = seq;
        sndWl2 = ack;
    }

    /** Our SYN is acknowledged: the timer stops and the back-off resets. */
    void synAcknowledged() {
        rtxTimer.cancel();
        backoff = 0;
        retries = 0;
    }

    /** The payload of a full data segment: the MSS less the options every segment carries (RFC 6691). */
    int effectiveMss() {
        return Math.max(1, mss - tcb.fixedOptionsLength());
    }

    /** cwnd as the sender uses it: the congestion control's, adjusted by a running recovery. */
    int congestionWindow() {
        long w = (long) cc.cwnd() + recovery.windowAdjustment();
        return (int) Math.clamp(w, 0, Integer.MAX_VALUE);
    }

    @Override
    public int sndUna() {
        return sndUna;
    }

    @Override
    public int sndMax() {
        return sndMax;
    }

    @Override
    public int sndNxt() {
        return sndNxt;
    }

    @Override
    public int smss() {
        return effectiveMss();
    }

    // =====================================================================================
    // The send buffer
    // =====================================================================================

    /** Bytes in the send buffer not yet sent at SND.NXT. */
    private int unsent() {
        return Math.max(0, sendBuffer.size() - (sndNxt - sndBufSeq));
    }

    /** The FIN is queued behind the data and not yet sent at SND.NXT. */
    private boolean finPending() {
        return finSeqValid && SeqNum.le(sndNxt, finSeq);
    }

    /** A write now is taken at once: the send buffer has room and no earlier write waits for it. */
    boolean hasRoom() {
        return (pendingWrites == null || pendingWrites.isEmpty()) && sendBuffer.size() < sendBufferLimit;
    }

    /**
     * Takes {@code data} into the send buffer and returns true when it {@link #hasRoom}; otherwise
     * queues it, returns false, and completes {@code into} when room is made (or fails it when
     * the connection fails). {@code into} is not called when this returns true.
     */
    boolean write(Packet data, Completion<? super Void> into) {
        if (hasRoom()) {
            sendBuffer.append(data);
            return true;
        }
        if (pendingWrites == null) {
            pendingWrites = new ArrayDeque<>();
        }
        pendingWrites.addLast(data);
        pendingWrites.addLast(into);
        noteLimit();   // no output follows a write that waits: the wait for room starts now
        return false;
    }

    /** Moves queued writes into the send buffer while it has room; then the FIN's place is known. */
    @SuppressWarnings("unchecked")
    void admitPendingWrites() {
        if (pendingWrites != null) {
            while (!pendingWrites.isEmpty() && sendBuffer.size() < sendBufferLimit) {
                sendBuffer.append((Packet) pendingWrites.pollFirst());
                // A Completion called back later schedules any application code (its contract),
                // so this loop and the ACK processing around it are not re-entered.
                ((Completion<? super Void>) pendingWrites.pollFirst()).complete(null);
            }
        }
        if (finQueued && !finSeqValid && (pendingWrites == null || pendingWrites.isEmpty())) {
            finSeqValid = true;
            finSeq = sndBufSeq + sendBuffer.size();
        }
    }

    /** The connection is closed: queued writes fail with {@code failure}. */
    @SuppressWarnings("unchecked")
    void failPendingWrites(TcpException failure) {
        if (pendingWrites != null) {
            Object data;
            while ((data = pendingWrites.pollFirst()) != null) {
                ((Packet) data).release();
                ((Completion<? super Void>) pendingWrites.pollFirst()).fail(failure);
            }
        }
    }

    /** Timers that TIME-WAIT does not need. */
    void stopTimers() {
        rtxTimer.cancel();
        persistTimer.cancel();
        probeTimer.cancel();
        reorderTimer.cancel();
    }

    // =====================================================================================
    // The ACK field (RFC 9293 3.10.7.4 fifth check)
    // =====================================================================================

    /**
     * The ACK field in a synchronized state (RFC 9293 3.10.7.4 fifth check, RFC 5961 5.2, RFC 5681
     * duplicate ACKs, loss recovery). Returns false when the segment is to be dropped.
     */
    boolean processAck(Segment seg) {
        int ack = seg.ack;
        if (SeqNum.gt(ack, sndMax)) {
            tcb.drop(DropReason.BAD_ACK);
            tcb.challengeAck();
            return false;
        }
        if (SeqNum.lt(ack, sndUna - (int) Math.min(maxSndWnd, Integer.MAX_VALUE))) {
            tcb.drop(DropReason.BAD_ACK);
            tcb.challengeAck();
            return false;
        }
        // The segment is accepted (RFC 7323 5.3 R3, after the checks of RFC 5961): record its
        // timestamp before the ACK is processed, so what this ACK makes us send echoes it.
        tcb.rcv.updateTsRecent(seg);
        tcb.uto.received(seg.options.userTimeout, this);
        ackEchoedBefore = echoedBefore(seg);
        boolean recoveringBefore = recovery.inRecovery();
        int flightBefore = sndMax - sndUna;
        long retransmittedBefore = retransmittedBytes;
        acksProcessed++;
        cwndAtArrival = cc.cwnd();
        cwndAtAckSum += congestionWindow();
        if (recoveringBefore) {
            acksInRecovery++;
        }
        recovery.onAckStart();
        probesUnanswered = 0;
        ackRttSample = -1;
        long newWnd = (long) seg.window << sndShift;
        int unaBefore = sndUna;
        int newlySacked = 0;
        if (tlpEpisode && tlpRetransmitted && tcb.sackOn && seg.options.sackBlocks > 0) {
            probeDsacked(seg.options.sackLeft[0], seg.options.sackRight[0], ack);
        }
        if (tcb.sackOn && seg.options.sackBlocks > 0 && SeqNum.ge(ack, sndUna)) {
            newlySacked = recovery.onSackBlocks(seg.options);
        }
        if (SeqNum.gt(ack, sndUna)) {
            newAck(seg, ack);
            if (tcb.state == TcpState.CLOSED) {
                return false;
            }
        } else if (ack == sndUna && seg.payloadLength == 0 && (seg.flags & (SYN | FIN)) == 0
                && (newWnd == sndWnd || newlySacked > 0) && sndMax != sndUna && sndWnd != 0) {
            // RFC 5681 2 duplicate ACK (RFC 6675 2: or one that SACKs new data, whatever its
            // window); not while the window is closed, where the only data outstanding is a
            // zero-window probe the peer is right to refuse.
            recovery.onDuplicateAck(ack, tcb.shard().turnNanos());
        } else if (newlySacked > 0 && ack == sndUna && sndMax != sndUna) {
            recovery.onSackOnlyAck(ack, tcb.shard().turnNanos());
        }
        recoveryTransition(recoveringBefore, flightBefore, retransmittedBefore);
        if (frtoStep != 0) {
            frto(seg, unaBefore, newlySacked);
        }
        // Window update (RFC 9293 3.10.7.4): only from a segment newer than the last one used.
        if (SeqNum.ge(ack, unaBefore)
                && (SeqNum.lt(sndWl1, seg.seq) || (sndWl1 == seg.seq && SeqNum.le(sndWl2, ack)))) {
            boolean wasClosed = sndWnd == 0;
            sndWnd = newWnd;
            sndWl1 = seg.seq;
            sndWl2 = ack;
            if (sndWnd > maxSndWnd) {
                maxSndWnd = sndWnd;
            }
            if (wasClosed && sndWnd > 0) {
                // The window reopened: leave persist, and send from SND.UNA again, so a probe
                // octet the peer refused goes out with the data that follows it.
                persistTimer.cancel();
                persistBackoff = 0;
                persistSince = false;
                sndNxt = sndUna;
            }
        }
        if (ackProbe != null) {
            recordAck();
        }
        return true;
    }

    /** One record of {@link #ackProbe}: the state this ACK left the sender in. */
    private void recordAck() {
        int state = afterTimeout ? AckProbe.LOSS : recovery.inRecovery() ? AckProbe.RECOVERY : AckProbe.OPEN;
        ackProbe.record(tcb.shard().turnNanos(), sndUna, sndMax, congestionWindow(), cc.ssthresh(),
                sndMax - sndUna - recovery.sackedBytes(), sndWnd, srttNanos(), ackRttSample, state);
    }

    /**
     * F-RTO (RFC 5682 2, with SACK its 3; Linux's tcp_process_loss): the ACKs after a timeout's
     * retransmission tell a spurious timeout (the path was only slow: the original segments
     * arrive) from a real one. Step 2: the first ACK must advance SND.UNA without covering
     * "recover"; then, instead of the go-back-N, up to two new segments go (2.b). Step 3: the
     * second ACK acknowledges data that was never retransmitted (cumulatively, or with SACK in a
     * block between SND.UNA and "recover"): the timeout was spurious, the reduction is undone
     * (RFC 4015's response, as Linux's) and sending goes on from SND.MAX; a duplicate ACK, or with
     * SACK one that reports only the new segments, means the loss was real (3.a): the go-back-N
     * resumes with cwnd at most 3·SMSS. A duplicate ACK in step 2, an ACK covering "recover", no
     * new data to send, or a closed window return to the conventional recovery at once.
     */
    private void frto(Segment seg, int unaBefore, int newlySacked) {
        int ack = seg.ack;
        boolean advanced = SeqNum.gt(ack, unaBefore);
        long now = tcb.shard().turnNanos();
        if (frtoStep == 2) {
            frtoStep = 0;
            if (!advanced || SeqNum.ge(ack, frtoRecover)) {
                return;                                     // 2.a
            }
            if (sendNewSegments(2) > 0) {
                frtoStep = 3;                               // 2.b
            }
            return;
        }
        frtoStep = 0;
        boolean spurious = advanced || (tcb.sackOn && newlySacked > 0
                && sackedBelowRecover(seg.options, unaBefore));
        if (spurious) {
            spuriousTimeouts++;
            cc.undoLastReduction(now);
            recovery.onSpuriousTimeout();
            afterTimeout = false;
            if (SeqNum.lt(sndNxt, sndMax)) {
                sndNxt = recovery.skipSacked(sndMax);
            }
        } else if (cc.cwnd() > 3 * effectiveMss()) {
            cc.resetWindow(3 * effectiveMss(), cc.ssthresh(), now);
        }
    }

    /** A SACK block (not a D-SACK) starts between SND.UNA and "recover": data never retransmitted arrived. */
    private boolean sackedBelowRecover(io.panamax.tcp.wire.TcpOptions options, int una) {
        for (int i = 0; i < options.sackBlocks; i++) {
            int left = options.sackLeft[i];
            if (SeqNum.ge(left, una) && SeqNum.lt(left, frtoRecover)) {
                return true;
            }
        }
        return false;
    }

    /**
     * F-RTO 2.b: up to {@code n} segments of data never sent, at SND.MAX, within the peer's
     * window but not cwnd (the RFC's "transmit up to two new segments"); SND.NXT stays where the
     * go-back-N would resume. Returns the segments sent.
     */
    private int sendNewSegments(int n) {
        int sent = 0;
        while (sent < n) {
            int neverSent = Math.max(0, sendBuffer.size() - (sndMax - sndBufSeq));
            int len = Math.min(neverSent, maxDataPerSegment());
            if (len == 0 || sndWnd - (sndMax - sndUna) < len) {
                break;
            }
            sndMax += sendData(sndMax, len, false);
            sent++;
        }
        return sent;
    }

    /**
     * RFC 7661 4.4.1: a recovery that began in the non-validated phase ends with cwnd = ssthresh
     * = (max(pipeACK, LossFlightSize) − R) / 2, R the data it retransmitted, rather than with
     * the reduction of the congestion control, which a window the sender never used inflates.
     */
    private void recoveryTransition(boolean before, int flightBefore, long retransmittedBefore) {
        boolean now = recovery.inRecovery();
        if (now == before) {
            return;
        }
        long t = tcb.shard().turnNanos();
        if (now) {
            cwv.onRecoveryStart(flightBefore, retransmittedBefore, t, srttNanos());
        } else {
            int w = cwv.onRecoveryEnd(sndUna, retransmittedBytes, 2 * effectiveMss(), t);
            if (w > 0) {
                cc.resetWindow(w, w, t);
            }
        }
    }

    /**
     * RFC 8985 7.4.1: a D-SACK (RFC 2883: a first block at or below the cumulative ACK) for the
     * end of the probe's retransmission says the original arrived as well: the probe repaired
     * nothing, and the episode ends without the reduction of 7.4.2 (Linux's FLAG_DSACK_TLP).
     * Without it, a probe of an application-limited sender whose ACK was merely slow cut cwnd.
     */
    private void probeDsacked(int left, int right, int ack) {
        if (SeqNum.le(right, ack) && SeqNum.lt(left, right) && right == tlpEnd) {
            tlpRetransmitted = false;
        }
    }

    private void newAck(Segment seg, int ack) {
        long now = tcb.shard().turnNanos();
        int acked = ack - sndUna;
        long sample = sampleRtt(seg, now);
        ackRttSample = sample;
        boolean finAcked = finSeqValid && SeqNum.gt(ack, finSeq);
        int dataEnd = finAcked ? finSeq : ack;
        int dataAcked = dataEnd - sndBufSeq;
        if (dataAcked > 0) {
            dataAcked = Math.min(dataAcked, sendBuffer.size());
            sendBuffer.acknowledge(dataAcked);
            sndBufSeq += dataAcked;
        }
        sndUna = ack;
        if (SeqNum.lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        if (afterTimeout && SeqNum.ge(ack, afterTimeoutEnd)) {
            afterTimeout = false;
        }
        backoff = 0;
        retries = 0;
        unackedSinceNanos = now;
        int flight = sndMax - sndUna;
        boolean recovering = recovery.onNewAck(ack, acked, flight, now);
        sent.acknowledge(ack);   // after RACK delivered them
        if (!recovering) {
            boolean roundEnd = SeqNum.ge(ack, roundEndSeq);
            if (roundEnd) {
                roundEndSeq = sndMax;
            }
            // RFC 7661 4.3: the window is validated when what was in flight, the data this ACK
            // covers included, was at least half of it; an application-limited sender that used
            // less has not shown the path can take more, so cwnd does not grow then.
            boolean cwndLimited = 2L * (flight + acked) >= cc.cwnd();
            cc.onAck(acked, flight, sample, cwndLimited, roundEnd, now);
            int cwnd = cc.cwnd();
            if (cwv.onAck(ack, sndMax, cwnd, cwndLimited, now, srttNanos())) {
                // RFC 7661 4.4.3: five minutes in the non-validated phase: halve, down to IW.
                cc.resetWindow(CwndValidation.windowAfterNvp(cwnd,
                        NewReno.initialWindow(effectiveMss(), config.initialWindowSegments())),
                        CwndValidation.ssthreshAfterNvp(cc.ssthresh(), cwnd), now);
            }
        }
        if (tlpEpisode && SeqNum.ge(ack, tlpEnd)) {
            tlpEpisode = false;
            if (tlpRetransmitted && !recovery.inRecovery()) {
                // RFC 8985 7.4.2: the probe's retransmission repaired a loss (no D-SACK said it
                // was spurious, probeDsacked; Linux decides the same way): the window
                // goes down once, as for any loss.
                cc.onCongestionEvent(tlpFlight, now);
            }
        }
        // RFC 6298 5.2, 5.3: stop the timer when all is acknowledged, else restart it.
        if (sndUna == sndMax) {
            rtxTimer.cancel();
            probeTimer.cancel();
        } else {
            armRtx(rtt.rto());
            armProbeTimer();
        }
        admitPendingWrites();
        if (finAcked) {
            tcb.finAcked();
        }
    }

    /**
     * The RTT sample of an ACK that acknowledges new data (called before SND.UNA moves): from the
     * send time of the oldest data it newly acknowledges (Linux's seq_rtt; RFC 7323 4 allows any
     * RTTM method), none when any of that data was sent again (Karn, RFC 6298 3); from the timed
     * SYN in the handshake; from the echoed timestamp (RFC 7323 4.1, millisecond ticks) only
     * when no send time is held for the data. Returns nanoseconds, or -1 when the ACK gives none.
     */
    long sampleRtt(Segment seg, long now) {
        long sample = sent.rttSample(seg.ack, now);
        if (rttTiming && SeqNum.ge(seg.ack, rttSeq)) {
            rttTiming = false;
            sample = now - rttStart;
        }
        if (sample == SentRanges.UNTIMED && tcb.tsOn && seg.options.hasTimestamps && seg.has(ACK)) {
            int ms = tcb.tsNow() - seg.options.tsEcr;
            if (ms >= 0) {
                sample = ms * 1_000_000L;
            }
        }
        if (sample < 0) {
            return -1;
        }
        rtt.sample(sample);
        counters.rtt.record(sample);
        return sample;
    }

    // =====================================================================================
    // Output
    // =====================================================================================

    /**
     * Sends what may be sent now: the SYN, new data within min(cwnd, SND.WND) subject to Nagle
     * and sender-side SWS avoidance, the FIN; and an ACK if one is due and no segment carried it.
     */
    void output(boolean force) {
        TcpState state = tcb.state;
        if (state == TcpState.CLOSED) {
            return;
        }
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            if (sndNxt == iss) {
                if (sndMax == iss) {
                    rttTiming = true;
                    rttSeq = iss + 1;
                    rttStart = tcb.shard().turnNanos();
                }
                tcb.sendSyn();
                sndNxt = iss + 1;
                if (SeqNum.gt(sndNxt, sndMax)) {
                    sndMax = sndNxt;
                }
                armRetransmitTimer();
            } else if (tcb.rcv.ackNow && state == TcpState.SYN_RECEIVED) {
                tcb.sendAck();
            }
            return;
        }
        if (sentData && sndUna == sndMax && (unsent() > 0 || finPending())
                && tcb.shard().turnNanos() - lastDataSentNanos > rtt.rto()) {
            // RFC 5681 4.1: nothing was sent for longer than an RTO, so the ACK clock is lost and
            // cwnd no longer reflects the path: restart from RW = min(IW, cwnd), rather than
            // send a whole old window in one burst.
            cc.onIdleRestart(tcb.shard().turnNanos());
            idleRestarts++;
        }
        boolean sent = false;
        while (frtoStep != 3 || force) {
            if (SeqNum.lt(sndNxt, sndMax)) {
                // Sending again after a timeout (go-back-N): what the peer SACKed is not resent.
                sndNxt = recovery.skipSacked(sndNxt);
            }
            int unsent = unsent();
            boolean finPending = finPending();
            if (unsent == 0 && !finPending) {
                break;
            }
            int inFlight = sndNxt - sndUna;
            long usable = sndWnd - inFlight;
            if (!force) {
                usable = Math.min(usable, (long) congestionWindow() - recovery.bytesInFlight(sndNxt));
            }
            int maxSeg = maxDataPerSegment();
            boolean fresh = sndNxt == sndMax;
            if (fresh && ecnHold && !force) {
                break;
            }
            if (!fresh) {
                // A resent segment stops where SACKed data begins.
                unsent = recovery.nextSacked(sndNxt, sndNxt + unsent) - sndNxt;
            }
            // New data may go as one TSO super-segment; retransmissions and probes are one MSS.
            int limit = fresh && !force ? superSegmentLimit(maxSeg) : maxSeg;
            int len = (int) Math.max(0, Math.min(Math.min(unsent, limit), usable));
            if (len > maxSeg && len % maxSeg != 0 && !(len == unsent && (noDelay || inFlight == 0))) {
                // A super-segment is whole segments, with a short last one only where the data
                // ends and Nagle would let it go (Linux's tcp_mss_split_point): a window or cwnd
                // that cuts into a segment leaves that segment for the rules below, next time.
                len -= len % maxSeg;
            }
            boolean fin = finPending && len == unsent && sndWnd - inFlight - len >= 1;
            if (len == 0 && !fin) {
                break;
            }
            if (len < maxSeg && !fin && !force) {
                // Nagle (RFC 1122 4.2.3.4) and sender SWS avoidance (RFC 9293 3.8.6.2.1): a short
                // segment goes only when it empties the queue and nothing is in flight (or Nagle
                // is off), or when it is at least half the largest window the peer offered.
                boolean ok = (len == unsent && (noDelay || inFlight == 0))
                        || (maxSndWnd > 0 && len >= maxSndWnd / 2);
                if (!ok) {
                    break;
                }
            }
            int used = sendData(sndNxt, len, fin, maxSeg);
            sndNxt += used;
            if (SeqNum.gt(sndNxt, sndMax)) {
                sndMax = sndNxt;
            }
            armRetransmitTimer();
            sent = true;
            if (force) {
                break;
            }
        }
        if (sent) {
            armProbeTimer();
        }
        noteLimit();
        if (!sent) {
            // Data (or the FIN) waits on the window with nothing in flight: the persist timer
            // probes the window (RFC 9293 3.8.6.1) and overrides SWS avoidance when it fires.
            if ((unsent() > 0 || finPending()) && sndNxt == sndUna && !persistTimer.isArmed() && !ecnHold
                    && state.isSynchronized() && state != TcpState.TIME_WAIT) {
                persistTimer.arm(clampToUserTimeout(rtt.rto(persistBackoff), persistSinceNanos, persistSince));
            }
            if (tcb.rcv.ackNow) {
                tcb.sendAck();
            }
        }
    }

    /**
     * What holds sending back now that output has sent what it may: the time since the last
     * change goes to the state it ends. Called at the end of every output (after each ACK, write
     * and timer), so a state lasts from the output that found it to the one that finds another.
     * The clock is read only when the state changes: the steady state costs a few comparisons.
     */
    private void noteLimit() {
        int state;
        int unsent = unsent();
        if (unsent > 0 || finPending()) {
            int waiting = Math.max(1, Math.min(unsent, maxDataPerSegment()));
            long inFlight = sndNxt - sndUna;
            if (sndWnd - inFlight < waiting) {
                state = RWND_LIMITED;
            } else if ((long) congestionWindow() - recovery.bytesInFlight(sndNxt) < waiting) {
                state = CWND_LIMITED;
            } else {
                state = APPLICATION_LIMITED;   // a short tail Nagle or SWS avoidance holds
            }
        } else if (sndUna != sndMax) {
            state = pendingWrites != null && !pendingWrites.isEmpty() ? SEND_BUFFER_LIMITED : APPLICATION_LIMITED;
        } else {
            state = IDLE;
        }
        if (state != limit) {
            long now = tcb.shard().turnNanos();
            limitedNanos[limit] += now - limitSinceNanos;
            limit = state;
            limitSinceNanos = now;
        }
    }

    /** Nanoseconds spent in {@code state} (one of {@link #IDLE} .. {@link #SEND_BUFFER_LIMITED}), the current stretch included. */
    long limitedNanos(int state) {
        long t = limitedNanos[state];
        return state == limit ? t + tcb.shard().turnNanos() - limitSinceNanos : t;
    }

    /** RFC 6298 5.1: a segment with data left; start the timer unless it runs. */
    private void armRetransmitTimer() {
        if (!rtxTimer.isArmed()) {
            armRtx(rtt.rto(backoff));
        }
    }

    /** Arms the retransmission timer, to fire no later than the user timeout runs out (as Linux's tcp_clamp_rto_to_user_timeout). */
    private void armRtx(long rto) {
        rtxTimer.arm(clampToUserTimeout(rto, unackedSinceNanos, sndUna != sndMax && tcb.state.isSynchronized()));
    }

    private long clampToUserTimeout(long delay, long since, boolean waiting) {
        if (userTimeoutNanos <= 0 || !waiting) {
            return delay;
        }
        long left = since + userTimeoutNanos - tcb.shard().turnNanos();
        return Math.max(1, Math.min(delay, left));
    }

    /** RFC 5482 2: data has waited for longer than the user timeout since {@code since}. */
    private boolean userTimedOut(long since, long now) {
        return userTimeoutNanos > 0 && now - since >= userTimeoutNanos;
    }

    /** Payload that fits in one segment with this segment's options (a pending User Timeout option's included). */
    private int maxDataPerSegment() {
        int sack = tcb.rcv.sackOptionLength();
        return Math.max(1, effectiveMss() - sack - tcb.uto.pendingLength(tcb.fixedOptionsLength() + sack));
    }

    /**
     * The most new data one send may carry: {@code maxSeg} without TSO, else whole segments of
     * {@code maxSeg} up to about a millisecond of data at the current rate, at least two, within
     * the largest super-segment the NIC takes (Linux's tcp_tso_autosize). The rate is Linux's
     * pacing rate, cwnd/SRTT times 2 in slow start and 1.2 after; before an RTT sample, cwnd.
     * Without pacing a larger burst would leave at line rate at once and overrun the queues of a
     * slow path; a millisecond keeps a burst short while it saves the per-packet costs of up to
     * 45 segments. No super-segment carries SACK blocks: the NIC would copy a D-SACK into every
     * segment, and the peer would count the one duplicate many times; nor goes one while a User
     * Timeout option waits to be sent (RFC 5482), which takes a single segment.
     */
    private int superSegmentLimit(int maxSeg) {
        int tsoMax = tcb.ipv6 ? tcb.tcp.writer().tsoMaxBytes6() : tcb.tcp.writer().tsoMaxBytes();
        if (tsoMax == 0 || tcb.rcv.sackOptionLength() != 0 || tcb.uto.pending()) {
            return maxSeg;
        }
        int headers = (tcb.ipv6 ? IPV6_HEADER : IPV4_HEADER) + TcpHeader.MIN_LENGTH + tcb.fixedOptionsLength();
        int segments = (tsoMax - headers) / maxSeg;
        long cwnd = cc.cwnd();
        if (rtt.hasSample()) {
            long rate = cc.cwnd() < cc.ssthresh() ? 2 * cwnd : cwnd * 6 / 5;   // bytes per SRTT
            long perMilli = rate * 1_000_000L / Math.max(1, rtt.srtt());
            segments = (int) Math.min(segments, Math.max(MIN_SUPER_SEGMENTS, perMilli / maxSeg));
        } else {
            segments = (int) Math.min(segments, Math.max(MIN_SUPER_SEGMENTS, cwnd / maxSeg));
        }
        return Math.max(1, segments) * maxSeg;
    }

    /** Sends one segment of {@code len} data bytes at {@code seq}, with FIN if asked; returns the sequence space used. */
    private int sendData(int seq, int len, boolean fin) {
        return sendData(seq, len, fin, 0);
    }

    /**
     * Sends {@code len} data bytes at {@code seq} (with FIN if asked) as one segment, or, when
     * {@code len} is more than {@code segmentSize} (> 0), as a super-segment the NIC cuts into
     * segments of {@code segmentSize}: PSH and FIN reach the last of them only, the options every
     * one. Loss recovery sees one send per segment, as if they had gone one by one, so RACK and
     * the scoreboard mark, and retransmit, single segments. Returns the sequence space used.
     */
    private int sendData(int seq, int len, boolean fin, int segmentSize) {
        int offset = seq - sndBufSeq;
        Packet payload = len > 0 ? sendBuffer.slice(offset, len) : null;
        int flags = ACK | (fin ? FIN : 0) | (len > 0 && offset + len == sendBuffer.size() ? PSH : 0);
        boolean again = SeqNum.lt(seq, sndMax);
        if (again) {
            countRetransmit();
            retransmittedBytes += len;
        }
        bytesOut += len;
        long now = tcb.shard().turnNanos();
        if (sndUna == sndMax) {
            unackedSinceNanos = now;
        }
        sentData = true;
        lastDataSentNanos = now;
        if (segmentSize > 0 && len > segmentSize) {
            int at = 0;
            for (; len - at > segmentSize; at += segmentSize) {
                recordSent(seq + at, segmentSize, now);
            }
            recordSent(seq + at, len - at + (fin ? 1 : 0), now);
            tcb.emit(seq, flags, payload, segmentSize);
        } else {
            recordSent(seq, len + (fin ? 1 : 0), now);
            tcb.emit(seq, flags, payload);
        }
        return len + (fin ? 1 : 0);
    }

    /** One segment's send, before SND.MAX moves: in the sent ranges (RTT, RACK) and to loss recovery. */
    private void recordSent(int seq, int len, long now) {
        sent.onSent(seq, len, SeqNum.lt(seq, sndMax), now);
        recovery.onSent(seq, len);
    }

    /** Sends the first unacknowledged segment again (fast retransmit, partial ACK). */
    @Override
    public void retransmitFirst() {
        TcpState state = tcb.state;
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            tcb.sendSyn();
            return;
        }
        int available = Math.max(0, Math.min(sendBuffer.size() - (sndUna - sndBufSeq), sndMax - sndUna));
        int len = Math.min(available, maxDataPerSegment());
        boolean fin = finSeqValid && sndUna + len == finSeq && SeqNum.gt(sndMax, finSeq);
        if (len > 0 || fin) {
            int used = sendData(sndUna, len, fin);
            if (SeqNum.lt(sndNxt, sndUna + used)) {
                sndNxt = sndUna + used;
            }
        }
    }

    @Override
    public int fastRetransmitAt(int seq, int len) {
        fastRetransmits++;
        counters.fastRetransmits.increment();
        int sent = retransmitAt(seq, len);
        armRtx(rtt.rto(backoff));
        return sent;
    }

    @Override
    public int retransmitAt(int seq, int len) {
        int available = Math.max(0, Math.min(sendBuffer.size() - (seq - sndBufSeq), sndMax - seq));
        len = Math.min(Math.min(len, available), maxDataPerSegment());
        boolean fin = finSeqValid && seq + len == finSeq && SeqNum.gt(sndMax, finSeq);
        if (len <= 0 && !fin) {
            return 0;
        }
        int used = sendData(seq, len, fin);
        if (SeqNum.ge(sndNxt, seq) && SeqNum.lt(sndNxt, seq + used)) {
            sndNxt = seq + used;
        }
        return used;
    }

    @Override
    public boolean hasUnsentData() {
        return unsent() > 0 || finPending();
    }

    @Override
    public long nowNanos() {
        return tcb.shard().turnNanos();
    }

    @Override
    public long echoedBeforeNanos() {
        return ackEchoedBefore;
    }

    /**
     * The end of the millisecond of the timestamp clock in which the segment the ACK echoes left
     * (RFC 7323 4.1: TSecr is a TSval of ours, TSval = now in ms + offset), on the shard's
     * nanosecond clock; Long.MAX_VALUE without a timestamp or with an echo from the future.
     */
    private long echoedBefore(Segment seg) {
        if (!tcb.tsOn || !seg.options.hasTimestamps || !seg.has(ACK)) {
            return Long.MAX_VALUE;
        }
        int age = tcb.tsNow() - seg.options.tsEcr;
        if (age < 0) {
            return Long.MAX_VALUE;
        }
        return (tcb.shard().turnNanos() / 1_000_000L - age + 1) * 1_000_000L;
    }

    @Override
    public long srttNanos() {
        return rtt.hasSample() ? rtt.srtt() : 0;
    }

    @Override
    public void armReorderTimer(long delayNanos) {
        reorderTimer.arm(delayNanos);
    }

    @Override
    public SentRanges sentRanges() {
        return sent;
    }

    @Override
    public void cancelReorderTimer() {
        reorderTimer.cancel();
    }

    /** RFC 8985 6.3: segments RACK held back for the reordering window may now be lost. */
    private void onReorderTimeout() {
        TcpState state = tcb.state;
        if (!state.isSynchronized() || state == TcpState.TIME_WAIT || sndUna == sndMax) {
            return;
        }
        boolean recoveringBefore = recovery.inRecovery();
        recovery.onReorderTimeout(tcb.shard().turnNanos());
        recoveryTransition(recoveringBefore, sndMax - sndUna, retransmittedBytes);
        tcb.output();
    }

    /**
     * RFC 3168 6.1.2: an ECN-Echo arrived while cwnd was one segment. Halving cannot lower it
     * (cwnd is bounded below by one segment; a reduction to max(flight/2, 2 SMSS), as for a
     * loss, would raise it), so the rate goes down by time instead: the window stays at one
     * segment (ssthresh as that halving sets it) and the retransmission timer restarts; the next
     * new segment goes only when it expires.
     */
    void holdForEcnEcho(long nowNanos) {
        int smss = effectiveMss();
        cc.resetWindow(smss, Math.min(cc.ssthresh(), 2 * smss), nowNanos);
        ecnHold = true;
        armRtx(rtt.rto(backoff));
    }

    void countRetransmit() {
        retransmits++;
        counters.retransmits.increment();
    }

    @Override
    public void fastRetransmit() {
        fastRetransmits++;
        counters.fastRetransmits.increment();
        retransmitFirst();
        armRtx(rtt.rto(backoff));
    }

    /** RFC 1191: a smaller path MTU lowers the MSS and resends what is in flight in smaller segments. */
    void pathMtuChanged(int newMss) {
        if (newMss >= mss) {
            return;
        }
        mss = newMss;
        counters.pmtuUpdates.increment();
        if (tcb.state.isSynchronized() && sndUna != sndMax) {
            sndNxt = sndUna;
            output(false);
        }
    }

    // =====================================================================================
    // Timers (RFC 6298 5, RFC 9293 3.8.6.1)
    // =====================================================================================

    /** RFC 6298 5.4-5.7: retransmit the earliest unacknowledged segment, back off, collapse cwnd. */
    private void onRetransmitTimeout() {
        TcpState state = tcb.state;
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            return;
        }
        if (ecnHold) {
            // RFC 3168 6.1.2: the timer an ECN-Echo restarted at cwnd = 1 segment ran out: one
            // new segment may go. Data still unacknowledged makes it an ordinary timeout too.
            ecnHold = false;
            if (sndUna == sndMax) {
                tcb.output();
                return;
            }
        }
        timeouts++;
        counters.timeouts.increment();
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            if (++retries > config.synRetries()) {
                tcb.handshakeTimedOut();
                return;
            }
            backoff++;
            rttTiming = false;
            sndNxt = iss;
            tcb.output();
            armRtx(rtt.rto(backoff));
            return;
        }
        if (sndUna == sndMax) {
            return;
        }
        if (sndWnd == 0) {
            // The peer closed its window: that is for the persist timer, not a loss.
            if (!persistTimer.isArmed()) {
                persistTimer.arm(clampToUserTimeout(rtt.rto(persistBackoff), persistSinceNanos, persistSince));
            }
            return;
        }
        long now = tcb.shard().turnNanos();
        if (userTimeoutNanos > 0) {
            if (userTimedOut(unackedSinceNanos, now)) {
                tcb.abortWithReset(new ConnectionTimeoutException("connection to " + tcb.peer() + " timed out: data"
                        + " unacknowledged for " + (now - unackedSinceNanos) / 1_000_000 + " ms, user timeout "
                        + userTimeoutNanos / 1_000_000 + " ms (RFC 5482)" + tcb.softErrorSuffix()));
                return;
            }
        } else if (++retries > config.maxRetransmits()) {
            tcb.abortWithReset(new ConnectionTimeoutException("connection to " + tcb.peer() + " timed out"
                    + tcb.softErrorSuffix()));
            return;
        }
        tlpEpisode = false;
        probeTimer.cancel();
        reorderTimer.cancel();
        cc.onRetransmissionTimeout(sndMax - sndUna, now);
        recovery.onRetransmissionTimeout(now);
        // RFC 5682 2 step 1: F-RTO, unless this timeout repeats one whose "recover" is not yet
        // acknowledged (then the conventional recovery goes on).
        frtoStep = !config.frto() || afterTimeout || !tcb.state.isSynchronized() ? 0 : 2;
        frtoRecover = sndMax;
        // RFC 7661 4.1: after a timeout pipeACK starts again undefined.
        cwv.reset(sndUna, now);
        afterTimeout = true;
        afterTimeoutEnd = sndMax;
        backoff++;
        rttTiming = false;
        sndNxt = sndUna;
        tcb.output();
        if (sndNxt == sndUna) {
            // Nothing could be sent (no buffers): try again at the next timeout.
            retransmitFirst();
        }
        armRtx(rtt.rto(backoff));
    }

    /**
     * Arms the probe timeout (RFC 8985 7.2): with SACK, outside recovery and outside a timeout's
     * go-back-N, one probe per episode,
     * an RTT measured: PTO = 2·SRTT, plus the worst-case delayed ACK when one segment is in flight,
     * at least {@link #MIN_PTO_NANOS}; only when it fires before the RTO would.
     */
    private void armProbeTimer() {
        TcpState state = tcb.state;
        if (!tcb.sackOn || recovery.inRecovery() || tlpEpisode || afterTimeout || !rtt.hasSample() || sndUna == sndMax
                || !state.isSynchronized() || state == TcpState.TIME_WAIT || state == TcpState.SYN_RECEIVED) {
            return;
        }
        long pto = 2 * rtt.srtt();
        if (sndMax - sndUna <= effectiveMss()) {
            pto += WORST_CASE_DELAYED_ACK_NANOS;
        }
        pto = Math.max(pto, MIN_PTO_NANOS);
        if (pto >= rtt.rto(backoff)) {
            probeTimer.cancel();
            return;
        }
        probeTimer.arm(pto);
    }

    /**
     * The tail loss probe (RFC 8985 7.3): no ACK for a PTO, so the last segments or their ACKs
     * may be lost and nothing would trigger fast recovery. Send one segment that elicits an ACK
     * with SACK information: new data if the peer's window allows, else the last segment again.
     * cwnd is not touched; the RTO is re-armed.
     */
    private void onProbeTimeout() {
        TcpState state = tcb.state;
        if (!state.isSynchronized() || state == TcpState.TIME_WAIT || sndUna == sndMax || recovery.inRecovery()
                || tlpEpisode) {
            return;
        }
        int sent = 0;
        int unsent = unsent();
        if (unsent > 0 && sndNxt == sndMax) {
            int len = Math.min(unsent, maxDataPerSegment());
            if (sndWnd - (sndNxt - sndUna) >= len) {
                boolean fin = finPending() && len == unsent && sndWnd - (sndNxt - sndUna) - len >= 1;
                sent = sendData(sndNxt, len, fin);
                sndNxt += sent;
                sndMax = sndNxt;
                tlpRetransmitted = false;
            }
        }
        if (sent == 0) {
            int start = sndMax - Math.min(sndMax - sndUna, maxDataPerSegment());
            sent = retransmitAt(start, sndMax - start);
            tlpRetransmitted = true;
        }
        if (sent == 0) {
            return;
        }
        tlpEpisode = true;
        tlpEnd = sndMax;
        tlpFlight = sndMax - sndUna;
        tailLossProbes++;
        armRtx(rtt.rto(backoff));
    }

    /** Zero-window probe or SWS override (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17), backing off. */
    private void onPersistTimeout() {
        TcpState state = tcb.state;
        if (!state.isSynchronized() || state == TcpState.TIME_WAIT) {
            return;
        }
        int unackedData = Math.max(0, sendBuffer.size() - (sndUna - sndBufSeq));
        boolean finPending = finSeqValid && SeqNum.le(sndUna, finSeq);
        if (unackedData == 0 && !finPending) {
            persistBackoff = 0;
            return;
        }
        if (sndWnd > 0) {
            if (sndNxt == sndUna) {
                // The window is open but too small for SWS avoidance: send what fits anyway.
                output(true);
            }
            persistBackoff = 0;
            return;
        }
        long now = tcb.shard().turnNanos();
        if (!persistSince) {
            persistSince = true;
            persistSinceNanos = now;
        }
        if (userTimeoutNanos > 0 ? userTimedOut(persistSinceNanos, now) : probesUnanswered >= config.maxRetransmits()) {
            tcb.abortWithReset(new ConnectionTimeoutException(userTimeoutNanos > 0
                    ? "the window of " + tcb.peer() + " stayed closed for " + (now - persistSinceNanos) / 1_000_000
                            + " ms, user timeout " + userTimeoutNanos / 1_000_000 + " ms (RFC 5482)"
                    : "zero-window probes to " + tcb.peer() + " unanswered"));
            return;
        }
        probesUnanswered++;
        counters.zeroWindowProbes.increment();
        // One octet of new data beyond the window (or the FIN alone), RFC 9293 3.8.6.1.
        int used = unackedData > 0 ? sendData(sndUna, 1, false) : sendData(sndUna, 0, true);
        if (SeqNum.lt(sndNxt, sndUna + used)) {
            sndNxt = sndUna + used;
        }
        if (SeqNum.gt(sndNxt, sndMax)) {
            sndMax = sndNxt;
        }
        persistBackoff++;
        persistTimer.arm(clampToUserTimeout(rtt.rto(persistBackoff), persistSinceNanos, persistSince));
    }
}
