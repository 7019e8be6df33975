package io.panamax.nic.wire;

import io.panamax.nic.AbstractNic;
import io.panamax.nic.MacAddress;
import io.panamax.nic.NicCapabilities;
import io.panamax.nic.NicQueue;
import io.panamax.nic.RssControl;

import java.util.Optional;

/**
 * One side of a {@link Wire}: a NIC whose frames arrive at the other side's NIC, through the
 * impairments configured for that direction. IPv4, TCP and UDP checksum offload when the wire
 * was built with {@link WireConfig#checksumOffload()} (IPv4 only: IPv6 segments are summed by the
 * stack); an RSS hash when the receive steering computes one.
 */
public final class WireNic extends AbstractNic<NicQueue> {
    private final WireSteering steering;
    private final NicCapabilities capabilities;
    /** The same queues as the base class holds, with their wire counters. */
    private WireQueue[] queues;
    private WireNic peer;
    private volatile boolean open = true;

    WireNic(String name, MacAddress mac, int mtu, int queueCount, WireSteering steering, boolean checksumOffload) {
        super(name, mac, mtu, null);
        this.steering = steering;
        int keyBytes = 0;
        int retaSize = 0;
        if (steering instanceof RssControl rss) {
            keyBytes = rss.key().length;
            retaSize = rss.redirectionTable().length;
        }
        boolean c = checksumOffload;
        this.capabilities = new NicCapabilities(queueCount, c, c, c, c, c, steering.setsHash(), keyBytes, retaSize);
    }

    void connect(WireQueue[] queues, WireNic peer) {
        this.queues = queues;
        setQueues(queues);
        this.peer = peer;
    }

    /** Up while neither side is closed. */
    @Override
    public boolean linkUp() {
        return open && peer.open;
    }

    @Override
    public NicCapabilities capabilities() {
        return capabilities;
    }

    /** The receive steering, when it is also an RSS control (a Toeplitz steering with a key and table). */
    @Override
    public Optional<RssControl> rss() {
        return steering instanceof RssControl rss ? Optional.of(rss) : Optional.empty();
    }

    /** The other side. */
    public WireNic peer() {
        return peer;
    }

    /** What the wire did to the frames this side sent, on all queues, at one moment. */
    public WireStats outboundStats() {
        long[] t = new long[11];
        for (WireQueue q : queues) {
            WireCounters c = q.counters();
            t[0] += q.stats().txPackets.get();
            t[1] += c.lost.get();
            t[2] += c.duplicated.get();
            t[3] += c.reordered.get();
            t[4] += c.corrupted.get();
            t[5] += c.delayed.get();
            t[6] += c.rateLimited.get();
            t[7] += c.oversize.get();
            t[8] += c.runt.get();
            t[9] += c.ringFull.get();
            t[10] += c.steeringFailed.get();
        }
        return new WireStats(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10]);
    }

    /** The per-queue counters behind {@link #outboundStats()}, for a shard's metrics. */
    public WireCounters counters(int queue) {
        return queues[queue].counters();
    }

    /** Takes the link down. Frames in flight stay in the rings; the memory goes with the wire. */
    @Override
    public void close() {
        open = false;
    }

    @Override
    public String toString() {
        return "WireNic[" + name() + ", " + mac() + ", " + queues.length + " queue(s)]";
    }
}
