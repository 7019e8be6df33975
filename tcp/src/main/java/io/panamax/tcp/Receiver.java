package io.panamax.tcp;

import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.SeqNum;
import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static io.panamax.tcp.wire.TcpHeader.RST;
import static io.panamax.tcp.wire.TcpHeader.SYN;

/**
 * The receiving half of a connection (gVisor's {@code receiver}): the receive sequence variables
 * of RFC 9293 3.3.1, the acceptability test and trimming of the first check of 3.10.7.4, PAWS and
 * TS.Recent (RFC 7323 4.3, 5.3), the text and FIN (seventh and eighth checks) with the reassembly
 * queue, the window to advertise with receiver-side silly-window avoidance (RFC 9293 3.8.6.2.2),
 * the delayed-ACK policy (RFC 5681 4.2, RFC 1122 4.2.3.2) and the SACK blocks (RFC 2018 4).
 *
 * <p>Confined to the connection's shard, like its {@link Tcb}, which assembles the segments.
 */
final class Receiver {
    /** RFC 7323 5.5: a TS.Recent older than 24 days is invalid for PAWS. */
    private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;
    /**
     * Coalesced segments (GRO/LRO: the NIC merged several full-sized segments into one) acknowledged
     * by one ACK, the second of them. Linux acknowledges a GRO'd skb at once only when its window
     * would not shrink and otherwise on the application's read; into its own iperf3 server that was
     * 0.47 and 0.67 ACKs per coalesced segment in two runs (nstat over veth). Here the application takes the data within
     * the same loop turn, so a read-driven ACK would follow every segment: every second one is
     * acknowledged instead, as RFC 5681 4.2 acknowledges every second full-sized segment. Each ACK
     * costs a TAP write and the sender's kernel an ACK to process (issue 15). One per four (0.33-0.36
     * ACKs per frame) moved less in every one of three A/B pairs into the echo sample with a 2 MB
     * window (4.76/3.44/3.90 -> 2.75/2.99/2.56 Gbit/s, load 11-12): the sender is clocked by them.
     */
    static final int COALESCED_PER_ACK = 2;
    /*
     * How long the ACK of a lone coalesced segment waits for the next one is
     * TcpConfig.coalescedAckDelayNanos (200 µs): about ten round trips over TAP (a UDP round trip
     * there is about 20 µs), far under the 40 ms delayed-ACK time a full-sized segment may wait. A
     * sender whose window holds just that one segment stalls no longer than this, and then not
     * again for a while: after a lone coalesced segment's ACK timed out the sender was waiting for
     * it (its congestion or send window held just that segment, as under loss), so the next
     * TcpConfig.coalescedQuickAcksMin (16) coalesced segments are acknowledged at once, doubling at
     * each further timeout up to coalescedQuickAcksMax (1,024) and halving (to the minimum at least)
     * each time a second one arrives within the delay: a window-limited sender, which never sends
     * that second one, pays the delay a few times, then once per 1,024 round trips at most, while a
     * streaming sender that paused (preempted, say) is back to one ACK per two within a few segments.
     */

    /**
     * Window left under which a sender counts as held by the window, for autotuning: a Linux sender
     * with TSO (or GSO, as into a TAP device without offloads) defers rather than send less than
     * its 64 KB super-segment while the window allows only that (tcp_tso_should_defer), so it
     * stops with up to 64 KB of window unused; "less than one MSS left" missed every such stop
     * (iperf3 over TAP: the client hit the window thousands of times, the buffer never grew).
     */
    static final int TSO_DEFER_BYTES = 64 * 1024;

    private final Tcb tcb;
    private final TcpConfig config;
    private final TcpCounters counters;

    // ---- receive sequence variables (RFC 9293 3.3.1) ----
    int irs;
    int rcvNxt;
    /** RCV.NXT + RCV.WND as last advertised: the window never shrinks below it. */
    int rcvAdvEdge;
    /** The window last advertised, in octets (the field times the scale unit). */
    private int rcvWndAdvertised;
    /** The window scale shift this side announced (RFC 7323 2.3). */
    int rcvShift;
    int rcvBufferSize;
    /** Grows {@link #rcvBufferSize} with what the application reads per round trip (issue 15). */
    final ReceiveBufferTuner tuner = new ReceiveBufferTuner();
    final ReceiveQueue readable = new ReceiveQueue();
    ReassemblyQueue outOfOrder;
    boolean finReceived;

    // ---- segment sizes ----
    /** The MSS this side advertised. */
    int advertisedMss;
    /** The largest payload the peer sent, for "full-sized" (RFC 5681 4.2) and SWS decisions. */
    int rcvMss;

    // ---- timestamps (RFC 7323 4.3) ----
    int tsRecent;
    private long tsRecentTime;
    /** RCV.NXT as carried in the last ACK sent (Last.ACK.sent, RFC 7323 4.3). */
    int lastAckSent;

    // ---- acknowledgments ----
    /** An ACK is due now. */
    boolean ackNow;
    private int unackedBytes;
    /** Coalesced segments (LRO/GRO: more than one MSS of payload) received since the last ACK. */
    private int unackedCoalesced;
    /** Coalesced segments still to acknowledge at once, since a lone one's ACK timed out. */
    private int coalescedQuickAcks;
    /** What {@link #coalescedQuickAcks} becomes at the next such timeout. */
    private int coalescedBackoff;
    private int quickAcks;
    private final Timer delAckTimer;

    // ---- D-SACK (RFC 2883) ----
    /** A duplicate to report in the next ACK's first SACK block: [dsackLeft, dsackRight). */
    private boolean dsackPending;
    private int dsackLeft;
    private int dsackRight;

    // ---- counters ----
    long bytesIn;
    long outOfOrderSegments;
    long duplicates;

    Receiver(Tcb tcb, TcpConfig config, TcpCounters counters) {
        this.tcb = tcb;
        this.config = config;
        this.counters = counters;
        this.rcvBufferSize = config.receiveBufferSize();
        this.quickAcks = config.quickAckSegments();
        this.coalescedBackoff = config.coalescedQuickAcksMin();
        this.delAckTimer = tcb.shard().timers().newTimer(this::onDelayedAckTimeout);
    }

    /** The peer's SYN: its sequence number is IRS, the next one expected follows the SYN. */
    void init(int irs) {
        this.irs = irs;
        rcvNxt = irs + 1;
    }

    /** The peer's TSval from its SYN or SYN-ACK (RFC 7323 4.3 (1)). */
    void initTsRecent(int tsVal) {
        tsRecent = tsVal;
        tsRecentTime = tcb.shard().turnNanos();
    }

    /** The options are settled: a receive buffer beyond the largest window we can announce is cut to it. */
    void negotiated(int sndMss) {
        // The peer's full-sized segments carry the options every segment carries (RFC 6691: the
        // timestamps), so their payload is that much less than the MSS; without this, two
        // full-sized segments are short of 2·MSS and only every third is acknowledged (RFC 5681 4.2).
        rcvMss = Math.max(1, Math.min(advertisedMss, Math.max(sndMss, Tcb.DEFAULT_MSS)) - tcb.fixedOptionsLength());
        int maxRcv = 65535 << rcvShift;
        if (rcvBufferSize > maxRcv) {
            rcvBufferSize = maxRcv;
        }
    }

    // =====================================================================================
    // The first check of RFC 9293 3.10.7.4, and RFC 7323
    // =====================================================================================

    /**
     * PAWS (RFC 7323 5.3 R1): an older TSval than TS.Recent marks an old duplicate; it is to be
     * acknowledged and dropped.
     */
    boolean pawsRejects(Segment seg) {
        return SeqNum.lt(seg.options.tsVal, tsRecent) && tcb.shard().turnNanos() - tsRecentTime < PAWS_IDLE_NANOS;
    }

    /**
     * The sequence number test of RFC 9293 3.10.7.4 (the acceptability table), then trimming to
     * the window. Returns false when the segment is to be dropped (an ACK is then due unless it was
     * a RST).
     */
    boolean acceptable(Segment seg) {
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
                if (tcb.state == TcpState.TIME_WAIT && seg.has(FIN)) {
                    // RFC 9293 3.10.7.4 eighth check: a retransmitted FIN restarts the 2 MSL wait.
                    tcb.restartTimeWait();
                }
            }
            if (segLen > 0 && SeqNum.le(seg.seq + segLen, rcvNxt)) {
                if (seg.payloadLength > 0) {
                    // RFC 2883 4.1.1: tell the sender the data came twice.
                    reportDuplicate(seg.seq, seg.seq + seg.payloadLength);
                }
                duplicates++;
                counters.duplicates.increment();
                tcb.drops++;
            } else {
                tcb.drop(DropReason.OUT_OF_WINDOW);
            }
            return false;
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
                // RFC 2883 4.1.2: the part received before is reported.
                reportDuplicate(seg.seq, seg.seq + n);
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
        return true;
    }

    /** RFC 7323 4.3: remember the timestamp of the segment that our next ACK answers. */
    void updateTsRecent(Segment seg) {
        if (tcb.tsOn && seg.options.hasTimestamps && SeqNum.ge(seg.options.tsVal, tsRecent)
                && SeqNum.le(seg.seq, lastAckSent)) {
            tsRecent = seg.options.tsVal;
            tsRecentTime = tcb.shard().turnNanos();
        }
    }

    // =====================================================================================
    // Text and FIN (RFC 9293 3.10.7.4 seventh and eighth checks)
    // =====================================================================================

    /** The seventh (text) and eighth (FIN) checks of RFC 9293 3.10.7.4. */
    void processText(Segment seg) {
        int len = seg.payloadLength;
        if (len > 0) {
            TcpState state = tcb.state;
            if (!state.canReceive() || finReceived) {
                tcb.drop(DropReason.AFTER_CLOSE);
                return;
            }
            if (tcb.readClosed()) {
                // RFC 1122 4.2.2.13: data for a closed reader is lost; tell the peer with a RST.
                tcb.drop(DropReason.AFTER_CLOSE);
                tcb.abortWithReset(new ConnectionAbortedException("data arrived after close; connection reset"));
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
                if (rcvAdvEdge - rcvNxt < rcvMss) {
                    // The peer filled the window: is a larger receive buffer worth it? (issue 15)
                    counters.receiveWindowFilled.increment();
                }
                if (rcvAdvEdge - rcvNxt < Math.max(len, TSO_DEFER_BYTES)) {
                    // The peer is held by the window: less is left than this segment, or than the
                    // 64 KB a TSO sender waits for (below).
                    tuner.onWindowFilled();
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
                if (tuner.sampleEndsAt(rcvNxt)) {
                    tuner.endSample(tcb.shard().turnNanos());
                }
                delayedAckPolicy(len, filledGap);
                tcb.dataAvailable();
            } else {
                // Ahead of a gap: hold it, and ACK at once so the sender sees a duplicate ACK.
                outOfOrderSegments++;
                counters.outOfOrder.increment();
                int seq = seg.seq;
                ReassemblyQueue.Outcome o = reassembly().insert(seq, seg.takePayload());
                if (o == ReassemblyQueue.Outcome.FULL) {
                    tcb.drop(DropReason.OUT_OF_ORDER_FULL);
                } else if (o == ReassemblyQueue.Outcome.DUPLICATE) {
                    // RFC 2883 4.1.3: out-of-order data held already.
                    reportDuplicate(seq, seq + len);
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
            reassembly().setFin(seg.seq + len);
            ackNow = true;
        }
        if (!fin && outOfOrder != null && outOfOrder.finAt(rcvNxt)) {
            fin = true;
        }
        if (fin) {
            tcb.finArrived();
        }
    }

    private ReassemblyQueue reassembly() {
        if (outOfOrder == null) {
            outOfOrder = new ReassemblyQueue(config.outOfOrderLimitBytes(), config.outOfOrderLimitSegments());
        }
        return outOfOrder;
    }

    /** The peer's FIN is in order: it takes one sequence number, and is acknowledged at once. */
    void finInOrder() {
        finReceived = true;
        rcvNxt++;
        ackNow = true;
    }

    /**
     * RFC 5681 4.2: ACK every second full-sized segment at least, at once when a gap was filled,
     * and (as Linux) at once during the first segments; otherwise within the delayed-ACK time.
     * Coalesced segments (longer than the MSS this side advertised, so no sender sent them as one:
     * RFC 9293 3.7.1) count as one each: every {@link #COALESCED_PER_ACK}th is acknowledged, or
     * sooner once half the receive buffer is unacknowledged (the sender must not run out of window
     * waiting), or after {@link TcpConfig#coalescedAckDelayNanos}; at once for a while after that
     * delay ran out ({@link TcpConfig#coalescedQuickAcksMin}).
     */
    private void delayedAckPolicy(int len, boolean filledGap) {
        unackedBytes += len;
        boolean coalesced = len > advertisedMss;
        if (coalesced) {
            unackedCoalesced++;
        }
        if (filledGap || quickAcks > 0) {
            if (quickAcks > 0) {
                quickAcks--;
            }
            ackNow = true;
        } else if (unackedCoalesced > 0) {
            if (unackedCoalesced >= COALESCED_PER_ACK) {
                ackNow = true;
                // A second one came within the delay: the sender streams, holding costs it nothing.
                coalescedBackoff = Math.max(config.coalescedQuickAcksMin(), coalescedBackoff >>> 1);
            } else if (unackedBytes >= rcvBufferSize / 2) {
                ackNow = true;
            } else if (coalescedQuickAcks > 0) {
                coalescedQuickAcks--;
                ackNow = true;
            } else if (!delAckTimer.isArmed() || delAckTimer.deadline() - tcb.shard().turnNanos() > config.coalescedAckDelayNanos()) {
                delAckTimer.arm(config.coalescedAckDelayNanos());
            }
        } else if (unackedBytes >= 2 * rcvMss) {
            ackNow = true;
        } else if (!delAckTimer.isArmed()) {
            delAckTimer.arm(config.delayedAckNanos());
        }
    }

    private void onDelayedAckTimeout() {
        if (unackedCoalesced > 0) {
            // No second segment came: the sender waited for this ACK. Acknowledge the next ones at once.
            coalescedQuickAcks = coalescedBackoff;
            coalescedBackoff = Math.min(2 * coalescedBackoff, config.coalescedQuickAcksMax());
        }
        if (tcb.state != TcpState.CLOSED && unackedBytes > 0) {
            tcb.sendAck();
        }
    }

    /**
     * The application took {@code bytes}: autotuning may grow the buffer ({@link ReceiveBufferTuner}),
     * up to the configured maximum cut to what the negotiated scale announces.
     */
    void applicationRead(int bytes) {
        if (!tuner.enabled() || !tcb.state.isSynchronized()) {
            return;
        }
        long now = tcb.shard().turnNanos();
        int limit = rcvBufferSize; // a read inside a measuring interval only counts its bytes
        if (tuner.measureDue(now)) {
            int max = (int) Math.min(config.maxReceiveBufferSize(), 65535L << rcvShift);
            limit = ReceiveBufferTuner.limit(max, rcvBufferSize, rcvMss, tcb.shard().packets().buffers());
        }
        int grown = tuner.onRead(bytes, rcvBufferSize, rcvMss, limit, now);
        if (grown > rcvBufferSize) {
            rcvBufferSize = grown;
            counters.receiveBufferGrowths.increment();
        }
    }

    /** Whether out-of-order data is held (RFC 1122 4.2.2.13 counts it as unread). */
    boolean holdsOutOfOrder() {
        return outOfOrder != null && outOfOrder.segments() > 0;
    }

    /** The connection is closed: buffers go back; unread data too when {@code dropReadable}. */
    void close(boolean dropReadable) {
        delAckTimer.cancel();
        if (outOfOrder != null) {
            outOfOrder.clear();
        }
        if (dropReadable) {
            readable.clear();
        }
    }

    // =====================================================================================
    // What every ACK carries: the window and the SACK blocks
    // =====================================================================================

    /** Fills in what an ACK carries (RCV.NXT, the window) and notes that it is sent. */
    void fillAck(SegmentWriter w) {
        w.ack = rcvNxt;
        w.window = windowToAdvertise();
        if (tuner.idle()) {
            tuner.onEdgeAdvertised(rcvAdvEdge, tcb.shard().turnNanos());
        }
        lastAckSent = rcvNxt;
        ackNow = false;
        unackedBytes = 0;
        unackedCoalesced = 0;
        delAckTimer.cancel();
    }

    /** A duplicate arrived: the next ACK reports it as a D-SACK block (RFC 2883 4), if SACK is on. */
    private void reportDuplicate(int left, int right) {
        if (tcb.sackOn) {
            dsackPending = true;
            dsackLeft = left;
            dsackRight = right;
        }
    }

    /**
     * Fills in the SACK blocks (RFC 2018 4) when data is held out of order, after a D-SACK block
     * for the last duplicate if there is one (RFC 2883 4: first, and in one ACK only).
     */
    void fillSack(SegmentWriter w) {
        int n = 0;
        int max = sackBlockCount();
        if (dsackPending && max > 0) {
            w.options.sackLeft[0] = dsackLeft;
            w.options.sackRight[0] = dsackRight;
            n = 1;
            dsackPending = false;
        }
        if (tcb.sackOn && holdsOutOfOrder() && max > n) {
            n += fillSackBlocks(w, n, max - n);
        }
        w.options.sackBlocks = n;
    }

    /** The reassembly queue's blocks into the writer from index {@code at}; allocation-free. */
    private int fillSackBlocks(SegmentWriter w, int at, int max) {
        if (at == 0) {
            return outOfOrder.sackBlocks(w.options.sackLeft, w.options.sackRight, max);
        }
        int n = outOfOrder.sackBlocks(scratchLeft, scratchRight, max);
        System.arraycopy(scratchLeft, 0, w.options.sackLeft, at, n);
        System.arraycopy(scratchRight, 0, w.options.sackRight, at, n);
        return n;
    }

    private final int[] scratchLeft = new int[TcpOptions.MAX_SACK_BLOCKS];
    private final int[] scratchRight = new int[TcpOptions.MAX_SACK_BLOCKS];

    /** Option bytes the SACK blocks take in the next segment, 0 when none are sent. */
    int sackOptionLength() {
        int blocks = (dsackPending ? 1 : 0) + (tcb.sackOn && holdsOutOfOrder() ? outOfOrder.segments() : 0);
        if (blocks == 0) {
            return 0;
        }
        return TcpOptions.alignedSackLength(Math.min(blocks, sackBlockCount()));
    }

    /** SACK blocks that fit beside the options every segment carries (RFC 2018 3: 3 with timestamps). */
    private int sackBlockCount() {
        int room = (TcpHeader.MAX_OPTIONS_LENGTH - tcb.fixedOptionsLength() - 4) / TcpOptions.SACK_BLOCK_LENGTH;
        return Math.min(room, TcpOptions.MAX_SACK_BLOCKS);
    }

    /**
     * The window field for the next segment, with receiver-side SWS avoidance (RFC 9293
     * 3.8.6.2.2): the right edge moves only when the free buffer exceeds the current window by
     * min(buffer/2, MSS), and it never moves left. Rounded up to the scale unit so that scaling
     * never shrinks it (RFC 7323 2.4).
     *
     * <p>One exception, after Linux (net/ipv4/tcp_output.c, __tcp_select_window keeps its offer
     * while the free space covers it): while the application has read everything, a window of at
     * least that size, last advertised and still within the buffer, is offered again, its right
     * edge following RCV.NXT. The window is no smaller than before, so nothing silly is offered
     * (an application that is behind still moves the edge by the RFC's amounts only), and the
     * window field stays the same from segment to segment, which a Linux peer's header prediction
     * needs (its pred_flags hold the window field). With the edge held, a request/response
     * connection's window fell by each request's length, and every response took the peer's
     * slow path (tcp_data_queue, tcp_ack's window update). Over TAP the tun write(2) runs the
     * peer's TCP input on the writer's CPU: for the Netty HTTP echo under wrk -c32 it was 35 % of
     * the server thread's perf samples against 23 % for the same responses from Linux's TCP
     * (Netty epoll over veth), tcp_data_queue alone 11 %; with the field constant, 0.
     */
    int windowToAdvertise() {
        int free = Math.max(0, rcvBufferSize - readable.size());
        int current = receiveWindow();
        int wnd = current;
        int worthwhile = Math.min(rcvBufferSize / 2, rcvMss);
        if (free - current >= worthwhile) {
            wnd = free;
        } else if (readable.size() == 0 && rcvWndAdvertised >= worthwhile && rcvWndAdvertised <= free && rcvWndAdvertised > current) {
            wnd = rcvWndAdvertised;
        }
        long field = ((long) wnd + (1L << rcvShift) - 1) >>> rcvShift;
        if (field > 65535) {
            field = 65535;
        }
        rcvWndAdvertised = (int) (field << rcvShift);
        int edge = rcvNxt + rcvWndAdvertised;
        TcpState state = tcb.state;
        if (SeqNum.gt(edge, rcvAdvEdge) || !state.isSynchronized() || state == TcpState.SYN_RECEIVED) {
            rcvAdvEdge = edge;
        }
        return (int) field;
    }

    /** The window in a SYN or SYN-ACK: never scaled (RFC 7323 2.2). */
    int synWindow() {
        return Math.min(rcvBufferSize, 65535);
    }

    /** RCV.WND: what the peer may still send beyond RCV.NXT. */
    int receiveWindow() {
        return Math.max(0, rcvAdvEdge - rcvNxt);
    }

    /**
     * After a read: whether the window grew enough to matter (the peer may be stalled on a small or
     * zero window) for an update to go at once; otherwise the next ACK carries it.
     */
    boolean windowUpdateDue() {
        int free = Math.max(0, rcvBufferSize - readable.size());
        int current = receiveWindow();
        return free - current >= Math.min(rcvBufferSize / 2, rcvMss) && current < rcvBufferSize / 2;
    }
}
