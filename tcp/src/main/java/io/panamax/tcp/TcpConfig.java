package io.panamax.tcp;

import io.panamax.tcp.congestion.CongestionControls;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a shard's {@link Tcp}; every one has a default ({@link #defaults()}), and
 * {@link #builder()} changes a few. Durations are held in nanoseconds.
 *
 * @param sendBufferSize         bytes a connection accepts from the application before
 *                               {@code write} futures wait (back-pressure)
 * @param receiveBufferSize      bytes of in-order data a connection holds for the application at
 *                               first: the receive window is what is left of it (Linux's
 *                               {@code tcp_rmem} default); autotuning may grow it later
 * @param maxReceiveBufferSize   the largest receive buffer a connection may get later (Linux's
 *                               {@code tcp_rmem} maximum), from receive-buffer autotuning or from
 *                               {@link TcpConnection#setReceiveBufferSize}: the window-scale shift
 *                               offered in the SYN is chosen for it, since the shift cannot change
 *                               after the handshake (RFC 7323 2.2); at least
 *                               {@code receiveBufferSize} (the builder raises a smaller one to it).
 *                               <p>Autotuning (on unless this equals {@code receiveBufferSize}, and
 *                               until the application sets a connection's buffer itself, as
 *                               {@code SO_RCVBUF} turns it off in Linux) grows a connection's buffer
 *                               to about twice what its application read in one round trip (Linux's
 *                               dynamic right-sizing, {@code tcp_rcv_space_adjust}) when the peer
 *                               ran into the window, never shrinking it, bounded by this, by the window the negotiated scale announces,
 *                               and by memory: at most a quarter of the shard's packet buffers at one
 *                               full-sized segment each (2.97 MB with the reactor's 8,192 buffers and
 *                               an MSS of 1,448), and no growth while fewer than half of them are free.
 *                               Default {@link #DEFAULT_MAX_RECEIVE_BUFFER_SIZE}
 * @param outOfOrderLimitBytes   payload bytes kept out of order per connection; beyond it new
 *                               out-of-order segments are dropped (counted) and retransmitted later
 * @param outOfOrderLimitSegments segments kept out of order per connection (each pins a buffer)
 * @param timeWaitNanos          how long a connection stays in TIME-WAIT: 2·MSL (RFC 9293 3.4.2)
 * @param finWait2TimeoutNanos   how long a connection the application has closed waits in
 *                               FIN-WAIT-2 for the peer's FIN (Linux tcp_fin_timeout)
 * @param initialRtoNanos        the retransmission timeout before any RTT sample (RFC 6298 2.1)
 * @param minRtoNanos            the lower bound of the retransmission timeout (RFC 6298 2.4)
 * @param maxRtoNanos            the upper bound, also of the persist interval (RFC 6298 2.5)
 * @param maxRetransmits         retransmissions of one segment before the connection times out
 * @param synRetries             SYN retransmissions before a connect times out
 * @param delayedAckNanos        the longest an ACK is delayed (RFC 1122 4.2.3.2: under 0.5 s)
 * @param quickAckSegments       data segments acknowledged at once at the start of a connection,
 *                               as Linux's quick-ACK mode does, so slow start is not slowed
 * @param coalescedAckDelayNanos how long the ACK of a lone coalesced segment (GRO/LRO: longer than
 *                               the MSS advertised) waits for a second one; coalesced segments are
 *                               acknowledged every second one, or after this delay
 * @param coalescedQuickAcksMin  coalesced segments acknowledged at once after a lone one's ACK
 *                               waited the whole delay (the sender was waiting for it)
 * @param coalescedQuickAcksMax  the most that count doubles to, one timeout after another
 * @param keepAlive              whether new connections send keep-alives (RFC 1122 4.2.3.6: off)
 * @param keepAliveIdleNanos     idle time before the first keep-alive probe
 * @param keepAliveIntervalNanos time between unanswered probes
 * @param keepAliveProbes        unanswered probes before the connection times out
 * @param noDelay                whether new connections turn Nagle's algorithm off
 * @param backlog                per listener: established connections waiting to be accepted
 *                               (the accept queue); a SYN or handshake ACK beyond it is dropped
 *                               and counted
 * @param isnSecretHigh          first half of the RFC 6528 ISN key
 * @param isnSecretLow           second half of the RFC 6528 ISN key
 * @param ephemeralPortLow       first local port for active opens
 * @param ephemeralPortHigh      last local port for active opens
 * @param windowScaling          offer Window Scale (RFC 7323 2)
 * @param timestamps             offer Timestamps (RFC 7323 3)
 * @param sackPermitted          offer SACK-Permitted (RFC 2018); with SACK on, this stack sends
 *                               SACK blocks and recovers losses by RFC 6675 with PRR (RFC 6937)
 *                               and the tail loss probe (RFC 8985 7), else by NewReno (RFC 6582)
 * @param ecn                    negotiate Explicit Congestion Notification (RFC 3168 6.1.1) on
 *                               connections this side opens, and accept it on those the peer
 *                               opens; off by default (neither: Linux's default tcp_ecn=2
 *                               would still accept it on passive opens)
 * @param initialWindowSegments  the initial congestion window in segments (RFC 6928: 10)
 * @param challengeAckPerSecond  challenge ACKs a shard sends per second at most (RFC 5961 7)
 * @param congestionControl      the congestion control of new connections, by name
 *                               ({@link CongestionControls#create}): "cubic" (default, RFC 9438 with
 *                               HyStart++) or "newreno"
 * @param synQueueSize           per listener: half-open (SYN-RECEIVED) connections held at most,
 *                               apart from the accept queue ({@code backlog}); beyond it a SYN is
 *                               answered with a SYN cookie or dropped ({@link #synCookies})
 * @param synCookies             when a listener answers a SYN with a SYN cookie (RFC 4987 3.6)
 *                               instead of keeping state
 * @param userTimeoutNanos       the user timeout of new connections (RFC 9293 3.10.1's USER
 *                               TIMEOUT with RFC 5482 2's semantics, Linux's TCP_USER_TIMEOUT):
 *                               how long sent data may stay unacknowledged, or wait on a closed
 *                               window, before the connection is aborted; 0 (default) leaves it
 *                               to {@code maxRetransmits}
 * @param frto                   detect spurious retransmission timeouts with F-RTO (RFC 5682,
 *                               its SACK-enhanced variant with SACK) and undo their reduction; on
 *                               by default, as Linux's tcp_frto
 * @param userTimeoutOption      RFC 5482's ENABLED: send the User Timeout option (kind 28) with
 *                               this side's user timeout, and adapt the user timeout to a peer's
 *                               option within the limits below; off by default (Linux implements
 *                               neither)
 * @param userTimeoutLowerNanos  RFC 5482 3.1's L_LIMIT: no peer's option makes the user timeout
 *                               shorter (default 100 s, RFC 1122 4.2.3.5's R2)
 * @param userTimeoutUpperNanos  RFC 5482 3.1's U_LIMIT: no peer's option makes it longer (default
 *                               30 minutes)
 * @param rescueRetransmission   RFC 6675's NextSeg rule 4: once per SACK recovery, with nothing new
 *                               to send, resend the highest unSACKed segment when it is the last
 *                               original transmission unaccounted for; off by default, as Linux
 *                               (it is spurious whenever that segment was merely behind the
 *                               others)
 */
public record TcpConfig(
        int sendBufferSize,
        int receiveBufferSize,
        int maxReceiveBufferSize,
        int outOfOrderLimitBytes,
        int outOfOrderLimitSegments,
        long timeWaitNanos,
        long finWait2TimeoutNanos,
        long initialRtoNanos,
        long minRtoNanos,
        long maxRtoNanos,
        int maxRetransmits,
        int synRetries,
        long delayedAckNanos,
        int quickAckSegments,
        long coalescedAckDelayNanos,
        int coalescedQuickAcksMin,
        int coalescedQuickAcksMax,
        boolean keepAlive,
        long keepAliveIdleNanos,
        long keepAliveIntervalNanos,
        int keepAliveProbes,
        boolean noDelay,
        int backlog,
        long isnSecretHigh,
        long isnSecretLow,
        int ephemeralPortLow,
        int ephemeralPortHigh,
        boolean windowScaling,
        boolean timestamps,
        boolean sackPermitted,
        boolean ecn,
        int initialWindowSegments,
        int challengeAckPerSecond,
        String congestionControl,
        int synQueueSize,
        SynCookieMode synCookies,
        long userTimeoutNanos,
        boolean frto,
        boolean userTimeoutOption,
        long userTimeoutLowerNanos,
        long userTimeoutUpperNanos,
        boolean rescueRetransmission) {

    /** The largest window a receive buffer can advertise: {@code 65535 << 14} (RFC 7323 2.3). */
    public static final int MAX_WINDOW = 65535 << 14;

    /**
     * The default {@link #maxReceiveBufferSize}: 4 MiB, window scale 7 (Linux's default
     * {@code tcp_rmem} maximum is 6 MiB, with the same scale). With the reactor's default pool the
     * memory bound (2.97 MB at an MSS of 1,448) comes first. iperf3 into the echo sample over TAP,
     * under a load average of 6-7, grew its stream's window to 0.26-1.1 MB (docs/tap.md).
     */
    public static final int DEFAULT_MAX_RECEIVE_BUFFER_SIZE = 4 * 1024 * 1024;

    public TcpConfig {
        positive("sendBufferSize", sendBufferSize);
        positive("receiveBufferSize", receiveBufferSize);
        if (receiveBufferSize > MAX_WINDOW) {
            throw new IllegalArgumentException("receiveBufferSize above the largest window " + MAX_WINDOW);
        }
        if (maxReceiveBufferSize < receiveBufferSize || maxReceiveBufferSize > MAX_WINDOW) {
            throw new IllegalArgumentException("maxReceiveBufferSize must be in [receiveBufferSize, " + MAX_WINDOW + "], got "
                    + maxReceiveBufferSize);
        }
        positive("outOfOrderLimitSegments", outOfOrderLimitSegments);
        if (outOfOrderLimitBytes < 0) {
            throw new IllegalArgumentException("outOfOrderLimitBytes must not be negative");
        }
        if (minRtoNanos <= 0 || initialRtoNanos < minRtoNanos || maxRtoNanos < initialRtoNanos) {
            throw new IllegalArgumentException("need 0 < minRto <= initialRto <= maxRto");
        }
        positive("maxRetransmits", maxRetransmits);
        positive("synRetries", synRetries);
        if (delayedAckNanos < 0 || delayedAckNanos >= 500_000_000L) {
            throw new IllegalArgumentException("delayedAck must be in [0, 500 ms) (RFC 1122 4.2.3.2)");
        }
        if (coalescedAckDelayNanos < 0 || coalescedAckDelayNanos > delayedAckNanos) {
            throw new IllegalArgumentException("coalescedAckDelay must be in [0, delayedAck]");
        }
        if (coalescedQuickAcksMin < 0 || coalescedQuickAcksMax < coalescedQuickAcksMin) {
            throw new IllegalArgumentException("need 0 <= coalescedQuickAcksMin <= coalescedQuickAcksMax");
        }
        positive("backlog", backlog);
        positive("synQueueSize", synQueueSize);
        Objects.requireNonNull(synCookies, "synCookies");
        if (ephemeralPortLow < 1 || ephemeralPortHigh > 65535 || ephemeralPortLow > ephemeralPortHigh) {
            throw new IllegalArgumentException("bad ephemeral port range " + ephemeralPortLow + ".." + ephemeralPortHigh);
        }
        positive("initialWindowSegments", initialWindowSegments);
        positive("keepAliveProbes", keepAliveProbes);
        Objects.requireNonNull(congestionControl, "congestionControl");
        if (!CongestionControls.names().contains(congestionControl)) {
            throw new IllegalArgumentException("unknown congestion control \"" + congestionControl + "\"; known: "
                    + CongestionControls.names());
        }
        if (userTimeoutNanos < 0) {
            throw new IllegalArgumentException("userTimeout must not be negative");
        }
        if (userTimeoutLowerNanos <= 0 || userTimeoutUpperNanos < userTimeoutLowerNanos) {
            throw new IllegalArgumentException("user timeout limits: need 0 < lower <= upper");
        }
        if (timeWaitNanos < 0 || finWait2TimeoutNanos <= 0 || keepAliveIdleNanos <= 0 || keepAliveIntervalNanos <= 0) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }

    /** The defaults, with a fresh random ISN key. */
    public static TcpConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The window-scale shift this stack asks for: the smallest that lets the largest receive buffer
     * ({@link #maxReceiveBufferSize}) be advertised.
     */
    public int windowShift() {
        if (!windowScaling) {
            return 0;
        }
        int shift = 0;
        while (shift < 14 && (65535L << shift) < maxReceiveBufferSize) {
            shift++;
        }
        return shift;
    }

    /** Builds a {@link TcpConfig}. */
    public static final class Builder {
        private int sendBufferSize = 256 * 1024;
        private int receiveBufferSize = 256 * 1024;
        private int maxReceiveBufferSize = DEFAULT_MAX_RECEIVE_BUFFER_SIZE;
        private int outOfOrderLimitBytes = -1;
        private int outOfOrderLimitSegments = 512;
        private long timeWait = Duration.ofSeconds(60).toNanos();
        private long finWait2Timeout = Duration.ofSeconds(60).toNanos();
        private long initialRto = Duration.ofSeconds(1).toNanos();
        private long minRto = Duration.ofMillis(200).toNanos();
        private long maxRto = Duration.ofSeconds(60).toNanos();
        private int maxRetransmits = 15;
        private int synRetries = 6;
        private long delayedAck = Duration.ofMillis(40).toNanos();
        private int quickAckSegments = 16;
        // 200 µs: about ten round trips over TAP (a UDP round trip there is about 20 µs), far under
        // the 40 ms a full-sized segment may wait: a sender whose window holds one coalesced
        // segment stalls no longer than this (issue 15).
        private long coalescedAckDelay = 200_000L;
        // 16 to 1,024: a window-limited sender (as under loss) pays the delay a few times, then once
        // per 1,024 round trips at most; under 1 % netem loss over TAP 16 brought the ACKs per frame
        // back to 0.91, as with one ACK per segment (Receiver's comments).
        private int coalescedQuickAcksMin = 16;
        private int coalescedQuickAcksMax = 1024;
        private boolean keepAlive;
        private long keepAliveIdle = Duration.ofHours(2).toNanos();
        private long keepAliveInterval = Duration.ofSeconds(75).toNanos();
        private int keepAliveProbes = 9;
        private boolean noDelay;
        private int backlog = 128;
        private Long isnHigh;
        private Long isnLow;
        private int ephemeralLow = 32768;
        private int ephemeralHigh = 60999;
        private boolean windowScaling = true;
        private boolean timestamps = true;
        private boolean sackPermitted = true;
        private boolean ecn;
        private int initialWindowSegments = 10;
        private int challengeAckPerSecond = 1000;
        private String congestionControl = CongestionControls.CUBIC;
        private int synQueueSize = 4096;
        private SynCookieMode synCookies = SynCookieMode.WHEN_FULL;
        private long userTimeout;
        private boolean frto = true;
        private boolean userTimeoutOption;
        private long userTimeoutLower = 100_000_000_000L;
        private long userTimeoutUpper = 30 * 60 * 1_000_000_000L;
        private boolean rescueRetransmission;

        Builder() {
        }

        Builder(TcpConfig c) {
            sendBufferSize = c.sendBufferSize;
            receiveBufferSize = c.receiveBufferSize;
            maxReceiveBufferSize = c.maxReceiveBufferSize;
            outOfOrderLimitBytes = c.outOfOrderLimitBytes;
            outOfOrderLimitSegments = c.outOfOrderLimitSegments;
            timeWait = c.timeWaitNanos;
            finWait2Timeout = c.finWait2TimeoutNanos;
            initialRto = c.initialRtoNanos;
            minRto = c.minRtoNanos;
            maxRto = c.maxRtoNanos;
            maxRetransmits = c.maxRetransmits;
            synRetries = c.synRetries;
            delayedAck = c.delayedAckNanos;
            quickAckSegments = c.quickAckSegments;
            coalescedAckDelay = c.coalescedAckDelayNanos;
            coalescedQuickAcksMin = c.coalescedQuickAcksMin;
            coalescedQuickAcksMax = c.coalescedQuickAcksMax;
            keepAlive = c.keepAlive;
            keepAliveIdle = c.keepAliveIdleNanos;
            keepAliveInterval = c.keepAliveIntervalNanos;
            keepAliveProbes = c.keepAliveProbes;
            noDelay = c.noDelay;
            backlog = c.backlog;
            isnHigh = c.isnSecretHigh;
            isnLow = c.isnSecretLow;
            ephemeralLow = c.ephemeralPortLow;
            ephemeralHigh = c.ephemeralPortHigh;
            windowScaling = c.windowScaling;
            timestamps = c.timestamps;
            sackPermitted = c.sackPermitted;
            ecn = c.ecn;
            initialWindowSegments = c.initialWindowSegments;
            challengeAckPerSecond = c.challengeAckPerSecond;
            congestionControl = c.congestionControl;
            synQueueSize = c.synQueueSize;
            synCookies = c.synCookies;
            userTimeout = c.userTimeoutNanos;
            frto = c.frto;
            userTimeoutOption = c.userTimeoutOption;
            userTimeoutLower = c.userTimeoutLowerNanos;
            userTimeoutUpper = c.userTimeoutUpperNanos;
            rescueRetransmission = c.rescueRetransmission;
        }

        /** Bytes a connection accepts from the application before writes wait (default 256 KiB). */
        public Builder sendBufferSize(int bytes) {
            this.sendBufferSize = bytes;
            return this;
        }

        /**
         * Bytes of unread data a connection holds at first; sets the window (default 256 KiB).
         * Autotuning grows it up to {@link #maxReceiveBufferSize(int)}.
         */
        public Builder receiveBufferSize(int bytes) {
            this.receiveBufferSize = bytes;
            return this;
        }

        /**
         * The largest receive buffer a connection may get later, from autotuning or
         * {@link TcpConnection#setReceiveBufferSize}; sets the window-scale shift (default
         * {@link TcpConfig#DEFAULT_MAX_RECEIVE_BUFFER_SIZE}). Never below the receive buffer size (a
         * smaller value means that size, and turns autotuning off).
         */
        public Builder maxReceiveBufferSize(int bytes) {
            this.maxReceiveBufferSize = bytes;
            return this;
        }

        /** Payload bytes kept out of order per connection (default: the receive buffer size). */
        public Builder outOfOrderLimitBytes(int bytes) {
            this.outOfOrderLimitBytes = bytes;
            return this;
        }

        /** Segments kept out of order per connection (default 512). */
        public Builder outOfOrderLimitSegments(int segments) {
            this.outOfOrderLimitSegments = segments;
            return this;
        }

        /** Maximum segment lifetime; TIME-WAIT lasts twice this (default MSL 30 s, as Linux's 60 s TIME-WAIT). */
        public Builder msl(Duration msl) {
            this.timeWait = msl.toNanos() * 2;
            return this;
        }

        /** How long a closed connection waits in FIN-WAIT-2 for the peer (default 60 s). */
        public Builder finWait2Timeout(Duration d) {
            this.finWait2Timeout = d.toNanos();
            return this;
        }

        /** The retransmission timeout before any RTT sample (default 1 s, RFC 6298 2.1). */
        public Builder initialRto(Duration d) {
            this.initialRto = d.toNanos();
            return this;
        }

        /** Lower bound of the RTO (default 200 ms as Linux; RFC 6298 2.4 suggests 1 s). */
        public Builder minRto(Duration d) {
            this.minRto = d.toNanos();
            return this;
        }

        /** Upper bound of the RTO and of the persist interval (default 60 s, RFC 6298 2.5). */
        public Builder maxRto(Duration d) {
            this.maxRto = d.toNanos();
            return this;
        }

        /** Retransmissions of a segment, or unanswered zero-window probes, before the connection times out (default 15). */
        public Builder maxRetransmits(int n) {
            this.maxRetransmits = n;
            return this;
        }

        /**
         * The user timeout of new connections (RFC 5482 2, Linux's TCP_USER_TIMEOUT): sent data
         * unacknowledged, or waiting on a closed window, for longer aborts the connection with a
         * {@link ConnectionTimeoutException}; {@link Duration#ZERO} (default) leaves it to
         * {@link #maxRetransmits}. Per connection: {@link TcpConnection#setUserTimeout}.
         */
        public Builder userTimeout(Duration d) {
            this.userTimeout = d.toNanos();
            return this;
        }

        /**
         * The User Timeout option (RFC 5482, kind 28; RFC 5482's ENABLED, default off): connections
         * with a user timeout send it on their SYN or SYN-ACK and on their first segment after the
         * handshake, and again after {@link TcpConnection#setUserTimeout}; a peer's option sets the
         * user timeout to min(U_LIMIT, max(ours, the peer's, L_LIMIT)) unless the application chose
         * the connection's own ({@link #userTimeoutLimits}).
         */
        public Builder userTimeoutOption(boolean on) {
            this.userTimeoutOption = on;
            return this;
        }

        /** RFC 5482 3.1's L_LIMIT and U_LIMIT for a peer's User Timeout option (default 100 s and 30 minutes). */
        public Builder userTimeoutLimits(Duration lower, Duration upper) {
            this.userTimeoutLower = lower.toNanos();
            this.userTimeoutUpper = upper.toNanos();
            return this;
        }

        /**
         * RFC 6675 NextSeg rule 4, the rescue retransmission (default off, as Linux): once per SACK
         * recovery, with no new data to send, the segment holding the highest unSACKed byte is
         * resent when every other original transmission above the repaired holes is SACKed, a
         * round trip before RACK could find it lost. Spurious whenever that segment was only
         * behind the others.
         */
        public Builder rescueRetransmission(boolean on) {
            this.rescueRetransmission = on;
            return this;
        }

        /** F-RTO (RFC 5682): spurious timeouts detected and their reduction undone (default on, as Linux). */
        public Builder frto(boolean on) {
            this.frto = on;
            return this;
        }

        /** SYN (and SYN-ACK) retransmissions before an open gives up (default 6). */
        public Builder synRetries(int n) {
            this.synRetries = n;
            return this;
        }

        /** The longest an ACK waits for a second segment or a reply (default 40 ms; under 500 ms). */
        public Builder delayedAck(Duration d) {
            this.delayedAck = d.toNanos();
            return this;
        }

        /** Data segments acknowledged at once at the start of each connection (default 16). */
        public Builder quickAckSegments(int n) {
            this.quickAckSegments = n;
            return this;
        }

        /** How long a lone coalesced segment's ACK waits for a second one (default 200 µs; at most the delayed-ACK time). */
        public Builder coalescedAckDelay(Duration d) {
            this.coalescedAckDelay = d.toNanos();
            return this;
        }

        /**
         * Coalesced segments acknowledged at once after a lone one's ACK timed out: {@code min} after
         * the first timeout, doubling at each further one up to {@code max} (defaults 16 and 1,024).
         */
        public Builder coalescedQuickAcks(int min, int max) {
            this.coalescedQuickAcksMin = min;
            this.coalescedQuickAcksMax = max;
            return this;
        }

        /** Whether new connections send keep-alive probes (default off, RFC 1122 4.2.3.6). */
        public Builder keepAlive(boolean on) {
            this.keepAlive = on;
            return this;
        }

        /** Keep-alive timing: idle time before the first probe, time between probes, unanswered probes before giving up (default 2 h, 75 s, 9). */
        public Builder keepAlive(Duration idle, Duration interval, int probes) {
            this.keepAliveIdle = idle.toNanos();
            this.keepAliveInterval = interval.toNanos();
            this.keepAliveProbes = probes;
            return this;
        }

        /** Whether new connections turn Nagle's algorithm off (default false). */
        public Builder noDelay(boolean on) {
            this.noDelay = on;
            return this;
        }

        /** Default accept queue of listeners: established connections not yet accepted (default 128; see {@link TcpListener}). */
        public Builder backlog(int n) {
            this.backlog = n;
            return this;
        }

        /** The RFC 6528 secret key (default: 128 random bits from {@link SecureRandom}). */
        public Builder isnSecret(long high, long low) {
            this.isnHigh = high;
            this.isnLow = low;
            return this;
        }

        /** The local ports active opens choose from (default 32768..60999, as Linux). */
        public Builder ephemeralPorts(int low, int high) {
            this.ephemeralLow = low;
            this.ephemeralHigh = high;
            return this;
        }

        /** Whether to offer Window Scale (default on). */
        public Builder windowScaling(boolean on) {
            this.windowScaling = on;
            return this;
        }

        /** Whether to offer Timestamps (default on). */
        public Builder timestamps(boolean on) {
            this.timestamps = on;
            return this;
        }

        /** Whether to offer SACK-Permitted (default on). */
        public Builder sackPermitted(boolean on) {
            this.sackPermitted = on;
            return this;
        }

        /**
         * Whether connections use ECN (RFC 3168): an active open sends an ECN-setup SYN, a
         * listener answers one with an ECN-setup SYN-ACK (default off).
         */
        public Builder ecn(boolean on) {
            this.ecn = on;
            return this;
        }

        /** Initial congestion window in segments (default 10, RFC 6928). */
        public Builder initialWindowSegments(int n) {
            this.initialWindowSegments = n;
            return this;
        }

        /** Challenge ACKs a shard may send per second (default 1000, RFC 5961 7). */
        public Builder challengeAckPerSecond(int n) {
            this.challengeAckPerSecond = n;
            return this;
        }

        /** The congestion control of new connections, by name (default "cubic", as Linux; or "newreno"; see {@link CongestionControls}). */
        public Builder congestionControl(String name) {
            this.congestionControl = name;
            return this;
        }

        /**
         * Half-open connections a listener holds at most (default 4096, Linux's somaxconn),
         * counted apart from the accept queue that {@link #backlog} bounds (Linux:
         * tcp_max_syn_backlog against the listen() backlog). Cookies are the fallback, not the
         * rule: a cookie connection whose handshake ACK and first data segment are both lost
         * opens only when the client retransmits (the cookie checks on SEG.SEQ = ISN + 1 alone),
         * where a half-open one takes the later segments at once.
         */
        public Builder synQueueSize(int n) {
            this.synQueueSize = n;
            return this;
        }

        /** When listeners answer with SYN cookies (default {@link SynCookieMode#WHEN_FULL}, as Linux's tcp_syncookies=1). */
        public Builder synCookies(SynCookieMode mode) {
            this.synCookies = Objects.requireNonNull(mode);
            return this;
        }

        /** The settings; a random ISN key unless one was given. */
        public TcpConfig build() {
            long high;
            long low;
            if (isnHigh == null) {
                SecureRandom r = new SecureRandom();
                high = r.nextLong();
                low = r.nextLong();
            } else {
                high = isnHigh;
                low = Objects.requireNonNull(isnLow);
            }
            return new TcpConfig(sendBufferSize, receiveBufferSize,
                    Math.max(maxReceiveBufferSize, receiveBufferSize),
                    outOfOrderLimitBytes < 0 ? receiveBufferSize : outOfOrderLimitBytes, outOfOrderLimitSegments,
                    timeWait, finWait2Timeout, initialRto, minRto, maxRto, maxRetransmits, synRetries,
                    delayedAck, quickAckSegments, coalescedAckDelay, coalescedQuickAcksMin, coalescedQuickAcksMax, keepAlive, keepAliveIdle, keepAliveInterval, keepAliveProbes,
                    noDelay, backlog, high, low, ephemeralLow, ephemeralHigh, windowScaling, timestamps,
                    sackPermitted, ecn, initialWindowSegments, challengeAckPerSecond, congestionControl,
                    synQueueSize, synCookies, userTimeout, frto, userTimeoutOption, userTimeoutLower, userTimeoutUpper,
                    rescueRetransmission);
        }
    }
}
