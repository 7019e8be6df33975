package io.panamax.tcp.testbed;

import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Output;
import io.panamax.ip.PointToPointIpv4Output;
import io.panamax.ip.TransportHandler;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.wire.TcpChecksum;

import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * An IP link between two transport handlers on one shard, standing in for IPv4 and the wire:
 * each side gets an {@link Ipv4Output}; a packet sent on one side is copied (as a NIC would put
 * it on the wire), impaired ({@link Impairments}: loss, duplication, reordering, corruption) and
 * delivered to the other side's {@link TransportHandler#receive} after the delay, from a timer, so
 * sending never re-enters the receiver.
 *
 * <p>With checksum offload on, the link plays the NICs: it finishes the checksums of outgoing
 * segments and marks received ones {@code RX_L4_CHECKSUM_GOOD} or {@code _BAD} after verifying.
 */
public final class ImpairedLink implements AutoCloseable {
    private final Shard shard;
    private final Impairments impairments;
    private final SplittableRandom random;
    private final boolean offload;
    private final int mtu;
    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>();
    private final Timer timer;
    private long order;
    private final Side a;
    private final Side b;
    private long delivered;
    private long dropped;
    private long corrupted;
    private long duplicated;

    private record InFlight(long due, long order, Side to, int srcIp, int dstIp, Packet packet) implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    /** One end of the link: an address, the IPv4 output TCP sends through, and the handler it delivers to. */
    public final class Side extends PointToPointIpv4Output {
        private TransportHandler handler;
        private Side peer;

        Side(int address) {
            super(address, mtu, offload);
        }

        /** The handler that receives what the other side sends. */
        public void attach(TransportHandler h) {
            this.handler = h;
        }

        @Override
        public boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment) {
            if (protocol != IpProtocol.TCP || segment.length() + 20 > mtu) {
                segment.release();
                dropped++;
                return false;
            }
            transmit(this, peer, srcIp, dstIp, segment);
            return true;
        }
    }

    public ImpairedLink(Shard shard, int addressA, int addressB, Impairments impairments, boolean offload, int mtu) {
        this.shard = shard;
        this.impairments = impairments;
        this.random = new SplittableRandom(impairments.seed());
        this.offload = offload;
        this.mtu = mtu;
        this.a = new Side(addressA);
        this.b = new Side(addressB);
        a.peer = b;
        b.peer = a;
        this.timer = shard.timers().newTimer(this::deliverDue);
    }

    public Side a() {
        return a;
    }

    public Side b() {
        return b;
    }

    private void transmit(Side from, Side to, int srcIp, int dstIp, Packet segment) {
        if (offload) {
            // The sending NIC completes the checksum over the pseudo-header sum in the field.
            if (segment.hasFlag(Packet.TX_TCP_CHECKSUM)) {
                TcpChecksum.fill(srcIp, dstIp, segment);
            }
        }
        if (random.nextDouble() < impairments.loss()) {
            segment.release();
            dropped++;
            return;
        }
        Packet wire = copy(segment);
        segment.release();
        if (wire == null) {
            dropped++;
            return;
        }
        if (random.nextDouble() < impairments.corrupt()) {
            int at = random.nextInt(wire.length());
            wire.setU8(at, wire.getU8(at) ^ (1 + random.nextInt(255)));
            corrupted++;
        }
        long delay = impairments.delay().toNanos();
        if (random.nextDouble() < impairments.reorder()) {
            delay += 1 + random.nextLong(impairments.reorderDelay().toNanos());
        }
        schedule(to, srcIp, dstIp, wire, delay);
        if (random.nextDouble() < impairments.duplicate()) {
            Packet twin = copy(wire);
            if (twin != null) {
                duplicated++;
                schedule(to, srcIp, dstIp, twin, delay + random.nextLong(impairments.delay().toNanos() + 1));
            }
        }
    }

    /** A linear copy in a fresh buffer, as a receiving NIC would produce. */
    private Packet copy(Packet p) {
        Packet q = shard.packets().allocateWithHeadroom();
        if (q == null) {
            return null;
        }
        for (int i = 0; i < p.fragmentCount(); i++) {
            int n = p.fragmentLength(i);
            if (q.appendBytes(p.fragmentMemory(i), p.fragmentOffset(i), n) < n) {
                q.release();
                return null;
            }
        }
        return q;
    }

    private void schedule(Side to, int srcIp, int dstIp, Packet p, long delay) {
        long due = shard.nanoTime() + delay;
        inFlight.add(new InFlight(due, order++, to, srcIp, dstIp, p));
        if (!timer.isArmed() || timer.deadline() > inFlight.peek().due()) {
            timer.armAt(inFlight.peek().due());
        }
    }

    private void deliverDue() {
        long now = shard.nanoTime();
        InFlight f;
        while ((f = inFlight.peek()) != null && f.due() <= now) {
            inFlight.poll();
            Packet p = f.packet();
            if (offload) {
                // The receiving NIC verifies and says so in the packet flags.
                p.addFlags(TcpChecksum.verifies(f.srcIp(), f.dstIp(), p) ? Packet.RX_L4_CHECKSUM_GOOD : Packet.RX_L4_CHECKSUM_BAD);
            }
            delivered++;
            f.to().handler.receive(f.srcIp(), f.dstIp(), p);
        }
        if (f != null) {
            timer.armAt(f.due());
        }
    }

    public long delivered() {
        return delivered;
    }

    public long dropped() {
        return dropped;
    }

    public long corrupted() {
        return corrupted;
    }

    public long duplicated() {
        return duplicated;
    }

    /** Drops everything still in flight. */
    @Override
    public void close() {
        timer.cancel();
        InFlight f;
        while ((f = inFlight.poll()) != null) {
            f.packet().release();
        }
    }
}
