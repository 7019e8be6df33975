package io.panamax.tcp;

import io.panamax.reactor.Future;
import io.panamax.reactor.Promise;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.SeqNum;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

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
 * <p>Confined to the connection's shard. Wire parsing happens before ({@link Tcp}); the send
 * buffer, reassembly queue, RTT estimator and congestion control are their own classes.
 */
final class Tcb implements TcpConnection {
    /** RFC 9293 3.7.1: the MSS to assume when the peer sends no MSS option. */
    static final int DEFAULT_MSS = 536;
    /** Bytes of IPv4 and TCP headers without options, subtracted from the MTU for the MSS. */
    static final int IP_TCP_HEADERS = 40;
    /** The smallest path MTU an ICMP message may set (Linux's min_pmtu; RFC 5927 5.2 warns of smaller). */
    static final int MIN_PATH_MTU = 552;
    /** RFC 7323 5.5: a TS.Recent older than 24 days is invalid for PAWS. */
    private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;

    final Tcp tcp;
    private final Shard shard;
    private final TcpConfig config;
    private final TcpCounters counters;
    final int localIp;
    final int localPort;
    final int remoteIp;
    final int remotePort;
    /** Opened by a listener (RFC 9293: from a passive OPEN). */
    final boolean passive;
    final TcpListener listener;
    /** Counted against the listener's backlog (see {@link TcpListener}). */
    boolean backlogSlot;
    /** The local port came from the {@link LocalPortPolicy}, which hears when it is free again. */
    boolean portFromPolicy;
    TcpState state = TcpState.CLOSED;

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
    /** The sequence number of the send buffer's first byte. */
    int sndBufSeq;
    private final SendBuffer sendBuffer = new SendBuffer();
    private int sendBufferLimit;
    /** The application asked for a FIN (shutdownOutput or close). */
    boolean finQueued;
    /** {@link #finSeq} is known: every byte before the FIN is in the send buffer. */
    boolean finSeqValid;
    int finSeq;

    // ---- receive sequence variables ----
    int irs;
    int rcvNxt;
    /** RCV.NXT + RCV.WND as last advertised: the window never shrinks below it. */
    int rcvAdvEdge;
    private int rcvBufferSize;
    private final ReceiveQueue readable = new ReceiveQueue();
    private ReassemblyQueue outOfOrder;
    boolean finReceived;

    // ---- options ----
    /** Payload bytes of a full segment without options: min(peer MSS, path MTU - 40). */
    int mss;
    /** The MSS this side advertised. */
    private int advertisedMss;
    /** The largest payload the peer sent, for "full-sized" (RFC 5681 4.2) and SWS decisions. */
    private int rcvMss;
    int sndShift;
    int rcvShift;
    private boolean offerWindowScale;
    private boolean offerTimestamps;
    private boolean offerSack;
    boolean tsOn;
    boolean sackOn;
    int tsRecent;
    private long tsRecentTime;
    private int tsOffset;
    int lastAckSent;

    // ---- reliability ----
    private final RttEstimator rtt;
    final NewReno cc = new NewReno();
    int backoff;
    private int retries;
    private boolean rttTiming;
    private int rttSeq;
    private long rttStart;
    private int persistBackoff;
    private int probesUnanswered;
    private int keepAlivesSent;
    private long lastReceived;

    // ---- acknowledgments ----
    private boolean ackNow;
    private int unackedBytes;
    private int quickAcks;

    // ---- timers, one per purpose ----
    private final Timer rtxTimer;
    private final Timer persistTimer;
    private final Timer delAckTimer;
    private final Timer lingerTimer;
    private Timer keepAliveTimer;

    // ---- the application's side ----
    private Promise<Packet> pendingRead;
    Promise<TcpConnection> connectPromise;
    private Promise<Void> finAckedPromise;
    private ArrayDeque<PendingWrite> pendingWrites;
    private boolean readClosed;
    private boolean outputShutdown;
    private boolean noDelay;
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
    private long bytesIn;
    private long bytesOut;
    private long retransmits;
    private long timeouts;
    private long fastRetransmits;
    private long outOfOrderSegments;
    private long duplicates;
    private long drops;

    private record PendingWrite(Packet data, Promise<Void> promise) {
    }

    Tcb(Tcp tcp, int localIp, int localPort, int remoteIp, int remotePort, TcpListener listener) {
        this.tcp = tcp;
        this.shard = tcp.shard();
        this.config = tcp.config();
        this.counters = tcp.counters();
        this.localIp = localIp;
        this.localPort = localPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
        this.listener = listener;
        this.passive = listener != null;
        this.rtt = new RttEstimator(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos());
        this.sendBufferLimit = config.sendBufferSize();
        this.rcvBufferSize = config.receiveBufferSize();
        this.noDelay = config.noDelay();
        this.keepAlive = config.keepAlive();
        this.quickAcks = config.quickAckSegments();
        var wheel = shard.timers();
        this.rtxTimer = wheel.newTimer(this::onRetransmitTimeout);
        this.persistTimer = wheel.newTimer(this::onPersistTimeout);
        this.delAckTimer = wheel.newTimer(this::onDelayedAckTimeout);
        this.lingerTimer = wheel.newTimer(this::onLingerTimeout);
        int pathMss = Math.max(tcp.ip().mtu(remoteIp), MIN_PATH_MTU) - IP_TCP_HEADERS;
        this.advertisedMss = Math.min(pathMss, 65535);
        this.mss = Math.min(DEFAULT_MSS, pathMss);
        this.rcvMss = Math.min(advertisedMss, DEFAULT_MSS);
        this.lastReceived = shard.nanoTime();
    }

    // =====================================================================================
    // Opening
    // =====================================================================================

    /** OPEN, active (RFC 9293 3.10.1): send a SYN, enter SYN-SENT. */
    Future<TcpConnection> activeOpen(int iss) {
        this.iss = iss;
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
        sndBufSeq = iss + 1;
        offerWindowScale = config.windowScaling();
        offerTimestamps = config.timestamps();
        offerSack = config.sackPermitted();
        tsOffset = tcp.isn().timestampOffset(localIp, localPort, remoteIp, remotePort);
        state = TcpState.SYN_SENT;
        connectPromise = new Promise<>();
        output();
        return connectPromise;
    }

    /** A SYN arrived at a listener (RFC 9293 3.10.7.2, third check): answer SYN-ACK, enter SYN-RECEIVED. */
    void passiveOpen(Segment seg, int iss) {
        this.iss = iss;
        sndUna = iss;
        sndNxt = iss;
        sndMax = iss;
        sndBufSeq = iss + 1;
        irs = seg.seq;
        rcvNxt = seg.seq + 1;
        TcpOptions o = seg.options;
        // RFC 7323 1.3, RFC 2018 2: an option goes in the SYN-ACK only if the SYN offered it.
        offerWindowScale = config.windowScaling() && o.windowScale >= 0;
        offerTimestamps = config.timestamps() && o.hasTimestamps;
        offerSack = config.sackPermitted() && o.sackPermitted;
        tsOffset = tcp.isn().timestampOffset(localIp, localPort, remoteIp, remotePort);
        negotiate(o);
        // RFC 7323 2.2: the window of a SYN is never scaled.
        sndWnd = seg.window;
        maxSndWnd = sndWnd;
        sndWl1 = seg.seq;
        sndWl2 = seg.ack;
        state = TcpState.SYN_RECEIVED;
        segmentsIn++;
        lastReceived = shard.nanoTime();
        output();
    }

    /** Settles the options from the peer's SYN or SYN-ACK against what this side offered. */
    private void negotiate(TcpOptions o) {
        int peerMss = o.mss > 0 ? o.mss : DEFAULT_MSS;
        int pathMss = Math.max(tcp.ip().mtu(remoteIp), MIN_PATH_MTU) - IP_TCP_HEADERS;
        mss = Math.max(1, Math.min(peerMss, pathMss));
        rcvMss = Math.min(advertisedMss, Math.max(mss, DEFAULT_MSS));
        if (offerWindowScale && o.windowScale >= 0) {
            // RFC 7323 2.3: a shift above 14 is used as 14.
            sndShift = Math.min(o.windowScale, TcpOptions.MAX_WINDOW_SHIFT);
            rcvShift = config.windowShift();
        } else {
            sndShift = 0;
            rcvShift = 0;
        }
        tsOn = offerTimestamps && o.hasTimestamps;
        if (tsOn) {
            tsRecent = o.tsVal;
            tsRecentTime = shard.nanoTime();
        }
        sackOn = offerSack && o.sackPermitted;
        int maxRcv = 65535 << rcvShift;
        if (rcvBufferSize > maxRcv) {
            rcvBufferSize = maxRcv;
        }
        cc.init(effectiveMss(), config.initialWindowSegments(), iss);
    }

    /** The payload of a full data segment: the MSS less the options every segment carries (RFC 6691). */
    private int effectiveMss() {
        return Math.max(1, mss - (tsOn ? TcpOptions.ALIGNED_TIMESTAMPS_LENGTH : 0));
    }

    // =====================================================================================
    // SEGMENT ARRIVES (RFC 9293 3.10.7)
    // =====================================================================================

    void segmentArrives(Segment seg) {
        segmentsIn++;
        lastReceived = shard.nanoTime();
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

    private void drop(DropReason reason) {
        drops++;
        counters.drop(reason);
    }

    /** RFC 9293 3.10.7.3, with RFC 5961 3.2's rule for RST. */
    private void synSentArrives(Segment seg) {
        boolean ackAcceptable = false;
        if (seg.has(ACK)) {
            if (SeqNum.le(seg.ack, iss) || SeqNum.gt(seg.ack, sndMax)) {
                if (!seg.has(RST)) {
                    tcp.sendReset(remoteIp, localIp, remotePort, localPort, seg.ack, 0, RST);
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
        irs = seg.seq;
        rcvNxt = seg.seq + 1;
        negotiate(seg.options);
        // What our SYN offered: its window is unscaled (RFC 7323 2.2).
        rcvAdvEdge = rcvNxt + Math.min(rcvBufferSize, 65535);
        if (ackAcceptable) {
            // Our SYN is acknowledged: ESTABLISHED.
            sampleRtt(seg, shard.nanoTime());
            sndUna = seg.ack;
            if (SeqNum.lt(sndNxt, sndUna)) {
                sndNxt = sndUna;
            }
            // RFC 7323 2.2: the window of a SYN-ACK is never scaled.
            sndWnd = seg.window;
            maxSndWnd = sndWnd;
            sndWl1 = seg.seq;
            sndWl2 = seg.ack;
            rtxTimer.cancel();
            backoff = 0;
            retries = 0;
            state = TcpState.ESTABLISHED;
            counters.activeOpens.increment();
            ackNow = true;
            armKeepAlive();
            Promise<TcpConnection> p = connectPromise;
            connectPromise = null;
            p.complete(this);
            // Data or FIN riding on the SYN-ACK: continue at the sixth step.
            seg.seq++;
            seg.flags &= ~SYN;
            if (seg.payloadLength > 0 || seg.has(FIN)) {
                processText(seg);
            }
        } else {
            // Simultaneous open (RFC 9293 3.5 figure 8): SYN-RECEIVED, answer SYN-ACK.
            sndWnd = seg.window;
            maxSndWnd = sndWnd;
            sndWl1 = seg.seq;
            sndWl2 = seg.ack;
            state = TcpState.SYN_RECEIVED;
            sndNxt = iss;
            rtxTimer.cancel();
            backoff = 0;
        }
    }

    /** RFC 9293 3.10.7.4: SYN-RECEIVED and every synchronized state. */
    private void otherwiseArrives(Segment seg) {
        // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost, send it again.
        if (state == TcpState.SYN_RECEIVED && seg.has(SYN) && !seg.has(ACK) && seg.seq == irs) {
            sndNxt = iss;
            return;
        }
        // Simultaneous open: the peer's SYN-ACK acknowledges our SYN and repeats its own. Take it
        // as the handshake's ACK (as Linux does) rather than as an old SYN to be re-ACKed.
        if (state == TcpState.SYN_RECEIVED && !passive && seg.has(SYN) && seg.has(ACK) && seg.seq == irs
                && SeqNum.gt(seg.ack, sndUna) && SeqNum.le(seg.ack, sndMax)) {
            seg.flags &= ~SYN;
            seg.seq++;
            ackNow = true;
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
            if (SeqNum.lt(seg.options.tsVal, tsRecent) && shard.nanoTime() - tsRecentTime < PAWS_IDLE_NANOS) {
                drop(DropReason.PAWS);
                ackNow = true;
                return;
            }
        }

        // First: the sequence number (RFC 9293 3.10.7.4, acceptability table).
        int segLen = seg.sequenceLength();
        int rcvWnd = receiveWindow();
        boolean acceptable;
        if (segLen == 0) {
            acceptable = rcvWnd == 0 ? seg.seq == rcvNxt : SeqNum.inRange(rcvNxt, seg.seq, rcvNxt + rcvWnd);
        } else if (rcvWnd == 0) {
            acceptable = false;
        } else {
            acceptable = SeqNum.inRange(rcvNxt, seg.seq, rcvNxt + rcvWnd)
                    || SeqNum.inRange(rcvNxt, seg.seq + segLen - 1, rcvNxt + rcvWnd);
        }
        if (!acceptable && rcvWnd == 0 && seg.seq == rcvNxt && seg.has(ACK)) {
            // RFC 9293: with a zero window, still take valid ACKs (and RSTs); the data goes.
            if (seg.payloadLength > 0) {
                seg.trimBack(seg.payloadLength);
            }
            seg.flags &= ~(FIN | SYN);
            acceptable = true;
            ackNow = true;
        }
        if (!acceptable) {
            if (!seg.has(RST)) {
                ackNow = true;
                if (state == TcpState.TIME_WAIT && seg.has(FIN)) {
                    // RFC 9293 3.10.7.4 eighth check: a retransmitted FIN restarts the 2 MSL wait.
                    lingerTimer.arm(config.timeWaitNanos());
                }
            }
            if (segLen > 0 && SeqNum.le(seg.seq + segLen, rcvNxt)) {
                duplicates++;
                counters.duplicates.increment();
                drops++;
            } else {
                drop(DropReason.OUT_OF_WINDOW);
            }
            return;
        }
        // Trim to the window: what was received before, and what lies beyond the right edge.
        if (SeqNum.lt(seg.seq, rcvNxt)) {
            int cut = rcvNxt - seg.seq;
            if (seg.has(SYN)) {
                seg.flags &= ~SYN;
                seg.seq++;
                cut--;
            }
            int n = Math.min(cut, seg.payloadLength);
            if (n > 0) {
                seg.trimFront(n);
                cut -= n;
            }
            if (cut > 0) {
                seg.flags &= ~FIN;
                seg.seq += cut;
            }
        }
        int rightEdge = rcvNxt + rcvWnd;
        if (seg.payloadLength > 0 && SeqNum.gt(seg.seq + seg.payloadLength, rightEdge)) {
            seg.trimBack(seg.seq + seg.payloadLength - rightEdge);
            seg.flags &= ~FIN;
        }
        // RFC 7323 4.3: remember the timestamp of the segment that our next ACK answers.
        if (tsOn && seg.options.hasTimestamps && SeqNum.ge(seg.options.tsVal, tsRecent)
                && SeqNum.le(seg.seq, lastAckSent)) {
            tsRecent = seg.options.tsVal;
            tsRecentTime = shard.nanoTime();
        }

        // Second: RST (RFC 5961 3.2: only an exact match resets; in-window others are challenged).
        if ((originalFlags & RST) != 0) {
            if (seg.seq == rcvNxt) {
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
            if (SeqNum.gt(seg.ack, sndUna) && SeqNum.le(seg.ack, sndMax)) {
                synReceivedToEstablished(seg);
            } else {
                tcp.sendReset(remoteIp, localIp, remotePort, localPort, seg.ack, 0, RST);
                drop(DropReason.BAD_ACK);
                return;
            }
        }
        if (!processAck(seg)) {
            return;
        }
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT && !seg.has(FIN) && seg.payloadLength == 0) {
            return;
        }

        // Seventh and eighth: the text and the FIN.
        processText(seg);
    }

    private void synReceivedToEstablished(Segment seg) {
        sampleRtt(seg, shard.nanoTime());
        sndUna = iss + 1;
        sndWnd = (long) seg.window << sndShift;
        maxSndWnd = sndWnd;
        sndWl1 = seg.seq;
        sndWl2 = seg.ack;
        rtxTimer.cancel();
        backoff = 0;
        retries = 0;
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
            case CLOSING, LAST_ACK, TIME_WAIT -> enterClosed(sendBuffer.isEmpty() ? null
                    : new ConnectionResetException("connection reset by " + peer()));
            default -> enterClosed(new ConnectionResetException("connection reset by " + peer()));
        }
    }

    /** Sends a challenge ACK (RFC 5961 3.2, 4.2, 5.2) unless the shard's budget is spent. */
    private void challengeAck() {
        if (tcp.challengeAcks().tryAcquire(shard.nanoTime())) {
            counters.challengeAcks.increment();
            sendAck();
        } else {
            counters.challengeAcksSuppressed.increment();
        }
    }

    /**
     * The ACK field in a synchronized state (RFC 9293 3.10.7.4 fifth check, RFC 5961 5.2, RFC 5681
     * duplicate ACKs, RFC 6582 recovery). Returns false when the segment is to be dropped.
     */
    private boolean processAck(Segment seg) {
        int ack = seg.ack;
        if (SeqNum.gt(ack, sndMax)) {
            drop(DropReason.BAD_ACK);
            challengeAck();
            return false;
        }
        if (SeqNum.lt(ack, sndUna - (int) Math.min(maxSndWnd, Integer.MAX_VALUE))) {
            drop(DropReason.BAD_ACK);
            challengeAck();
            return false;
        }
        probesUnanswered = 0;
        long newWnd = (long) seg.window << sndShift;
        int unaBefore = sndUna;
        if (SeqNum.gt(ack, sndUna)) {
            newAck(seg, ack);
            if (state == TcpState.CLOSED) {
                return false;
            }
        } else if (ack == sndUna && seg.payloadLength == 0 && (seg.flags & (SYN | FIN)) == 0
                && newWnd == sndWnd && sndMax != sndUna && sndWnd != 0) {
            // RFC 5681 2 duplicate ACK; not while the window is closed, where the only data
            // outstanding is a zero-window probe the peer is right to refuse.
            duplicateAck(ack);
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
                sndNxt = sndUna;
            }
        }
        return true;
    }

    private void newAck(Segment seg, int ack) {
        long now = shard.nanoTime();
        int acked = ack - sndUna;
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
        sampleRtt(seg, now);
        backoff = 0;
        retries = 0;
        int flight = sndMax - sndUna;
        int smss = effectiveMss();
        if (cc.inRecovery) {
            if (cc.isFullAck(ack)) {
                cc.exitRecovery(flight, smss);
            } else {
                // RFC 6582 3.2 step 5: a partial ACK; the next hole is lost too.
                cc.onPartialAck(acked, smss);
                retransmitFirst();
            }
        } else {
            cc.onNewAck(acked, smss);
        }
        // RFC 6298 5.2, 5.3: stop the timer when all is acknowledged, else restart it.
        if (sndUna == sndMax) {
            rtxTimer.cancel();
        } else {
            rtxTimer.arm(rtt.rto());
        }
        admitPendingWrites();
        if (finAcked) {
            finAcked();
        }
    }

    private void duplicateAck(int ack) {
        cc.dupAcks++;
        int smss = effectiveMss();
        if (cc.inRecovery) {
            cc.onDupAckInRecovery(smss);
        } else if (cc.dupAcks == NewReno.DUPACK_THRESHOLD && cc.mayEnterRecovery(ack)) {
            cc.enterRecovery(sndMax - sndUna, smss, sndMax);
            fastRetransmits++;
            counters.fastRetransmits.increment();
            retransmitFirst();
            rtxTimer.arm(rtt.rto(backoff));
        }
    }

    /** RTT from the echoed timestamp (RFC 7323 4.1), else from the one timed segment (RFC 6298 3, Karn). */
    private void sampleRtt(Segment seg, long now) {
        long sample = -1;
        if (tsOn && seg.options.hasTimestamps && seg.has(ACK)) {
            int ms = tsNow() - seg.options.tsEcr;
            if (ms >= 0) {
                sample = ms * 1_000_000L;
            }
        } else if (rttTiming && SeqNum.ge(seg.ack, rttSeq)) {
            sample = now - rttStart;
        }
        if (rttTiming && SeqNum.ge(seg.ack, rttSeq)) {
            rttTiming = false;
        }
        if (sample >= 0) {
            rtt.sample(sample);
            counters.rtt.record(sample);
        }
    }

    /** Our FIN is acknowledged (RFC 9293 3.10.7.4 fifth check, per state). */
    private void finAcked() {
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

    /** The seventh (text) and eighth (FIN) checks of RFC 9293 3.10.7.4. */
    private void processText(Segment seg) {
        int len = seg.payloadLength;
        if (len > 0) {
            if (!state.canReceive() || finReceived) {
                drop(DropReason.AFTER_CLOSE);
                return;
            }
            if (readClosed) {
                // RFC 1122 4.2.2.13: data for a closed reader is lost; tell the peer with a RST.
                drop(DropReason.AFTER_CLOSE);
                abortWithReset(new ConnectionAbortedException("data arrived after close; connection reset"));
                return;
            }
            if (seg.seq == rcvNxt) {
                Packet p = seg.takePayload();
                readable.add(p);
                rcvNxt += len;
                bytesIn += len;
                counters.bytesIn.add(len);
                if (len > rcvMss) {
                    rcvMss = Math.min(len, advertisedMss);
                }
                boolean filledGap = false;
                if (outOfOrder != null && outOfOrder.segments() > 0) {
                    int before = rcvNxt;
                    rcvNxt = outOfOrder.drainInOrder(rcvNxt, readable);
                    int pulled = rcvNxt - before;
                    bytesIn += pulled;
                    counters.bytesIn.add(pulled);
                    filledGap = true;
                }
                // RFC 5681 4.2: ACK every second full-sized segment at least, at once when a
                // gap was filled, and (as Linux) at once during the first segments.
                unackedBytes += len;
                if (filledGap || quickAcks > 0 || unackedBytes >= 2 * rcvMss) {
                    if (quickAcks > 0) {
                        quickAcks--;
                    }
                    ackNow = true;
                } else if (!delAckTimer.isArmed()) {
                    delAckTimer.arm(config.delayedAckNanos());
                }
                dataAvailable();
            } else {
                // Ahead of a gap: hold it, and ACK at once so the sender sees a duplicate ACK.
                outOfOrderSegments++;
                counters.outOfOrder.increment();
                if (outOfOrder == null) {
                    outOfOrder = new ReassemblyQueue(config.outOfOrderLimitBytes(), config.outOfOrderLimitSegments());
                }
                ReassemblyQueue.Outcome o = outOfOrder.insert(seg.seq, seg.takePayload());
                if (o == ReassemblyQueue.Outcome.FULL) {
                    drop(DropReason.OUT_OF_ORDER_FULL);
                } else if (o == ReassemblyQueue.Outcome.DUPLICATE) {
                    duplicates++;
                    counters.duplicates.increment();
                }
                if (seg.has(FIN)) {
                    outOfOrder.setFin(seg.seq + len);
                }
                ackNow = true;
                return;
            }
        }
        boolean fin = seg.has(FIN) && seg.seq + len == rcvNxt;
        if (!fin && seg.has(FIN) && SeqNum.gt(seg.seq + len, rcvNxt)) {
            if (outOfOrder == null) {
                outOfOrder = new ReassemblyQueue(config.outOfOrderLimitBytes(), config.outOfOrderLimitSegments());
            }
            outOfOrder.setFin(seg.seq + len);
            ackNow = true;
        }
        if (!fin && outOfOrder != null && outOfOrder.finAt(rcvNxt)) {
            fin = true;
        }
        if (fin) {
            finArrived();
        }
    }

    /** The peer's FIN, in order (RFC 9293 3.10.7.4 eighth check). */
    private void finArrived() {
        if (finReceived) {
            ackNow = true;
            if (state == TcpState.TIME_WAIT) {
                lingerTimer.arm(config.timeWaitNanos());
            }
            return;
        }
        finReceived = true;
        rcvNxt++;
        ackNow = true;
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (finSeqValid && SeqNum.gt(sndUna, finSeq)) {
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

    private void enterTimeWait() {
        state = TcpState.TIME_WAIT;
        rtxTimer.cancel();
        persistTimer.cancel();
        if (keepAliveTimer != null) {
            keepAliveTimer.cancel();
        }
        ackNow = true;
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
                return SeqNum.gt(seg.options.tsVal, tsRecent)
                        || (seg.options.tsVal == tsRecent && SeqNum.gt(seg.seq, rcvNxt));
            }
        }
        return SeqNum.gt(seg.seq, rcvNxt);
    }

    /** Ends TIME-WAIT early because a new incarnation takes over the 4-tuple. */
    void closeTimeWait() {
        enterClosed(null);
    }

    // =====================================================================================
    // Output
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
        output(false);
    }

    private void output(boolean force) {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            if (sndNxt == iss) {
                if (sndMax == iss) {
                    rttTiming = true;
                    rttSeq = iss + 1;
                    rttStart = shard.nanoTime();
                }
                sendSyn();
                sndNxt = iss + 1;
                if (SeqNum.gt(sndNxt, sndMax)) {
                    sndMax = sndNxt;
                }
                if (!rtxTimer.isArmed()) {
                    rtxTimer.arm(rtt.rto(backoff));
                }
            } else if (ackNow && state == TcpState.SYN_RECEIVED) {
                sendAck();
            }
            return;
        }
        boolean sent = false;
        while (true) {
            int offset = sndNxt - sndBufSeq;
            int unsent = Math.max(0, sendBuffer.size() - offset);
            boolean finPending = finSeqValid && SeqNum.le(sndNxt, finSeq);
            if (unsent == 0 && !finPending) {
                break;
            }
            int inFlight = sndNxt - sndUna;
            long window = force ? sndWnd : Math.min(sndWnd, cc.cwnd);
            long usable = window - inFlight;
            int maxSeg = maxDataPerSegment();
            int len = (int) Math.max(0, Math.min(Math.min(unsent, maxSeg), usable));
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
            boolean fresh = sndNxt == sndMax;
            int used = sendData(sndNxt, len, fin);
            if (fresh && !rttTiming && !tsOn) {
                rttTiming = true;
                rttSeq = sndNxt + used;
                rttStart = shard.nanoTime();
            }
            sndNxt += used;
            if (SeqNum.gt(sndNxt, sndMax)) {
                sndMax = sndNxt;
            }
            if (!rtxTimer.isArmed()) {
                rtxTimer.arm(rtt.rto(backoff));
            }
            sent = true;
            if (force) {
                break;
            }
        }
        if (!sent) {
            // Data (or the FIN) waits on the window with nothing in flight: the persist timer
            // probes the window (RFC 9293 3.8.6.1) and overrides SWS avoidance when it fires.
            int unsent = Math.max(0, sendBuffer.size() - (sndNxt - sndBufSeq));
            boolean finPending = finSeqValid && SeqNum.le(sndNxt, finSeq);
            if ((unsent > 0 || finPending) && sndNxt == sndUna && !persistTimer.isArmed()
                    && state.isSynchronized() && state != TcpState.TIME_WAIT) {
                persistTimer.arm(rtt.rto(persistBackoff));
            }
            if (ackNow) {
                sendAck();
            }
        }
    }

    /** Payload that fits in one segment with this segment's options. */
    private int maxDataPerSegment() {
        int n = effectiveMss();
        if (sackOn && outOfOrder != null && outOfOrder.segments() > 0) {
            n -= TcpOptions.alignedSackLength(sackBlockCount());
        }
        return Math.max(1, n);
    }

    private int sackBlockCount() {
        int room = (TcpHeader.MAX_OPTIONS_LENGTH - (tsOn ? TcpOptions.ALIGNED_TIMESTAMPS_LENGTH : 0) - 4)
                / TcpOptions.SACK_BLOCK_LENGTH;
        return Math.min(Math.min(room, TcpOptions.MAX_SACK_BLOCKS), outOfOrder.segments());
    }

    /** Sends one segment of {@code len} data bytes at {@code seq}, with FIN if asked; returns the sequence space used. */
    private int sendData(int seq, int len, boolean fin) {
        int offset = seq - sndBufSeq;
        Packet payload = len > 0 ? sendBuffer.slice(offset, len) : null;
        int flags = ACK | (fin ? FIN : 0) | (len > 0 && offset + len == sendBuffer.size() ? PSH : 0);
        if (SeqNum.lt(seq, sndMax)) {
            retransmits++;
            counters.retransmits.increment();
        }
        bytesOut += len;
        emit(seq, flags, payload);
        return len + (fin ? 1 : 0);
    }

    /** Sends the first unacknowledged segment again (fast retransmit, partial ACK). */
    private void retransmitFirst() {
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            sendSyn();
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

    private void sendSyn() {
        SegmentWriter w = tcp.writer();
        address(w);
        w.seq = iss;
        boolean synAck = state == TcpState.SYN_RECEIVED;
        w.flags = synAck ? SYN | ACK : SYN;
        w.ack = rcvNxt;
        // RFC 7323 2.2: the window in a SYN is unscaled.
        w.window = Math.min(rcvBufferSize, 65535);
        if (synAck) {
            rcvAdvEdge = rcvNxt + w.window;
            lastAckSent = rcvNxt;
        }
        w.mss = advertisedMss;
        w.windowScale = offerWindowScale ? config.windowShift() : -1;
        w.sackPermitted = offerSack;
        w.timestamps = offerTimestamps;
        w.tsVal = tsNow();
        w.tsEcr = synAck ? tsRecent : 0;
        if (SeqNum.lt(iss, sndMax)) {
            retransmits++;
            counters.retransmits.increment();
        }
        segmentsOut++;
        w.send();
    }

    /**
     * Sends an ACK now, with no data: RFC 9293's <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, where our
     * SND.NXT is the highest sent ({@link #sndMax}) — after a timeout rewinds {@link #sndNxt}, the
     * peer may already hold everything up to SND.MAX and would find an older sequence number
     * unacceptable (Linux never rewinds snd_nxt for the same reason).
     */
    private void sendAck() {
        emit(sndMax, ACK, null);
    }

    /** Fills in and sends a segment with the connection's addresses, ACK, window and options. */
    private void emit(int seq, int flags, Packet payload) {
        SegmentWriter w = tcp.writer();
        address(w);
        w.seq = seq;
        w.flags = flags;
        w.payload = payload;
        if ((flags & ACK) != 0) {
            w.ack = rcvNxt;
            w.window = windowToAdvertise();
            lastAckSent = rcvNxt;
            ackNow = false;
            unackedBytes = 0;
            delAckTimer.cancel();
        }
        if (tsOn) {
            w.timestamps = true;
            w.tsVal = tsNow();
            w.tsEcr = tsRecent;
        }
        if (sackOn && outOfOrder != null && outOfOrder.segments() > 0) {
            w.sackBlocks = outOfOrder.sackBlocks(w.sackLeft, w.sackRight, sackBlockCount());
        }
        segmentsOut++;
        w.send();
    }

    private void address(SegmentWriter w) {
        w.srcIp = localIp;
        w.dstIp = remoteIp;
        w.srcPort = localPort;
        w.dstPort = remotePort;
    }

    /**
     * The window field for the next segment, with receiver-side SWS avoidance (RFC 9293
     * 3.8.6.2.2): the right edge moves only when the free buffer exceeds the current window by
     * min(buffer/2, MSS), and it never moves left. Rounded up to the scale unit so that scaling
     * never shrinks it (RFC 7323 2.4).
     */
    private int windowToAdvertise() {
        int free = Math.max(0, rcvBufferSize - readable.size());
        int current = receiveWindow();
        int wnd = current;
        if (free - current >= Math.min(rcvBufferSize / 2, rcvMss)) {
            wnd = free;
        }
        long field = ((long) wnd + (1L << rcvShift) - 1) >>> rcvShift;
        if (field > 65535) {
            field = 65535;
        }
        int edge = rcvNxt + (int) (field << rcvShift);
        if (SeqNum.gt(edge, rcvAdvEdge) || !state.isSynchronized() || state == TcpState.SYN_RECEIVED) {
            rcvAdvEdge = edge;
        }
        return (int) field;
    }

    /** RCV.WND: what the peer may still send beyond RCV.NXT. */
    private int receiveWindow() {
        return Math.max(0, rcvAdvEdge - rcvNxt);
    }

    /** The Timestamps clock: milliseconds (RFC 7323 5.4 allows 1 ms to 1 s per tick), offset per connection. */
    private int tsNow() {
        return (int) (shard.nanoTime() / 1_000_000L) + tsOffset;
    }

    // =====================================================================================
    // Timers
    // =====================================================================================

    /** RFC 6298 5.4-5.7: retransmit the earliest unacknowledged segment, back off, collapse cwnd. */
    private void onRetransmitTimeout() {
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            return;
        }
        timeouts++;
        counters.timeouts.increment();
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            if (++retries > config.synRetries()) {
                if (passive) {
                    counters.resets.increment();
                    enterClosed(new ConnectionTimeoutException("handshake with " + peer() + " timed out"));
                } else {
                    enterClosed(new ConnectionTimeoutException("connect to " + peer() + " timed out"
                            + (softError != null ? " (" + softError + ")" : "")));
                }
                return;
            }
            backoff++;
            rttTiming = false;
            sndNxt = iss;
            output();
            rtxTimer.arm(rtt.rto(backoff));
            return;
        }
        if (sndUna == sndMax) {
            return;
        }
        if (sndWnd == 0) {
            // The peer closed its window: that is for the persist timer, not a loss.
            if (!persistTimer.isArmed()) {
                persistTimer.arm(rtt.rto(persistBackoff));
            }
            return;
        }
        if (++retries > config.maxRetransmits()) {
            abortWithReset(new ConnectionTimeoutException("connection to " + peer() + " timed out"
                    + (softError != null ? " (" + softError + ")" : "")));
            return;
        }
        cc.onTimeout(sndMax - sndUna, effectiveMss(), sndMax);
        backoff++;
        rttTiming = false;
        sndNxt = sndUna;
        output();
        if (sndNxt == sndUna) {
            // Nothing could be sent (no buffers): try again at the next timeout.
            retransmitFirst();
        }
        rtxTimer.arm(rtt.rto(backoff));
    }

    /** Zero-window probe or SWS override (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17), backing off. */
    private void onPersistTimeout() {
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
        if (probesUnanswered >= config.maxRetransmits()) {
            abortWithReset(new ConnectionTimeoutException("zero-window probes to " + peer() + " unanswered"));
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
        persistTimer.arm(rtt.rto(persistBackoff));
    }

    private void onDelayedAckTimeout() {
        if (state != TcpState.CLOSED && unackedBytes > 0) {
            sendAck();
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
        long now = shard.nanoTime();
        long idle = now - lastReceived;
        if (keepAlivesSent == 0 && idle < config.keepAliveIdleNanos()) {
            keepAliveTimer.arm(config.keepAliveIdleNanos() - idle);
            return;
        }
        if (sndUna != sndMax) {
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
        emit(sndUna - 1, ACK, null);
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
        if (!SeqNum.inRange(sndUna, seq, sndMax) && !(state == TcpState.SYN_SENT && seq == iss)) {
            return;
        }
        if (type == 3 && code == 4) {
            pathMtuChanged(nextHopMtu > 0 ? nextHopMtu : tcp.ip().mtu(remoteIp));
            return;
        }
        boolean hard = type == 3 && (code == 2 || code == 3 || code == 9 || code == 10 || code == 13);
        String what = "ICMP type " + type + " code " + code;
        if (hard && state == TcpState.SYN_SENT) {
            enterClosed(code == 3
                    ? new ConnectionRefusedException("connection refused by " + peer() + " (" + what + ", port unreachable)")
                    : new UnreachableException(peer() + " unreachable (" + what + ")"));
            return;
        }
        softError = what;
    }

    /** RFC 1191: a smaller path MTU lowers the MSS and resends what is in flight in smaller segments. */
    private void pathMtuChanged(int mtu) {
        int newMss = Math.max(mtu, MIN_PATH_MTU) - IP_TCP_HEADERS;
        if (newMss >= mss) {
            return;
        }
        mss = newMss;
        counters.pmtuUpdates.increment();
        if (state.isSynchronized() && sndUna != sndMax) {
            sndNxt = sndUna;
            output();
        }
    }

    // =====================================================================================
    // Closing
    // =====================================================================================

    /** Sends <SEQ=SND.NXT><CTL=RST> and closes with {@code cause}. */
    private void abortWithReset(TcpException cause) {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (state != TcpState.SYN_SENT && state != TcpState.TIME_WAIT) {
            tcp.sendReset(remoteIp, localIp, remotePort, localPort, sndMax, 0, RST);
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
        rtxTimer.cancel();
        persistTimer.cancel();
        delAckTimer.cancel();
        lingerTimer.cancel();
        if (keepAliveTimer != null) {
            keepAliveTimer.cancel();
        }
        tcp.connectionClosed(this);
        sendBuffer.clear();
        if (outOfOrder != null) {
            outOfOrder.clear();
        }
        if (cause != null) {
            error = cause;
            readable.clear();
        }
        if (readClosed) {
            readable.clear();
        }
        TcpException failure = cause != null ? cause : new ConnectionAbortedException("connection closed");
        if (pendingWrites != null) {
            PendingWrite w;
            while ((w = pendingWrites.pollFirst()) != null) {
                w.data.release();
                w.promise.fail(failure);
            }
        }
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
            if (cause != null) {
                Promise<Packet> r = pendingRead;
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

    @Override
    public Future<Packet> read() {
        assert shard.isCurrent();
        if (pendingRead != null) {
            throw new IllegalStateException("a read is already pending on " + this);
        }
        if (readClosed) {
            return Future.failed(new ConnectionAbortedException("read after close on " + this));
        }
        if (!readable.isEmpty()) {
            return Future.succeeded(takeReadable());
        }
        if (error != null) {
            return Future.failed(error);
        }
        if (finReceived || state == TcpState.CLOSED) {
            return Future.succeeded(shard.packets().allocate());
        }
        pendingRead = new Promise<>();
        return pendingRead;
    }

    private void dataAvailable() {
        if (pendingRead != null && !deliverScheduled) {
            deliverScheduled = true;
            shard.schedule(deliverTask);
        }
    }

    /** Completes a pending read once per batch of arrivals, so one read gathers them all. */
    private void runDeliverTask() {
        deliverScheduled = false;
        Promise<Packet> r = pendingRead;
        if (r == null) {
            return;
        }
        if (!readable.isEmpty()) {
            pendingRead = null;
            r.complete(takeReadable());
        } else if (error != null) {
            pendingRead = null;
            r.fail(error);
        } else if (finReceived || state == TcpState.CLOSED) {
            pendingRead = null;
            r.complete(shard.packets().allocate());
        }
    }

    private Packet takeReadable() {
        Packet p = readable.takeAll();
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
        int free = Math.max(0, rcvBufferSize - readable.size());
        int current = receiveWindow();
        if (free - current >= Math.min(rcvBufferSize / 2, rcvMss) && current < rcvBufferSize / 2) {
            ackNow = true;
            scheduleOutput();
        }
    }

    @Override
    public Future<Void> write(Packet data) {
        assert shard.isCurrent();
        TcpException refused = writeRefusal();
        if (refused != null) {
            data.release();
            return Future.failed(refused);
        }
        if (data.length() == 0) {
            data.release();
            return Future.done();
        }
        if ((pendingWrites == null || pendingWrites.isEmpty()) && sendBuffer.size() < sendBufferLimit) {
            sendBuffer.append(data);
            scheduleOutput();
            return Future.done();
        }
        if (pendingWrites == null) {
            pendingWrites = new ArrayDeque<>();
        }
        Promise<Void> p = new Promise<>();
        pendingWrites.addLast(new PendingWrite(data, p));
        return p;
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
    public Future<Void> write(byte[] data, int offset, int len) {
        java.util.Objects.checkFromIndexSize(offset, len, data.length);
        return write(MemorySegment.ofArray(data).asSlice(offset, len));
    }

    @Override
    public Future<Void> write(MemorySegment data) {
        assert shard.isCurrent();
        TcpException refused = writeRefusal();
        if (refused != null) {
            return Future.failed(refused);
        }
        Packet p = shard.packets().allocate();
        int len = (int) data.byteSize();
        if (p.appendBytes(data, 0, len) < len) {
            p.release();
            return Future.failed(new TcpException("packet buffers exhausted"));
        }
        return write(p);
    }

    /** Moves queued writes into the send buffer while it has room; then the FIN's place is known. */
    private void admitPendingWrites() {
        if (pendingWrites != null) {
            while (!pendingWrites.isEmpty() && sendBuffer.size() < sendBufferLimit) {
                PendingWrite w = pendingWrites.pollFirst();
                sendBuffer.append(w.data);
                w.promise.complete(null);
            }
        }
        if (finQueued && !finSeqValid && (pendingWrites == null || pendingWrites.isEmpty())) {
            finSeqValid = true;
            finSeq = sndBufSeq + sendBuffer.size();
        }
    }

    @Override
    public Future<Void> shutdownOutput() {
        assert shard.isCurrent();
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
        finQueued = true;
        admitPendingWrites();
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
    public Future<Void> close() {
        assert shard.isCurrent();
        if (readClosed) {
            return finAckedPromise != null ? finAckedPromise : Future.done();
        }
        readClosed = true;
        if (pendingRead != null) {
            Promise<Packet> r = pendingRead;
            pendingRead = null;
            r.fail(new ConnectionAbortedException("connection closed while reading"));
        }
        if (state == TcpState.CLOSED) {
            readable.clear();
            return error != null ? Future.failed(error) : Future.done();
        }
        if (!readable.isEmpty() || (outOfOrder != null && outOfOrder.segments() > 0)) {
            // RFC 1122 4.2.2.13: closing with unread data resets the connection.
            abortWithReset(new ConnectionAbortedException("closed with unread data; connection reset"));
            return Future.failed(error);
        }
        Future<Void> f = shutdownOutput();
        if (state == TcpState.FIN_WAIT_2) {
            lingerTimer.arm(config.finWait2TimeoutNanos());
        }
        return f;
    }

    @Override
    public void abort() {
        assert shard.isCurrent();
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
    public int localAddress() {
        return localIp;
    }

    @Override
    public int localPort() {
        return localPort;
    }

    @Override
    public int remoteAddress() {
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
        this.noDelay = noDelay;
        if (noDelay) {
            scheduleOutput();
        }
    }

    @Override
    public boolean noDelay() {
        return noDelay;
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
        sendBufferLimit = bytes;
        admitPendingWrites();
        scheduleOutput();
    }

    @Override
    public int sendBufferSize() {
        return sendBufferLimit;
    }

    @Override
    public void setReceiveBufferSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("receive buffer size must be positive");
        }
        rcvBufferSize = state.isSynchronized() ? Math.min(bytes, 65535 << rcvShift) : bytes;
        maybeSendWindowUpdate();
    }

    @Override
    public int receiveBufferSize() {
        return rcvBufferSize;
    }

    @Override
    public int maxSegmentSize() {
        return effectiveMss();
    }

    @Override
    public TcpConnectionStats stats() {
        return new TcpConnectionStats(segmentsIn, segmentsOut, bytesIn, bytesOut, retransmits, timeouts,
                fastRetransmits, outOfOrderSegments, duplicates, drops, rtt.srtt(), rtt.rto(), cc.cwnd,
                cc.ssthresh, sndWnd, receiveWindow(), effectiveMss());
    }

    /** The last soft ICMP error (RFC 1122 4.2.3.9), or null. */
    String softError() {
        return softError;
    }

    private String peer() {
        return io.panamax.ip.Ipv4Address.toString(remoteIp) + ":" + remotePort;
    }

    @Override
    public String toString() {
        return "TcpConnection[" + io.panamax.ip.Ipv4Address.toString(localIp) + ":" + localPort + " -> " + peer()
                + " " + state + "]";
    }
}
