package io.panamax.ip;

import io.panamax.ip.wire.IcmpMessage;
import io.panamax.ip.wire.InternetChecksum;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.ip.wire.UdpHeader;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.BufferExhaustedException;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;

import java.lang.foreign.MemorySegment;

/**
 * One shard's IPv4 layer for a host (RFC 791, RFC 1122 3.2): validates every received header field,
 * reassembles fragments, delivers datagrams for this host to the transport registered for their
 * protocol, and sends datagrams — building the header, fragmenting when they exceed the MTU (unless
 * DF is set), and routing them to the subnet or the default gateway through ARP. It does not forward.
 */
public final class Ipv4 implements PacketHandler, Ipv4Output {

    /** Why a received datagram was dropped (metric label {@code reason}). */
    public enum Drop {
        TRUNCATED, BAD_VERSION, BAD_IHL, BAD_CHECKSUM, BAD_TOTAL_LENGTH, BAD_OPTION_LENGTH, BAD_OPTION,
        BAD_FRAGMENT_OFFSET, BAD_FRAGMENT_LENGTH, BAD_SOURCE_ADDRESS,
        /** Addressed to another host: this stack does not forward. */
        NOT_FOR_US,
        /** No transport registered for the protocol (an ICMP protocol unreachable is sent). */
        UNKNOWN_PROTOCOL,
        /** No buffer to make a reassembled datagram's header contiguous. */
        NO_BUFFER
    }

    /** Why a datagram could not be sent (metric label {@code reason}). */
    public enum SendDrop {
        /** No route: off the subnet and no default gateway. */
        NO_ROUTE,
        /** Larger than the MTU with DF set. */
        FRAGMENTATION_NEEDED,
        /** No buffer for a header or a fragment. */
        NO_BUFFER
    }

    /**
     * @param ttl           TTL of sent datagrams (RFC 1700 recommends 64)
     * @param reassembly    limits of the reassembler
     * @param icmpRatePerSecond ICMP errors sent per second per shard (RFC 1812 4.3.2.8)
     * @param icmpBurst     ICMP errors that may be sent in a burst
     * @param acceptAnyDestination deliver datagrams whatever their destination address, as if every
     *                      address were this host's: for replaying captures and for monitoring,
     *                      never for a stack on a shared network
     */
    public record Config(int ttl, Reassembler.Limits reassembly, int icmpRatePerSecond, int icmpBurst,
                         boolean acceptAnyDestination) {
        public static Config defaults() {
            return new Config(Ipv4Header.DEFAULT_TTL, Reassembler.Limits.defaults(), 1000, 100, false);
        }

        public Config withAcceptAnyDestination(boolean on) {
            return new Config(ttl, reassembly, icmpRatePerSecond, icmpBurst, on);
        }
    }

    /**
     * Which checksums the NIC computes, and the largest TCP super-segment (IP datagram, bytes) it
     * cuts into MSS-sized segments itself (TSO), 0 when it does not.
     */
    public record Offloads(boolean rxIpChecksum, boolean txIpChecksum, boolean txTcpChecksum, boolean txUdpChecksum,
                           int txTcpSegmentationMax) {
        /** Checksums only, no segmentation. */
        public Offloads(boolean rxIpChecksum, boolean txIpChecksum, boolean txTcpChecksum, boolean txUdpChecksum) {
            this(rxIpChecksum, txIpChecksum, txTcpChecksum, txUdpChecksum, 0);
        }

        public static Offloads none() {
            return new Offloads(false, false, false, false);
        }
    }

    private final Shard shard;
    /** Replaced, on this shard only, when the address changes (DHCP): see {@link #configure}. */
    private Route route;
    private final Ipv4NextHop arp;
    private int mtu;
    private final Config config;
    private final Offloads offloads;
    private final Reassembler reassembler;
    private final TransportHandler[] transports = new TransportHandler[256];
    private final DropCounters<Drop> drops;
    private final DropCounters<SendDrop> sendDrops;
    private final DropCounters<Reassembler.Drop> reassemblyDrops;
    private final Counter delivered;
    private final Counter sent;
    private final Counter fragmentsSent;
    private final Counter reassembled;
    private Icmp icmp;
    private ReassembledDatagramSteering reassembledSteering;
    private int nextId;
    private final int idStride;

    public Ipv4(Shard shard, Route route, Ipv4NextHop arp, int mtu, Offloads offloads, Config config, ShardMetrics metrics) {
        this.shard = shard;
        this.route = route;
        this.arp = arp;
        this.mtu = mtu;
        this.offloads = offloads;
        this.config = config;
        this.drops = new DropCounters<>(metrics, "ipv4_drops_total", "Received IPv4 datagrams dropped", Drop.class);
        this.sendDrops = new DropCounters<>(metrics, "ipv4_send_drops_total", "IPv4 datagrams that could not be sent", SendDrop.class);
        this.reassemblyDrops = new DropCounters<>(metrics, "ipv4_reassembly_drops_total", "Fragments (or datagrams) dropped by reassembly", Reassembler.Drop.class);
        this.delivered = metrics.counter("ipv4_datagrams_delivered_total", "Datagrams delivered to a transport");
        this.sent = metrics.counter("ipv4_datagrams_sent_total", "Datagrams sent (before fragmentation)");
        this.fragmentsSent = metrics.counter("ipv4_fragments_sent_total", "Fragments sent");
        this.reassembled = metrics.counter("ipv4_datagrams_reassembled_total", "Datagrams reassembled from fragments");
        this.reassembler = new Reassembler(shard.timers(), config.reassembly(), reassemblyDrops, this::reassemblyTimedOut);
        metrics.gauge("ipv4_reassembly_bytes", "Bytes of fragments held for reassembly", reassembler::bytesHeld);
        // IDs only matter to reassembly (RFC 6864): interleave the shards' sequences so that two
        // shards never send the same (source, destination, protocol, ID) at the same time.
        this.idStride = shard.count();
        this.nextId = shard.id() + idStride * (int) (System.nanoTime() & 0xff);
    }

    /** Connects ICMP (which is also a transport registered here). */
    void setIcmp(Icmp icmp) {
        this.icmp = icmp;
    }

    /**
     * Where reassembled datagrams go first: fragments are steered to shards by their addresses only
     * (later fragments carry no ports), so a whole TCP or UDP datagram may belong to another shard.
     */
    public interface ReassembledDatagramSteering {
        /**
         * Offers a reassembled datagram (it starts at its IP header); returns true if the steering
         * took it (sent it to another shard), false to deliver it here.
         */
        boolean steer(Packet datagram, int src, int dst, int protocol, int headerLength);
    }

    public void setReassembledDatagramSteering(ReassembledDatagramSteering steering) {
        this.reassembledSteering = steering;
    }

    /** Registers the transport that receives datagrams of {@code protocol}. */
    public void register(int protocol, TransportHandler handler) {
        if (transports[protocol] != null) {
            throw new IllegalStateException("protocol " + protocol + " already has a handler");
        }
        transports[protocol] = handler;
    }

    TransportHandler transport(int protocol) {
        return transports[protocol & 0xff];
    }

    public Route route() {
        return route;
    }

    /**
     * Changes the interface's address, subnet, gateway and MTU (a DHCP lease obtained or lost).
     * Called on this shard; each shard's instance is told by a message, so no shard ever sees a
     * half-changed configuration and the data path reads plain fields.
     */
    public void configure(Route newRoute, int newMtu) {
        this.route = newRoute;
        this.mtu = newMtu;
    }

    /** Whether the link address of the next hop towards {@code dst} is known (resolved by ARP). */
    public boolean neighbourKnown(int dst) {
        int hop = route.isBroadcast(dst) ? dst : route.nextHop(dst);
        return route.isBroadcast(dst) || (hop != Route.UNREACHABLE && arp.lookup(hop) != -1);
    }

    public DropCounters<Drop> drops() {
        return drops;
    }

    public DropCounters<SendDrop> sendDrops() {
        return sendDrops;
    }

    public DropCounters<Reassembler.Drop> reassemblyDrops() {
        return reassemblyDrops;
    }

    public Reassembler reassembler() {
        return reassembler;
    }

    // ---- receive ------------------------------------------------------------------------------

    /** A datagram from the link layer (it starts at the IP header). Takes ownership. */
    @Override
    public void handle(Packet datagram) {
        if (datagram.length() < Ipv4Header.MIN_HEADER_LENGTH
                || !datagram.linearize(Math.min(datagram.length(), Ipv4Header.MAX_HEADER_LENGTH))) {
            drop(datagram, Drop.TRUNCATED);
            return;
        }
        MemorySegment seg = datagram.head();
        long off = datagram.headOffset();
        if (datagram.hasFlag(Packet.RX_IP_CHECKSUM_BAD)) {
            drop(datagram, Drop.BAD_CHECKSUM);
            return;
        }
        boolean verify = !datagram.hasFlag(Packet.RX_IP_CHECKSUM_GOOD);
        Drop problem = switch (Ipv4Header.validate(seg, off, datagram.length(), verify)) {
            case NONE -> null;
            case TRUNCATED -> Drop.TRUNCATED;
            case BAD_VERSION -> Drop.BAD_VERSION;
            case BAD_IHL -> Drop.BAD_IHL;
            case BAD_CHECKSUM -> Drop.BAD_CHECKSUM;
            case BAD_TOTAL_LENGTH -> Drop.BAD_TOTAL_LENGTH;
            case BAD_OPTION_LENGTH -> Drop.BAD_OPTION_LENGTH;
            case BAD_OPTION -> Drop.BAD_OPTION;
            case BAD_FRAGMENT_OFFSET -> Drop.BAD_FRAGMENT_OFFSET;
            case BAD_FRAGMENT_LENGTH -> Drop.BAD_FRAGMENT_LENGTH;
            case BAD_SOURCE_ADDRESS -> Drop.BAD_SOURCE_ADDRESS;
        };
        if (problem != null) {
            drop(datagram, problem);
            return;
        }
        int src = Ipv4Header.source(seg, off);
        int dst = Ipv4Header.destination(seg, off);
        if (!route.isLocal(dst) && !config.acceptAnyDestination()) {
            drop(datagram, Drop.NOT_FOR_US);
            return;
        }
        if ((src == route.localAddress() && !config.acceptAnyDestination()) || route.isBroadcast(src) || Ipv4Address.isMulticast(src)) {
            // Our own address, or a source that cannot be a single host (RFC 1122 3.2.1.3).
            drop(datagram, Drop.BAD_SOURCE_ADDRESS);
            return;
        }
        // Ethernet pads short frames: the datagram ends where the header says.
        datagram.truncate(Ipv4Header.totalLength(seg, off));
        int headerLength = Ipv4Header.headerLength(seg, off);
        if (Ipv4Header.isFragment(seg, off)) {
            datagram = reassemble(datagram, src, dst, headerLength);
            if (datagram == null) {
                return;
            }
            seg = datagram.head();
            off = datagram.headOffset();
            if (reassembledSteering != null
                    && reassembledSteering.steer(datagram, src, dst, Ipv4Header.protocol(seg, off), headerLength)) {
                return;
            }
        }
        int protocol = Ipv4Header.protocol(seg, off);
        TransportHandler transport = transports[protocol];
        if (transport == null) {
            drops.count(Drop.UNKNOWN_PROTOCOL);
            if (icmp != null && !route.isBroadcast(dst)) {
                icmp.sendDestinationUnreachable(datagram, IcmpMessage.CODE_PROTOCOL_UNREACHABLE, 0);
            }
            datagram.release();
            return;
        }
        // The transport sees its own header first; the IP header stays in the buffer in front
        // (l3Length remembers its size) so an ICMP error can quote it (see Icmp).
        datagram.setHeaderLengths(0, headerLength);
        if (Ipv4Header.ecn(seg, off) == Ipv4Header.ECN_CE) {
            datagram.addFlags(Packet.RX_ECN_CE);   // for TCP's ECN-Echo (RFC 3168 6.1.3)
        }
        datagram.trimFront(headerLength);
        delivered.increment();
        transport.receive(src, dst, datagram);
    }

    private Packet reassemble(Packet fragment, int src, int dst, int headerLength) {
        MemorySegment seg = fragment.head();
        long off = fragment.headOffset();
        Packet whole = reassembler.offer(fragment, 0, src, 0, dst, Ipv4Header.identification(seg, off),
                Ipv4Header.protocol(seg, off), headerLength, Ipv4Header.fragmentOffsetBytes(seg, off),
                Ipv4Header.moreFragments(seg, off), Ipv4Header.ecn(seg, off));
        if (whole == null) {
            return null;
        }
        // The first fragment's header now heads the whole datagram: make it describe the whole.
        if (!whole.linearize(headerLength)) {
            drop(whole, Drop.NO_BUFFER);
            return null;
        }
        MemorySegment ws = whole.head();
        long wo = whole.headOffset();
        Ipv4Header.setTotalLength(ws, wo, whole.length());
        Ipv4Header.setFlagsAndFragmentOffset(ws, wo, Ipv4Header.flagsAndFragmentOffset(ws, wo) & Ipv4Header.FLAG_DONT_FRAGMENT);
        // RFC 3168 5.3: CE in any fragment is CE for the whole (the first fragment's may not say it).
        Ipv4Header.setDscpEcn(ws, wo, Ipv4Header.dscpEcn(ws, wo) & ~Ipv4Header.ECN_MASK | reassembler.lastEcn());
        Ipv4Header.fillChecksum(ws, wo);
        reassembled.increment();
        return whole;
    }

    private void reassemblyTimedOut(Packet firstFragment) {
        if (icmp != null) {
            icmp.sendTimeExceeded(firstFragment, IcmpMessage.CODE_FRAGMENT_REASSEMBLY_TIME_EXCEEDED);
        }
    }

    // ---- send ---------------------------------------------------------------------------------

    @Override
    public boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment) {
        return send(srcIp, dstIp, protocol, segment, dontFragment, Ipv4Header.ECN_NOT_ECT);
    }

    @Override
    public boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment, int ecn) {
        int total = segment.length() + Ipv4Header.MIN_HEADER_LENGTH;
        int hop;
        boolean broadcast = route.isBroadcast(dstIp);
        if (broadcast) {
            hop = dstIp;
        } else {
            hop = route.nextHop(dstIp);
            if (hop == Route.UNREACHABLE) {
                sendDrops.count(SendDrop.NO_ROUTE);
                segment.release();
                return false;
            }
        }
        int id = nextId;
        nextId += idStride;
        sent.increment();
        if (total <= mtu || (total <= offloads.txTcpSegmentationMax() && protocol == IpProtocol.TCP
                && segment.hasFlag(Packet.TX_TCP_SEGMENTATION))) {
            // A TCP super-segment goes whole: the NIC cuts it into datagrams within the MTU.
            return emit(writeHeader(segment, srcIp, dstIp, protocol, id, dontFragment ? Ipv4Header.FLAG_DONT_FRAGMENT : 0, ecn), hop, broadcast);
        }
        if (dontFragment) {
            sendDrops.count(SendDrop.FRAGMENTATION_NEEDED);
            segment.release();
            return false;
        }
        return fragment(segment, srcIp, dstIp, protocol, id, hop, broadcast);
    }

    /** Prepends and fills a 20-byte header; returns the datagram, or null (counted) without buffers. */
    private Packet writeHeader(Packet segment, int src, int dst, int protocol, int id, int flagsAndOffset, int ecn) {
        int off;
        try {
            off = segment.prepend(Ipv4Header.MIN_HEADER_LENGTH);
        } catch (BufferExhaustedException e) {
            sendDrops.count(SendDrop.NO_BUFFER);
            segment.release();
            return null;
        }
        MemorySegment seg = segment.head();
        Ipv4Header.write(seg, off, ecn, segment.length(), id & 0xffff, flagsAndOffset, config.ttl(), protocol, src, dst);
        segment.setHeaderLengths(segment.l2Length(), Ipv4Header.MIN_HEADER_LENGTH);
        if (offloads.txIpChecksum()) {
            Ipv4Header.setHeaderChecksum(seg, off, 0);
            segment.addFlags(Packet.TX_IP_CHECKSUM);
        } else {
            Ipv4Header.fillChecksum(seg, off);
        }
        return segment;
    }

    private boolean emit(Packet datagram, int hop, boolean broadcast) {
        if (datagram == null) {
            return false;
        }
        if (hop == route.localAddress()) {
            loopBack(datagram);
            return true;
        }
        if (broadcast) {
            arp.sendIpv4Broadcast(datagram);
        } else {
            arp.sendIpv4(hop, datagram);
        }
        return true;
    }

    /**
     * A datagram to our own address is delivered on the next turn of the loop, as a loopback
     * interface would; checksums left to the NIC are computed here since no NIC sees it.
     */
    private void loopBack(Packet datagram) {
        MemorySegment seg = datagram.head();
        long off = datagram.headOffset();
        int headerLength = Ipv4Header.headerLength(seg, off);
        datagram.trimFront(headerLength);
        completeDeferredChecksum(datagram, Ipv4Header.source(seg, off), Ipv4Header.destination(seg, off), Ipv4Header.protocol(seg, off));
        datagram.prepend(headerLength);
        datagram.clearFlags(Packet.TX_IP_CHECKSUM);
        Ipv4Header.fillChecksum(datagram.head(), datagram.headOffset());
        shard.schedule(() -> handle(datagram));
    }

    /**
     * RFC 791 fragmentation: every fragment but the last carries a multiple of 8 payload bytes; the
     * payload is shared, not copied; each fragment gets a fresh header. A checksum the NIC was asked
     * to fill is computed here first, since no NIC checksums across fragments.
     */
    private boolean fragment(Packet segment, int src, int dst, int protocol, int id, int hop, boolean broadcast) {
        completeDeferredChecksum(segment, src, dst, protocol);
        int perFragment = (mtu - Ipv4Header.MIN_HEADER_LENGTH) & ~7;
        int length = segment.length();
        boolean ok = true;
        for (int start = 0; start < length; start += perFragment) {
            int n = Math.min(perFragment, length - start);
            boolean last = start + n >= length;
            Packet piece = shard.packets().allocateWithHeadroom();
            if (piece == null) {
                sendDrops.count(SendDrop.NO_BUFFER);
                ok = false;
                break;
            }
            Packet data = segment.share(start, n);
            piece.append(data);
            int flags = (start / Ipv4Header.FRAGMENT_OFFSET_UNIT) | (last ? 0 : Ipv4Header.FLAG_MORE_FRAGMENTS);
            Packet header = writeHeader(piece, src, dst, protocol, id, flags, Ipv4Header.ECN_NOT_ECT);
            if (header == null) {
                ok = false;
                break;
            }
            fragmentsSent.increment();
            emit(header, hop, broadcast);
        }
        segment.release();
        return ok;
    }

    private void completeDeferredChecksum(Packet segment, int src, int dst, int protocol) {
        int field;
        if (segment.hasFlag(Packet.TX_UDP_CHECKSUM) && protocol == IpProtocol.UDP) {
            field = UdpHeader.OFFSET_CHECKSUM;
        } else if (segment.hasFlag(Packet.TX_TCP_CHECKSUM) && protocol == IpProtocol.TCP) {
            field = 16; // RFC 9293 3.1: the checksum is at byte 16 of the TCP header
        } else {
            return;
        }
        segment.clearFlags(Packet.TX_UDP_CHECKSUM | Packet.TX_TCP_CHECKSUM);
        segment.setU16(field, 0);
        long sum = InternetChecksum.sum(segment, 0, segment.length())
                + InternetChecksum.pseudoHeaderSum(src, dst, protocol, segment.length());
        int c = InternetChecksum.finish(sum);
        if (c == 0 && protocol == IpProtocol.UDP) {
            c = UdpHeader.CHECKSUM_ZERO_SENT_AS;
        }
        segment.setU16(field, c);
    }

    @Override
    public int mtu(int dstIp) {
        return mtu;
    }

    @Override
    public int sourceAddressFor(int dstIp) {
        return route.localAddress();
    }

    @Override
    public boolean txTcpChecksumOffload() {
        return offloads.txTcpChecksum();
    }

    @Override
    public boolean txUdpChecksumOffload() {
        return offloads.txUdpChecksum();
    }

    @Override
    public int txTcpSegmentationMax() {
        return offloads.txTcpSegmentationMax();
    }

    /** Drops what is held (the stack is stopping). */
    public void clear() {
        reassembler.clear();
    }

    private void drop(Packet p, Drop reason) {
        drops.count(reason);
        p.release();
    }
}
