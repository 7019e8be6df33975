package io.panamax.ip;

import io.panamax.ip.wire.Ipv4Header;
import io.panamax.reactor.Timer;
import io.panamax.reactor.TimerWheel;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.metrics.DropCounters;

import java.util.function.Consumer;

/**
 * IPv4 and IPv6 reassembly (RFC 791 §3.2, RFC 8200 §4.5, RFC 815's hole idea) for one shard, with hard limits: datagrams in
 * progress, bytes held per shard, bytes per datagram, fragments per datagram, and a timeout. A
 * datagram whose fragments overlap or contradict each other (two different ends, a fragment past the
 * end) is dropped whole: overlapping fragments are how firewalls are evaded (RFC 1858, RFC 3128), and
 * no sender that follows RFC 791 produces them (for IPv6, RFC 5722 makes this a must). An exact duplicate of a fragment already held is
 * discarded on its own.
 *
 * <p>The result is the whole datagram as one {@link Packet} that starts with the first fragment's IP
 * header, followed zero-copy by every fragment's payload: to the layers above it looks unfragmented
 * (the caller fixes the header's length and fragment fields, and its ECN field from
 * {@link #lastEcn()}).
 *
 * <p>ECN (RFC 3168 5.3): the fragments' ECN codepoints are combined as Linux's ip_frag_ecn_table
 * does: CE in any fragment makes the whole datagram CE (a router marked part of it: the mark must
 * reach the transport, whichever fragment carried it); Not-ECT in one fragment and ECT or CE in
 * another cannot come from one sender's datagram, and the datagram is dropped
 * ({@link Drop#ECN_MIXED}), since delivering it either way would lose or invent a mark.
 */
public final class Reassembler {

    /** Why fragments were dropped; names read as metric labels. */
    public enum Drop {
        /** A fragment overlapped one already held (or had a different length at the same offset). */
        OVERLAP,
        /** The fragments disagree on where the datagram ends, or one lies past the end. */
        INCONSISTENT_LENGTH,
        /** The datagram would exceed 65,535 bytes or the per-datagram limit. */
        TOO_LARGE,
        /** Too many fragments for one datagram. */
        TOO_MANY_FRAGMENTS,
        /** No room: the shard's byte limit or its count of datagrams in progress. */
        NO_ROOM,
        /** The datagram did not complete before the timeout. */
        TIMEOUT,
        /** A non-final fragment whose payload is not a multiple of 8 bytes (RFC 791). */
        BAD_FRAGMENT_LENGTH,
        /** An exact duplicate of a fragment already held. */
        DUPLICATE,
        /** The datagram's fragments mixed Not-ECT with ECT or CE (RFC 3168 5.3). */
        ECN_MIXED
    }

    /** Limits; the defaults hold a few hundred KiB per shard. */
    public record Limits(int maxDatagrams, long maxBytes, int maxDatagramBytes, int maxFragments, long timeoutNanos) {
        public static Limits defaults() {
            return new Limits(64, 1L << 20, 65_535, 64, 30_000_000_000L);
        }
    }

    private final TimerWheel timers;
    private final Limits limits;
    private final DropCounters<Drop> drops;
    private final Consumer<Packet> onTimeout;
    private final Datagram[] slots;
    /** The most a whole datagram may hold, headers of the first fragment included. */
    private final int ceiling;
    private long bytesHeld;
    private int active;
    /** The ECN codepoint the datagram {@link #offer} last returned must carry. */
    private int lastEcn;

    /**
     * @param drops     where drops are counted, by reason
     * @param onTimeout receives, borrowed, the first fragment of a datagram that timed out (when it had
     *                  arrived), so an ICMP time-exceeded can quote it (RFC 792, RFC 1122 3.3.2)
     */
    public Reassembler(TimerWheel timers, Limits limits, DropCounters<Drop> drops, Consumer<Packet> onTimeout) {
        this(timers, limits, drops, onTimeout, 65_535);
    }

    /**
     * @param ceiling the largest datagram the protocol allows, counting the first fragment's
     *                {@code headerLength}: 65,535 for IPv4 (total length); for IPv6, 65,535 + 40 + 8
     *                (the payload length excludes the fixed header, and the fragment header goes)
     */
    public Reassembler(TimerWheel timers, Limits limits, DropCounters<Drop> drops, Consumer<Packet> onTimeout, int ceiling) {
        this.ceiling = ceiling;
        this.timers = timers;
        this.limits = limits;
        this.drops = drops;
        this.onTimeout = onTimeout;
        this.slots = new Datagram[limits.maxDatagrams()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Datagram(limits.maxFragments());
        }
    }

    /**
     * Takes one fragment (the packet starts at its IP header and holds exactly the header and the
     * payload) and returns the reassembled datagram when this fragment completes it, else null. The
     * reassembler owns the fragment either way.
     *
     * @param offset fragment offset in bytes (the header field times 8)
     * @param more   the MF flag
     */
    public Packet offer(Packet fragment, int src, int dst, int id, int protocol, int headerLength, int offset, boolean more) {
        return offer(fragment, 0, src, 0, dst, id, protocol, headerLength, offset, more);
    }

    /**
     * {@link #offer(Packet, int, int, int, int, int, int, boolean)} with 128-bit addresses (IPv6:
     * RFC 8200 §4.5 identifies a datagram by source, destination and identification; pass 0 as
     * {@code protocol}). For IPv4 the high halves are 0.
     */
    public Packet offer(Packet fragment, long srcHigh, long src, long dstHigh, long dst, int id, int protocol,
                        int headerLength, int offset, boolean more) {
        return offer(fragment, srcHigh, src, dstHigh, dst, id, protocol, headerLength, offset, more, 0);
    }

    /**
     * {@link #offer(Packet, long, long, long, long, int, int, int, int, boolean)} with the
     * fragment's ECN codepoint (RFC 3168 5: 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE), combined over
     * the datagram's fragments: when the datagram is returned, {@link #lastEcn()} is what its
     * header must carry.
     */
    public Packet offer(Packet fragment, long srcHigh, long src, long dstHigh, long dst, int id, int protocol,
                        int headerLength, int offset, boolean more, int ecn) {
        int payload = fragment.length() - headerLength;
        if (more && (payload & 7) != 0 || payload < 0 || (more && payload == 0)) {
            return drop(fragment, Drop.BAD_FRAGMENT_LENGTH);
        }
        int end = offset + payload;
        if (headerLength + end > Math.min(ceiling, limits.maxDatagramBytes())) {
            Datagram d = find(srcHigh, src, dstHigh, dst, id, protocol);
            if (d != null) {
                discard(d, Drop.TOO_LARGE);
            }
            return drop(fragment, Drop.TOO_LARGE);
        }
        Datagram d = find(srcHigh, src, dstHigh, dst, id, protocol);
        if (d == null) {
            d = claim(srcHigh, src, dstHigh, dst, id, protocol);
            if (d == null) {
                return drop(fragment, Drop.NO_ROOM);
            }
        }
        if (bytesHeld + fragment.length() > limits.maxBytes()) {
            evictOldestExcept(d);
            if (bytesHeld + fragment.length() > limits.maxBytes()) {
                return drop(fragment, Drop.NO_ROOM);
            }
        }
        Drop problem = d.insert(fragment, headerLength, offset, end, more);
        if (problem == Drop.DUPLICATE) {
            return drop(fragment, Drop.DUPLICATE);
        }
        if (problem != null) {
            fragment.release();
            discard(d, problem);
            return null;
        }
        bytesHeld += fragment.length();
        d.ecnSeen |= 1 << (ecn & Ipv4Header.ECN_MASK);
        if (offset == 0) {
            d.firstEcn = ecn & Ipv4Header.ECN_MASK;
        }
        if (!d.complete()) {
            return null;
        }
        int seen = d.ecnSeen;
        if ((seen & 1 << Ipv4Header.ECN_NOT_ECT) != 0 && seen != 1 << Ipv4Header.ECN_NOT_ECT) {
            discard(d, Drop.ECN_MIXED);
            return null;
        }
        // CE anywhere wins; otherwise the first fragment's own (ECT(0) and ECT(1) mixed stay as it says).
        lastEcn = (seen & 1 << Ipv4Header.ECN_CE) != 0 ? Ipv4Header.ECN_CE : d.firstEcn;
        Packet whole = d.assemble();
        bytesHeld -= d.bytes;
        release(d);
        return whole;
    }

    /**
     * The ECN codepoint for the datagram {@link #offer} last returned (RFC 3168 5.3): CE if any of
     * its fragments had CE, else the first fragment's.
     */
    public int lastEcn() {
        return lastEcn;
    }

    /** Datagrams being reassembled. */
    public int inProgress() {
        return active;
    }

    /** Bytes of fragments held. */
    public long bytesHeld() {
        return bytesHeld;
    }

    /** Fragments (or datagrams, for timeouts and overlaps) dropped for {@code reason}. */
    public long drops(Drop reason) {
        return drops.get(reason);
    }

    /** Drops everything held (the shard is stopping). */
    public void clear() {
        for (Datagram d : slots) {
            if (d.inUse) {
                bytesHeld -= d.bytes;
                d.releaseFragments();
                release(d);
            }
        }
    }

    private Packet drop(Packet fragment, Drop reason) {
        drops.count(reason);
        fragment.release();
        return null;
    }

    private Datagram find(long srcHigh, long src, long dstHigh, long dst, int id, int protocol) {
        if (active == 0) {
            return null;
        }
        for (Datagram d : slots) {
            if (d.inUse && d.src == src && d.dst == dst && d.id == id && d.protocol == protocol
                    && d.srcHigh == srcHigh && d.dstHigh == dstHigh) {
                return d;
            }
        }
        return null;
    }

    private Datagram claim(long srcHigh, long src, long dstHigh, long dst, int id, int protocol) {
        for (Datagram d : slots) {
            if (!d.inUse) {
                d.start(srcHigh, src, dstHigh, dst, id, protocol, timers.now());
                if (d.timer == null) {
                    Datagram target = d;
                    d.timer = timers.newTimer(() -> expire(target));
                }
                d.timer.arm(limits.timeoutNanos());
                active++;
                return d;
            }
        }
        return null;
    }

    private void evictOldestExcept(Datagram keep) {
        Datagram oldest = null;
        for (Datagram d : slots) {
            if (d.inUse && d != keep && (oldest == null || d.startedAt < oldest.startedAt)) {
                oldest = d;
            }
        }
        if (oldest != null) {
            discard(oldest, Drop.NO_ROOM);
        }
    }

    private void expire(Datagram d) {
        if (!d.inUse) {
            return;
        }
        Packet first = d.firstFragment();
        if (first != null) {
            try {
                onTimeout.accept(first);
            } catch (RuntimeException e) {
                // The ICMP error is best effort; the datagram is dropped regardless.
            }
        }
        discard(d, Drop.TIMEOUT);
    }

    private void discard(Datagram d, Drop reason) {
        drops.count(reason);
        bytesHeld -= d.bytes;
        d.releaseFragments();
        release(d);
    }

    private void release(Datagram d) {
        d.inUse = false;
        d.timer.cancel();
        active--;
    }

    /** One datagram in progress: its fragments sorted by offset. */
    private static final class Datagram {
        long srcHigh;
        long src;
        long dstHigh;
        long dst;
        int id;
        int protocol;
        long startedAt;
        boolean inUse;
        Timer timer;
        final Packet[] fragments;
        final int[] starts;
        final int[] ends;
        final int[] headerLengths;
        int count;
        /** The end of the datagram's payload, known once the last fragment (MF=0) arrived; -1 before. */
        int totalEnd;
        long bytes;
        /** The ECN codepoints seen (bit 1 &lt;&lt; codepoint) and the offset-0 fragment's. */
        int ecnSeen;
        int firstEcn;

        Datagram(int maxFragments) {
            fragments = new Packet[maxFragments];
            starts = new int[maxFragments];
            ends = new int[maxFragments];
            headerLengths = new int[maxFragments];
        }

        void start(long srcHigh, long src, long dstHigh, long dst, int id, int protocol, long now) {
            this.srcHigh = srcHigh;
            this.dstHigh = dstHigh;
            this.src = src;
            this.dst = dst;
            this.id = id;
            this.protocol = protocol;
            this.startedAt = now;
            this.inUse = true;
            this.count = 0;
            this.totalEnd = -1;
            this.bytes = 0;
            this.ecnSeen = 0;
            this.firstEcn = 0;
        }

        /** Adds a fragment in offset order; returns why it cannot be, or null. */
        Drop insert(Packet fragment, int headerLength, int start, int end, boolean more) {
            if (!more) {
                if (totalEnd >= 0 && totalEnd != end) {
                    return Drop.INCONSISTENT_LENGTH;
                }
                totalEnd = end;
                if (count > 0 && ends[count - 1] > end) {
                    return Drop.INCONSISTENT_LENGTH;
                }
            } else if (totalEnd >= 0 && end >= totalEnd) {
                return Drop.INCONSISTENT_LENGTH;
            }
            int at = 0;
            while (at < count && starts[at] < start) {
                at++;
            }
            if (at < count && starts[at] == start && ends[at] == end) {
                return Drop.DUPLICATE;
            }
            if (at > 0 && ends[at - 1] > start || at < count && starts[at] < end) {
                return Drop.OVERLAP;
            }
            if (count == fragments.length) {
                return Drop.TOO_MANY_FRAGMENTS;
            }
            System.arraycopy(fragments, at, fragments, at + 1, count - at);
            System.arraycopy(starts, at, starts, at + 1, count - at);
            System.arraycopy(ends, at, ends, at + 1, count - at);
            System.arraycopy(headerLengths, at, headerLengths, at + 1, count - at);
            fragments[at] = fragment;
            starts[at] = start;
            ends[at] = end;
            headerLengths[at] = headerLength;
            count++;
            bytes += fragment.length();
            return null;
        }

        boolean complete() {
            if (totalEnd < 0 || count == 0 || starts[0] != 0) {
                return false;
            }
            for (int i = 1; i < count; i++) {
                if (starts[i] != ends[i - 1]) {
                    return false;
                }
            }
            return ends[count - 1] == totalEnd;
        }

        /** The first fragment with every other fragment's payload appended (zero copy). */
        Packet assemble() {
            Packet whole = fragments[0];
            fragments[0] = null;
            for (int i = 1; i < count; i++) {
                Packet f = fragments[i];
                fragments[i] = null;
                f.trimFront(headerLengths[i]);
                whole.append(f);
            }
            count = 0;
            return whole;
        }

        Packet firstFragment() {
            return count > 0 && starts[0] == 0 ? fragments[0] : null;
        }

        void releaseFragments() {
            for (int i = 0; i < count; i++) {
                fragments[i].release();
                fragments[i] = null;
            }
            count = 0;
        }
    }
}
