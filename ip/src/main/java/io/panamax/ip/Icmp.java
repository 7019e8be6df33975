package io.panamax.ip;

import io.panamax.ip.wire.IcmpMessage;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;

import java.lang.foreign.MemorySegment;

/**
 * One shard's ICMP (RFC 792, RFC 1122 3.2.2): answers echo requests in place (the request's buffers
 * become the reply), hands received errors to the transport whose datagram they quote, and sends
 * destination-unreachable and time-exceeded errors, rate-limited, never about an ICMP error, a
 * broadcast or multicast datagram, or a fragment other than the first (RFC 1122 3.2.2).
 */
public final class Icmp implements TransportHandler {

    /** Why a received ICMP message was dropped (metric label {@code reason}). */
    public enum Drop {
        TRUNCATED, BAD_CHECKSUM, BAD_CODE, TRUNCATED_QUOTED_HEADER, BAD_QUOTED_HEADER,
        /** An echo request to a broadcast address: not answered (as Linux's icmp_echo_ignore_broadcasts). */
        BROADCAST_ECHO,
        /** A type the host does not act on (echo replies, redirects, timestamps...). */
        IGNORED_TYPE,
        /** An error about a protocol with no transport here. */
        NO_TRANSPORT
    }

    private final Shard shard;
    private final Ipv4 ipv4;
    private final RateLimiter errorLimiter;
    private final DropCounters<Drop> drops;
    private final Counter echoReplies;
    /** The parsed form of every ICMP error handed to a transport, refilled per error. */
    private final IcmpError error = new IcmpError();
    private final Counter errorsSent;
    private final Counter errorsReceived;

    public Icmp(Shard shard, Ipv4 ipv4, Ipv4.Config config, ShardMetrics metrics) {
        this.shard = shard;
        this.ipv4 = ipv4;
        this.errorLimiter = new RateLimiter(config.icmpRatePerSecond(), config.icmpBurst(), shard.nanoTime(),
                metrics.counter("icmp_errors_rate_limited_total", "ICMP errors not sent because of the rate limit"));
        this.drops = new DropCounters<>(metrics, "icmp_drops_total", "Received ICMP messages dropped", Drop.class);
        this.echoReplies = metrics.counter("icmp_echo_replies_sent_total", "Echo replies sent");
        this.errorsSent = metrics.counter("icmp_errors_sent_total", "ICMP error messages sent");
        this.errorsReceived = metrics.counter("icmp_errors_received_total", "ICMP errors received and passed to a transport");
        ipv4.setIcmp(this);
    }

    public DropCounters<Drop> drops() {
        return drops;
    }

    @Override
    public void receive(int srcIp, int dstIp, Packet message) {
        int length = message.length();
        if (length < IcmpMessage.HEADER_LENGTH
                || !message.linearize(Math.min(length, IcmpMessage.HEADER_LENGTH + Ipv4Header.MAX_HEADER_LENGTH + 8))) {
            drop(message, Drop.TRUNCATED);
            return;
        }
        MemorySegment seg = message.head();
        long off = message.headOffset();
        boolean contiguous = message.headLength() >= length;
        Drop problem = switch (IcmpMessage.validate(seg, off, contiguous ? length : message.headLength(), contiguous)) {
            case NONE -> null;
            case TRUNCATED -> Drop.TRUNCATED;
            case BAD_CHECKSUM -> Drop.BAD_CHECKSUM;
            case BAD_CODE -> Drop.BAD_CODE;
            case TRUNCATED_QUOTED_HEADER -> Drop.TRUNCATED_QUOTED_HEADER;
            case BAD_QUOTED_HEADER -> Drop.BAD_QUOTED_HEADER;
        };
        if (problem == null && !contiguous && !IcmpMessage.checksumValid(message, 0, length)) {
            problem = Drop.BAD_CHECKSUM;
        }
        if (problem != null) {
            drop(message, problem);
            return;
        }
        int type = IcmpMessage.type(seg, off);
        if (type == IcmpMessage.TYPE_ECHO_REQUEST) {
            if (ipv4.route().isBroadcast(dstIp) || Ipv4Address.isMulticast(dstIp)) {
                drop(message, Drop.BROADCAST_ECHO);
                return;
            }
            IcmpMessage.turnEchoRequestIntoReply(seg, off);
            message.setFlags(0);
            echoReplies.increment();
            ipv4.send(dstIp, srcIp, IpProtocol.ICMP, message, false);
            return;
        }
        if (IcmpMessage.isError(type)) {
            deliverError(type, IcmpMessage.code(seg, off), srcIp, message);
            return;
        }
        drop(message, Drop.IGNORED_TYPE);
    }

    /** Hands an error to the transport named by the quoted header (RFC 1122 3.2.2: passed up by protocol). */
    private void deliverError(int type, int code, int reporter, Packet message) {
        MemorySegment seg = message.head();
        long off = message.headOffset();
        long quoted = off + IcmpMessage.OFFSET_DATA;
        TransportHandler t = ipv4.transport(Ipv4Header.protocol(seg, quoted));
        if (t == null || t == this) {
            drop(message, Drop.NO_TRANSPORT);
            return;
        }
        int mtu = type == IcmpMessage.TYPE_DESTINATION_UNREACHABLE && code == IcmpMessage.CODE_FRAGMENTATION_NEEDED
                ? IcmpMessage.nextHopMtu(seg, off) : 0;
        message.trimFront(IcmpMessage.OFFSET_DATA);
        errorsReceived.increment();
        try {
            t.icmpError(error.fromIpv4(type, code, mtu, reporter, message));
        } finally {
            message.release();
        }
    }

    // ---- sending errors -------------------------------------------------------------------------

    /**
     * Sends a destination unreachable about {@code offending}, a received datagram whose transport
     * header comes first and whose IP header lies right in front of it ({@code l3Length} bytes, as
     * {@link Ipv4} delivers it), or that starts at its IP header ({@code l3Length} 0). Borrowed: the
     * caller still releases {@code offending}.
     */
    public void sendDestinationUnreachable(Packet offending, int code, int nextHopMtu) {
        sendError(offending, IcmpMessage.TYPE_DESTINATION_UNREACHABLE, code, nextHopMtu);
    }

    /** Sends a time exceeded about {@code offending} (see {@link #sendDestinationUnreachable}). */
    public void sendTimeExceeded(Packet offending, int code) {
        sendError(offending, IcmpMessage.TYPE_TIME_EXCEEDED, code, 0);
    }

    private void sendError(Packet offending, int type, int code, int nextHopMtu) {
        int restored = restoreNetworkHeader(offending);
        try {
            if (!errorAllowed(offending)) {
                return;
            }
            if (!errorLimiter.tryAcquire(shard.nanoTime())) {
                return; // counted by the limiter
            }
            MemorySegment os = offending.head();
            long oo = offending.headOffset();
            int src = Ipv4Header.source(os, oo);
            // From the address the offending datagram was sent to: ours, since only unicast to us
            // gets an error, except in replay mode, where the stack answers for every address.
            int from = Ipv4Header.destination(os, oo);
            int quote = IcmpMessage.quoteLength(offending.length());
            Packet p = shard.packets().allocateWithHeadroom();
            if (p == null) {
                return;
            }
            int off = p.extend(IcmpMessage.HEADER_LENGTH + quote);
            if (off < 0) {
                p.release();
                return;
            }
            MemorySegment seg = p.head();
            if (type == IcmpMessage.TYPE_DESTINATION_UNREACHABLE) {
                IcmpMessage.writeDestinationUnreachable(seg, off, code, nextHopMtu);
            } else {
                IcmpMessage.writeTimeExceeded(seg, off, code);
            }
            offending.copyTo(0, seg, off + IcmpMessage.OFFSET_DATA, quote);
            IcmpMessage.fillChecksum(seg, off, IcmpMessage.HEADER_LENGTH + quote);
            errorsSent.increment();
            ipv4.send(from, src, IpProtocol.ICMP, p, false);
        } finally {
            offending.trimFront(restored);
        }
    }

    /**
     * Brings the network header (and, for IPv6, the extension headers) back in front of a datagram
     * whose transport layer had stripped them ({@link Packet#l3Length()} bytes, still in the
     * buffer's headroom), so that an error can quote it; returns the bytes restored (0 when it
     * already started there or they cannot be had), which the caller trims again.
     */
    static int restoreNetworkHeader(Packet offending) {
        int restore = offending.l3Length();
        if (restore > 0 && offending.fragmentCount() > 0 && offending.headOffset() >= restore
                && offending.fragmentBuffer(0).refCnt() == 1) {
            offending.prepend(restore);
            return restore;
        }
        return 0;
    }

    /** RFC 1122 3.2.2: no error about an error, a broadcast/multicast, a non-initial fragment, or a non-host source. */
    private boolean errorAllowed(Packet offending) {
        if (offending.headLength() < Ipv4Header.MIN_HEADER_LENGTH) {
            return false;
        }
        MemorySegment s = offending.head();
        long o = offending.headOffset();
        if (Ipv4Header.version(s, o) != Ipv4Header.VERSION) {
            return false;
        }
        int src = Ipv4Header.source(s, o);
        int dst = Ipv4Header.destination(s, o);
        Route route = ipv4.route();
        if (route.isBroadcast(dst) || Ipv4Address.isMulticast(dst) || route.isBroadcast(src)
                || Ipv4Address.isMulticast(src) || src == 0) {
            return false;
        }
        if (offending.hasFlag(Packet.L2_BROADCAST) || offending.hasFlag(Packet.L2_MULTICAST)) {
            return false;
        }
        if (Ipv4Header.fragmentOffset(s, o) != 0) {
            return false;
        }
        if (Ipv4Header.protocol(s, o) == IpProtocol.ICMP) {
            int hl = Ipv4Header.headerLength(s, o);
            if (offending.length() <= hl) {
                return false;
            }
            int icmpType = offending.getU8(hl);
            return !IcmpMessage.isError(icmpType);
        }
        return true;
    }

    private void drop(Packet p, Drop reason) {
        drops.count(reason);
        p.release();
    }
}
