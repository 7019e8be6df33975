package io.panamax.tcp;

import io.panamax.reactor.Completion;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Promise;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.SeqNum;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;

import java.net.InetSocketAddress;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static io.panamax.tcp.wire.TcpHeader.PSH;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;

/**
 * A Transmission Control Block (RFC 9293 3.3.1): one connection's state and the event processing
 * of RFC 9293 3.10 — user calls, arriving segments, timeouts — with the extensions the stack
 * implements: window scaling and timestamps with PAWS (RFC 7323), SACK blocks as a receiver
 * (RFC 2018), RFC 5961's challenge ACKs, RFC 6298's retransmission timer, NewReno (RFC 5681,
 * 6582), delayed ACKs, Nagle, silly-window avoidance, zero-window probing and keep-alive.
 *
 * <p>Split the way gVisor's {@code transport/tcp} is: this class holds the state machine, the
 * negotiated options, the application's calls and the assembly of outgoing segments; the
 * {@link Sender} the SND.* variables, output and the retransmission and persist timers; the
 * {@link Receiver} the RCV.* variables, the text, the window and the delayed-ACK policy. Loss
 * recovery and congestion control sit behind interfaces ({@code io.panamax.tcp.recovery},
 * {@code io.panamax.tcp.congestion}).
 *
 * <p>Confined to the connection's shard. Wire parsing happens before ({@link Tcp}).
 */
final class Tcb implements TcpConnection {
    /** RFC 9293 3.7.1: the MSS to assume when the peer sends no MSS option. */
    static final int DEFAULT_MSS = 536;
    /** Bytes of IPv4 and TCP headers without options, subtracted from the MTU for the MSS. */
    static final int IP_TCP_HEADERS = 40;
    /** Bytes of IPv6 (without extension headers) and TCP headers without options (RFC 8200 8.3: MTU - 60). */
    static final int IPV6_TCP_HEADERS = 60;
    /** The smallest path MTU an ICMP message may set (Linux's min_pmtu; RFC 5927 5.2 warns of smaller). */
    static final int MIN_PATH_MTU = 552;

    final Tcp tcp;
    private final Shard shard;
    private final TcpConfig config;
    private final TcpCounters counters;
    /**
     * Over IPv6: the addresses are {@link #localHigh}..{@link #remoteLow} and {@link #localIp},
     * {@link #remoteIp} are 0; over IPv4 the other way round. A family flag and the addresses in
     * place (see {@link ConnectionTable}) keep the IPv4 path as it was.
     */
    final boolean ipv6;
    final int localIp;
    final int localPort;
    final int remoteIp;
    final int remotePort;
    final long localHigh;
    final long localLow;
    final long remoteHigh;
    final long remoteLow;
    /** Opened by a listener (RFC 9293: from a passive OPEN). */
    final boolean passive;
    final TcpListener listener;
    /** Counted against the listener's backlog (see {@link TcpListener}). */
    boolean backlogSlot;
    /** The local port came from the {@link LocalPortPolicy}, which hears when it is free again. */
    boolean portFromPolicy;
    TcpState state = TcpState.CLOSED;

    /** The sending half: SND.*, the send buffer, output, retransmission and persist timers. */
    final Sender snd;
    /** The receiving half: RCV.*, the text, the window, delayed ACKs, SACK blocks. */
    final Receiver rcv;

    // ---- options (RFC 7323, RFC 2018) ----
    private boolean offerWindowScale;
    private boolean offerTimestamps;
    private boolean offerSack;
    boolean tsOn;
    boolean sackOn;
    private int tsOffset;
    /** Explicit Congestion Notification (RFC 3168): negotiation, echo, reaction. */
    final EcnState ecn;
    /** The User Timeout option (RFC 5482). */
    final UserTimeoutOption uto;

    // ---- liveness ----
    private int keepAlivesSent;
    private long lastReceived;

    // ---- timers the state machine owns ----
    private final Timer lingerTimer;
    private Timer keepAliveTimer;

    // ---- the application's side ----
    private Completion<? super ReadBuffer> pendingRead;
    /** Why the write being made was refused: set by {@link #takeForWrite}, taken at once by the write. */
    private TcpException writeRefused;
    Promise<TcpConnection> connectPromise;
    private Promise<Void> finAckedPromise;
    private boolean readClosed;
    private boolean outputShutdown;
    private boolean keepAlive;
    private TcpException error;
    private String softError;
    private boolean outputScheduled;
    private boolean deliverScheduled;
    private final Runnable outputTask = this::runOutputTask;
    private final Runnable deliverTask = this::runDeliverTask;

    // ---- per-connection counters ----
    private long segmentsIn;
    private long segmentsOut;
    long drops;

    /** An IPv4 connection. */
    Tcb(Tcp tcp, int localIp, int localPort, int remoteIp, int remotePort, TcpListener listener) {
        this(tcp, false, localIp, remoteIp, 0, 0, 0, 0, localPort, remotePort, listener);
    }

    /** An IPv6 connection. */
    Tcb(Tcp tcp, long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort, TcpListener listener) {
        this(tcp, true, 0, 0, localHigh, localLow, remoteHigh, remoteLow, localPort, remotePort, listener);
    }

    private Tcb(Tcp tcp, boolean ipv6, int localIp, int remoteIp, long localHigh, long localLow, long remoteHigh, long remoteLow,
                int localPort, int remotePort, TcpListener listener) {
        this.tcp = tcp;
        this.shard = tcp.shard();
        this.config = tcp.config();
        this.counters = tcp.counters();
        this.ecn = new EcnState(counters);
        this.uto = new UserTimeoutOption(config);
        this.ipv6 = ipv6;
        this.localIp = localIp;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.localHigh = localHigh;
        this.localLow = localLow;
        this.remoteHigh = remoteHigh;
        this.remoteLow = remoteLow;
        this.listener = listener;
        this.passive = listener != null;
        this.snd = new Sender(this, config, counters);
        this.rcv = new Receiver(this, config, counters);
        this.keepAlive = config.keepAlive();
        this.lingerTimer = shard.timers().newTimer(this::onLingerTimeout);
        int pathMss = pathMss();
        rcv.advertisedMss = Math.min(pathMss, 65535);
        snd.mss = Math.min(DEFAULT_MSS, pathMss);
        rcv.rcvMss = Math.min(rcv.advertisedMss, DEFAULT_MSS);
        this.lastReceived = shard.turnNanos();
    }

    // =====================================================================================
    // Opening
    // =====================================================================================

    /** The MSS the path MTU allows (RFC 9293 3.7.1, RFC 8200 8.3): the MTU less the IP and TCP headers. */
    int pathMss() {
        return tcp.pathMss(ipv6, remoteIp, remoteHigh, remoteLow);
    }

    private int timestampOffset() {
        return ipv6 ? tcp.isn().timestampOffset6(localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort)
                : tcp.isn().timestampOffset(localIp, localPort, remoteIp, remotePort);
    }

    /** OPEN, active (RFC 9293 3.10.1): send a SYN, enter SYN-SENT. */
    ShardFuture<TcpConnection> activeOpen(int iss) {
        snd.init(iss);
        offerWindowScale = config.windowScaling();
        offerTimestamps = config.timestamps();
        offerSack = config.sackPermitted();
        tsOffset = timestampOffset();
        state = TcpState.SYN_SENT;
        connectPromise = new Promise<>();
        output();
        return connectPromise;
    }

    /** A SYN arrived at a listener (RFC 9293 3.10.7.2, third check): answer SYN-ACK, enter SYN-RECEIVED. */
    void passiveOpen(Segment seg, int iss) {
        snd.init(iss);
        rcv.init(seg.seq);
        TcpOptions o = seg.options;
        // RFC 7323 1.3, RFC 2018 2: an option goes in the SYN-ACK only if the SYN offered it.
        offerWindowScale = config.windowScaling() && o.windowScale >= 0;
        offerTimestamps = config.timestamps() && o.hasTimestamps;
        offerSack = config.sackPermitted() && o.sackPermitted;
        ecn.synArrived(config.ecn(), seg.flags);
        tsOffset = timestampOffset();
        negotiate(o);
        // RFC 7323 2.2: the window of a SYN is never scaled.
        snd.initWindow(seg.window, seg.seq, seg.ack);
        state = TcpState.SYN_RECEIVED;
        segmentsIn++;
        lastReceived = shard.turnNanos();
        output();
    }

    /** Settles the options from the peer's SYN or SYN-ACK against what this side offered. */
    private void negotiate(TcpOptions o) {
        int peerMss = o.mss > 0 ? o.mss : DEFAULT_MSS;
        int pathMss = pathMss();
        snd.mss = Math.max(1, Math.min(peerMss, pathMss));
        if (offerWindowScale && o.windowScale >= 0) {
            // RFC 7323 2.3: a shift above 14 is used as 14.
            snd.sndShift = Math.min(o.windowScale, TcpOptions.MAX_WINDOW_SHIFT);
            rcv.rcvShift = config.windowShift();
        } else {
            snd.sndShift = 0;
            rcv.rcvShift = 0;
        }
        tsOn = offerTimestamps && o.hasTimestamps;
        if (tsOn) {
            rcv.initTsRecent(o.tsVal);
        }
        sackOn = offerSack && o.sackPermitted;
        uto.received(o.userTimeout, snd);
        rcv.negotiated(snd.mss);
        snd.negotiated(sackOn);
    }

    /** Option bytes every segment after the handshake carries (RFC 6691): the timestamps, if on. */
    int fixedOptionsLength() {
        return tsOn ? TcpOptions.ALIGNED_TIMESTAMPS_LENGTH : 0;
    }

    // =====================================================================================
    // SEGMENT ARRIVES (RFC 9293 3.10.7)
    // =====================================================================================

    void segmentArrives(Segment seg) {
        segmentsIn++;
        lastReceived = shard.turnNanos();
        keepAlivesSent = 0;
        if (state == TcpState.SYN_SENT) {
            synSentArrives(seg);
        } else if (state != TcpState.CLOSED) {
            otherwiseArrives(seg);
        }
        if (state != TcpState.CLOSED) {
            output();
        }
    }

    void drop(DropReason reason) {
        drops++;
        counters.drop(reason);
    }

    /** RFC 9293 3.10.7.3, with RFC 5961 3.2's rule for RST. */
    private void synSentArrives(Segment seg) {
        boolean ackAcceptable = false;
        if (seg.has(ACK)) {
            if (SeqNum.le(seg.ack, snd.iss) || SeqNum.gt(seg.ack, snd.sndMax)) {
                if (!seg.has(RST)) {
                    tcp.sendReset(this, seg.ack, 0, RST);
                }
                drop(DropReason.SYN_SENT_INVALID);
                return;
            }
            ackAcceptable = true;
        }
        if (seg.has(RST)) {
            if (ackAcceptable) {
                counters.resets.increment();
                enterClosed(new ConnectionRefusedException("connection refused by " + peer()));
            } else {
                drop(DropReason.SYN_SENT_INVALID);
            }
            return;
        }
        if (!seg.has(SYN)) {
            drop(DropReason.SYN_SENT_INVALID);
            return;
        }
        rcv.init(seg.seq);
        negotiate(seg.options);
        // What our SYN offered: its window is unscaled (RFC 7323 2.2).
        rcv.rcvAdvEdge = rcv.rcvNxt + rcv.synWindow();
        if (ackAcceptable) {
            // Our SYN is acknowledged: ESTABLISHED.
            ecn.synAckArrived(seg.flags);
            snd.sampleRtt(seg, shard.turnNanos());
            snd.sndUna = seg.ack;
            if (SeqNum.lt(snd.sndNxt, snd.sndUna)) {
                snd.sndNxt = snd.sndUna;
            }
            // RFC 7323 2.2: the window of a SYN-ACK is never scaled.
            snd.initWindow(seg.window, seg.seq, seg.ack);
            snd.synAcknowledged();
            state = TcpState.ESTABLISHED;
            counters.activeOpens.increment();
            rcv.ackNow = true;
            armKeepAlive();
            Promise<TcpConnection> p = connectPromise;
            connectPromise = null;
            p.complete(this);
            // Data or FIN riding on the SYN-ACK: continue at the sixth step.
            seg.seq++;
            seg.flags &= ~SYN;
            if (seg.payloadLength > 0 || seg.has(FIN)) {
                rcv.processText(seg);
            }
        } else {
            // Simultaneous open (RFC 9293 3.5 figure 8): SYN-RECEIVED, answer SYN-ACK.
            snd.initWindow(seg.window, seg.seq, seg.ack);
            state = TcpState.SYN_RECEIVED;
            snd.sndNxt = snd.iss;
            snd.rtxTimer.cancel();
            snd.backoff = 0;
        }
    }

    /** RFC 9293 3.10.7.4: SYN-RECEIVED and every synchronized state. */
    private void otherwiseArrives(Segment seg) {
        // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost, send it again.
        if (state == TcpState.SYN_RECEIVED && seg.has(SYN) && !seg.has(ACK) && seg.seq == rcv.irs) {
            snd.sndNxt = snd.iss;
            return;
        }
        // Simultaneous open: the peer's SYN-ACK acknowledges our SYN and repeats its own. Take it
        // as the handshake's ACK (as Linux does) rather than as an old SYN to be re-ACKed.
        if (state == TcpState.SYN_RECEIVED && !passive && seg.has(SYN) && seg.has(ACK) && seg.seq == rcv.irs
                && SeqNum.gt(seg.ack, snd.sndUna) && SeqNum.le(seg.ack, snd.sndMax)) {
            seg.flags &= ~SYN;
            seg.seq++;
            rcv.ackNow = true;
        }
        // The control bits before trimming: an old SYN or RST is still one (RFC 5961).
        final int originalFlags = seg.flags;
        // RFC 7323 3.2: once negotiated, every non-RST segment carries timestamps.
        if (tsOn && !seg.has(RST)) {
            if (!seg.options.hasTimestamps) {
                drop(DropReason.MISSING_TIMESTAMP);
                return;
            }
            // PAWS (RFC 7323 5.3 R1): an older TSval is an old duplicate; acknowledge and drop.
            if (rcv.pawsRejects(seg)) {
                drop(DropReason.PAWS);
                rcv.ackNow = true;
                return;
            }
        }

        // First: the sequence number (RFC 9293 3.10.7.4, acceptability table), and trimming.
        if (!rcv.acceptable(seg)) {
            return;
        }
        // TS.Recent is not updated yet: only a segment that passes the RST, SYN and ACK checks
        // below is accepted (RFC 7323 5.3 R3 follows R2; RFC 5961's "discard" means the segment
        // leaves no trace), or one forged in-window segment with a large TSval would make PAWS
        // refuse the peer's real traffic. The sender updates it once the ACK field is acceptable.

        // Second: RST (RFC 5961 3.2: only an exact match resets; in-window others are challenged).
        if ((originalFlags & RST) != 0) {
            if (seg.seq == rcv.rcvNxt) {
                resetArrived();
            } else {
                drop(DropReason.CHALLENGED);
                challengeAck();
            }
            return;
        }

        // Fourth: SYN (RFC 5961 4.2: challenge it, whatever its sequence number).
        if ((originalFlags & SYN) != 0) {
            if (state == TcpState.SYN_RECEIVED && passive) {
                // RFC 9293: a passive SYN-RECEIVED connection returns to LISTEN.
                drop(DropReason.CHALLENGED);
                counters.resets.increment();
                enterClosed(new ConnectionResetException("handshake replaced by a new SYN"));
                return;
            }
            drop(DropReason.CHALLENGED);
            challengeAck();
            return;
        }

        // Fifth: ACK.
        if (!seg.has(ACK)) {
            drop(DropReason.NO_ACK);
            return;
        }
        if (state == TcpState.SYN_RECEIVED) {
            if (SeqNum.gt(seg.ack, snd.sndUna) && SeqNum.le(seg.ack, snd.sndMax)) {
                synReceivedToEstablished(seg);
            } else {
                tcp.sendReset(this, seg.ack, 0, RST);
                drop(DropReason.BAD_ACK);
                return;
            }
        }
        if (!snd.processAck(seg)) {
            return;
        }
        if (ecn.segmentArrived(seg.flags, seg.ce, seg.ack, snd, shard.turnNanos())) {
            rcv.ackNow = true;
        }
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT && !seg.has(FIN) && seg.payloadLength == 0) {
            return;
        }

        // Seventh and eighth: the text and the FIN.
        rcv.processText(seg);
    }

    private void synReceivedToEstablished(Segment seg) {
        snd.sampleRtt(seg, shard.turnNanos());
        snd.sndUna = snd.iss + 1;
        snd.initWindow((long) seg.window << snd.sndShift, seg.seq, seg.ack);
        snd.synAcknowledged();
        state = TcpState.ESTABLISHED;
        armKeepAlive();
        if (passive) {
            listener.established(this);
        } else {
            counters.activeOpens.increment();
            Promise<TcpConnection> p = connectPromise;
            connectPromise = null;
            p.complete(this);
        }
    }

    /** An acceptable RST (RFC 9293 3.10.7.4 second check). */
    private void resetArrived() {
        counters.resets.increment();
        switch (state) {
            case SYN_RECEIVED -> enterClosed(passive
                    ? new ConnectionResetException("handshake reset by " + peer())
                    : new ConnectionRefusedException("connection refused by " + peer()));
            case CLOSING, LAST_ACK, TIME_WAIT -> enterClosed(snd.sendBuffer.isEmpty() ? null
                    : new ConnectionResetException("connection reset by " + peer()));
            default -> enterClosed(new ConnectionResetException("connection reset by " + peer()));
        }
    }

    /** Sends a challenge ACK (RFC 5961 3.2, 4.2, 5.2) unless the shard's budget is spent. */
    void challengeAck() {
        if (tcp.challengeAcks().tryAcquire(shard.turnNanos())) {
            counters.challengeAcks.increment();
            sendAck();
        } else {
            counters.challengeAcksSuppressed.increment();
        }
    }

    /** Our FIN is acknowledged (RFC 9293 3.10.7.4 fifth check, per state). */
    void finAcked() {
        switch (state) {
            case FIN_WAIT_1 -> {
                state = TcpState.FIN_WAIT_2;
                if (readClosed) {
                    // Linux's tcp_fin_timeout: an orphaned FIN-WAIT-2 does not wait forever.
                    lingerTimer.arm(config.finWait2TimeoutNanos());
                }
            }
            case CLOSING -> enterTimeWait();
            case LAST_ACK -> enterClosed(null);
            default -> {
            }
        }
        completeFinAcked();
    }

    private void completeFinAcked() {
        if (finAckedPromise != null && !finAckedPromise.isDone()) {
            finAckedPromise.complete(null);
        }
    }

    /** Whether the application closed its reading side. */
    boolean readClosed() {
        return readClosed;
    }

    /** The peer's FIN, in order (RFC 9293 3.10.7.4 eighth check). */
    void finArrived() {
        if (rcv.finReceived) {
            rcv.ackNow = true;
            if (state == TcpState.TIME_WAIT) {
                lingerTimer.arm(config.timeWaitNanos());
            }
            return;
        }
        rcv.finInOrder();
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (snd.finSeqValid && SeqNum.gt(snd.sndUna, snd.finSeq)) {
                    enterTimeWait();
                } else {
                    state = TcpState.CLOSING;
                }
            }
            case FIN_WAIT_2 -> enterTimeWait();
            default -> {
            }
        }
        dataAvailable();
    }

    /** RFC 9293 3.10.7.4 eighth check: a retransmitted FIN restarts the 2 MSL wait. */
    void restartTimeWait() {
        lingerTimer.arm(config.timeWaitNanos());
    }

    private void enterTimeWait() {
        state = TcpState.TIME_WAIT;
        snd.stopTimers();
        if (keepAliveTimer != null) {
            keepAliveTimer.cancel();
        }
        rcv.ackNow = true;
        if (config.timeWaitNanos() == 0) {
            lingerTimer.arm(0);
        } else {
            lingerTimer.arm(config.timeWaitNanos());
        }
    }

    /** A SYN for this TIME-WAIT connection: may it open a new incarnation (RFC 6191 2)? */
    boolean timeWaitAccepts(Segment seg) {
        if (tsOn) {
            if (config.timestamps() && seg.options.hasTimestamps) {
                return SeqNum.gt(seg.options.tsVal, rcv.tsRecent)
                        || (seg.options.tsVal == rcv.tsRecent && SeqNum.gt(seg.seq, rcv.rcvNxt));
            }
        }
        return SeqNum.gt(seg.seq, rcv.rcvNxt);
    }

    /** Ends TIME-WAIT early because a new incarnation takes over the 4-tuple. */
    void closeTimeWait() {
        enterClosed(null);
    }

    /** SND.NXT, for the ISN of a new incarnation of a TIME-WAIT 4-tuple (RFC 6191). */
    int sndNxt() {
        return snd.sndNxt;
    }

    // =====================================================================================
    // Output: the sender decides, this class assembles the segments
    // =====================================================================================

    private void scheduleOutput() {
        if (!outputScheduled && state != TcpState.CLOSED) {
            outputScheduled = true;
            shard.schedule(outputTask);
        }
    }

    private void runOutputTask() {
        outputScheduled = false;
        if (state != TcpState.CLOSED) {
            output();
        }
    }

    /**
     * Sends what may be sent now: the SYN, new data within min(cwnd, SND.WND) subject to Nagle
     * and sender-side SWS avoidance, the FIN; and an ACK if one is due and no segment carried it.
     */
    void output() {
        snd.output(false);
    }

    /** Sends our SYN or SYN-ACK (again), with the options this side offers. */
    void sendSyn() {
        SegmentWriter w = tcp.writer();
        address(w);
        w.seq = snd.iss;
        boolean synAck = state == TcpState.SYN_RECEIVED;
        w.flags = synAck ? SYN | ACK | ecn.synAckFlags() : SYN | ecn.synFlags(config.ecn(), SeqNum.lt(snd.iss, snd.sndMax));
        w.ack = rcv.rcvNxt;
        // RFC 7323 2.2: the window in a SYN is unscaled.
        w.window = rcv.synWindow();
        if (synAck) {
            rcv.rcvAdvEdge = rcv.rcvNxt + w.window;
            rcv.lastAckSent = rcv.rcvNxt;
        }
        w.options.mss = rcv.advertisedMss;
        w.options.windowScale = offerWindowScale ? config.windowShift() : -1;
        w.options.sackPermitted = offerSack;
        w.options.hasTimestamps = offerTimestamps;
        w.options.tsVal = tsNow();
        w.options.tsEcr = synAck ? rcv.tsRecent : 0;
        w.options.userTimeout = uto.synValue();
        if (SeqNum.lt(snd.iss, snd.sndMax)) {
            snd.countRetransmit();
        }
        segmentsOut++;
        w.send();
    }

    /**
     * Sends an ACK now, with no data: RFC 9293's <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, where our
     * SND.NXT is the highest sent ({@link Sender#sndMax}) — after a timeout rewinds SND.NXT, the
     * peer may already hold everything up to SND.MAX and would find an older sequence number
     * unacceptable (Linux never rewinds snd_nxt for the same reason).
     */
    void sendAck() {
        emit(snd.sndMax, ACK, null);
    }

    /** Fills in and sends a segment with the connection's addresses, ACK, window and options. */
    void emit(int seq, int flags, Packet payload) {
        emit(seq, flags, payload, 0);
    }

    /**
     * Sends a segment, or with {@code segmentSize} > 0 and more payload than that a super-segment
     * for the NIC to cut into segments of {@code segmentSize} bytes (TSO), all with these options.
     */
    void emit(int seq, int flags, Packet payload, int segmentSize) {
        SegmentWriter w = tcp.writer();
        address(w);
        w.seq = seq;
        // New data (not a retransmission, not a zero-window probe) is what RFC 3168 6.1.2, 6.1.5
        // and 6.1.6 let carry ECT and CWR.
        boolean newData = payload != null && SeqNum.ge(seq, snd.sndMax) && snd.sndWnd != 0;
        w.flags = flags | ecn.flagsFor(flags, newData);
        w.ipEcn = ecn.ipEcn(newData);
        w.payload = payload;
        w.segmentSize = segmentSize;
        if ((flags & ACK) != 0) {
            rcv.fillAck(w);
        }
        if (tsOn) {
            w.options.hasTimestamps = true;
            w.options.tsVal = tsNow();
            w.options.tsEcr = rcv.tsRecent;
        }
        rcv.fillSack(w);
        uto.fill(w, payload == null ? 0 : payload.length(), segmentSize, snd.mss);
        segmentsOut++;
        w.send();
    }

    /** Addresses {@code w}'s segment from this connection's local end to its peer. */
    void address(SegmentWriter w) {
        w.ipv6 = ipv6;
        w.srcIp = localIp;
        w.dstIp = remoteIp;
        w.srcHigh = localHigh;
        w.srcLow = localLow;
        w.dstHigh = remoteHigh;
        w.dstLow = remoteLow;
        w.srcPort = localPort;
        w.dstPort = remotePort;
    }

    /** The Timestamps clock: milliseconds (RFC 7323 5.4 allows 1 ms to 1 s per tick), offset per connection. */
    int tsNow() {
        return (int) (shard.turnNanos() / 1_000_000L) + tsOffset;
    }

    // =====================================================================================
    // Timers the state machine owns
    // =====================================================================================

    /** The handshake's retransmissions are spent (RFC 9293 3.8.3's R2 for SYN segments). */
    void handshakeTimedOut() {
        if (passive) {
            counters.resets.increment();
            enterClosed(new ConnectionTimeoutException("handshake with " + peer() + " timed out"));
        } else {
            enterClosed(new ConnectionTimeoutException("connect to " + peer() + " timed out" + softErrorSuffix()));
        }
    }

    /** TIME-WAIT is over, or an orphaned FIN-WAIT-2 gave up. */
    private void onLingerTimeout() {
        if (state == TcpState.TIME_WAIT || state == TcpState.FIN_WAIT_2) {
            enterClosed(null);
        }
    }

    private void armKeepAlive() {
        if (!keepAlive || !state.isSynchronized()) {
            return;
        }
        if (keepAliveTimer == null) {
            keepAliveTimer = shard.timers().newTimer(this::onKeepAliveTimeout);
        }
        keepAliveTimer.arm(config.keepAliveIdleNanos());
    }

    /**
     * RFC 1122 4.2.3.6: after the idle time, probe with <SEQ=SND.UNA-1><ACK=RCV.NXT> (no data, so
     * the peer answers with an ACK); give up after the configured unanswered probes.
     */
    private void onKeepAliveTimeout() {
        if (!keepAlive || !(state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT
                || state == TcpState.FIN_WAIT_2)) {
            return;
        }
        long now = shard.turnNanos();
        long idle = now - lastReceived;
        if (keepAlivesSent == 0 && idle < config.keepAliveIdleNanos()) {
            keepAliveTimer.arm(config.keepAliveIdleNanos() - idle);
            return;
        }
        if (snd.sndUna != snd.sndMax) {
            // Data is in flight: the retransmission timer watches the peer already.
            keepAliveTimer.arm(config.keepAliveIntervalNanos());
            return;
        }
        if (keepAlivesSent >= config.keepAliveProbes()) {
            abortWithReset(new ConnectionTimeoutException("keep-alive probes to " + peer() + " unanswered"));
            return;
        }
        keepAlivesSent++;
        counters.keepAliveProbes.increment();
        emit(snd.sndUna - 1, ACK, null);
        keepAliveTimer.arm(config.keepAliveIntervalNanos());
    }

    // =====================================================================================
    // ICMP
    // =====================================================================================

    /**
     * An ICMP error about a segment this connection sent with sequence number {@code seq}
     * (RFC 1122 4.2.3.9, RFC 1191, RFC 5927 4.1's sequence check).
     */
    void icmpError(int type, int code, int nextHopMtu, int seq) {
        if (!SeqNum.inRange(snd.sndUna, seq, snd.sndMax) && !(state == TcpState.SYN_SENT && seq == snd.iss)) {
            return;
        }
        if (type == 3 && code == 4) {
            int mtu = nextHopMtu > 0 ? nextHopMtu : tcp.ip().mtu(remoteIp);
            snd.pathMtuChanged(Math.max(mtu, MIN_PATH_MTU) - IP_TCP_HEADERS);
            return;
        }
        boolean hard = type == 3 && (code == 2 || code == 3 || code == 9 || code == 10 || code == 13);
        hardOrSoftError(hard, code == 3, "ICMP type " + type + " code " + code);
    }

    /**
     * An ICMPv6 error (RFC 4443) about a segment this connection sent with sequence number
     * {@code seq}: a packet too big lowers the MSS to the path MTU it reports (RFC 8201 5.2; the
     * IPv6 layer has already lowered the path MTU, never below 1280); a destination unreachable
     * with code 1 (administratively prohibited) or 4 (port unreachable) is hard during the
     * handshake, as their IPv4 counterparts are (RFC 1122 4.2.3.9); the rest are soft errors,
     * reported only if the connection then times out (RFC 5461).
     */
    void icmpv6Error(int type, int code, long mtu, int seq) {
        if (!SeqNum.inRange(snd.sndUna, seq, snd.sndMax) && !(state == TcpState.SYN_SENT && seq == snd.iss)) {
            return;
        }
        if (type == 2) {
            snd.pathMtuChanged(pathMss());
            return;
        }
        boolean hard = type == 1 && (code == 1 || code == 4);
        hardOrSoftError(hard, code == 4, "ICMPv6 type " + type + " code " + code);
    }

    private void hardOrSoftError(boolean hard, boolean portUnreachable, String what) {
        if (hard && state == TcpState.SYN_SENT) {
            enterClosed(portUnreachable
                    ? new ConnectionRefusedException("connection refused by " + peer() + " (" + what + ", port unreachable)")
                    : new UnreachableException(peer() + " unreachable (" + what + ")"));
            return;
        }
        softError = what;
    }

    // =====================================================================================
    // Closing
    // =====================================================================================

    /** Sends <SEQ=SND.NXT><CTL=RST> and closes with {@code cause}. */
    void abortWithReset(TcpException cause) {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (state != TcpState.SYN_SENT && state != TcpState.TIME_WAIT) {
            tcp.sendReset(this, snd.sndMax, 0, RST);
        }
        counters.resets.increment();
        enterClosed(cause);
    }

    /**
     * Enters CLOSED: timers stop, the TCB leaves the table, buffers go back, pending operations
     * complete. {@code cause} is null for a graceful end (unread data stays readable).
     */
    void enterClosed(TcpException cause) {
        if (state == TcpState.CLOSED) {
            return;
        }
        state = TcpState.CLOSED;
        snd.stopTimers();
        rcv.close(false);
        lingerTimer.cancel();
        if (keepAliveTimer != null) {
            keepAliveTimer.cancel();
        }
        tcp.connectionClosed(this);
        snd.sendBuffer.clear();
        // A read already waiting keeps the data that arrived for it in the same burst as the
        // reset (its delivery task has not run yet); the next read reports the reset. Linux,
        // too, returns queued data before ECONNRESET. Data no read waits for is dropped.
        boolean keepForPendingRead = cause != null && pendingRead != null && !readClosed && !rcv.readable.isEmpty();
        if (cause != null) {
            error = cause;
            if (!keepForPendingRead) {
                rcv.readable.clear();
            }
        }
        if (readClosed) {
            rcv.readable.clear();
        }
        TcpException failure = cause != null ? cause : new ConnectionAbortedException("connection closed");
        snd.failPendingWrites(failure);
        if (connectPromise != null) {
            Promise<TcpConnection> p = connectPromise;
            connectPromise = null;
            tcp.counters().failedOpens.increment();
            p.fail(failure);
        }
        if (finAckedPromise != null && !finAckedPromise.isDone()) {
            if (cause != null) {
                finAckedPromise.fail(cause);
            } else {
                finAckedPromise.complete(null);
            }
        }
        if (pendingRead != null) {
            if (keepForPendingRead) {
                Completion<? super ReadBuffer> r = pendingRead;
                pendingRead = null;
                r.complete(rcv.readable.takeAll());
            } else if (cause != null) {
                Completion<? super ReadBuffer> r = pendingRead;
                pendingRead = null;
                r.fail(cause);
            } else {
                dataAvailable();
            }
        }
    }

    // =====================================================================================
    // The application's calls
    // =====================================================================================

    /** The read itself: completes {@code into} now, or keeps it until data, the end or an error arrive. */
    @Override
    public void read(Completion<? super ReadBuffer> into) {
        shard.checkOwner("TcpConnection.read");
        if (pendingRead != null) {
            throw new IllegalStateException("a read is already pending on " + this);
        }
        if (readClosed) {
            into.fail(new ConnectionAbortedException("read after close on " + this));
        } else if (!rcv.readable.isEmpty()) {
            into.complete(takeReadable());
        } else if (error != null) {
            into.fail(error);
        } else if (rcv.finReceived || state == TcpState.CLOSED) {
            into.complete(shard.packets().allocate());
        } else {
            pendingRead = into;
        }
    }

    void dataAvailable() {
        if (pendingRead != null && !deliverScheduled) {
            deliverScheduled = true;
            shard.schedule(deliverTask);
        }
    }

    /** Completes a pending read once per batch of arrivals, so one read gathers them all. */
    private void runDeliverTask() {
        deliverScheduled = false;
        Completion<? super ReadBuffer> r = pendingRead;
        if (r == null) {
            return;
        }
        if (!rcv.readable.isEmpty()) {
            pendingRead = null;
            r.complete(takeReadable());
        } else if (error != null) {
            pendingRead = null;
            r.fail(error);
        } else if (rcv.finReceived || state == TcpState.CLOSED) {
            pendingRead = null;
            r.complete(shard.packets().allocate());
        }
    }

    private Packet takeReadable() {
        Packet p = rcv.readable.takeAll();
        rcv.applicationRead(p.length());
        maybeSendWindowUpdate();
        return p;
    }

    /**
     * After a read: tell the peer at once when the window grew enough to matter (it may be
     * stalled on a small or zero window); otherwise the next ACK carries it.
     */
    private void maybeSendWindowUpdate() {
        if (!state.canReceive()) {
            return;
        }
        if (rcv.windowUpdateDue()) {
            rcv.ackNow = true;
            scheduleOutput();
        }
    }

    @Override
    public void write(ReadBuffer buffer, Completion<? super Void> into) {
        Packet data = takeForWrite(buffer);
        if (data == null) {
            TcpException refused = writeRefused;
            writeRefused = null;
            if (refused != null) {
                into.fail(refused);
            } else {
                into.complete(null);
            }
        } else if (snd.write(data, into)) {
            scheduleOutput();
            into.complete(null);
        }
    }

    /**
     * The future form, written out rather than left to the interface's default (which allocates a
     * promise for every write): while the send buffer has room the write completes at once with
     * the shared done future, and only a write that waits for room costs a promise.
     */
    @Override
    public ShardFuture<Void> write(ReadBuffer buffer) {
        Packet data = takeForWrite(buffer);
        if (data == null) {
            TcpException refused = writeRefused;
            writeRefused = null;
            return refused != null ? ShardFuture.failed(refused) : ShardFuture.done();
        }
        if (snd.hasRoom()) {
            snd.write(data, null); // taken at once: the completion is not used
            scheduleOutput();
            return ShardFuture.done();
        }
        Promise<Void> waiting = new Promise<>();
        snd.write(data, waiting);
        return waiting;
    }

    /**
     * The packet a write queues, or null when the write is decided at once: nothing to send (an
     * empty buffer, released), or refused, with the reason in {@link #writeRefused} for the caller
     * to take (a field rather than a result object, so that no write allocates one).
     */
    private Packet takeForWrite(ReadBuffer buffer) {
        shard.checkOwner("TcpConnection.write");
        TcpException refused = writeRefusal();
        if (refused != null) {
            buffer.release();
            writeRefused = refused;
            return null;
        }
        if (buffer.length() == 0) {
            buffer.release();
            return null;
        }
        Packet data = Packet.of(buffer, shard.packets());
        if (data == null) {
            writeRefused = new TcpException("packet buffers exhausted");
        }
        return data;
    }

    private TcpException writeRefusal() {
        if (error != null) {
            return error;
        }
        if (outputShutdown) {
            return new ConnectionAbortedException("write after shutdownOutput/close on " + this);
        }
        if (state == TcpState.CLOSED) {
            return new ConnectionAbortedException("write on a closed connection " + this);
        }
        return null;
    }

    @Override
    public ShardFuture<Void> shutdownOutput() {
        shard.checkOwner("TcpConnection.shutdownOutput");
        if (finAckedPromise != null) {
            return finAckedPromise;
        }
        finAckedPromise = new Promise<>();
        if (state == TcpState.CLOSED) {
            if (error != null) {
                finAckedPromise.fail(error);
            } else {
                finAckedPromise.complete(null);
            }
            return finAckedPromise;
        }
        outputShutdown = true;
        snd.finQueued = true;
        snd.admitPendingWrites();
        // RFC 9293 3.10.4 CLOSE: the state changes now; the FIN follows the queued data.
        switch (state) {
            case ESTABLISHED, SYN_RECEIVED -> state = TcpState.FIN_WAIT_1;
            case CLOSE_WAIT -> state = TcpState.LAST_ACK;
            default -> {
            }
        }
        scheduleOutput();
        return finAckedPromise;
    }

    @Override
    public ShardFuture<Void> close() {
        shard.checkOwner("TcpConnection.close");
        if (readClosed) {
            return finAckedPromise != null ? finAckedPromise : ShardFuture.done();
        }
        readClosed = true;
        if (pendingRead != null) {
            Completion<? super ReadBuffer> r = pendingRead;
            pendingRead = null;
            r.fail(new ConnectionAbortedException("connection closed while reading"));
        }
        if (state == TcpState.CLOSED) {
            rcv.readable.clear();
            return error != null ? ShardFuture.failed(error) : ShardFuture.done();
        }
        if (!rcv.readable.isEmpty() || rcv.holdsOutOfOrder()) {
            // RFC 1122 4.2.2.13: closing with unread data resets the connection.
            abortWithReset(new ConnectionAbortedException("closed with unread data; connection reset"));
            return ShardFuture.failed(error);
        }
        ShardFuture<Void> f = shutdownOutput();
        if (state == TcpState.FIN_WAIT_2) {
            lingerTimer.arm(config.finWait2TimeoutNanos());
        }
        return f;
    }

    @Override
    public void abort() {
        shard.checkOwner("TcpConnection.abort");
        if (state == TcpState.CLOSED) {
            return;
        }
        readClosed = true;
        abortWithReset(new ConnectionAbortedException("connection aborted"));
    }

    // =====================================================================================
    // TcpConnection
    // =====================================================================================

    @Override
    public Shard shard() {
        return shard;
    }

    @Override
    public boolean isIpv6() {
        return ipv6;
    }

    @Override
    public InetSocketAddress localAddress() {
        return ipv6 ? new InetSocketAddress(io.panamax.ip.Ipv6Address.toInetAddress(localHigh, localLow), localPort)
                : TcpConnection.super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return ipv6 ? new InetSocketAddress(io.panamax.ip.Ipv6Address.toInetAddress(remoteHigh, remoteLow), remotePort)
                : TcpConnection.super.remoteAddress();
    }

    @Override
    public int localIp() {
        return localIp;
    }

    @Override
    public int localPort() {
        return localPort;
    }

    @Override
    public int remoteIp() {
        return remoteIp;
    }

    @Override
    public int remotePort() {
        return remotePort;
    }

    @Override
    public TcpState state() {
        return state;
    }

    @Override
    public void setNoDelay(boolean noDelay) {
        snd.noDelay = noDelay;
        if (noDelay) {
            scheduleOutput();
        }
    }

    @Override
    public boolean noDelay() {
        return snd.noDelay;
    }

    @Override
    public void setUserTimeout(java.time.Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative user timeout " + timeout);
        }
        snd.userTimeoutNanos = timeout.toNanos();
        uto.applicationSet(snd.userTimeoutNanos);
    }

    @Override
    public java.time.Duration userTimeout() {
        return java.time.Duration.ofNanos(snd.userTimeoutNanos);
    }

    @Override
    public void setKeepAlive(boolean on) {
        this.keepAlive = on;
        if (on) {
            armKeepAlive();
        } else if (keepAliveTimer != null) {
            keepAliveTimer.cancel();
        }
    }

    @Override
    public boolean keepAlive() {
        return keepAlive;
    }

    @Override
    public void setSendBufferSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("send buffer size must be positive");
        }
        snd.sendBufferLimit = bytes;
        snd.admitPendingWrites();
        scheduleOutput();
    }

    @Override
    public int sendBufferSize() {
        return snd.sendBufferLimit;
    }

    @Override
    public void setReceiveBufferSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("receive buffer size must be positive");
        }
        rcv.tuner.disable(); // the application chose: no autotuning, as SO_RCVBUF in Linux
        rcv.rcvBufferSize = state.isSynchronized() ? Math.min(bytes, 65535 << rcv.rcvShift) : bytes;
        maybeSendWindowUpdate();
    }

    @Override
    public int receiveBufferSize() {
        return rcv.rcvBufferSize;
    }

    @Override
    public int maxSegmentSize() {
        return snd.effectiveMss();
    }

    @Override
    public void setCongestionControl(String name) {
        shard.checkOwner("TcpConnection.setCongestionControl");
        snd.setCongestionControl(name, sackOn);
    }

    @Override
    public String congestionControl() {
        return snd.cc.name();
    }

    @Override
    public boolean ecn() {
        return ecn.on;
    }

    @Override
    public AckProbe recordAcks(int capacity) {
        if (snd.ackProbe == null) {
            snd.ackProbe = new AckProbe(capacity);
        }
        return snd.ackProbe;
    }

    @Override
    public TcpConnectionStats stats() {
        return new TcpConnectionStats(segmentsIn, segmentsOut, rcv.bytesIn, snd.bytesOut, snd.retransmits,
                snd.timeouts, snd.fastRetransmits, rcv.outOfOrderSegments, rcv.duplicates, drops, snd.rtt.srtt(),
                snd.rtt.rto(), snd.congestionWindow(), snd.cc.ssthresh(), snd.sndWnd, rcv.receiveWindow(),
                snd.effectiveMss(), snd.rtt.rttvar(), snd.recovery.sackedBytes(), snd.recovery.sackedTotal(),
                snd.recovery.lostSegments(), snd.recovery.reorderingSeen(), snd.idleRestarts, snd.tailLossProbes,
                snd.recovery.spuriousUndone() + snd.spuriousTimeouts,
                snd.cc.name(),
                snd.recovery.name(),
                snd.limitedNanos(Sender.APPLICATION_LIMITED) + snd.limitedNanos(Sender.CWND_LIMITED)
                        + snd.limitedNanos(Sender.RWND_LIMITED) + snd.limitedNanos(Sender.SEND_BUFFER_LIMITED),
                snd.limitedNanos(Sender.CWND_LIMITED), snd.limitedNanos(Sender.RWND_LIMITED),
                snd.limitedNanos(Sender.SEND_BUFFER_LIMITED), snd.acksProcessed, snd.cwndAtAckSum, snd.acksInRecovery);
    }

    /** The last soft ICMP error (RFC 1122 4.2.3.9), or null. */
    String softError() {
        return softError;
    }

    /** " (the soft error)" for a timeout's message, or nothing. */
    String softErrorSuffix() {
        return softError != null ? " (" + softError + ")" : "";
    }

    String peer() {
        return ipv6 ? "[" + io.panamax.ip.Ipv6Address.toString(remoteHigh, remoteLow) + "]:" + remotePort
                : io.panamax.ip.Ipv4Address.toString(remoteIp) + ":" + remotePort;
    }

    @Override
    public String toString() {
        String local = ipv6 ? "[" + io.panamax.ip.Ipv6Address.toString(localHigh, localLow) + "]"
                : io.panamax.ip.Ipv4Address.toString(localIp);
        return "TcpConnection[" + local + ":" + localPort + " -> " + peer() + " " + state + "]";
    }
}
