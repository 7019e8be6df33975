package io.panamax.ethernet;

import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetAddress;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ethernet.wire.VlanTag;
import io.panamax.nic.MacAddress;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.ShardMetrics;
import io.panamax.reactor.util.IntObjectMap;

import java.lang.foreign.MemorySegment;

/**
 * One shard's Ethernet layer: receives frames from the NIC, filters them by destination and VLAN,
 * strips the header and hands the payload to the layer registered for its EtherType; on the way out,
 * prepends the header (and the VLAN tag) into the packet's headroom and pads short frames to the
 * 60-byte minimum (IEEE 802.3 §4.2.3.3; the NIC adds the FCS).
 */
public final class Ethernet implements PacketHandler {
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[EthernetHeader.MIN_FRAME_LENGTH]);

    private final long mac;
    private final int vlanId;
    private long[] groups;
    private java.util.function.Consumer<long[]> groupsListener;
    private final boolean promiscuous;
    private final FrameTransmitter transmitter;
    private final IntObjectMap<PacketHandler> handlers = new IntObjectMap<>();
    private final DropCounters<EthernetDrop> drops;
    private final Counter received;
    private final Counter sent;

    public Ethernet(EthernetConfig config, FrameTransmitter transmitter, ShardMetrics metrics) {
        this.mac = config.mac().bits();
        this.vlanId = config.vlanId();
        this.groups = config.multicast().stream().mapToLong(MacAddress::bits).toArray();
        this.promiscuous = config.promiscuous();
        this.transmitter = transmitter;
        this.drops = new DropCounters<>(metrics, "ethernet_drops_total", "Received frames dropped by the Ethernet layer", EthernetDrop.class);
        this.received = metrics.counter("ethernet_frames_received_total", "Frames accepted and passed up");
        this.sent = metrics.counter("ethernet_frames_sent_total", "Frames handed to the NIC");
    }

    /** The stack's MAC as a 48-bit long. */
    public long mac() {
        return mac;
    }

    /** The stack's MAC. */
    public MacAddress macAddress() {
        return new MacAddress(mac);
    }

    /** Registers the layer that receives payloads of {@code etherType} (ARP, IPv4). */
    public void register(int etherType, PacketHandler handler) {
        if (handlers.put(etherType, handler) != null) {
            throw new IllegalStateException("EtherType " + EtherType.name(etherType) + " already has a handler");
        }
    }

    public DropCounters<EthernetDrop> drops() {
        return drops;
    }

    /** A received frame: takes ownership. */
    @Override
    public void handle(Packet frame) {
        int want = Math.min(frame.length(), EthernetHeader.MAX_HEADER_LENGTH);
        if (frame.length() < EthernetHeader.HEADER_LENGTH || !frame.linearize(want)) {
            drop(frame, EthernetDrop.TRUNCATED);
            return;
        }
        MemorySegment seg = frame.head();
        long off = frame.headOffset();
        switch (EthernetHeader.validate(seg, off, frame.headLength())) {
            case NONE -> { }
            case TRUNCATED -> {
                drop(frame, EthernetDrop.TRUNCATED);
                return;
            }
            case TOO_MANY_VLAN_TAGS -> {
                drop(frame, EthernetDrop.TOO_MANY_VLAN_TAGS);
                return;
            }
            case BAD_LENGTH_FIELD -> {
                drop(frame, EthernetDrop.BAD_LENGTH_FIELD);
                return;
            }
        }
        long dst = EthernetHeader.destination(seg, off);
        if (dst != mac) {
            if (EthernetAddress.isBroadcast(dst)) {
                frame.addFlags(Packet.L2_BROADCAST);
            } else if (EthernetAddress.isMulticast(dst) && joined(dst)) {
                frame.addFlags(Packet.L2_MULTICAST);
            } else if (!promiscuous) {
                drop(frame, EthernetDrop.NOT_FOR_US);
                return;
            }
        }
        if (EthernetHeader.source(seg, off) == mac) {
            drop(frame, EthernetDrop.FROM_OURSELVES);
            return;
        }
        if (!vlanAccepted(seg, off)) {
            drop(frame, EthernetDrop.WRONG_VLAN);
            return;
        }
        if (EthernetHeader.isLengthFramed(seg, off)) {
            drop(frame, EthernetDrop.LLC_FRAME);
            return;
        }
        PacketHandler next = handlers.get(EthernetHeader.innerEtherType(seg, off));
        if (next == null) {
            drop(frame, EthernetDrop.UNKNOWN_ETHERTYPE);
            return;
        }
        frame.trimFront(EthernetHeader.headerLength(seg, off));
        received.increment();
        next.handle(frame);
    }

    /**
     * Accepts frames to the multicast group {@code group} from now on (an IPv6 solicited-node
     * group of an address configured at run time). Control path, on this layer's shard.
     */
    public void join(long group) {
        if (!joined(group) || promiscuous) {
            long[] more = java.util.Arrays.copyOf(groups, groups.length + 1);
            more[groups.length] = group;
            groups = more;
            if (groupsListener != null) {
                groupsListener.accept(more.clone());
            }
        }
    }

    /**
     * Stops accepting frames to {@code group} (an address removed, and no other address of ours
     * in the same group). Control path, on this layer's shard.
     */
    public void leave(long group) {
        for (int i = 0; i < groups.length; i++) {
            if (groups[i] == group) {
                long[] fewer = new long[groups.length - 1];
                System.arraycopy(groups, 0, fewer, 0, i);
                System.arraycopy(groups, i + 1, fewer, i, groups.length - i - 1);
                groups = fewer;
                if (groupsListener != null) {
                    groupsListener.accept(fewer.clone());
                }
                return;
            }
        }
    }

    /** The multicast groups accepted now (a copy). */
    public long[] groups() {
        return groups.clone();
    }

    /**
     * Called on this layer's shard with the whole set after every {@link #join} or
     * {@link #leave} that changed it: the stack passes it on to the NIC's multicast filter.
     */
    public void setGroupsListener(java.util.function.Consumer<long[]> listener) {
        this.groupsListener = listener;
    }

    private boolean joined(long group) {
        for (long g : groups) {
            if (g == group) {
                return true;
            }
        }
        return promiscuous;
    }

    /** Untagged frames on an untagged stack; our VLAN (or priority tag 0) on a tagged one. */
    private boolean vlanAccepted(MemorySegment seg, long off) {
        int tags = EthernetHeader.tagCount(seg, off);
        if (tags == 0) {
            return vlanId == -1;
        }
        if (tags > 1) {
            return false;
        }
        int vid = VlanTag.vlanId(EthernetHeader.tagControl(seg, off, 0));
        return vid == VlanTag.VID_PRIORITY_ONLY ? vlanId == -1 : vid == vlanId;
    }

    /**
     * Sends {@code payload} (which starts at the network header) to {@code dstMac}: prepends the
     * Ethernet header and the VLAN tag, pads to the minimum frame, and hands it to the NIC. Takes
     * ownership.
     */
    public void send(long dstMac, int etherType, Packet payload) {
        boolean tagged = vlanId != -1;
        int headerLength = EthernetHeader.HEADER_LENGTH + (tagged ? VlanTag.LENGTH : 0);
        int off = payload.prepend(headerLength);
        MemorySegment seg = payload.head();
        if (tagged) {
            EthernetHeader.writeTagged(seg, off, dstMac, mac, VlanTag.tci(0, false, vlanId), etherType);
        } else {
            EthernetHeader.write(seg, off, dstMac, mac, etherType);
        }
        int padding = EthernetHeader.paddingFor(payload.length());
        if (padding > 0 && payload.appendBytes(ZEROS, 0, padding) < padding) {
            // No buffer for the padding: a runt would be sent; drop instead.
            payload.release();
            return;
        }
        payload.setHeaderLengths(headerLength, payload.l3Length());
        sent.increment();
        transmitter.transmit(payload);
    }

    private void drop(Packet frame, EthernetDrop reason) {
        drops.count(reason);
        frame.release();
    }
}
