package io.panamax.ip.wire;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.ethernet.wire.ArpMessage;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ip.IpProtocol;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The codecs allocate nothing: every frame of every shared capture (IPv4 and IPv6) is validated and
 * read, and answers are written, many times over, while the thread's allocation counter stands still.
 */
class NoAllocationTest {

    @Test
    void validatingReadingAndWritingAllocatesNothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(), "allocation counters");
        try (Arena arena = Arena.ofShared()) {
            List<MemorySegment> list = new ArrayList<>();
            for (SharedData.Capture e : SharedData.captures()) {
                if (!e.rejected()) {
                    for (Pcap4jFrames.Frame f : Pcap4jFrames.sharedCapture(e.file())) {
                        MemorySegment seg = arena.allocate(Math.max(1, f.data().length));
                        MemorySegment.copy(MemorySegment.ofArray(f.data()), 0, seg, 0, f.data().length);
                        list.add(seg.asSlice(0, f.data().length));
                    }
                }
            }
            MemorySegment[] frames = list.toArray(new MemorySegment[0]);
            MemorySegment scratch = arena.allocate(2048);
            long sink = 0;
            for (int round = 0; round < 30; round++) { // warm up: let the JIT compile the paths
                sink += pass(frames, scratch);
            }
            long expected = pass(frames, scratch);
            int differing = 0;
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int round = 0; round < 20; round++) {
                if (pass(frames, scratch) != expected) {
                    differing++;
                }
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(0, differing, "passes are deterministic");
            assertTrue(sink != 0);
            // A few hundred bytes of slack for the counter's own bookkeeping; a single allocation
            // per frame would be ~75 000 × 16 bytes.
            assertTrue(allocated < 1024, "allocated " + allocated + " bytes over " + 20 * frames.length + " frames");
        }
    }

    /** The IPv6 codecs over one packet: header, extension walk, ICMPv6 checksum, ND checks and options; an NA written. */
    private static long ipv6(MemorySegment seg, int ip, int available, MemorySegment out) {
        Ipv6Header.Problem p = Ipv6Header.validate(seg, ip, available);
        long acc = p.ordinal();
        if (p != Ipv6Header.Problem.NONE) {
            return acc;
        }
        int length = Ipv6Header.HEADER_LENGTH + Ipv6Header.payloadLength(seg, ip);
        long r = Ipv6Extensions.walk(seg, ip, length);
        acc += r + Ipv6Header.sourceLow(seg, ip) + Ipv6Header.destinationHigh(seg, ip);
        if (Ipv6Extensions.problem(r) != Ipv6Extensions.Problem.NONE || Ipv6Extensions.protocol(r) != IpProtocol.ICMPV6) {
            return acc;
        }
        long icmp = ip + Ipv6Extensions.upperLayerOffset(r);
        int icmpLength = length - Ipv6Extensions.upperLayerOffset(r);
        Icmpv6Message.Problem ip6 = Icmpv6Message.validate(seg, icmp, icmpLength, Icmpv6Message.pseudoHeaderSum(seg, ip, icmpLength), true);
        acc += ip6.ordinal();
        NdpMessage.Problem nd = NdpMessage.validate(seg, icmp, icmpLength, Ipv6Header.hopLimit(seg, ip), Ipv6Header.sourceHigh(seg, ip),
                Ipv6Header.sourceLow(seg, ip), Ipv6Header.destinationHigh(seg, ip), Ipv6Header.destinationLow(seg, ip));
        acc += nd.ordinal();
        if (nd == NdpMessage.Problem.NONE) {
            for (int o = NdpMessage.firstOption(seg, icmp, icmpLength); o >= 0; o = NdpMessage.nextOption(seg, icmp, icmpLength, o)) {
                acc += NdpMessage.optionType(seg, icmp, o) + (NdpMessage.optionWellFormed(seg, icmp, o) ? 1 : 0);
            }
            int n = NdpMessage.writeNeighborAdvertisement(out, 54, NdpMessage.FLAG_SOLICITED, 1, 2, 0x020000000001L);
            acc += Ipv6Header.write(out, 14, n, IpProtocol.ICMPV6, 255, 1, 2, 3, 4);
            Icmpv6Message.fillChecksum(out, 54, n, Icmpv6Message.pseudoHeaderSum(out, 14, n));
            acc += Icmpv6Message.checksum(out, 54);
        }
        return acc;
    }

    /** Walks every frame as the layers would and writes replies; returns a checksum of what it read. */
    private static long pass(MemorySegment[] frames, MemorySegment out) {
        long acc = 0;
        for (int i = 0; i < frames.length; i++) {
            MemorySegment seg = frames[i];
            int n = (int) seg.byteSize();
            EthernetHeader.Problem eth = EthernetHeader.validate(seg, 0, n);
            acc += eth.ordinal();
            if (eth != EthernetHeader.Problem.NONE) {
                continue;
            }
            int l2 = EthernetHeader.headerLength(seg, 0);
            acc += EthernetHeader.destination(seg, 0) + EthernetHeader.source(seg, 0) + EthernetHeader.innerVlanId(seg, 0);
            int type = EthernetHeader.innerEtherType(seg, 0);
            if (type == EtherType.ARP) {
                ArpMessage.Problem p = ArpMessage.validate(seg, l2, n - l2);
                acc += p.ordinal();
                if (p == ArpMessage.Problem.NONE) {
                    acc += ArpMessage.senderProtocolAddress(seg, l2) + ArpMessage.targetHardwareAddress(seg, l2);
                    acc += ArpMessage.write(out, 14, ArpMessage.OPERATION_REPLY, 1, 2, 3, 4);
                    acc += EthernetHeader.write(out, 0, 1, 2, EtherType.ARP) + EthernetHeader.pad(out, 0, 42);
                }
                continue;
            }
            if (type == EtherType.IPV6) {
                acc += ipv6(seg, l2, n - l2, out);
                continue;
            }
            if (type != EtherType.IPV4) {
                continue;
            }
            Ipv4Header.Problem ip = Ipv4Header.validate(seg, l2, n - l2);
            acc += ip.ordinal();
            if (ip != Ipv4Header.Problem.NONE) {
                continue;
            }
            for (int p = Ipv4Header.firstOption(seg, l2); p >= 0; p = Ipv4Header.nextOption(seg, l2, p)) {
                acc += Ipv4Header.optionType(seg, l2, p);
            }
            acc += Ipv4Header.source(seg, l2) + Ipv4Header.ttl(seg, l2) + Ipv4Header.identification(seg, l2);
            if (Ipv4Header.isFragment(seg, l2)) {
                continue;
            }
            long l4 = l2 + Ipv4Header.headerLength(seg, l2);
            int len = Ipv4Header.payloadLength(seg, l2);
            int src = Ipv4Header.source(seg, l2);
            int dst = Ipv4Header.destination(seg, l2);
            if (Ipv4Header.protocol(seg, l2) == IpProtocol.ICMP) {
                IcmpMessage.Problem p = IcmpMessage.validate(seg, l4, len);
                acc += p.ordinal() + IcmpMessage.identifier(seg, l4);
                if (p == IcmpMessage.Problem.NONE && len <= 1000) {
                    MemorySegment.copy(seg, l4, out, 34, len);
                    IcmpMessage.turnEchoRequestIntoReply(out, 34);
                    IcmpMessage.fillChecksum(out, 34, len);
                    acc += Ipv4Header.write(out, 14, 0, 20 + len, 1, Ipv4Header.FLAG_DONT_FRAGMENT, 64, IpProtocol.ICMP, dst, src);
                }
            } else if (Ipv4Header.protocol(seg, l2) == IpProtocol.UDP) {
                UdpHeader.Problem p = UdpHeader.validate(seg, l4, len, src, dst);
                acc += p.ordinal();
                if (p == UdpHeader.Problem.NONE && len <= 1000) {
                    acc += UdpHeader.destinationPort(seg, l4);
                    MemorySegment.copy(seg, l4, out, 34, len);
                    UdpHeader.fillChecksum(out, 34, len, dst, src);
                    acc += UdpHeader.checksum(out, 34);
                }
            }
        }
        return acc;
    }
}
