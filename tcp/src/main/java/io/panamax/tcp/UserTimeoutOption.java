package io.panamax.tcp;

import io.panamax.tcp.wire.TcpHeader;
import io.panamax.tcp.wire.TcpOptions;
import io.panamax.tcp.wire.TcpSegmentRepr;

/**
 * One connection's TCP User Timeout Option (RFC 5482): the user timeout this side advertises, and
 * what a peer's option does to this side's. Its variables are the RFC's: ENABLED is
 * {@link TcpConfig#userTimeoutOption()} (off by default, so nothing is sent or honoured unless
 * asked for), ADV_UTO the timeout advertised, CHANGEABLE false once the application chose the
 * connection's user timeout itself.
 *
 * <ul>
 *   <li>Sending (3): the option goes on the SYN or SYN-ACK (retransmissions too), on the first
 *       non-SYN segment after it, since a middlebox may strip options from SYNs, and on the next
 *       segment after the application changes the user timeout. A connection without a user
 *       timeout (0: the retransmission count decides) has no value to advertise and sends none.
 *       It takes 4 bytes of option space: on a segment where SACK blocks fill the 40 bytes, or a
 *       retransmission already cut to the full MSS, it waits for the next segment with room;
 *       new data leaves room while it is pending, and no TSO super-segment carries it.</li>
 *   <li>Receiving (3.1): a peer's option, on its SYN or on any segment that passes the ACK checks
 *       (the point where TS.Recent is taken: a segment that is discarded changes nothing), sets
 *       USER_TIMEOUT = min(U_LIMIT, max(ADV_UTO, REMOTE_UTO, L_LIMIT)) while ENABLED and
 *       CHANGEABLE, the limits {@link TcpConfig#userTimeoutLowerNanos()} and
 *       {@link TcpConfig#userTimeoutUpperNanos()}. The option never lowers the timeout below
 *       L_LIMIT, so a forged one cannot make this side give up a connection early (RFC 5482,
 *       Security Considerations).</li>
 * </ul>
 *
 * Plain fields on the connection's shard; nothing allocated per segment.
 */
final class UserTimeoutOption {
    private final TcpConfig config;
    /** ADV_UTO: the user timeout this side advertises, nanoseconds; 0 when it has none. */
    private long advertisedNanos;
    /** CHANGEABLE: a peer's option may still set the user timeout. */
    private boolean changeable = true;
    /** The option still has to go on a non-SYN segment. */
    private boolean pending;

    UserTimeoutOption(TcpConfig config) {
        this.config = config;
        this.advertisedNanos = config.userTimeoutNanos();
    }

    /** The option's 16 bits for a SYN or SYN-ACK, or -1 for none; the first segment after it carries it again. */
    int synValue() {
        if (!config.userTimeoutOption() || advertisedNanos <= 0) {
            return -1;
        }
        pending = true;
        return value();
    }

    private int value() {
        return TcpOptions.userTimeoutValue((advertisedNanos + 999_999_999L) / 1_000_000_000L);
    }

    /** The application set the connection's user timeout: advertised on the next segment, and no longer changed by the peer's. */
    void applicationSet(long nanos) {
        changeable = false;
        advertisedNanos = nanos;
        pending = config.userTimeoutOption() && nanos > 0;
    }

    /** Option bytes the next non-SYN segment keeps for the option beside {@code otherOptions} bytes of others. */
    int pendingLength(int otherOptions) {
        return pending && otherOptions + TcpOptions.LENGTH_USER_TIMEOUT <= TcpHeader.MAX_OPTIONS_LENGTH
                ? TcpOptions.LENGTH_USER_TIMEOUT : 0;
    }

    /** Whether the option still waits for a segment (no TSO super-segment while it does). */
    boolean pending() {
        return pending;
    }

    /**
     * Puts the option on a non-SYN segment being written, when it is pending and fits: the
     * options within 40 bytes, and options and {@code payload} bytes within {@code mss}. Not on
     * a super-segment ({@code segmentSize} > 0), which the NIC cuts at the MSS less the options
     * it was sized for.
     */
    void fill(TcpSegmentRepr w, int payload, int segmentSize, int mss) {
        if (!pending || segmentSize > 0) {
            return;
        }
        int options = w.optionsLength() + TcpOptions.LENGTH_USER_TIMEOUT;
        if (options > TcpHeader.MAX_OPTIONS_LENGTH || payload + options > mss) {
            return;
        }
        w.options.userTimeout = value();
        pending = false;
    }

    /** A peer's option (its 16 bits, -1 when the segment had none) on its SYN or an accepted segment. */
    void received(int value, Sender snd) {
        if (value < 0 || !config.userTimeoutOption() || !changeable) {
            return;
        }
        long remote = TcpOptions.userTimeoutSeconds(value) * 1_000_000_000L;
        long t = Math.max(Math.max(advertisedNanos, remote), config.userTimeoutLowerNanos());
        snd.userTimeoutNanos = Math.min(config.userTimeoutUpperNanos(), t);
    }
}
