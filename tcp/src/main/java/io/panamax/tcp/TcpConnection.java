package io.panamax.tcp;

import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.Shard;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A TCP connection on one shard: the {@link StreamConnection} byte stream plus what is particular
 * to TCP (addresses, state, options, statistics). Obtained from {@link Tcp#connect} or a
 * {@link TcpListener}. {@link #localAddress()} and {@link #remoteAddress()} are
 * {@link InetSocketAddress}es of either family ({@link java.net.Inet6Address} over IPv6);
 * {@link #localIp()} and {@link #remoteIp()} the IPv4 addresses as ints in network order, without
 * allocation (0 on an IPv6 connection: see {@link #isIpv6()}).
 */
public interface TcpConnection extends StreamConnection {

    @Override
    Shard shard();

    /** Whether the connection runs over IPv6 (then {@link #localIp()} and {@link #remoteIp()} are 0). */
    default boolean isIpv6() {
        return false;
    }

    /** This side's IPv4 address, an int in network order ({@link Ipv4Address#toString(int)}); 0 over IPv6. */
    int localIp();

    int localPort();

    /** The peer's IPv4 address, an int in network order; 0 over IPv6. */
    int remoteIp();

    int remotePort();

    /** This side's address and port (a new object per call). */
    @Override
    default InetSocketAddress localAddress() {
        return socketAddress(localIp(), localPort());
    }

    /** The peer's address and port (a new object per call). */
    @Override
    default InetSocketAddress remoteAddress() {
        return socketAddress(remoteIp(), remotePort());
    }

    private static InetSocketAddress socketAddress(int ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(Ipv4Address.toBytes(ip)), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    /** The state of RFC 9293 3.3.2. */
    TcpState state();

    /** Turns Nagle's algorithm (RFC 1122 4.2.3.4) off ({@code true}) or on. */
    void setNoDelay(boolean noDelay);

    boolean noDelay();

    /** Turns keep-alive probes (RFC 1122 4.2.3.6) on or off, with the shard's configured timing. */
    void setKeepAlive(boolean keepAlive);

    boolean keepAlive();

    /**
     * The user timeout (RFC 5482 2's semantics, as Linux's TCP_USER_TIMEOUT): when data sent on
     * this connection stays unacknowledged for longer (measured from when it was sent, or from the
     * last acknowledgment of new data since), or waits that long on a closed window, the
     * connection is aborted with a RST and its futures fail with a
     * {@link ConnectionTimeoutException}. {@link java.time.Duration#ZERO} turns it off: then
     * {@code TcpConfig.maxRetransmits} unanswered retransmissions or probes abort it. Default:
     * {@code TcpConfig.userTimeoutNanos}.
     */
    void setUserTimeout(java.time.Duration timeout);

    /** The user timeout, {@link java.time.Duration#ZERO} when off. */
    java.time.Duration userTimeout();

    /** Bytes the send buffer accepts before writes wait. */
    void setSendBufferSize(int bytes);

    int sendBufferSize();

    /**
     * Bytes of unread data the connection holds: the receive window is what is left. The window
     * can grow only up to what the scale negotiated at the handshake allows (65535 without it).
     */
    void setReceiveBufferSize(int bytes);

    int receiveBufferSize();

    /** The payload bytes of a full-sized segment this side sends (peer MSS, path MTU, options). */
    int maxSegmentSize();

    /** A snapshot of this connection's counters. */
    TcpConnectionStats stats();

    /**
     * Starts recording this connection's sender per ACK ({@link AckProbe}: Linux's
     * {@code tcp:tcp_probe} fields, the flight, the RTT sample, the recovery state), keeping the
     * last {@code capacity} ACKs; off until called. Returns the probe to read, on this shard, when
     * the connection ends; a second call returns the same probe.
     *
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    AckProbe recordAcks(int capacity);

    /**
     * Chooses this connection's congestion control by name ({@code CongestionControls.create}:
     * "newreno"), instead of {@code TcpConfig.congestionControl}. Only before the connection has
     * sent data: in a listener's callback, or when {@code connect} completes.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException    once data has been sent
     */
    void setCongestionControl(String name);

    /** The name of this connection's congestion control. */
    String congestionControl();

    /**
     * Whether the handshake negotiated Explicit Congestion Notification (RFC 3168 6.1.1;
     * {@link TcpConfig#ecn()}): data then leaves ECN-capable and congestion marks reduce the window.
     */
    boolean ecn();
}
