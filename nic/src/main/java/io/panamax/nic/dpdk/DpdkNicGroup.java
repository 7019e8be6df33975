package io.panamax.nic.dpdk;

import io.panamax.nic.AbstractNic;
import io.panamax.nic.Nic;
import io.panamax.nic.NicCapabilities;
import io.panamax.reactor.BufferPoolFactory;
import io.panamax.reactor.buffer.SlabBufferPool;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Several single-queue DPDK ports as one {@link Nic} with a queue per port: queue {@code i} is port
 * {@code i}'s queue 0, and shard {@code i} takes its buffers from that port's mbuf pool.
 *
 * <p>What it is for: DPDK 22.11's {@code net_af_xdp} opens a port's queues only up to the
 * interface's <em>combined</em> channels ({@code ETHTOOL_GCHANNELS}), and a veth has separate RX and
 * TX channels and no combined ones, which the driver reads as one queue. Its only other check is
 * {@code queue_count} against that count, not {@code start_queue}: so a port per veth queue
 * ({@code start_queue=i,queue_count=1}) opens each queue's AF_XDP socket, all of them on the one
 * XDP program libxdp loads for the interface. {@link #afXdp} makes those ports.
 *
 * <p>The ports have no redirection table ({@link NicCapabilities#retaSize()} 0): the stack steers
 * flows to their shards in software. A veth delivers a frame on the receive queue numbered like the
 * transmit queue the sender picked (the kernel's {@code skb_tx_hash} of the socket's random
 * {@code sk_txhash}, or XPS), not by the stack's Toeplitz hash, so a frame reaches the right shard's
 * queue only by chance (1 in N) and is handed over otherwise; transmits go out on the sending
 * shard's own queue. Close from outside the shards, once no shard polls.
 */
public final class DpdkNicGroup extends AbstractNic<DpdkQueue> {
    private final List<DpdkNic> ports;
    private final NicCapabilities capabilities;

    private DpdkNicGroup(String name, List<DpdkNic> ports) {
        super(name, ports.get(0).mac(), ports.get(0).mtu(),
                ports.stream().map(p -> p.queue(0)).toArray(DpdkQueue[]::new));
        this.ports = ports;
        NicCapabilities c = ports.get(0).capabilities();
        // One queue per port, as many as there are ports; no RSS of the group's own.
        this.capabilities = new NicCapabilities(ports.size(), c.rxIpChecksum(), c.rxL4Checksum(), c.txIpChecksum(),
                c.txTcpChecksum(), c.txUdpChecksum(), false, 0, 0, c.tsoMaxBytes(), c.rxCoalesced());
    }

    /**
     * Opens every config's port, in order, each with one queue; all must have the same MAC (the
     * same interface). If one fails, those already open are closed and the failure is thrown.
     */
    public static DpdkNicGroup open(String name, List<DpdkNicConfig> configs) {
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("a group of no ports");
        }
        List<DpdkNic> opened = new ArrayList<>();
        try {
            for (DpdkNicConfig c : configs) {
                if (c.queues() != 1) {
                    throw new IllegalArgumentException("each port of a group has one queue: " + c.deviceName()
                            + " asks for " + c.queues());
                }
                DpdkNic nic = DpdkNic.open(c);
                opened.add(nic);
                if (!nic.mac().equals(opened.get(0).mac())) {
                    throw new DpdkException(nic.name() + " has MAC " + nic.mac() + ", " + opened.get(0).name()
                            + " " + opened.get(0).mac() + ": the ports of a group are one interface's");
                }
            }
            return new DpdkNicGroup(name, List.copyOf(opened));
        } catch (RuntimeException | Error e) {
            closeAll(opened);
            throw e;
        }
    }

    /**
     * A port per queue of {@code iface} ({@code net_af_xdp}): {@code <prefix><i>,iface=<iface>,
     * start_queue=<i>,queue_count=1} followed by {@code extraArgs} (e.g. {@code ",busy_budget=0"}),
     * each configured by {@code template} (control context, socket wait, sizes). The interface must
     * have {@code queues} receive and transmit channels ({@code ethtool -L}).
     */
    public static DpdkNicGroup afXdp(String prefix, String iface, int queues, String extraArgs,
                                     java.util.function.UnaryOperator<DpdkNicConfig.Builder> template) {
        List<DpdkNicConfig> configs = new ArrayList<>();
        for (int q = 0; q < queues; q++) {
            configs.add(template.apply(DpdkNicConfig.vdev(prefix + q + ",iface=" + iface + ",start_queue=" + q
                    + ",queue_count=1" + extraArgs)).queues(1).build());
        }
        return open("dpdk:" + prefix + "[0-" + (queues - 1) + "]", configs);
    }

    /** The ports, port {@code i} holding queue {@code i}. */
    public List<DpdkNic> ports() {
        return ports;
    }

    @Override
    public boolean linkUp() {
        return ports.stream().allMatch(DpdkNic::linkUp);
    }

    @Override
    public NicCapabilities capabilities() {
        return capabilities;
    }

    /** Every port is given the list; the answer is the first port's (they are one driver's). */
    @Override
    public MulticastDelivery setMulticastGroups(long[] groups) {
        MulticastDelivery first = null;
        for (DpdkNic p : ports) {
            MulticastDelivery d = p.setMulticastGroups(groups);
            first = first == null ? d : first;
        }
        return first;
    }

    /** Shard {@code i} takes port {@code i}'s mbufs; shards beyond the ports plain off-heap buffers. */
    public BufferPoolFactory bufferPools() {
        return (shard, cfg) -> shard.id() < ports.size()
                ? ports.get(shard.id()).pool(0).bufferPool(shard)
                : new SlabBufferPool(shard, cfg.buffersPerShard(), cfg.bufferSize(), cfg.headroom());
    }

    @Override
    public Optional<BufferPoolFactory> deviceBufferPools() {
        return Optional.of(bufferPools());
    }

    /** Closes every port, the last first. */
    @Override
    public void close() {
        closeAll(ports);
    }

    private static void closeAll(List<DpdkNic> nics) {
        RuntimeException first = null;
        for (int i = nics.size() - 1; i >= 0; i--) {
            try {
                nics.get(i).close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "DpdkNicGroup[" + name() + ", " + ports.size() + " port(s), " + mac() + "]";
    }
}
