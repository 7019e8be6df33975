package io.panamax.benchmarks.tcp;

import io.panamax.ip.PointToPointIpv4Output;
import io.panamax.ip.TransportHandler;
import io.panamax.reactor.Poller;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.TcpChecksum;

/**
 * Two TCP stacks on one shard joined by an in-memory IP "wire" that allocates nothing: a packet
 * sent on one side is copied into a fresh buffer (as a NIC puts it on the wire and another takes
 * it off), queued in a ring, and delivered to the other side's handler when the shard polls. With
 * checksum offload it behaves like Linux's loopback device: checksums are neither computed nor
 * verified (the receive side is told they are good).
 */
final class LoopbackIpLink implements Poller {
    private final Shard shard;
    private final boolean offload;
    private final int mtu;
    private Packet[] packets = new Packet[4096];
    private int[] src = new int[4096];
    private int[] dst = new int[4096];
    private Side[] to = new Side[4096];
    private int head;
    private int count;
    private final Side a;
    private final Side b;
    private long dropped;

    /** One end: the output its TCP sends through, and that TCP (which receives what the other end sends). */
    final class Side extends PointToPointIpv4Output {
        private Side peer;
        TransportHandler handler;

        Side(int address) {
            super(address, mtu, offload);
        }

        @Override
        public boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment) {
            if (offload && segment.hasFlag(Packet.TX_TCP_CHECKSUM)) {
                segment.clearFlags(Packet.TX_TCP_CHECKSUM);
            } else if (offload) {
                TcpChecksum.fill(srcIp, dstIp, segment);
            }
            Packet wire = shard.packets().allocateWithHeadroom();
            if (wire == null) {
                segment.release();
                dropped++;
                return false;
            }
            for (int i = 0; i < segment.fragmentCount(); i++) {
                wire.appendBytes(segment.fragmentMemory(i), segment.fragmentOffset(i), segment.fragmentLength(i));
            }
            segment.release();
            if (offload) {
                wire.addFlags(Packet.RX_L4_CHECKSUM_GOOD);
            }
            enqueue(peer, srcIp, dstIp, wire);
            return true;
        }
    }

    LoopbackIpLink(Shard shard, int addressA, int addressB, boolean offload, int mtu) {
        this.shard = shard;
        this.offload = offload;
        this.mtu = mtu;
        this.a = new Side(addressA);
        this.b = new Side(addressB);
        a.peer = b;
        b.peer = a;
    }

    Side a() {
        return a;
    }

    Side b() {
        return b;
    }

    private void enqueue(Side side, int s, int d, Packet p) {
        if (count == packets.length) {
            grow();
        }
        int k = (head + count) & (packets.length - 1);
        packets[k] = p;
        src[k] = s;
        dst[k] = d;
        to[k] = side;
        count++;
    }

    private void grow() {
        int n = packets.length * 2;
        Packet[] np = new Packet[n];
        int[] ns = new int[n];
        int[] nd = new int[n];
        Side[] nt = new Side[n];
        for (int i = 0; i < count; i++) {
            int k = (head + i) & (packets.length - 1);
            np[i] = packets[k];
            ns[i] = src[k];
            nd[i] = dst[k];
            nt[i] = to[k];
        }
        packets = np;
        src = ns;
        dst = nd;
        to = nt;
        head = 0;
    }

    /** Delivers what was queued before this poll (what the deliveries send waits for the next). */
    @Override
    public int poll() {
        int n = count;
        for (int i = 0; i < n; i++) {
            int k = head;
            Packet p = packets[k];
            packets[k] = null;
            head = (head + 1) & (packets.length - 1);
            count--;
            to[k].handler.receive(src[k], dst[k], p);
        }
        return n;
    }

    long dropped() {
        return dropped;
    }

    /** Releases what is still queued. */
    void clear() {
        while (count > 0) {
            packets[head].release();
            packets[head] = null;
            head = (head + 1) & (packets.length - 1);
            count--;
        }
    }
}
